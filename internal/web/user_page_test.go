package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

func TestUserListPage(t *testing.T) {
	c := newHMISCoC(t)
	b := c.hmisBrowser(t)
	ctx := context.Background()

	body := b.getHMISPage("/admin/users")
	for _, want := range []string{"Hana HMIS", "HMIS admin", "Harper Staff", "staff@riverside.test", "Riverside Housing Partners",
		"Designate CAS Contact", "Immediate", `name="password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if row := hmisRow(t, body, "user-"+c.hmis.ID); strings.Contains(row, "/disable") {
		t.Error("the signed-in admin is offered to disable their own account")
	}

	t.Run("a bad email is shown next to the field, the form refilled", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users", url.Values{"email": {"not an email"}, "name": {"Nia Newcomer"},
			"role": {"agency_user"}, "agency_id": {c.harbor.ID}, "cas_contact": {"on"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad email: %d", resp.StatusCode)
		}
		for _, want := range []string{`<span class="field-error" id="email-error">`, `aria-describedby="email-error"`,
			`value="Nia Newcomer"`, `value="not an email"`, `<option value="` + c.harbor.ID + `" selected>`,
			`name="cas_contact" type="checkbox" value="on" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("refused form lacks %q", want)
			}
		}
		if strings.Contains(body, "a long enough password") {
			t.Error("the password is refilled")
		}
	})

	t.Run("an agency user needs an agency", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users", url.Values{"email": {"x@harbor.test"}, "name": {"X"},
			"role": {"agency_user"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="agency_id-error"`) {
			t.Errorf("no agency: %d", resp.StatusCode)
		}
	})

	t.Run("create a user", func(t *testing.T) {
		to := b.postHMISForm("/admin/users", url.Values{"email": {"Nia@Harbor.test"}, "name": {"Nia Newcomer"},
			"role": {"agency_user"}, "agency_id": {c.harbor.ID}, "password": {"a long enough password"}})
		if to != "/admin/users" {
			t.Errorf("redirect to %s", to)
		}
		u, err := c.db.UserByEmail(ctx, cas.System, "nia@harbor.test")
		if err != nil || u.Name != "Nia Newcomer" || u.AgencyID != c.harbor.ID || u.CASContact || u.Role != cas.RoleAgencyUser {
			t.Fatalf("created user: %+v %v", u, err)
		}
		if _, err := c.db.Authenticate(ctx, "nia@harbor.test", "a long enough password"); err != nil {
			t.Errorf("new user cannot sign in: %v", err)
		}
		if body := b.getHMISPage("/admin/users"); !strings.Contains(body, "Account created for Nia Newcomer") {
			t.Error("no flash message")
		}
	})

	t.Run("a duplicate email", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users", url.Values{"email": {"staff@harbor.test"}, "name": {"Again"},
			"role": {"cas_admin"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already exists</span>") {
			t.Errorf("duplicate email: %d", resp.StatusCode)
		}
	})

	t.Run("an admin cannot be a CAS Contact", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users/"+c.hmis.ID+"/cas-contact", url.Values{"cas_contact": {"on"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(hmisRow(t, body, "user-"+c.hmis.ID), "only agency users") {
			t.Errorf("admin as CAS Contact: %d", resp.StatusCode)
		}
	})

	t.Run("disabling a user ends their sign-in; enabling restores it", func(t *testing.T) {
		b.postHMISForm("/admin/users/"+c.riversideStaff.ID+"/disable", nil)
		if _, err := c.db.Authenticate(ctx, "staff@riverside.test", "a long enough password"); cas.ErrorCode(err) != cas.EUnauthorized {
			t.Errorf("disabled user authenticates: %v", err)
		}
		row := hmisRow(t, b.getHMISPage("/admin/users"), "user-"+c.riversideStaff.ID)
		if !strings.Contains(row, "disabled") || !strings.Contains(row, "/enable") {
			t.Errorf("disabled user's row:\n%s", row)
		}
		b.postHMISForm("/admin/users/"+c.riversideStaff.ID+"/enable", nil)
		if _, err := c.db.Authenticate(ctx, "staff@riverside.test", "a long enough password"); err != nil {
			t.Errorf("enabled user cannot sign in: %v", err)
		}
	})

	t.Run("an admin cannot disable their own account", func(t *testing.T) {
		resp, _ := b.hmisRequest("POST", "/admin/users/"+c.hmis.ID+"/disable", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("self-disable: %d", resp.StatusCode)
		}
		if u, _ := c.db.User(ctx, cas.System, c.hmis.ID); u.Disabled() {
			t.Error("the admin disabled themself")
		}
	})
}
