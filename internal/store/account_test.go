package store_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// auditText is every audit event of an action, before and after, as one text to search.
func auditText(t *testing.T, db *store.DB, action string) string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT before, after FROM audit_events WHERE action = $1`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var before, after sql.NullString
		if err := rows.Scan(&before, &after); err != nil {
			t.Fatal(err)
		}
		b.WriteString(before.String + after.String)
	}
	return b.String()
}

// wantInvalid checks err refuses field with a message that says want.
func wantInvalid(t *testing.T, what string, err error, field, want string) {
	t.Helper()
	e := cas.ErrorOf(err)
	if e == nil || e.Code != cas.EInvalid || e.Field != field || !strings.Contains(e.Message, want) {
		t.Errorf("%s: err = %v, want invalid %s saying %q", what, err, field, want)
	}
}

func TestTokenExpiryAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		harbor := MustAgency(t, db, "Harbor")
		worker := MustUser(t, db, "worker@harbor.test", cas.RoleAgencyUser, harbor.ID)

		secret, tok, err := db.IssueToken(ctx, &worker, worker.ID, store.TokenSpec{Name: "nightly sync", Lifetime: 90 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		reader, readTok, err := db.IssueToken(ctx, &worker, worker.ID, store.TokenSpec{Name: "dashboard", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("a token works until its expiry, then answers unauthorized saying so", func(t *testing.T) {
			if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(clock.Now().Add(90*24*time.Hour)) {
				t.Fatalf("expires at %v", tok.ExpiresAt)
			}
			clock.Advance(90*24*time.Hour - time.Second)
			if _, got, err := db.TokenAccess(ctx, secret); err != nil || got.ID != tok.ID || got.ReadOnly {
				t.Fatalf("a second before expiry: %+v %v", got, err)
			}
			clock.Advance(time.Second)
			_, _, err := db.TokenAccess(ctx, secret)
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EUnauthorized || !strings.Contains(e.Message, `"nightly sync" expired on 31 Jan 2027`) {
				t.Errorf("at expiry: %v", err)
			}
		})
		t.Run("a read-only token says so, and never expires when given no lifetime", func(t *testing.T) {
			u, got, err := db.TokenAccess(ctx, reader)
			if err != nil || u.ID != worker.ID || !got.ReadOnly || got.ExpiresAt != nil || got.ID != readTok.ID {
				t.Errorf("read-only token: %+v %+v %v", u, got, err)
			}
		})
		t.Run("lifetimes over five years or below nothing are refused", func(t *testing.T) {
			for _, d := range []time.Duration{-time.Hour, cas.MaxTokenLifetime + time.Hour} {
				_, _, err := db.IssueToken(ctx, &worker, worker.ID, store.TokenSpec{Lifetime: d})
				wantInvalid(t, d.String(), err, "expires", "at most five years")
			}
		})
		t.Run("the owner lists their tokens, newest first; another agency's user cannot", func(t *testing.T) {
			list, err := db.Tokens(ctx, &worker, worker.ID)
			if err != nil || len(list) != 2 || list[0].ID != readTok.ID || list[1].ID != tok.ID {
				t.Fatalf("tokens: %+v %v", list, err)
			}
			other := MustUser(t, db, "staff@riverside.test", cas.RoleAgencyUser, MustAgency(t, db, "Riverside").ID)
			if _, err := db.Tokens(ctx, &other, worker.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("another agency's user lists the tokens: %v", err)
			}
		})
		t.Run("the audit log records the tokens, never their secrets", func(t *testing.T) {
			text := auditText(t, db, "token.create")
			if !strings.Contains(text, readTok.ID) || strings.Contains(text, reader) || strings.Contains(text, secret) {
				t.Errorf("token.create audit: %s", text)
			}
		})
		t.Run("the command line's lifetimes: days or a Go duration", func(t *testing.T) {
			for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "720h": 720 * time.Hour, " 1d ": 24 * time.Hour} {
				if got, err := cas.ParseTokenLifetime(in); err != nil || got != want {
					t.Errorf("%q: %v %v, want %v", in, got, err, want)
				}
			}
			for _, in := range []string{"", "0d", "-3d", "ninety", "90", "d", "0s", "6000d"} {
				if _, err := cas.ParseTokenLifetime(in); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "expires" {
					t.Errorf("%q: err = %v, want invalid expires", in, err)
				}
			}
		})
	})
}

func TestPasswordChangeAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		harbor := MustAgency(t, db, "Harbor")
		worker := MustUser(t, db, "worker@harbor.test", cas.RoleAgencyUser, harbor.ID)
		other := MustUser(t, db, "staff@riverside.test", cas.RoleAgencyUser, MustAgency(t, db, "Riverside").ID)
		const current, next = "a long enough password", "tidal basin lantern 42"
		epoch := func(u cas.User) int {
			t.Helper()
			_, e, err := db.SessionUser(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}

		t.Run("bad changes are refused naming the form's fields, in its words", func(t *testing.T) {
			cases := []struct{ name, current, next, field, want string }{
				{"no current password", "", next, "current_password", "Current password is required"},
				{"a wrong current password", "not my password", next, "current_password", "Current password is wrong"},
				{"a short new password", current, "short", "new_password", "New password must be at least 12 characters"},
				{"a common password", current, "password1234", "new_password", "New password is too easy to guess"},
				{"a keyboard walk", current, "qwertyuiop123", "new_password", "too easy to guess"},
				{"the account's own email", current, "worker@harbor.test", "new_password", "too easy to guess"},
				{"the same password again", current, current, "new_password", "must differ"},
			}
			for _, c := range cases {
				_, err := db.ChangePassword(ctx, &worker, c.current, c.next)
				wantInvalid(t, c.name, err, c.field, c.want)
			}
			if _, err := db.Authenticate(ctx, worker.Email, current); err != nil {
				t.Errorf("a refused change changed the password: %v", err)
			}
		})
		t.Run("a change ends every session and is audited without the password", func(t *testing.T) {
			before := epoch(worker)
			after, err := db.ChangePassword(ctx, &worker, current, next)
			if err != nil {
				t.Fatal(err)
			}
			if after != before+1 || epoch(worker) != after {
				t.Errorf("session epoch %d → %d (stored %d)", before, after, epoch(worker))
			}
			if _, err := db.Authenticate(ctx, worker.Email, current); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("the old password still signs in: %v", err)
			}
			if _, err := db.Authenticate(ctx, worker.Email, next); err != nil {
				t.Errorf("the new password does not sign in: %v", err)
			}
			if text := auditText(t, db, "user.password_change"); !strings.Contains(text, "sessions_ended") || strings.Contains(text, next) || strings.Contains(text, current) {
				t.Errorf("password change audit: %q", text)
			}
		})
		t.Run("signing out everywhere moves the epoch on; only the owner or the HMIS team may", func(t *testing.T) {
			before := epoch(worker)
			if _, err := db.EndSessions(ctx, &other, worker.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("another agency's user ends the sessions: %v", err)
			}
			got, err := db.EndSessions(ctx, &worker, worker.ID)
			if err != nil || got != before+1 || epoch(worker) != got {
				t.Errorf("end sessions: %d %v, epoch was %d", got, err, before)
			}
			if countAudit(t, db, "user.sessions_end") != 1 {
				t.Error("ending the sessions is not audited")
			}
		})
		t.Run("the operator sets a password from the command line; the HMIS team may not", func(t *testing.T) {
			admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
			if err := db.SetPassword(ctx, &admin, worker.ID, "harbor lights at dusk"); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("the HMIS team sets a password: %v", err)
			}
			if err := db.SetPassword(ctx, cas.System, worker.ID, "letmeinletmein"); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "password" {
				t.Errorf("a common password: %v", err)
			}
			before := epoch(worker)
			if err := db.SetPassword(ctx, cas.System, worker.ID, "harbor lights at dusk"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Authenticate(ctx, worker.Email, "harbor lights at dusk"); err != nil || epoch(worker) != before+1 {
				t.Errorf("after set: %v, epoch %d → %d", err, before, epoch(worker))
			}
		})
	})
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		db.BaseURL = "https://doorway.coc.test"
		harbor := MustAgency(t, db, "Harbor")
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		worker := MustUser(t, db, "worker@harbor.test", cas.RoleAgencyUser, harbor.ID)
		issue := func() string {
			t.Helper()
			secret, _, err := db.IssuePasswordReset(ctx, &admin, worker.ID)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
		dead := func(what, secret string) {
			t.Helper()
			if _, err := db.PasswordResetFor(ctx, secret); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("%s: the link still works (%v)", what, err)
			}
			if _, err := db.ResetPassword(ctx, secret, "a fresh password here"); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("%s: the link still sets a password (%v)", what, err)
			}
		}

		t.Run("only the HMIS team makes reset links", func(t *testing.T) {
			for _, u := range []cas.User{worker, MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")} {
				if _, _, err := db.IssuePasswordReset(ctx, &u, worker.ID); cas.ErrorCode(err) != cas.EForbidden {
					t.Errorf("%s makes a reset link: %v", u.Role, err)
				}
			}
		})
		t.Run("a link is stored hashed, emailed through the outbox and audited without its secret", func(t *testing.T) {
			secret := issue()
			var stored string
			if err := db.SQL().QueryRow(`SELECT secret_hash FROM password_resets WHERE user_id = $1`, worker.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(stored, secret) || strings.Contains(secret, stored) {
				t.Error("the link's secret is stored as it is")
			}
			var to, body string
			if err := db.SQL().QueryRow(`SELECT to_address, text_body FROM email_outbox WHERE user_id = $1`, worker.ID).Scan(&to, &body); err != nil {
				t.Fatal(err)
			}
			if to != worker.Email || !strings.Contains(body, "https://doorway.coc.test/reset/"+secret) {
				t.Errorf("email to %s:\n%s", to, body)
			}
			if text := auditText(t, db, "user.password_reset_issue"); !strings.Contains(text, worker.ID) || strings.Contains(text, secret) {
				t.Errorf("issue audit: %s", text)
			}
		})
		t.Run("a link is used once; every session ends; the audit holds no password", func(t *testing.T) {
			secret := issue()
			u, err := db.PasswordResetFor(ctx, secret)
			if err != nil || u.ID != worker.ID {
				t.Fatalf("link for %+v %v", u, err)
			}
			_, before, _ := db.SessionUser(ctx, worker.ID)
			_, err = db.ResetPassword(ctx, secret, "short")
			wantInvalid(t, "a short password", err, "new_password", "New password must be at least 12 characters")
			if _, err := db.ResetPassword(ctx, secret, "river stones and moss"); err != nil {
				t.Fatalf("reset: %v", err)
			}
			if _, err := db.Authenticate(ctx, worker.Email, "river stones and moss"); err != nil {
				t.Errorf("the new password does not sign in: %v", err)
			}
			if _, after, _ := db.SessionUser(ctx, worker.ID); after != before+1 {
				t.Errorf("session epoch %d → %d: sessions did not end", before, after)
			}
			dead("a used link", secret)
			if text := auditText(t, db, "user.password_reset_use"); !strings.Contains(text, "sessions_ended") || strings.Contains(text, "river stones") || strings.Contains(text, secret) {
				t.Errorf("use audit: %q", text)
			}
		})
		t.Run("a link expires after 24 hours", func(t *testing.T) {
			secret := issue()
			clock.Advance(cas.PasswordResetLifetime - time.Minute)
			if _, err := db.PasswordResetFor(ctx, secret); err != nil {
				t.Fatalf("a minute before expiry: %v", err)
			}
			clock.Advance(time.Minute)
			dead("an expired link", secret)
		})
		t.Run("a newer link, or a changed password, consumes the older links", func(t *testing.T) {
			first := issue()
			second := issue()
			dead("a replaced link", first)
			if _, err := db.ChangePassword(ctx, &worker, "river stones and moss", "copper kettle on the hob"); err != nil {
				t.Fatal(err)
			}
			dead("a link after the password changed", second)
		})
		t.Run("a disabled account gets no link, and its links stop working", func(t *testing.T) {
			secret := issue()
			disabled := true
			if _, err := db.UpdateUser(ctx, &admin, worker.ID, cas.UserPatch{Disabled: &disabled}); err != nil {
				t.Fatal(err)
			}
			dead("a disabled account's link", secret)
			if _, _, err := db.IssuePasswordReset(ctx, &admin, worker.ID); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("a link for a disabled account: %v", err)
			}
		})
		t.Run("the outbox keeps no link once it is dead or its email sent", func(t *testing.T) {
			n, err := db.BlankResetEmails(ctx)
			if err != nil || n == 0 {
				t.Fatalf("blanked %d: %v", n, err)
			}
			var left int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM email_outbox WHERE text_body LIKE '%/reset/%' OR html_body LIKE '%/reset/%'`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left != 0 {
				t.Errorf("%d emails in the outbox still carry a reset link", left)
			}
		})
	})
}
