package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestRequestsHoldToTheDocument: what openapi.yaml does not allow, the server refuses, naming the
// field.
func TestRequestsHoldToTheDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		status, program := c.do(t, "hmis_admin", "POST", "/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "Harbor PSH", "project_type": 3}`, c.harbor.ID))
		if status != 201 {
			t.Fatalf("program: %d %v", status, program)
		}
		_, facility := c.do(t, "hmis_admin", "POST", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, program["id"]))
		_, unit := c.do(t, "hmis_admin", "POST", "/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "Apt 1", "bedrooms": 1, "household_types": ["without_children"]}`, facility["id"]))
		for _, r := range []struct{ persona, method, path, body, field string }{
			{"hmis_admin", "PATCH", "/api/v1/units/" + unit["id"].(string), `{"label": null}`, "label"},
			{"hmis_admin", "PATCH", "/api/v1/programs/" + program["id"].(string), `{"requirements": {"household_types": [], "min_age": null}}`, "requirements.min_age"},
			{"cas_admin", "POST", "/api/v1/referrals", `{"client_id": null, "facility_id": "x"}`, "client_id"},
			{"hmis_admin", "PATCH", "/api/v1/programs/" + program["id"].(string), `{"response_days": 0}`, "response_days"},
			{"hmis_admin", "POST", "/api/v1/units/" + unit["id"].(string) + "/offline", `{"reason": "` + strings.Repeat("x", 501) + `"}`, "reason"},
			{"hmis_admin", "POST", "/api/v1/agencies", `{}`, "name"},
		} {
			status, body := c.do(t, r.persona, r.method, r.path, r.body)
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != r.field {
				t.Errorf("%s %s %s: %d %v, want 400 naming %s", r.method, r.path, r.body[:min(len(r.body), 60)], status, body, r.field)
			}
		}
		// Requests the document's schemas allow but the operation's x-rules forbid: each answers 400
		// naming the field, and onTheWire fails the test if the field is not among the x-rules.
		for _, r := range []struct{ persona, method, path, body, field string }{
			{"hmis_admin", "POST", "/api/v1/users", `{"email": "a@example.org", "password": "correct horse battery", "name": "A", "role": "cas_admin", "agency_id": "` + c.harbor.ID + `"}`, "agency_id"},
			{"hmis_admin", "POST", "/api/v1/users", `{"email": "b@example.org", "password": "correct horse battery", "name": "B", "role": "agency_user", "agency_id": "nope"}`, "agency_id"},
			{"hmis_admin", "PATCH", "/api/v1/programs/" + program["id"].(string), `{"requirements": {"household_types": ["without_children"], "min_age": 30, "max_age": 20}}`, "requirements.max_age"},
			{"hmis_admin", "POST", "/api/v1/facilities", `{"program_id": "nope", "name": "X"}`, "program_id"},
			{"hmis_admin", "POST", "/api/v1/units", `{"facility_id": "nope", "label": "X", "bedrooms": 0, "household_types": ["without_children"]}`, "facility_id"},
			{"hmis_admin", "POST", "/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "Jo", "starts_on": "2030-01-10", "expires_on": "2030-01-01"}`, unit["id"]), "expires_on"},
			{"hmis_admin", "POST", "/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "Jo", "starts_on": "2030-01-01", "expires_on": "2030-12-01"}`, unit["id"]), "expires_on"},
			{"cas_admin", "POST", "/api/v1/clients", `{"first_name": "A", "last_name": "B", "birth_date": "2999-01-01", "household_size": 1, "household_type": "without_children"}`, "birth_date"},
			{"cas_admin", "POST", "/api/v1/hpl", `{"client_id": "nope", "score": 1, "assessed_on": "2026-01-01"}`, "client_id"},
			{"cas_admin", "PUT", "/api/v1/priority-scheme", `{"criteria": [{"factor": "score", "ascending": false}, {"factor": "score", "ascending": true}]}`, "criteria[1].factor"},
			{"cas_admin", "POST", "/api/v1/referrals", fmt.Sprintf(`{"client_id": "nope", "facility_id": %q}`, facility["id"]), "client_id"},
			{"hmis_admin", "POST", "/api/v1/discrepancies", fmt.Sprintf(`{"facility_id": %q, "unit_ids": ["nope"], "note": "n"}`, facility["id"]), "unit_ids"},
			{"hmis_admin", "GET", "/api/v1/reports/metrics?from=2026-10-12&to=2026-10-01", ``, "from"},
			{"hmis_admin", "GET", "/api/v1/reports/metrics?format=csv", ``, "figure"},
		} {
			status, body := c.do(t, r.persona, r.method, r.path, r.body)
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != r.field {
				t.Errorf("%s %s %s: %d %v, want 400 naming %s", r.method, r.path, r.body[:min(len(r.body), 60)], status, body, r.field)
			}
		}
		req, _ := http.NewRequest("HEAD", c.url+"/api/v1/units", nil)
		req.Header.Set("Authorization", "Bearer "+c.tokens["hmis_admin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
			t.Errorf("HEAD /api/v1/units: %d, Allow %q; want 405, the document offers GET only", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}
