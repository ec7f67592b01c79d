package web_test

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/worker"
)

// TestFreedUnitIsReferredWithoutAsking is the FAQ's promise end to end through the API: a provider
// checks a client out, and by the worker's next run the best eligible client on the HPL has a
// referral to that unit; a "no unit available" decline passes it to the next client.
func TestFreedUnitIsReferredWithoutAsking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		w := worker.New(db, slog.New(slog.DiscardHandler), "test", nil)
		drain := func() {
			t.Helper()
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		post := func(persona, path, body string, want int) map[string]any {
			t.Helper()
			status, out := c.do(t, persona, "POST", path, body)
			if status != want {
				t.Fatalf("POST %s as %s: %d %v, want %d", path, persona, status, out, want)
			}
			return out
		}
		program := post("hmis_admin", "/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "Harbor PSH", "project_type": 3, "response_days": 5}`, c.harbor.ID), 201)
		facility := post("hmis_admin", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, program["id"]), 201)
		unit := post("hmis_admin", "/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "Apt 1", "bedrooms": 1, "household_types": ["without_children"]}`, facility["id"]), 201)
		unitPath := "/api/v1/units/" + unit["id"].(string)
		post("agency_user", unitPath+"/check-in", `{"client_name": "Current Tenant"}`, 200)

		clients := map[string]string{}
		for _, p := range []struct {
			name          string
			score         int
			household     string
			intake        string
			consent       bool
			householdSize int
		}{
			{"Family", 17, "with_children", "ready", true, 3},
			{"Unready", 16, "without_children", "pending", true, 1},
			{"Best", 14, "without_children", "ready", true, 1},
			{"Next", 9, "without_children", "ready", true, 1},
			{"Last", 3, "without_children", "ready", true, 1},
		} {
			cl := post("cas_admin", "/api/v1/clients", fmt.Sprintf(`{"first_name": %q, "last_name": "Doe", "birth_date": "1975-03-04",
				"household_size": %d, "household_type": %q, "consent": %v}`, p.name, p.householdSize, p.household, p.consent), 201)
			clients[cl["id"].(string)] = p.name
			post("cas_admin", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": %d, "assessed_on": "2026-01-10", "intake_status": %q}`,
				cl["id"], p.score, p.intake), 201)
		}
		drain()
		referralsTo := func(status string) []map[string]any {
			_, list := c.do(t, "agency_user", "GET", "/api/v1/referrals?status="+status, "")
			var out []map[string]any
			for _, it := range list["items"].([]any) {
				out = append(out, it.(map[string]any))
			}
			return out
		}
		if got := referralsTo("pending"); len(got) != 0 {
			t.Fatalf("referrals while the unit is occupied: %v", got)
		}

		post("agency_user", unitPath+"/check-out", ``, 200)
		drain()
		pending := referralsTo("pending")
		if len(pending) != 1 || clients[pending[0]["client_id"].(string)] != "Best" || pending[0]["unit_id"] != unit["id"] {
			t.Fatalf("after the check-out: %v, want one referral of Best to the unit", pending)
		}
		if pending[0]["source"] != "engine" || pending[0]["match_reason"] == "" || pending[0]["rank"] != float64(3) {
			t.Errorf("the referral does not say why: %v", pending[0])
		}

		post("agency_user", "/api/v1/referrals/"+pending[0]["id"].(string)+"/decline", `{"reason_code": "no_unit_available"}`, 200)
		drain()
		pending = referralsTo("pending")
		if len(pending) != 1 || clients[pending[0]["client_id"].(string)] != "Next" {
			t.Fatalf("after the decline: %v, want one referral of Next", pending)
		}
		declined := referralsTo("declined")
		if len(declined) != 1 || declined[0]["referral_result"] != float64(3) || declined[0]["reason_code"] != "no_unit_available" {
			t.Errorf("declined referral: %v, want provider-rejected (3)", declined)
		}

		id := pending[0]["id"].(string)
		post("agency_user", "/api/v1/referrals/"+id+"/accept", ``, 200)
		post("agency_user", "/api/v1/referrals/"+id+"/accept", ``, 409)
		housed := post("agency_user", "/api/v1/referrals/"+id+"/move-in", fmt.Sprintf(`{"unit_id": %q}`, unit["id"]), 200)
		if housed["status"] != "housed" || housed["referral_result"] != float64(1) || len(housed["timeline"].([]any)) != 3 {
			t.Errorf("after move-in: %v", housed)
		}
		if _, u := c.do(t, "agency_user", "GET", unitPath, ""); u["status"] != "occupied" {
			t.Errorf("unit after move-in: %v", u["status"])
		}
		if status, _ := c.do(t, "other_agency_user", "GET", "/api/v1/referrals/"+id, ""); status != 404 {
			t.Errorf("another agency read the referral: %d", status)
		}
	})
}
