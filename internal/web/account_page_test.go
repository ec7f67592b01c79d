package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
)

// apiAs sends an API request with a bearer token and returns the status and the error message.
func apiAs(t *testing.T, base, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Error struct{ Message string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Error.Message
}

// pageSays checks a page answered status and shows each of want.
func pageSays(t *testing.T, what string, status int, body string, wantStatus int, want ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: %d, want %d", what, status, wantStatus)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

var tokenInput = regexp.MustCompile(`id="new-token" readonly value="(dw_[A-Za-z0-9_-]+)"`)

func TestAccountPage(t *testing.T) {
	db, clock, base, u := sessionFixture(t)
	ctx := context.Background()
	b := newBrowser(t, base)
	b.signIn(u.Email)

	status, body := b.getPage("/account")
	pageSays(t, "the account page", status, body, http.StatusOK, `<a href="/account" aria-current="page">Account</a>`, "staff@harbor.test",
		"Current password", "New password", "Email notifications", notify.Describe(notify.NewReferral), "API tokens", "Sign out everywhere else")

	t.Run("a refused password change names the form's field, in its words", func(t *testing.T) {
		cases := []struct{ current, next, field, want string }{
			{"a long enough password", "short", "new_password", "New password must be at least 12 characters"},
			{"a long enough password", "password1234", "new_password", "New password is too easy to guess"},
			{"not my password at all", "tidal basin lantern 42", "current_password", "Current password is wrong"},
		}
		for _, c := range cases {
			_, _, body := b.postForm("/account/password", url.Values{"current_password": {c.current}, "new_password": {c.next}})
			pageSays(t, c.want, http.StatusBadRequest, body, http.StatusBadRequest,
				`<span class="field-error" id="`+c.field+`-error">`+c.want, `aria-invalid="true"`, `<option value="90" selected>90 days</option>`)
			if strings.Contains(body, c.next) || strings.Contains(body, c.current) {
				t.Errorf("%s: the refused page shows a password", c.want)
			}
		}
	})

	t.Run("a password change ends the other sessions and keeps this one", func(t *testing.T) {
		other := newBrowser(t, base)
		other.signIn(u.Email)
		status, to, _ := b.postForm("/account/password", url.Values{"current_password": {"a long enough password"}, "new_password": {"tidal basin lantern 42"}})
		if status != http.StatusSeeOther || to != "/account" {
			t.Fatalf("change: %d → %s", status, to)
		}
		_, body := b.getPage("/account")
		pageSays(t, "after the change", http.StatusOK, body, http.StatusOK, "Your password is changed. Every other session of your account has ended; you stay signed in here.")
		if other.signedIn() {
			t.Error("the other browser is still signed in")
		}
		if _, err := db.Authenticate(ctx, u.Email, "tidal basin lantern 42"); err != nil {
			t.Errorf("the new password: %v", err)
		}
	})

	var tokenID, secret string
	t.Run("a read-only token with an expiry: shown once, reads, writes nothing, then expires", func(t *testing.T) {
		status, _, body := b.postForm("/account/tokens", url.Values{"name": {"Dashboard"}, "expires_in_days": {"30"}, "read_only": {"on"}})
		m := tokenInput.FindStringSubmatch(body)
		if status != http.StatusCreated || m == nil {
			t.Fatalf("create: %d, no token shown\n%s", status, body)
		}
		secret = m[1]
		pageSays(t, "the new token's page", status, body, http.StatusCreated, "Read-only: it reads", "It expires on")
		if _, again := b.getPage("/account"); strings.Contains(again, secret) {
			t.Error("the account page shows the token's secret again")
		}
		tokens, err := db.Tokens(ctx, &u, u.ID)
		if err != nil || len(tokens) != 1 || !tokens[0].ReadOnly || tokens[0].Name != "Dashboard" {
			t.Fatalf("tokens %+v %v", tokens, err)
		}
		tokenID = tokens[0].ID
		if status, msg := apiAs(t, base, secret, "GET", "/api/v1/me", ""); status != http.StatusOK {
			t.Errorf("read with a read-only token: %d %s", status, msg)
		}
		status, msg := apiAs(t, base, secret, "PATCH", "/api/v1/me", `{"email_mode": "digest"}`)
		if status != http.StatusForbidden || !strings.Contains(msg, `"Dashboard" is read-only`) {
			t.Errorf("write with a read-only token: %d %q", status, msg)
		}
		clock.Advance(30 * 24 * time.Hour)
		status, msg = apiAs(t, base, secret, "GET", "/api/v1/me", "")
		if status != http.StatusUnauthorized || !strings.Contains(msg, "expired on") {
			t.Errorf("after 30 days: %d %q", status, msg)
		}
		// The clock moved past the idle timeout: sign in again, with the new password.
		if resp := b.do("POST", "/login", url.Values{"email": {u.Email}, "password": {"tidal basin lantern 42"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in again: %d", resp.StatusCode)
		}
	})

	t.Run("a bad expiry is refused naming the field", func(t *testing.T) {
		_, _, body := b.postForm("/account/tokens", url.Values{"name": {"Sync"}, "expires_in_days": {"9999"}})
		pageSays(t, "a bad expiry", http.StatusBadRequest, body, http.StatusBadRequest, `id="expires_in_days-error">Expires in must be a number of days from 1 to 1825`, `value="Sync"`)
	})

	t.Run("a token is revoked, and revoking it again says so", func(t *testing.T) {
		status, to, _ := b.postForm("/account/tokens/"+tokenID+"/revoke", confirmed)
		if status != http.StatusSeeOther || to != "/account#tokens" {
			t.Fatalf("revoke: %d → %s", status, to)
		}
		_, body := b.getPage("/account")
		pageSays(t, "after revoking", http.StatusOK, body, http.StatusOK, "“Dashboard” is revoked", "revoked</span>")
		b.postForm("/account/tokens/"+tokenID+"/revoke", confirmed)
		_, body = b.getPage("/account")
		// A second click on the same button within moments shows what the first did.
		pageSays(t, "after revoking twice", http.StatusOK, body, http.StatusOK, "That was already done: The token “Dashboard” is revoked")
	})

	t.Run("email preferences by kind", func(t *testing.T) {
		status, to, _ := b.postForm("/account/email", url.Values{"email_mode": {"digest"}, "mode_new_referral": {"immediate"}, "mode_unit_offline": {"digest"}})
		if status != http.StatusSeeOther || to != "/account#email" {
			t.Fatalf("save: %d → %s", status, to)
		}
		p, err := db.EmailPreferences(ctx, &u)
		if err != nil || p.Default != cas.EmailDigest || p.Mode(notify.NewReferral) != cas.EmailImmediate || len(p.ByKind) != 1 {
			t.Errorf("preferences %+v %v", p, err)
		}
		_, body := b.getPage("/account")
		if !strings.Contains(body, `<select id="mode_new_referral" name="mode_new_referral">
      <option value="immediate" selected>`) {
			t.Error("the page does not show new referrals chosen immediate")
		}
		_, _, body = b.postForm("/account/email", url.Values{"email_mode": {"hourly"}})
		pageSays(t, "a bad mode", http.StatusBadRequest, body, http.StatusBadRequest, `id="email_mode-error">Choose Immediately or Daily digest`)
	})

	t.Run("signing out everywhere else keeps this browser signed in", func(t *testing.T) {
		other := newBrowser(t, base)
		resp := other.do("POST", "/login", url.Values{"email": {u.Email}, "password": {"tidal basin lantern 42"}})
		if resp.StatusCode != http.StatusSeeOther || !other.signedIn() {
			t.Fatalf("sign in elsewhere: %d", resp.StatusCode)
		}
		status, to, _ := b.postForm("/account/sessions/end", nil)
		if status != http.StatusSeeOther || to != "/account#sessions" {
			t.Fatalf("end sessions: %d → %s", status, to)
		}
		if other.signedIn() || !b.signedIn() {
			t.Errorf("after signing out everywhere else: other %v, this %v", other.signedIn(), b.signedIn())
		}
		resp, body := other.request("GET", "/account", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("the ended session: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
	})
}
