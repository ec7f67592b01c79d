package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// sessionFixture is a server on a controlled clock with one agency user.
func sessionFixture(t *testing.T) (*store.DB, *storetest.Clock, string, cas.User) {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clock := storetest.NewClock(time.Now().UTC())
	db.Now = clock.Now
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	a, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, cas.System, cas.User{Email: "staff@harbor.test", Name: "Staff", Role: cas.RoleAgencyUser, AgencyID: a.ID}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	return db, clock, srv.URL, u
}

// signedIn reports whether the browser's session still opens a page.
func (b *browser) signedIn() bool {
	resp := b.do("GET", "/inbox", nil)
	return resp.StatusCode == http.StatusOK
}

func TestSessions(t *testing.T) {
	t.Run("sign in lands on the role's page, sign out ends the session", func(t *testing.T) {
		_, _, base, _ := sessionFixture(t)
		b := newBrowser(t, base)
		resp := b.do("POST", "/login", url.Values{"email": {"STAFF@harbor.test"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/referrals" {
			t.Fatalf("sign in: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !b.signedIn() {
			t.Fatal("not signed in after signing in")
		}
		b.do("POST", "/logout", nil)
		if b.signedIn() {
			t.Error("still signed in after signing out")
		}
	})
	t.Run("30 minutes idle signs out; activity keeps the session", func(t *testing.T) {
		_, clock, base, u := sessionFixture(t)
		b := newBrowser(t, base)
		b.signIn(u.Email)
		clock.Advance(29 * time.Minute)
		if !b.signedIn() {
			t.Fatal("signed out after 29 minutes")
		}
		clock.Advance(29 * time.Minute)
		if !b.signedIn() {
			t.Fatal("signed out 29 minutes after the last request")
		}
		clock.Advance(31 * time.Minute)
		if b.signedIn() {
			t.Error("still signed in after 31 idle minutes")
		}
	})
	t.Run("the session ends after 12 hours however active", func(t *testing.T) {
		_, clock, base, u := sessionFixture(t)
		b := newBrowser(t, base)
		b.signIn(u.Email)
		for range 28 { // 11 h 40 min of activity
			clock.Advance(25 * time.Minute)
			b.signedIn()
		}
		clock.Advance(25 * time.Minute)
		if b.signedIn() {
			t.Error("still signed in after 12 hours 5 minutes")
		}
	})
	t.Run("disabling the account ends its sessions", func(t *testing.T) {
		db, _, base, u := sessionFixture(t)
		b := newBrowser(t, base)
		b.signIn(u.Email)
		disabled := true
		if _, err := db.UpdateUser(context.Background(), cas.System, u.ID, cas.UserPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if b.signedIn() {
			t.Error("a disabled account's session still works")
		}
	})
	t.Run("password guessing is throttled", func(t *testing.T) {
		_, clock, base, u := sessionFixture(t)
		attacker := newBrowser(t, base)
		for range pairAttempts.burst {
			if resp := attacker.do("POST", "/login", url.Values{"email": {u.Email}, "password": {"wrong password!!"}}); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", resp.StatusCode)
			}
		}
		resp, body := attacker.request("POST", "/login", url.Values{"email": {u.Email}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
			t.Errorf("the right password from the throttled address: %d, Retry-After %q; want 429 and 60", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, "Try again at") || !strings.Contains(body, "(in 1 minute)") || !strings.Contains(body, `<main id="main">`) {
			t.Errorf("the throttled page does not say when to try again inside the layout:\n%s", body)
		}
		clock.Advance(time.Minute)
		if resp := attacker.do("POST", "/login", url.Values{"email": {u.Email}, "password": {"a long enough password"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a minute later: %d, want the attempt checked", resp.StatusCode)
		}
	})
	t.Run("someone else's attempts never lock the owner out", func(t *testing.T) {
		var b buckets
		now := time.Now()
		attacker := httptest.NewRequest("POST", "/login", nil)
		attacker.RemoteAddr = "203.0.113.9:4711"
		owner := httptest.NewRequest("POST", "/login", nil)
		owner.RemoteAddr = "198.51.100.4:4711"
		for range 100 {
			b.take(now, signInBuckets(attacker, "staff@harbor.test")...)
		}
		if _, wait := b.take(now, signInBuckets(attacker, "staff@harbor.test")...); wait == 0 {
			t.Error("the guessing address is not throttled")
		}
		for i := range 100 {
			b.take(now, signInBuckets(attacker, fmt.Sprintf("user%d@harbor.test", i))...)
		}
		if _, wait := b.take(now, signInBuckets(owner, "STAFF@harbor.test")...); wait != 0 {
			t.Error("the owner's own address is locked out by another address's attempts")
		}
		if _, wait := b.take(now, signInBuckets(attacker, "other@harbor.test")...); wait == 0 {
			t.Error("the guessing address may try other accounts without limit")
		}
	})
	t.Run("a cross-site form post is refused", func(t *testing.T) {
		_, _, base, u := sessionFixture(t)
		b := newBrowser(t, base)
		b.signIn(u.Email)
		req, _ := http.NewRequest("POST", base+"/logout", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !b.signedIn() {
			t.Errorf("cross-site sign-out: %d, signed in %v", resp.StatusCode, b.signedIn())
		}
	})
	t.Run("pages carry the security headers", func(t *testing.T) {
		_, _, base, _ := sessionFixture(t)
		resp, err := http.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers %v", resp.Header)
		}
	})
	t.Run("a sign-in redirect stays on this site", func(t *testing.T) {
		for next, want := range map[string]string{"/units": "/units", "//evil.example": "", "https://evil.example": "", "/\\evil": ""} {
			if got := safeNext(next); got != want {
				t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
			}
		}
	})
}

func TestUnreadBadgeFragment(t *testing.T) {
	db, _, base, u := sessionFixture(t)
	ctx := context.Background()
	contact := true
	if _, err := db.UpdateUser(ctx, cas.System, u.ID, cas.UserPatch{CASContact: &contact}); err != nil {
		t.Fatal(err)
	}
	p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: u.AgencyID, Name: "PSH", ProjectType: cas.ProjectPSH})
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Commons"})
	if err != nil {
		t.Fatal(err)
	}
	unit, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: "1", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, base)
	b.signIn(u.Email)
	if _, body := b.getPage("/inbox/unread"); strings.Contains(body, "badge") {
		t.Errorf("a badge with nothing unread: %q", body)
	}
	if _, err := db.TakeOffline(ctx, cas.System, unit.ID, cas.OfflinePeriod{Reason: "repairs"}, ""); err != nil {
		t.Fatal(err)
	}
	if status, body := b.getPage("/inbox/unread"); status != 200 || !strings.Contains(body, `aria-label="1 unread"`) || strings.Contains(body, "<html") {
		t.Errorf("badge fragment: %d %q", status, body)
	}
}
