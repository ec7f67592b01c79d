package web_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestSecondFactorAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		if status, body := c.do(t, "hmis_admin", "GET", "/api/v1/second-factor-roles", ""); status != 200 || len(body["required_roles"].([]any)) != 0 {
			t.Errorf("roles at first: %d %v", status, body)
		}
		if status, body := c.do(t, "hmis_admin", "PUT", "/api/v1/second-factor-roles", `{"required_roles": ["boss"]}`); status != 400 || errorOf(body)["field"] != "required_roles" {
			t.Errorf("an unknown role: %d %v", status, body)
		}
		status, body := c.do(t, "hmis_admin", "PUT", "/api/v1/second-factor-roles", `{"required_roles": ["hmis_admin", "cas_admin"]}`)
		if roles, _ := body["required_roles"].([]any); status != 200 || len(roles) != 2 || roles[0] != "cas_admin" {
			t.Errorf("require it: %d %v", status, body)
		}
		// API tokens are not affected: the CAS admin's token still works without a second factor.
		if status, _ := c.do(t, "cas_admin", "GET", "/api/v1/me", ""); status != 200 {
			t.Errorf("a CAS admin's token once a second factor is required: %d", status)
		}
		user := c.users["agency_user"]
		if status, body := c.do(t, "hmis_admin", "POST", "/api/v1/users/"+user.ID+"/second-factor/reset", ""); status != 409 {
			t.Errorf("reset without a second factor: %d %v", status, body)
		}
		secret, err := db.StartTOTP(ctx, &user)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmTOTP(ctx, &user, storetest.TOTPCode(t, secret, db.Now())); err != nil {
			t.Fatal(err)
		}
		if status, _ := c.do(t, "cas_admin", "POST", "/api/v1/users/"+user.ID+"/second-factor/reset", ""); status != 403 {
			t.Errorf("a CAS admin resets it: %d, want 403", status)
		}
		if status, body := c.do(t, "hmis_admin", "POST", "/api/v1/users/"+user.ID+"/second-factor/reset", ""); status != 204 {
			t.Errorf("reset: %d %v", status, body)
		}
		if on, _ := db.HasSecondFactor(ctx, user.ID); on {
			t.Error("still on after the reset")
		}
		if status, _ := c.do(t, "hmis_admin", "POST", "/api/v1/users/no-such-user/second-factor/reset", ""); status != 404 {
			t.Errorf("reset of nobody: %d, want 404", status)
		}
	})
}
