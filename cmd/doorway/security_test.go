package main

import (
	"net/http"
	"strings"
	"testing"

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
