package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// pageMatrix says who may use each page and form, like permissionMatrix: y admitted, n refused
// (anonymous: sent to sign in; a role: 403), for anonymous, cas_admin, hmis_admin, agency_user.
// Each area's test file adds its pages in an init function; every page route must be listed.
var pageMatrix = map[string]string{
	"GET /{$}":     "yyyy",
	"GET /login":   "yyyy",
	"POST /login":  "yyyy",
	"POST /logout": "nyyy",

	"GET /inbox":            "nyyy",
	"POST /inbox/{id}/read": "nyyy",
	"GET /inbox/unread":     "nyyy",
}

// browser is a signed-in (or anonymous) browser against a test server.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// do sends a same-origin request, as a form post from the page would be.
func (b *browser) do(method, path string, form url.Values) *http.Response {
	b.t.Helper()
	resp, _ := b.request(method, path, form)
	return resp
}

// request is do that also returns the response body.
func (b *browser) request(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(body)
}

// getPage GETs a page and returns the status and body.
func (b *browser) getPage(path string) (int, string) {
	b.t.Helper()
	resp, body := b.request("GET", path, nil)
	return resp.StatusCode, body
}

// postForm posts a same-origin form and returns the status, the redirect and the body.
func (b *browser) postForm(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	resp, body := b.request("POST", path, form)
	return resp.StatusCode, resp.Header.Get("Location"), body
}

// postMultipart posts a same-origin multipart form, its parts written by fill, and returns the
// response and its body.
func (b *browser) postMultipart(path string, fill func(*multipart.Writer)) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fill(mw)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp, string(page)
}

func (b *browser) signIn(email string) {
	b.t.Helper()
	resp := b.do("POST", "/login", url.Values{"email": {email}, "password": {"a long enough password"}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d", email, resp.StatusCode)
	}
}

func TestPagePermissionMatrix(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	s := New(db, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	agency, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range cas.Roles {
		u := cas.User{Email: string(role) + "@coc.test", Name: string(role), Role: role}
		if role == cas.RoleAgencyUser {
			u.AgencyID = agency.ID
		}
		if _, err := db.CreateUser(ctx, cas.System, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, rt := range s.pageTable() {
		pattern := rt.method + " " + rt.path
		seen[pattern] = true
		want, ok := pageMatrix[pattern]
		if !ok {
			t.Errorf("page %s has no entry in the page permission matrix", pattern)
			continue
		}
		if rt.method == "POST" && (rt.path == "/login" || rt.path == "/logout") {
			continue // signing in and out are exercised by the session tests
		}
		path := strings.NewReplacer("{id}", "some-id", "{$}", "").Replace(rt.path)
		for i, role := range append([]cas.Role{""}, cas.Roles...) {
			b := newBrowser(t, srv.URL)
			if role != "" {
				b.signIn(string(role) + "@coc.test")
			}
			resp := b.do(rt.method, path, url.Values{})
			toLogin := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
			who := string(role)
			if who == "" {
				who = "anonymous"
			}
			switch {
			case want[i] == 'y' && role != "" && (toLogin || resp.StatusCode == http.StatusForbidden):
				t.Errorf("%s as %s: %d %s, want it admitted", pattern, who, resp.StatusCode, resp.Header.Get("Location"))
			case want[i] == 'n' && role == "" && !toLogin:
				t.Errorf("%s as anonymous: %d, want a redirect to sign in", pattern, resp.StatusCode)
			case want[i] == 'n' && role != "" && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", pattern, who, resp.StatusCode)
			}
		}
	}
	for pattern := range pageMatrix {
		if !seen[pattern] {
			t.Errorf("the page matrix lists %s, which is not a page", pattern)
		}
	}
}
