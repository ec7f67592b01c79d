package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestServeGuards: serve applies the rate limits and the metrics token it is given in the
// environment.
func TestServeGuards(t *testing.T) {
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t), "DOORWAY_API_TOKEN_RATE": "0.01", "DOORWAY_API_TOKEN_BURST": "3",
		"DOORWAY_METRICS_TOKEN": "a scraper's long secret"}
	if _, err := run(t, env, "a long enough password\n", "user", "add", "--email", "admin@coc.test", "--role", "hmis_admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	token, err := run(t, env, "", "token", "create", "--email", "admin@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, env)
	for i := range 3 {
		if status, _ := get(t, srv.url+"/api/v1/me", strings.TrimSpace(token)); status != http.StatusOK {
			t.Fatalf("request %d: %d", i, status)
		}
	}
	status, body := get(t, srv.url+"/api/v1/me", strings.TrimSpace(token))
	if e, _ := body["error"].(map[string]any); status != http.StatusTooManyRequests || e["code"] != "rate_limited" {
		t.Errorf("past --api-token-burst: %d %v", status, body)
	}
	if status, _ := get(t, srv.url+"/metrics", ""); status != http.StatusForbidden {
		t.Errorf("metrics without the token: %d, want 403", status)
	}
	if status, _ := get(t, srv.url+"/metrics", "a scraper's long secret"); status != http.StatusOK {
		t.Errorf("metrics with the token: %d, want 200", status)
	}
}

// TestUserResetSecondFactor: the operator removes a second factor whose owner lost it, audited as
// the command line.
func TestUserResetSecondFactor(t *testing.T) {
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t)}
	if _, err := run(t, env, "a long enough password\n", "user", "add", "--email", "hmis@coc.test", "--role", "hmis_admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, env, "", "user", "reset-second-factor", "--email", "hmis@coc.test"); err == nil || !strings.Contains(err.Error(), "no second factor") {
		t.Errorf("without a second factor: %v", err)
	}
	db := storetest.Open(t, env["DOORWAY_DB"])
	u, err := db.UserByEmail(context.Background(), cas.System, "hmis@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := db.StartTOTP(context.Background(), &u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfirmTOTP(context.Background(), &u, storetest.TOTPCode(t, secret, db.Now())); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, env, "", "user", "reset-second-factor", "--email", "HMIS@coc.test")
	if err != nil || !strings.Contains(out, "Removed the second factor of hmis@coc.test") {
		t.Fatalf("reset: %q %v", out, err)
	}
	if on, _ := db.HasSecondFactor(context.Background(), u.ID); on {
		t.Error("still on after the reset")
	}
	var actor string
	if err := db.SQL().QueryRow(`SELECT actor_id FROM audit_events WHERE action = 'user.second_factor_reset'`).Scan(&actor); err != nil || actor != cas.System.ID {
		t.Errorf("audited as %q (%v), want the command line", actor, err)
	}
}
