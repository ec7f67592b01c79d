package web_test

import (
	"fmt"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestRosterThroughTheAPI is the promise: a provider keeps a real facility's roster true
// through the API alone, and every change is visible in the unit's history.
func TestRosterThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		mustCreate := func(persona, path, body string) map[string]any {
			t.Helper()
			status, out := c.do(t, persona, "POST", path, body)
			if status != 201 {
				t.Fatalf("POST %s: %d %v", path, status, out)
			}
			return out
		}
		program := mustCreate("hmis_admin", "/api/v1/programs", fmt.Sprintf(
			`{"agency_id": %q, "name": "Harbor Family PSH", "project_type": 3, "requirements": {"household_types": ["with_children"]}}`, c.harbor.ID))
		if program["referral_mode"] != "auto" || program["response_days"] != float64(3) {
			t.Errorf("program defaults: %v", program)
		}
		facility := mustCreate("hmis_admin", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, program["id"]))
		unit := mustCreate("hmis_admin", "/api/v1/units", fmt.Sprintf(
			`{"facility_id": %q, "label": "Apt 101", "bedrooms": 2, "household_types": ["with_children"], "accessible": true}`, facility["id"]))
		unitPath := "/api/v1/units/" + unit["id"].(string)
		if unit["status"] != "available" || unit["agency_id"] != c.harbor.ID {
			t.Fatalf("new unit: %v", unit)
		}

		steps := []struct {
			persona, method, path, body string
			status                      int
			unitStatus                  string
		}{
			{"agency_user", "POST", unitPath + "/check-in", `{"client_name": "Pat Doe"}`, 200, "occupied"},
			{"agency_user", "POST", unitPath + "/check-in", `{"client_name": "Sam Roe"}`, 409, "occupied"},
			{"agency_user", "POST", unitPath + "/check-out", ``, 200, "available"},
			{"agency_user", "POST", "/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "Lee Poe", "starts_on": "2099-01-01", "expires_on": "2099-01-10"}`, unit["id"]), 201, "reserved"},
			{"agency_user", "POST", unitPath + "/check-in", `{"client_name": "Lee Poe"}`, 200, "occupied"},
			{"agency_user", "POST", unitPath + "/check-out", ``, 200, "available"},
			{"agency_user", "POST", unitPath + "/offline", `{"reason": "no"}`, 403, "available"},
			{"hmis_admin", "POST", unitPath + "/offline", `{"reason": "Water damage", "expected_return": "2099-02-01"}`, 200, "offline"},
			{"agency_user", "POST", unitPath + "/check-in", `{"client_name": "Pat Doe"}`, 409, "offline"},
			{"hmis_admin", "POST", unitPath + "/online", ``, 200, "available"},
			{"agency_user", "POST", "/api/v1/facilities/" + facility["id"].(string) + "/confirm-inventory", ``, 200, "available"},
		}
		for _, s := range steps {
			status, body := c.do(t, s.persona, s.method, s.path, s.body)
			if status != s.status {
				t.Fatalf("%s %s as %s: %d %v, want %d", s.method, s.path, s.persona, status, body, s.status)
			}
			if _, u := c.do(t, "agency_user", "GET", unitPath, ""); u["status"] != s.unitStatus {
				t.Fatalf("after %s %s: unit %v, want %s", s.method, s.path, u["status"], s.unitStatus)
			}
		}
		_, shown := c.do(t, "agency_user", "GET", unitPath, "")
		if history, _ := shown["history"].([]any); len(history) != 4 {
			t.Errorf("history has %d intervals, want 4: %v", len(history), shown["history"])
		}
		_, f := c.do(t, "agency_user", "GET", "/api/v1/facilities/"+facility["id"].(string), "")
		if f["inventory_confirmed_at"] == nil || len(f["inventory_confirmations"].([]any)) != 1 || len(f["free_units"].([]any)) != 1 {
			t.Errorf("facility after confirmation: %v", f)
		}

		t.Run("another agency sees none of it", func(t *testing.T) {
			for _, path := range []string{unitPath, "/api/v1/facilities/" + facility["id"].(string), "/api/v1/programs/" + program["id"].(string)} {
				if status, _ := c.do(t, "other_agency_user", "GET", path, ""); status != 404 {
					t.Errorf("GET %s: %d, want 404", path, status)
				}
			}
			for _, path := range []string{unitPath + "/check-in", unitPath + "/check-out", "/api/v1/facilities/" + facility["id"].(string) + "/confirm-inventory"} {
				if status, _ := c.do(t, "other_agency_user", "POST", path, `{"client_name": "X"}`); status != 404 {
					t.Errorf("POST %s: %d, want 404", path, status)
				}
			}
			_, list := c.do(t, "other_agency_user", "GET", "/api/v1/units", "")
			if items := list["items"].([]any); len(items) != 0 {
				t.Errorf("listed %d units of another agency", len(items))
			}
		})

		t.Run("bad input names the field", func(t *testing.T) {
			cases := []struct{ path, body, field string }{
				{"/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "B", "bedrooms": -1, "household_types": ["with_children"]}`, facility["id"]), "bedrooms"},
				{"/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "B", "bedrooms": 1, "household_types": ["family"]}`, facility["id"]), "household_types"},
				{"/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "B", "bedrooms": "two", "household_types": ["with_children"]}`, facility["id"]), "bedrooms"},
				{"/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "B", "household_types": ["with_children"]}`, facility["id"]), "bedrooms"},
				{"/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "P", "starts_on": "2099-01-10", "expires_on": "2099-01-01"}`, unit["id"]), "expires_on"},
				{"/api/v1/reservations", `{"unit_id": "nope", "client_name": "P", "starts_on": "2099-01-01", "expires_on": "2099-01-02"}`, "unit_id"},
				{"/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "P", "starts_on": "01/02/2099", "expires_on": "2099-01-02"}`, unit["id"]), "starts_on"},
				{"/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "X", "project_type": 3, "requirements": {"populations": ["veteran"], "diagnosis": "x"}}`, c.harbor.ID), "diagnosis"},
			}
			for _, tc := range cases {
				persona := "hmis_admin"
				if tc.path == "/api/v1/reservations" {
					persona = "agency_user"
				}
				status, body := c.do(t, persona, "POST", tc.path, tc.body)
				if e := errorOf(body); status != 400 || e["field"] != tc.field {
					t.Errorf("POST %s %s: %d %v, want 400 naming %s", tc.path, tc.body, status, body, tc.field)
				}
			}
		})
	})
}
