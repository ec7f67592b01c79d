package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestDiscrepancyReportsThroughTheAPI: an agency says two of its units are not what Doorway shows,
// the CoC resolves the report by taking them offline, and the agency is told what was done.
func TestDiscrepancyReportsThroughTheAPI(t *testing.T) {
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
		if status, out := c.do(t, "hmis_admin", "PATCH", "/api/v1/users/"+c.users["agency_user"].ID, `{"cas_contact": true}`); status != 200 {
			t.Fatalf("make the Harbor user a CAS Contact: %d %v", status, out)
		}
		program := mustCreate("hmis_admin", "/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "Harbor Family PSH", "project_type": 3}`, c.harbor.ID))
		facility := mustCreate("hmis_admin", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, program["id"]))
		var units []string
		for _, label := range []string{"Apt 101", "Apt 102"} {
			u := mustCreate("hmis_admin", "/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": %q, "bedrooms": 1, "household_types": ["without_children"]}`, facility["id"], label))
			units = append(units, u["id"].(string))
		}
		report := fmt.Sprintf(`{"facility_id": %q, "unit_ids": [%q, %q], "note": "Both flooded on 1 Nov; nobody can live there"}`, facility["id"], units[0], units[1])

		if status, _ := c.do(t, "cas_admin", "POST", "/api/v1/discrepancies", report); status != 403 {
			t.Errorf("a CAS admin filed a report: %d, want 403", status)
		}
		d := mustCreate("agency_user", "/api/v1/discrepancies", report)
		path := "/api/v1/discrepancies/" + d["id"].(string)
		if d["status"] != "open" || d["resolution"] != nil || d["resolved_at"] != nil || d["agency_id"] != c.harbor.ID ||
			d["created_by"] != c.users["agency_user"].ID || fmt.Sprint(d["unit_ids"]) != fmt.Sprint([]any{units[0], units[1]}) {
			t.Errorf("filed report: %v", d)
		}
		_, inbox := c.do(t, "cas_admin", "GET", "/api/v1/notifications", "")
		if !hasNotification(inbox, "discrepancy_filed", "Harbor Family Services reports its inventory at Harbor Commons is wrong") {
			t.Errorf("CAS admin inbox: %v", inbox)
		}

		t.Run("another agency sees none of it", func(t *testing.T) {
			if status, _ := c.do(t, "other_agency_user", "GET", path, ""); status != 404 {
				t.Errorf("GET: %d, want 404", status)
			}
			if _, list := c.do(t, "other_agency_user", "GET", "/api/v1/discrepancies", ""); len(list["items"].([]any)) != 0 {
				t.Errorf("listed another agency's reports: %v", list)
			}
			if status, body := c.do(t, "other_agency_user", "POST", "/api/v1/discrepancies", report); status != 400 || errorOf(body)["field"] != "facility_id" {
				t.Errorf("filed on another agency's facility: %d %v", status, body)
			}
		})

		t.Run("bad input names the field", func(t *testing.T) {
			for _, tc := range []struct{ persona, path, body, field string }{
				{"agency_user", "/api/v1/discrepancies", fmt.Sprintf(`{"facility_id": %q, "note": "x"}`, facility["id"]), "unit_ids"},
				{"agency_user", "/api/v1/discrepancies", fmt.Sprintf(`{"facility_id": %q, "unit_ids": [], "note": "x"}`, facility["id"]), "unit_ids"},
				{"agency_user", "/api/v1/discrepancies", fmt.Sprintf(`{"facility_id": %q, "unit_ids": ["nope"], "note": "x"}`, facility["id"]), "unit_ids"},
				{"agency_user", "/api/v1/discrepancies", fmt.Sprintf(`{"facility_id": %q, "unit_ids": [%q]}`, facility["id"], units[0]), "note"},
				{"agency_user", "/api/v1/discrepancies", fmt.Sprintf(`{"facility_id": %q, "unit_ids": [%q], "note": "x", "since": "2026-11-01"}`, facility["id"], units[0]), "since"},
				{"cas_admin", path + "/resolve", `{"note": "x"}`, "action"},
				{"cas_admin", path + "/resolve", `{"action": "delete"}`, "action"},
				{"cas_admin", path + "/resolve", `{"action": "none"}`, "note"},
			} {
				status, body := c.do(t, tc.persona, "POST", tc.path, tc.body)
				if e := errorOf(body); status != 400 || e["field"] != tc.field {
					t.Errorf("POST %s %s: %d %v, want 400 naming %s", tc.path, tc.body, status, body, tc.field)
				}
			}
			if status, body := c.do(t, "cas_admin", "GET", "/api/v1/discrepancies?status=closed", ""); status != 400 || errorOf(body)["field"] != "status" {
				t.Errorf("status=closed: %d %v", status, body)
			}
		})

		if status, _ := c.do(t, "agency_user", "POST", path+"/resolve", `{"action": "none", "note": "never mind"}`); status != 403 {
			t.Errorf("the agency resolved its own report: %d, want 403", status)
		}
		if status, _ := c.do(t, "other_agency_user", "POST", path+"/resolve", `{"action": "correction"}`); status != 403 {
			t.Errorf("another agency's user resolved a report: %d, want 403", status)
		}

		t.Run("offline with an occupied unit changes nothing", func(t *testing.T) {
			if status, out := c.do(t, "agency_user", "POST", "/api/v1/units/"+units[1]+"/check-in", `{"client_name": "Pat Doe"}`); status != 200 {
				t.Fatalf("check in: %d %v", status, out)
			}
			if status, body := c.do(t, "hmis_admin", "POST", path+"/resolve", `{"action": "offline"}`); status != 409 {
				t.Errorf("resolve: %d %v, want 409", status, body)
			}
			for _, id := range units {
				if _, u := c.do(t, "agency_user", "GET", "/api/v1/units/"+id, ""); u["status"] == "offline" {
					t.Errorf("unit %s went offline", u["label"])
				}
			}
			if _, got := c.do(t, "agency_user", "GET", path, ""); got["status"] != "open" {
				t.Errorf("report after a refused resolution: %v", got)
			}
			if status, out := c.do(t, "agency_user", "POST", "/api/v1/units/"+units[1]+"/check-out", ""); status != 200 {
				t.Fatalf("check out: %d %v", status, out)
			}
		})

		status, resolved := c.do(t, "hmis_admin", "POST", path+"/resolve", `{"action": "offline", "note": "Confirmed with the site manager"}`)
		if status != 200 || resolved["status"] != "resolved" || resolved["resolved_at"] == nil ||
			fmt.Sprint(resolved["resolution"]) != fmt.Sprint(map[string]any{"action": "offline", "note": "Confirmed with the site manager"}) {
			t.Fatalf("resolve: %d %v", status, resolved)
		}
		for _, id := range units {
			if _, u := c.do(t, "agency_user", "GET", "/api/v1/units/"+id, ""); u["status"] != "offline" {
				t.Errorf("unit %s is %v, want offline", u["label"], u["status"])
			}
		}
		if status, _ := c.do(t, "cas_admin", "POST", path+"/resolve", `{"action": "correction"}`); status != 409 {
			t.Errorf("resolved twice: %d, want 409", status)
		}
		_, inbox = c.do(t, "agency_user", "GET", "/api/v1/notifications", "")
		if !hasNotification(inbox, "discrepancy_resolved", "Your inventory report for Harbor Commons was resolved: the units were taken offline") {
			t.Errorf("CAS Contact inbox: %v", inbox)
		}
		if strings.Contains(fmt.Sprint(inbox), "site manager") {
			t.Errorf("a notification carries the resolution's note: %v", inbox)
		}

		for _, tc := range []struct {
			persona, query string
			want           int
		}{
			{"agency_user", "?status=resolved", 1},
			{"agency_user", "?status=open", 0},
			{"cas_admin", "", 1},
			{"hmis_admin", "?facility_id=" + facility["id"].(string), 1},
		} {
			status, list := c.do(t, tc.persona, "GET", "/api/v1/discrepancies"+tc.query, "")
			if items, _ := list["items"].([]any); status != 200 || len(items) != tc.want {
				t.Errorf("GET %s as %s: %d, %d items, want %d", tc.query, tc.persona, status, len(items), tc.want)
			}
		}
	})
}

// hasNotification reports whether an inbox response holds a notification of kind with subject.
func hasNotification(inbox map[string]any, kind, subject string) bool {
	items, _ := inbox["items"].([]any)
	for _, it := range items {
		n, _ := it.(map[string]any)
		if n["kind"] == kind && n["subject"] == subject {
			return true
		}
	}
	return false
}
