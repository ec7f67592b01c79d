package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestErrorPages(t *testing.T) {
	db, _, base, u := sessionFixture(t)

	t.Run("an unknown address is a page of the layout with a way back", func(t *testing.T) {
		b := newBrowser(t, base)
		status, body := b.getPage("/no/such/page")
		if status != http.StatusNotFound || !strings.Contains(body, `<main id="main">`) || !strings.Contains(body, "<h1>Page not found</h1>") ||
			!strings.Contains(body, `<a href="/login">Sign in</a>`) {
			t.Errorf("signed out: %d\n%s", status, body)
		}
		b.signIn(u.Email)
		status, body = b.getPage("/no/such/page")
		if status != http.StatusNotFound || !strings.Contains(body, `<nav aria-label="Main">`) || !strings.Contains(body, `<a href="/referrals">Go to Incoming referrals</a>`) {
			t.Errorf("signed in: %d\n%s", status, body)
		}
	})
	t.Run("a record outside one's scope offers the page one came from", func(t *testing.T) {
		b := newBrowser(t, base)
		b.signIn(u.Email)
		b.referer = base + "/referrals?status=all"
		status, body := b.getPage("/referrals/nonesuch")
		if status != http.StatusNotFound || !strings.Contains(body, `<a href="/referrals?status=all">Back to the page you were on</a>`) {
			t.Errorf("%d\n%s", status, body)
		}
	})
	t.Run("a page another role's is 403 inside the layout", func(t *testing.T) {
		b := newBrowser(t, base)
		b.signIn(u.Email)
		status, body := b.getPage("/inventory")
		if status != http.StatusForbidden || !strings.Contains(body, "<h1>Not open to your role</h1>") || !strings.Contains(body, `href="/referrals"`) {
			t.Errorf("%d\n%s", status, body)
		}
	})
	t.Run("unknown API addresses stay JSON", func(t *testing.T) {
		resp, err := http.Get(base + "/api/v1/no-such-thing")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e errorBody
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Errorf("%d %+v %v", resp.StatusCode, e, err)
		}
	})
	t.Run("a failure on our side is a 500 page of the layout", func(t *testing.T) {
		b := newBrowser(t, base)
		b.signIn(u.Email)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		status, body := b.getPage("/referrals")
		if status != http.StatusInternalServerError || !strings.Contains(body, "<h1>Something went wrong</h1>") || !strings.Contains(body, `<main id="main">`) ||
			!strings.Contains(body, "the error has been logged") {
			t.Errorf("%d\n%s", status, body)
		}
	})
}

func TestSignInReturnsToThePage(t *testing.T) {
	_, clock, base, u := sessionFixture(t)
	signInFrom := func(b *browser, login string) string {
		t.Helper()
		q, _ := url.Parse(login)
		resp := b.do("POST", "/login", url.Values{"email": {u.Email}, "password": {"a long enough password"}, "next": {q.Query().Get("next")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}

	t.Run("a page asked for while signed out opens after signing in", func(t *testing.T) {
		b := newBrowser(t, base)
		resp := b.do("GET", "/referrals?status=all", nil)
		login := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(login, "/login?next=") {
			t.Fatalf("%d → %s", resp.StatusCode, login)
		}
		if status, body := b.getPage(login); status != http.StatusOK || !strings.Contains(body, `name="next" value="/referrals?status=all"`) {
			t.Fatalf("the sign-in form does not carry the page: %d\n%s", status, body)
		}
		if got := signInFrom(b, login); got != "/referrals?status=all" {
			t.Errorf("signed in to %s", got)
		}
	})
	t.Run("a form posted after the session ended returns to the form's page", func(t *testing.T) {
		b := newBrowser(t, base)
		b.signIn(u.Email)
		clock.Advance(31 * time.Minute)
		b.referer = base + "/discrepancies?status=open"
		resp := b.do("POST", "/units/1/check-out", nil)
		login := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || login != "/login?next=%2Fdiscrepancies%3Fstatus%3Dopen" {
			t.Fatalf("%d → %s", resp.StatusCode, login)
		}
		if got := signInFrom(b, login); got != "/discrepancies?status=open" {
			t.Errorf("signed in to %s", got)
		}
	})
	t.Run("a next that leaves the site lands on the role's page", func(t *testing.T) {
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
			"javascript:alert(1)", "evil.example", "/login", "/logout"} {
			b := newBrowser(t, base)
			if got := signInFrom(b, "/login?"+url.Values{"next": {next}}.Encode()); got != "/referrals" {
				t.Errorf("next %q: signed in to %s", next, got)
			}
		}
	})
	t.Run("a form from another site does not choose the page", func(t *testing.T) {
		r, _ := http.NewRequest("POST", "http://doorway.test/units/1/check-out", nil)
		r.Header.Set("Referer", "http://evil.example/units")
		if got := returnPath(r); got != "" {
			t.Errorf("returnPath = %q", got)
		}
	})
}
