package web_test

import (
	"fmt"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestFacilityRequestsThroughTheAPI is the FAQ's new facility-setup process: an agency asks, the
// HMIS team approves (and the inventory changes at once) or rejects with a reason.
func TestFacilityRequestsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		post := func(persona, path, body string, want int) map[string]any {
			t.Helper()
			status, out := c.do(t, persona, "POST", path, body)
			if status != want {
				t.Fatalf("POST %s as %s: %d %v, want %d", path, persona, status, out, want)
			}
			return out
		}
		program := post("hmis_admin", "/api/v1/programs", fmt.Sprintf(
			`{"agency_id": %q, "name": "Harbor Family PSH", "project_type": 3, "requirements": {"household_types": ["with_children"]}}`, c.harbor.ID), 201)
		programID := program["id"].(string)
		newFacility := fmt.Sprintf(`{"program_id": %q, "kind": "new_facility", "details": {"name": "Harbor Annex", "address": "14 Quay St",
			"units": [{"label": "A1", "bedrooms": 2, "household_types": ["with_children"]}, {"label": "A2", "bedrooms": 3, "household_types": ["with_children"], "accessible": true}]}}`, programID)

		req := post("agency_user", "/api/v1/facility-requests", newFacility, 201)
		reqPath := "/api/v1/facility-requests/" + req["id"].(string)
		if req["status"] != "pending" || req["agency_id"] != c.harbor.ID || req["kind"] != "new_facility" || req["facility_id"] != nil {
			t.Fatalf("new request: %v", req)
		}
		if units := req["details"].(map[string]any)["units"].([]any); len(units) != 2 {
			t.Errorf("details: %v", req["details"])
		}
		post("agency_user", reqPath+"/approve", "", 403)
		post("cas_admin", reqPath+"/approve", "", 403)

		approved := post("hmis_admin", reqPath+"/approve", "", 200)
		facilityID, _ := approved["facility_id"].(string)
		if approved["status"] != "approved" || facilityID == "" || approved["decided_at"] == nil {
			t.Fatalf("approved: %v", approved)
		}
		_, units := c.do(t, "agency_user", "GET", "/api/v1/units?facility_id="+facilityID, "")
		if items := units["items"].([]any); len(items) != 2 || items[0].(map[string]any)["status"] != "available" {
			t.Errorf("units of the new facility: %v", units)
		}
		post("hmis_admin", reqPath+"/approve", "", 409)
		post("hmis_admin", reqPath+"/reject", `{"reason": "too late"}`, 409)

		t.Run("a removal of an occupied unit refuses the whole change", func(t *testing.T) {
			unitID := units["items"].([]any)[0].(map[string]any)["id"].(string)
			post("agency_user", "/api/v1/units/"+unitID+"/check-in", `{"client_name": "Pat Doe"}`, 200)
			change := post("agency_user", "/api/v1/facility-requests", fmt.Sprintf(`{"program_id": %q, "kind": "change_units",
				"details": {"facility_id": %q, "add": [{"label": "A3", "bedrooms": 1, "household_types": ["with_children"]}], "remove_unit_ids": [%q]}}`,
				programID, facilityID, unitID), 201)
			if d := change["details"].(map[string]any); d["facility_id"] != facilityID || len(d["add"].([]any)) != 1 {
				t.Errorf("change details: %v", d)
			}
			out := post("hmis_admin", "/api/v1/facility-requests/"+change["id"].(string)+"/approve", "", 409)
			if e := errorOf(out); e["field"] != "details.remove_unit_ids[0]" {
				t.Errorf("error %v, want it to name details.remove_unit_ids[0]", e)
			}
			if _, after := c.do(t, "agency_user", "GET", "/api/v1/units?facility_id="+facilityID, ""); len(after["items"].([]any)) != 2 {
				t.Errorf("the added unit was written: %v", after)
			}
			out = post("hmis_admin", "/api/v1/facility-requests/"+change["id"].(string)+"/reject", `{}`, 400)
			if e := errorOf(out); e["field"] != "reason" {
				t.Errorf("reject without a reason: %v", out)
			}
			rejected := post("hmis_admin", "/api/v1/facility-requests/"+change["id"].(string)+"/reject", `{"reason": "A1 is occupied"}`, 200)
			if rejected["status"] != "rejected" || rejected["reason"] != "A1 is occupied" {
				t.Errorf("rejected: %v", rejected)
			}
			_, pending := c.do(t, "agency_user", "GET", "/api/v1/facility-requests?status=pending", "")
			_, all := c.do(t, "agency_user", "GET", "/api/v1/facility-requests", "")
			if len(pending["items"].([]any)) != 0 || len(all["items"].([]any)) != 2 {
				t.Errorf("lists: pending %v, all %v", pending, all)
			}
		})

		t.Run("another agency sees none of it", func(t *testing.T) {
			if status, _ := c.do(t, "other_agency_user", "GET", reqPath, ""); status != 404 {
				t.Errorf("GET %s: %d, want 404", reqPath, status)
			}
			if _, list := c.do(t, "other_agency_user", "GET", "/api/v1/facility-requests", ""); len(list["items"].([]any)) != 0 {
				t.Errorf("listed another agency's requests: %v", list)
			}
			out := post("other_agency_user", "/api/v1/facility-requests", newFacility, 400)
			if e := errorOf(out); e["field"] != "program_id" {
				t.Errorf("asking for another agency's program: %v", out)
			}
		})

		t.Run("bad input names the field", func(t *testing.T) {
			cases := []struct{ body, field string }{
				{`{"kind": "new_facility", "details": {}}`, "program_id"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "new_facility"}`, programID), "details"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "rebuild", "details": {"name": "X", "units": []}}`, programID), "kind"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "new_facility", "details": {"name": "X", "units": [{"label": "B1", "bedrooms": 1, "household_types": ["with_children"]}, {"label": "B2", "bedrooms": -1, "household_types": ["with_children"]}]}}`, programID), "details.units[1].bedrooms"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "new_facility", "details": {"name": "X", "units": [{"label": "B1", "household_types": ["with_children"]}]}}`, programID), "details.units[0].bedrooms"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "new_facility", "details": {"name": "X", "units": [{"label": "B1", "bedrooms": 1, "household_types": ["family"]}]}}`, programID), "details.units[0].household_types"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "new_facility", "details": {"name": "X", "floors": 3, "units": []}}`, programID), "floors"},
				{fmt.Sprintf(`{"program_id": %q, "kind": "change_units", "details": {"facility_id": %q, "remove_unit_ids": ["nope"]}}`, programID, facilityID), "details.remove_unit_ids[0]"},
			}
			for _, tc := range cases {
				status, body := c.do(t, "agency_user", "POST", "/api/v1/facility-requests", tc.body)
				if e := errorOf(body); status != 400 || e["field"] != tc.field {
					t.Errorf("POST %s: %d %v, want 400 naming %s", tc.body, status, body, tc.field)
				}
			}
		})
	})
}
