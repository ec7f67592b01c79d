package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// browser is a signed-in (or anonymous) browser against a test server.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	// referer, when set, is sent as the page the browser's requests come from.
	referer string
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
	if b.referer != "" {
		req.Header.Set("Referer", b.referer)
	}
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

func (b *browser) signIn(email string) { b.t.Helper(); b.signInWith(email, "a long enough password") }

func (b *browser) signInWith(email, password string) {
	b.t.Helper()
	resp := b.do("POST", "/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d", email, resp.StatusCode)
	}
}

func TestPagesShowTheCoCsTimeAndThresholds(t *testing.T) {
	c := newAgencyCoC(t)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	c.db.Zone = chicago // what serve --timezone America/Chicago sets

	t.Run("a page prints times in the CoC's time zone, as its emails do", func(t *testing.T) {
		_, body := c.as(t, "harbor@coc.test").getPage("/referrals/" + c.janeRef.ID)
		local := c.janeRef.CreatedAt.In(chicago)
		agencyContains(t, "the referral page", body, local.Format("2 Jan 2006 15:04 MST"))
		agencyLacks(t, "the referral page", body, c.janeRef.CreatedAt.UTC().Format("2 Jan 2006 15:04"), " UTC")
		if zone := local.Format("MST"); zone != "CST" && zone != "CDT" {
			t.Errorf("Chicago's zone reads %q", zone)
		}
	})

	t.Run("a roster is stale after the configured --stale-roster-days", func(t *testing.T) {
		if _, err := c.db.ConfirmInventory(context.Background(), cas.System, c.commons.ID); err != nil {
			t.Fatal(err)
		}
		c.clock.Add(int64(10 * 24 * time.Hour))
		const stale = "Please check the units below"
		_, units := c.as(t, "harbor@coc.test").getPage("/units")
		agencyLacks(t, "the units page with the default 30 days", units, stale)

		c.db.Thresholds.StaleRosterDays = 7
		_, units = c.as(t, "harbor@coc.test").getPage("/units")
		agencyContains(t, "the units page after 7 days", units, stale, "(at least every 7 days)")
		_, inventory := c.as(t, "hmis@coc.test").getPage("/inventory")
		agencyContains(t, "the inventory after 7 days", inventory, "older than 7 days")
	})
}

func TestStatusListPaging(t *testing.T) {
	c := newAgencyCoC(t)
	harbor := c.as(t, "harbor@coc.test")
	for _, note := range []string{"first", "second", "third"} {
		if status, _, _ := harbor.postForm("/discrepancies", url.Values{"facility_id": {c.commons.ID}, "unit_ids": {c.apt2.ID},
			"note": {"Apt 2 report " + note}}); status != http.StatusSeeOther {
			t.Fatalf("file the %s report: %d", note, status)
		}
	}
	_, first := harbor.getPage("/discrepancies?status=open&limit=2")
	older := regexp.MustCompile(`href="(/discrepancies\?cursor=[^"]+)">Older`).FindStringSubmatch(first)
	if older == nil || !strings.Contains(older[1], "limit=2") || !strings.Contains(older[1], "status=open") ||
		!strings.Contains(first, "report third") || strings.Contains(first, "report first") ||
		!strings.Contains(first, `<option value="open" selected>`) {
		t.Fatalf("first page: Older link %v\n%s", older, first)
	}
	_, second := harbor.getPage(html.UnescapeString(older[1]))
	if !strings.Contains(second, "report first") || strings.Contains(second, "report third") || strings.Contains(second, ">Older<") ||
		!strings.Contains(second, `href="/discrepancies?limit=2&amp;status=open">Newest`) {
		t.Errorf("second page:\n%s", second)
	}
}
