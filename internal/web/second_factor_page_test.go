package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

var (
	secretOnPage  = regexp.MustCompile(`<code class="secret" id="secret">([A-Z2-7 ]+)</code>`)
	recoveryCodes = regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`)
)

// enrol sets up the browser's user's second factor through the pages and returns the secret
// and the recovery codes shown.
func enrol(t *testing.T, b *browser, clock *storetest.Clock) (string, []string) {
	t.Helper()
	status, page := b.getPage("/account/totp")
	m := secretOnPage.FindStringSubmatch(page)
	if status != http.StatusOK || m == nil || !strings.Contains(page, `src="data:image/png;base64,`) || !strings.Contains(page, "otpauth://totp/Doorway:") {
		t.Fatalf("set-up page: %d, without the secret, the QR code or the otpauth URL:\n%s", status, page)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	status, _, page = b.postForm("/account/totp", url.Values{"code": {"000000"}})
	if status != http.StatusBadRequest || !strings.Contains(page, `id="code-error"`) {
		t.Errorf("a wrong code: %d, want 400 with the error at the code field", status)
	}
	status, _, page = b.postForm("/account/totp", url.Values{"code": {storetest.TOTPCode(t, secret, clock.Now())}})
	var codes []string
	for _, m := range recoveryCodes.FindAllStringSubmatch(page, -1) {
		codes = append(codes, m[1])
	}
	if status != http.StatusOK || len(codes) != cas.RecoveryCodes {
		t.Fatalf("confirm: %d, %d recovery codes:\n%s", status, len(codes), page)
	}
	return secret, codes
}

// passwordStep signs a new browser in with the password and reports where it was sent.
func passwordStep(t *testing.T, base, email string) (*browser, string) {
	t.Helper()
	b := newBrowser(t, base)
	resp := b.do("POST", "/login", url.Values{"email": {email}, "password": {"a long enough password"}, "next": {"/inbox"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password step: %d", resp.StatusCode)
	}
	return b, resp.Header.Get("Location")
}

func TestSecondFactorSignIn(t *testing.T) {
	db, clock, base, u := sessionFixture(t)
	b := newBrowser(t, base)
	b.signIn(u.Email)
	if _, page := b.getPage("/account"); !strings.Contains(page, `<a href="/account/totp">`) {
		t.Error("the account page does not link to the second factor's page")
	}
	secret, codes := enrol(t, b, clock)
	if status, page := b.getPage("/account/totp"); status != 200 || !strings.Contains(page, "is <strong>on</strong>") || !strings.Contains(page, "10 unused recovery") {
		t.Errorf("the page once on: %d\n%s", status, page)
	}

	t.Run("the password alone no longer signs in; the code does, once", func(t *testing.T) {
		b, next := passwordStep(t, base, u.Email)
		if next != "/login/code" || b.signedIn() {
			t.Fatalf("after the password: sent to %q, signed in %v", next, b.signedIn())
		}
		if status, page := b.getPage("/login/code"); status != 200 || !strings.Contains(page, `name="code"`) {
			t.Fatalf("code page: %d", status)
		}
		clock.Advance(30 * time.Second)
		code := storetest.TOTPCode(t, secret, clock.Now())
		if status, _, _ := b.postForm("/login/code", url.Values{"code": {"123456"}}); status != http.StatusUnauthorized {
			t.Errorf("a wrong code: %d, want 401", status)
		}
		status, loc, _ := b.postForm("/login/code", url.Values{"code": {code}})
		if status != http.StatusSeeOther || loc != "/inbox" || !b.signedIn() {
			t.Fatalf("the right code: %d → %q, signed in %v", status, loc, b.signedIn())
		}
		again, _ := passwordStep(t, base, u.Email)
		if status, _, _ := again.postForm("/login/code", url.Values{"code": {code}}); status != http.StatusUnauthorized {
			t.Errorf("the same code in another browser: %d, want 401", status)
		}
	})
	t.Run("a recovery code signs in once", func(t *testing.T) {
		b, _ := passwordStep(t, base, u.Email)
		if status, _, _ := b.postForm("/login/code", url.Values{"code": {strings.ToUpper(codes[0])}}); status != http.StatusSeeOther || !b.signedIn() {
			t.Errorf("a recovery code: %d", status)
		}
		b, _ = passwordStep(t, base, u.Email)
		if status, _, _ := b.postForm("/login/code", url.Values{"code": {codes[0]}}); status != http.StatusUnauthorized {
			t.Errorf("a recovery code twice: %d, want 401", status)
		}
	})
	t.Run("the code step waits five minutes at most", func(t *testing.T) {
		b, _ := passwordStep(t, base, u.Email)
		clock.Advance(6 * time.Minute)
		status, loc, _ := b.postForm("/login/code", url.Values{"code": {storetest.TOTPCode(t, secret, clock.Now())}})
		if status != http.StatusSeeOther || loc != "/login" || b.signedIn() {
			t.Errorf("a code six minutes after the password: %d → %q", status, loc)
		}
	})
	t.Run("sessions ended between the password and the code end that sign-in too", func(t *testing.T) {
		b, _ := passwordStep(t, base, u.Email)
		if _, err := db.EndSessions(context.Background(), &u, u.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Second)
		status, loc, _ := b.postForm("/login/code", url.Values{"code": {storetest.TOTPCode(t, secret, clock.Now())}})
		if status != http.StatusSeeOther || loc != "/login" || b.signedIn() {
			t.Errorf("a code after the sessions were ended: %d → %q, signed in %v", status, loc, b.signedIn())
		}
	})
	t.Run("40 parallel codes get five checks; the right one is then refused with 429", func(t *testing.T) {
		clock.Advance(time.Hour) // the buckets of the subtests before are full again
		b, _ := passwordStep(t, base, u.Email)
		before := countAudit(t, db, "session.sign_in_code_failed")
		done := make(chan int, 40)
		for i := range 40 {
			go func() {
				status, _, _ := b.postForm("/login/code", url.Values{"code": {fmt.Sprintf("%06d", i)}})
				done <- status
			}()
		}
		for range 40 {
			<-done
		}
		if checked := countAudit(t, db, "session.sign_in_code_failed") - before; checked > codePairAttempts.burst {
			t.Errorf("%d wrong codes checked, want at most %d", checked, codePairAttempts.burst)
		}
		resp, body := b.request("POST", "/login/code", url.Values{"code": {storetest.TOTPCode(t, secret, clock.Now())}})
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Try again at") || b.signedIn() {
			t.Errorf("the right code while throttled: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("turning it off needs the password", func(t *testing.T) {
		clock.Advance(time.Hour)
		b, _ := passwordStep(t, base, u.Email)
		clock.Advance(30 * time.Second)
		b.postForm("/login/code", url.Values{"code": {storetest.TOTPCode(t, secret, clock.Now())}})
		if status, _, page := b.postForm("/account/totp/disable", url.Values{"password": {"not my password"}}); status != http.StatusBadRequest || !strings.Contains(page, `id="password-error"`) {
			t.Errorf("a wrong password: %d", status)
		}
		if status, loc, _ := b.postForm("/account/totp/disable", url.Values{"password": {"a long enough password"}}); status != http.StatusSeeOther || loc != "/account/totp" {
			t.Errorf("turn off: %d → %q", status, loc)
		}
		if _, next := passwordStep(t, base, u.Email); next != "/inbox" {
			t.Errorf("after turning it off the password is sent to %q", next)
		}
	})
	got := strings.Join(auditActions(t, db), "\n")
	for _, want := range []string{"user.second_factor_on user " + u.ID, "session.sign_in_code_failed user " + u.ID, "user.recovery_code_used user " + u.ID,
		"user.second_factor_off user " + u.ID} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, got)
		}
	}
}

func countAudit(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSecondFactorRequiredByRole(t *testing.T) {
	db, clock, base, u := sessionFixture(t)
	ctx := context.Background()
	hmis, err := db.CreateUser(ctx, cas.System, cas.User{Email: "hmis@coc.test", Name: "Hana HMIS", Role: cas.RoleHMISAdmin}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	admin := newBrowser(t, base)
	admin.signIn(hmis.Email)
	if status, loc, _ := admin.postForm("/admin/users/second-factor", url.Values{"required_roles": {"agency_user"}}); status != http.StatusSeeOther || loc != "/admin/users#second-factor" {
		t.Fatalf("require it of agency users: %d → %q", status, loc)
	}
	if _, page := admin.getPage("/admin/users"); !strings.Contains(page, `value="agency_user" checked`) || !strings.Contains(page, "Required, not set up") {
		t.Errorf("the users page does not show the requirement")
	}

	b := newBrowser(t, base)
	b.signIn(u.Email)
	for _, path := range []string{"/referrals", "/inbox", "/units"} {
		if resp := b.do("GET", path, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/totp" {
			t.Errorf("%s before setting it up: %d → %q, want the set-up page", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	req, _ := http.NewRequest("GET", base+"/inbox/unread", nil)
	req.Header.Set("HX-Request", "true")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("HX-Redirect") != "/account/totp" {
		t.Errorf("the inbox badge's poll before setting it up: %d, want 204 and HX-Redirect to the set-up page", resp.StatusCode)
	}
	if status, page := b.getPage("/account/totp"); status != 200 || !strings.Contains(html.UnescapeString(page), "Your role must sign in with a second factor") {
		t.Errorf("the set-up page does not say it is required: %d", status)
	}
	enrol(t, b, clock)
	if status, _ := b.getPage("/referrals"); status != 200 {
		t.Errorf("once set up: %d", status)
	}
	if status, _, page := b.postForm("/account/totp/disable", url.Values{"password": {"a long enough password"}}); status != http.StatusBadRequest || !strings.Contains(page, "your role must use a second factor") {
		t.Errorf("turn off a required factor: %d", status)
	}

	// The HMIS team resets it: the user signs in with the password and is sent to set it up again.
	if _, page := admin.getPage("/admin/users"); !strings.Contains(page, "/admin/users/"+u.ID+"/second-factor/reset") {
		t.Error("no reset button for a user with a second factor")
	}
	if status, _, _ := admin.postForm("/admin/users/"+u.ID+"/second-factor/reset", confirmed); status != http.StatusSeeOther {
		t.Fatalf("reset: %d", status)
	}
	again, next := passwordStep(t, base, u.Email)
	if next != "/inbox" {
		t.Errorf("after the reset the password is sent to %q", next)
	}
	if resp := again.do("GET", "/inbox", nil); resp.Header.Get("Location") != "/account/totp" {
		t.Errorf("after the reset: %d → %q, want the set-up page", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Sent again at once, the reset follows the first (repeat.go) instead of an error.
	if status, _, _ := admin.postForm("/admin/users/"+u.ID+"/second-factor/reset", confirmed); status != http.StatusSeeOther {
		t.Errorf("reset again: %d", status)
	}
	got := strings.Join(auditActions(t, db), "\n")
	for _, want := range []string{"settings.second_factor_roles settings second_factor_roles", "user.second_factor_reset user " + u.ID} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, got)
		}
	}
}
