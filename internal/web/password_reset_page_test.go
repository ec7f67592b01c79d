package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/notify/smtptest"
	"github.com/doorway-cas/doorway/internal/worker"
)

var resetLinkInput = regexp.MustCompile(`id="reset-link" readonly value="([^"]+)"`)

// TestPasswordResetByTheHMISTeam: an agency user has forgotten their password. The HMIS team makes
// a reset link from the users page; it is shown to the admin once and emailed to the user, over a
// real SMTP server. The user opens it, is refused a short password and a mistyped confirmation in
// the form's words, sets a new one, and signs in with it; their old session has ended, and the link
// works no more.
func TestPasswordResetByTheHMISTeam(t *testing.T) {
	db, _, base, u := sessionFixture(t)
	ctx := context.Background()
	db.BaseURL = base
	if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: "hmis@coc.test", Name: "Hana HMIS", Role: cas.RoleHMISAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	mail := smtptest.Start(t)
	sender, err := notify.NewSMTP(mail.URL(), "doorway@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(db, slog.New(slog.DiscardHandler), "test", sender)
	admin, owner, stranger := newBrowser(t, base), newBrowser(t, base), newBrowser(t, base)
	admin.signIn("hmis@coc.test")
	owner.signIn(u.Email) // signed in on a computer they no longer use

	_, users := admin.getPage("/admin/users")
	if !strings.Contains(users, `action="/admin/users/`+u.ID+`/reset-password"`) {
		t.Fatal("the users page offers no reset for the user")
	}
	status, _, body := admin.postForm("/admin/users/"+u.ID+"/reset-password", nil)
	m := resetLinkInput.FindStringSubmatch(body)
	if status != http.StatusCreated || m == nil {
		t.Fatalf("reset: %d, no link shown\n%s", status, body)
	}
	link := m[1]
	pageSays(t, "the admin's page", status, body, http.StatusCreated, "It was also emailed to <strong>staff@harbor.test</strong>", "will not show it again")

	if _, err := w.DeliverEmail(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := mail.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != u.Email || msgs[0].Subject != "Doorway: choose a new password" || !strings.Contains(msgs[0].Text(), link) {
		t.Fatalf("emails %+v, want one to the user carrying %s", msgs, link)
	}
	if n, err := db.BlankResetEmails(ctx); err != nil || n != 1 {
		t.Errorf("blanking the sent email: %d %v", n, err)
	}
	path := strings.TrimPrefix(link, base)

	status, body = stranger.getPage(path)
	pageSays(t, "the link's page", status, body, http.StatusOK, "Hello Staff.", "Confirm new password")
	cases := []struct{ next, confirm, field, want string }{
		{"tidal basin lantern 42", "tidal basin lantern 24", "confirm_password", "Confirm new password must be the same as New password"},
		{"short", "short", "new_password", "New password must be at least 12 characters"},
		{"123456789012", "123456789012", "new_password", "New password is too easy to guess"},
	}
	for _, c := range cases {
		_, _, body := stranger.postForm(path, url.Values{"new_password": {c.next}, "confirm_password": {c.confirm}})
		pageSays(t, c.want, http.StatusBadRequest, body, http.StatusBadRequest, `<span class="field-error" id="`+c.field+`-error">`+c.want)
	}
	status, to, _ := stranger.postForm(path, url.Values{"new_password": {"tidal basin lantern 42"}, "confirm_password": {"tidal basin lantern 42"}})
	if status != http.StatusSeeOther || to != "/login" {
		t.Fatalf("set: %d → %s", status, to)
	}
	_, body = stranger.getPage("/login")
	pageSays(t, "the sign-in page", http.StatusOK, body, http.StatusOK, "Your new password is set")
	if owner.signedIn() {
		t.Error("the user's old session survived the reset")
	}
	if resp := stranger.do("POST", "/login", url.Values{"email": {u.Email}, "password": {"tidal basin lantern 42"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign in with the new password: %d", resp.StatusCode)
	}
	status, body = newBrowser(t, base).getPage(path)
	pageSays(t, "the used link", status, body, http.StatusNotFound, "This password reset link is not valid")
	if strings.Contains(body, `name="new_password"`) {
		t.Error("a used link still shows its form")
	}

	t.Run("a disabled account gets no link; the refusal is shown in its row", func(t *testing.T) {
		disabled := true
		if _, err := db.UpdateUser(ctx, cas.System, u.ID, cas.UserPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		status, _, body := admin.postForm("/admin/users/"+u.ID+"/reset-password", nil)
		pageSays(t, "a disabled account", status, body, http.StatusBadRequest, `id="user-`+u.ID+`-error">Staff&#39;s account is disabled`)
	})
}
