package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/web"
)

// persona is someone who signs in to the demo CoC: a role, or an agency user standing in a way
// that changes what they see (a CAS Contact, a client's navigator).
type persona struct {
	name, email string
	user        cas.User
	token       string
}

// phoneWidth is the width of the phone the pages must fit: a common phone's CSS pixels.
const phoneWidth = 390

// pathParameter matches a route's {parameter}.
var pathParameter = regexp.MustCompile(`\{[^}]+\}`)

// pageFillers fill the path parameters of the pages whose records no API list names: each returns
// the path to visit for a persona, or "" when the persona has no such record.
type pageFiller func(t *testing.T, p persona) string

// TestBrowserEveryPageOnAPhone signs in as each persona on the demo CoC and visits every page of
// the route table that persona's role may open, its path parameters filled with records the
// persona can see, on a 390 px phone. No page may scroll sideways, and axe-core must find
// nothing; every field of every form must have a label, for messages in the form's words
// (form_words.go). Pages added to the route table are visited without a change here; a page whose path
// parameters nothing here can fill fails the test, naming it.
func TestBrowserEveryPageOnAPhone(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	if loaded, err := demo.Load(ctx, db); err != nil || !loaded {
		t.Fatalf("demo: %v %v", loaded, err)
	}
	server := web.New(db, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	base := srv.URL
	personas := demoPersonas(t, db)

	importPage := ""
	fillers := map[string]pageFiller{
		"/admin/import/{id}": func(t *testing.T, p persona) string {
			if importPage == "" {
				importPage = web.StartImport(t, base, p.email, demo.Password)
			}
			return importPage
		},
	}
	fillers["/admin/import/{id}/progress"] = func(t *testing.T, p persona) string { return fillers["/admin/import/{id}"](t, p) + "/progress" }
	// A password reset link the HMIS team made for the first persona, never used: its form.
	resetPage := ""
	fillers["/reset/{token}"] = func(t *testing.T, _ persona) string {
		if resetPage == "" {
			secret, _, err := db.IssuePasswordReset(ctx, cas.System, personas[0].user.ID)
			if err != nil {
				t.Fatal(err)
			}
			resetPage = links.PasswordReset(secret)
		}
		return resetPage
	}

	b := newBrowserContextFor(t, 10*time.Minute)
	phone := chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	if err := chromedp.Do(b, phone); err != nil {
		t.Fatal(err)
	}
	check := func(what, path string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Errorf("%s: open %s: %v", what, path, err)
			return
		}
		checkPhonePage(t, b, what+" "+path)
	}

	check("signed out", "/login")
	check("signed out", fillers["/reset/{token}"](t, persona{}))
	check("signed out", "/no/such/page")
	for _, p := range personas {
		get := web.PageAs(t, base, p.email, demo.Password)
		if err := chromedp.Do(b, clearCookies()); err != nil {
			t.Fatal(err)
		}
		if err := signInWith(b, base, p.email, demo.Password); err != nil {
			t.Fatalf("%s signs in: %v", p.name, err)
		}
		visited := 0
		for _, rt := range server.PageRoutes() {
			if !rt.Admits(p.user.Role) {
				continue
			}
			path := strings.TrimSuffix(rt.Path, "{$}")
			if pathParameter.MatchString(path) {
				if fill, ok := fillers[path]; ok {
					path = fill(t, p)
				} else {
					path = fillFromAPI(t, base, p, path)
				}
				if path == "" {
					continue // nothing of the kind this persona can see
				}
			}
			status, contentType, body := get(path)
			if status >= 300 && status < 400 || !strings.HasPrefix(contentType, "text/html") || !strings.HasPrefix(body, "<!DOCTYPE html>") {
				continue // a redirect (visited where it leads), a download or a fragment of a page
			}
			if unlabelled := web.UnlabelledFields(body); len(unlabelled) > 0 {
				t.Errorf("%s %s: fields without a label, whose messages cannot use the form's words: %v", p.name, path, unlabelled)
			}
			check(p.name, path)
			visited++
		}
		check(p.name, "/no/such/page")
		if forbidden := forbiddenPage(server, p.user.Role); forbidden != "" {
			check(p.name, forbidden)
		}
		t.Logf("%s: %d pages", p.name, visited)
	}
}

// demoPersonas are the demo's accounts of every kind, with API tokens: the CAS and HMIS admins,
// a CAS Contact, an agency user who is not one, and a navigator (an outreach worker of another
// agency made the navigator of a client referred to Harbor).
func demoPersonas(t *testing.T, db *store.DB) []persona {
	t.Helper()
	account := func(name, email string) persona { return demoAccount(t, db, name, email) }
	eastside, err := db.UserByEmail(ctx, cas.System, "outreach@eastside.demo.doorway.test")
	if err != nil {
		t.Fatal(err)
	}
	navigator, err := db.CreateUser(ctx, cas.System, cas.User{Email: "navigator@eastside.demo.doorway.test", Name: "Quinn Navigator",
		Role: cas.RoleAgencyUser, AgencyID: eastside.AgencyID}, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	intake := account("CAS Contact", "intake@harbor.demo.doorway.test")
	refs, _, err := db.Referrals(ctx, &intake.user, store.ReferralFilter{}, store.Page{Limit: 1})
	if err != nil || len(refs) == 0 {
		t.Fatalf("Harbor's referrals: %v", err)
	}
	if _, err := db.UpdateClient(ctx, cas.System, refs[0].ClientID, func(c *cas.Client) { c.NavigatorUserID = navigator.ID }); err != nil {
		t.Fatal(err)
	}
	return []persona{
		account("agency user", "casemanager@harbor.demo.doorway.test"),
		intake,
		account("CAS admin", demo.CASAdminEmail),
		account("HMIS admin", demo.HMISAdminEmail),
		account("navigator", navigator.Email),
	}
}

// demoAccount is an account of the demo with a new API token.
func demoAccount(t *testing.T, db *store.DB, name, email string) persona {
	t.Helper()
	u, err := db.UserByEmail(ctx, cas.System, email)
	if err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	secret, _, err := db.CreateToken(ctx, cas.System, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return persona{name: name, email: email, user: u, token: secret}
}

// fillFromAPI fills a page's {id} with the record of the persona's API list of the same resource
// (/clients/{id} from /api/v1/clients, /admin/users/{id} from /api/v1/users) that has the most
// to show: the longest, so long names and IDs are on the page. It answers "" when the persona
// sees none, and fails the test when no API list answers for the resource.
func fillFromAPI(t *testing.T, base string, p persona, path string) string {
	t.Helper()
	i := strings.Index(path, "{")
	resource := strings.TrimSuffix(path[:i], "/")
	if strings.Contains(path[i+1:], "{") || !strings.HasSuffix(path, "}") && !strings.Contains(path[i:], "}/") {
		t.Errorf("no way to fill the parameters of %s: add a filler to TestBrowserEveryPageOnAPhone", path)
		return ""
	}
	for _, list := range []string{"/api/v1" + resource, "/api/v1" + strings.TrimPrefix(resource, "/admin")} {
		req, _ := http.NewRequest("GET", base+list+"?limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden {
			return "" // the role may open the page of a record it cannot list: none to visit
		}
		if resp.StatusCode != http.StatusOK {
			continue
		}
		var page struct{ Items []json.RawMessage }
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatalf("%s: %v", list, err)
		}
		if len(page.Items) == 0 {
			return ""
		}
		fullest := slices.MaxFunc(page.Items, func(a, b json.RawMessage) int { return len(a) - len(b) })
		var item struct{ ID string }
		if err := json.Unmarshal(fullest, &item); err != nil || item.ID == "" {
			t.Fatalf("%s: an item without an id: %s", list, fullest)
		}
		return pathParameter.ReplaceAllLiteralString(path, item.ID)
	}
	t.Errorf("no API list names the records of %s: add a filler to TestBrowserEveryPageOnAPhone", path)
	return ""
}

// forbiddenPage is a page without parameters that the role may not open, for its 403 page.
func forbiddenPage(server *web.Server, role cas.Role) string {
	for _, rt := range server.PageRoutes() {
		if !rt.Admits(role) && !pathParameter.MatchString(rt.Path) {
			return rt.Path
		}
	}
	return ""
}

// clearCookies signs the browser out of every site.
func clearCookies() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
}
