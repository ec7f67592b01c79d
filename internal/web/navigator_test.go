package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientContactThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		status, created := c.do(t, "cas_admin", "POST", "/api/v1/clients", fmt.Sprintf(`{"first_name": "Lena", "last_name": "Norwood",
			"birth_date": "1984-02-03", "household_size": 1, "household_type": "without_children", "phone": "555-0100",
			"email": "lena@example.test", "contact_notes": "Evenings at the Elm St shelter", "navigator_user_id": %q}`, c.users["other_agency_user"].ID))
		if status != 201 {
			t.Fatalf("create: %d %v", status, created)
		}
		if created["phone"] != "555-0100" || created["email"] != "lena@example.test" || created["contact_notes"] != "Evenings at the Elm St shelter" ||
			created["navigator_user_id"] != c.users["other_agency_user"].ID {
			t.Errorf("created %v", created)
		}
		id := created["id"].(string)
		status, body := c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+id, fmt.Sprintf(`{"navigator_user_id": %q}`, c.users["cas_admin"].ID))
		if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "navigator_user_id" {
			t.Errorf("a CAS admin as navigator: %d %v, want 400 naming navigator_user_id", status, body)
		}
		status, body = c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+id, `{"email": "not an address"}`)
		if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "email" {
			t.Errorf("a bad email: %d %v, want 400 naming email", status, body)
		}
		status, body = c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+id, `{"navigator_user_id": "", "phone": ""}`)
		if status != 200 || body["navigator_user_id"] != nil || body["phone"] != "" {
			t.Errorf("clear navigator and phone: %d %v", status, body)
		}
	})
}

// TestNavigatorThroughTheAPI: Riverside's staff member navigates Lena, referred to Harbor. They
// read Lena's referral with how to reach her, add notes, and cannot answer for Harbor; Harbor's
// other client's referral answers them exactly as a missing one does.
func TestNavigatorThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		nav := c.users["other_agency_user"]
		program, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: c.harbor.ID, Name: "Harbor PSH", ProjectType: cas.ProjectPSH})
		if err != nil {
			t.Fatal(err)
		}
		facility, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: program.ID, Name: "Harbor Commons"})
		if err != nil {
			t.Fatal(err)
		}
		refer := func(first string, change func(*cas.Client)) cas.Referral {
			t.Helper()
			if _, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: facility.ID, Label: first, Bedrooms: 1,
				HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}); err != nil {
				t.Fatal(err)
			}
			cl := cas.Client{FirstName: first, LastName: "Norwood", BirthDate: "1984-02-03", HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true}
			if change != nil {
				change(&cl)
			}
			cl, err := db.CreateClient(ctx, cas.System, cl)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cl.ID, Score: 5, AssessedOn: "2026-01-05", IntakeStatus: cas.IntakeReady}); err != nil {
				t.Fatal(err)
			}
			r, err := db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: cl.ID, FacilityID: facility.ID})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		lena := refer("Lena", func(cl *cas.Client) {
			cl.Phone, cl.Email, cl.ContactNotes, cl.NavigatorUserID = "555-0100", "lena@example.test", "Evenings at the Elm St shelter", nav.ID
		})
		other := refer("Omar", nil)

		status, body := c.do(t, "other_agency_user", "GET", "/api/v1/referrals/"+lena.ID, "")
		if status != 200 {
			t.Fatalf("the navigator reads the referral: %d %v", status, body)
		}
		want := map[string]any{"id": lena.ClientID, "first_name": "Lena", "last_name": "Norwood", "birth_date": "1984-02-03", "hmis_personal_id": "",
			"phone": "555-0100", "email": "lena@example.test", "contact_notes": "Evenings at the Elm St shelter",
			"confidential": false, "shielded": false, "alias": cas.Client{ID: lena.ClientID}.Alias(),
			"navigator": map[string]any{"id": nav.ID, "name": "Riverside Staff", "email": "staff@riverside.test", "agency_id": c.riverside.ID,
				"agency_name": "Riverside Housing Partners"}}
		if diff := cmp.Diff(want, body["client"]); diff != "" {
			t.Errorf("the referral's client (-want +got):\n%s", diff)
		}
		status, body = c.do(t, "agency_user", "GET", "/api/v1/referrals/"+lena.ID, "")
		if client, _ := body["client"].(map[string]any); status != 200 || client["phone"] != "555-0100" || client["navigator"] == nil {
			t.Errorf("the receiving agency reads the referral: %d %v", status, body)
		}

		otherStatus, otherBody := c.do(t, "other_agency_user", "GET", "/api/v1/referrals/"+other.ID, "")
		missingStatus, missingBody := c.do(t, "other_agency_user", "GET", "/api/v1/referrals/no-such-referral", "")
		withoutRequestID := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == `["request_id"]` }, cmp.Ignore())
		if otherStatus != 404 || !cmp.Equal(otherBody, missingBody, withoutRequestID) {
			t.Errorf("another client's referral at the same agency: %d %v; a missing one: %d %v", otherStatus, otherBody, missingStatus, missingBody)
		}
		for _, action := range []struct{ path, body string }{{"accept", `{}`}, {"decline", `{"reason_code": "client_refused"}`}, {"move-in", `{"unit_id": "x"}`}} {
			if status, body := c.do(t, "other_agency_user", "POST", "/api/v1/referrals/"+lena.ID+"/"+action.path, action.body); status != 403 {
				t.Errorf("the navigator may %s: %d %v, want 403", action.path, status, body)
			}
		}

		status, body = c.do(t, "other_agency_user", "POST", "/api/v1/referrals/"+lena.ID+"/notes", `{"text": "Lena prefers texts."}`)
		if status != 201 {
			t.Fatalf("the navigator's note: %d %v", status, body)
		}
		timeline, _ := body["timeline"].([]any)
		last, _ := timeline[len(timeline)-1].(map[string]any)
		if last["action"] != "note" || last["note"] != "Lena prefers texts." || last["by_name"] != "Riverside Staff" {
			t.Errorf("the timeline's last entry %v, want the navigator's note", last)
		}
		if status, body := c.do(t, "agency_user", "POST", "/api/v1/referrals/"+lena.ID+"/notes", `{"text": "Thanks, texting now."}`); status != 201 {
			t.Errorf("the agency's note: %d %v", status, body)
		}
		if status, body := c.do(t, "cas_admin", "POST", "/api/v1/referrals/"+lena.ID+"/notes", `{"text": "CAS is following."}`); status != 201 {
			t.Errorf("a CAS admin's note: %d %v", status, body)
		}
		for _, bad := range []struct{ body, field string }{{`{"text": "   "}`, "text"}, {`{}`, "text"},
			{fmt.Sprintf(`{"text": %q}`, strings.Repeat("x", 2001)), "text"}} {
			status, body := c.do(t, "other_agency_user", "POST", "/api/v1/referrals/"+lena.ID+"/notes", bad.body)
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != bad.field {
				t.Errorf("note %s: %d %v, want 400 naming %s", bad.body[:min(len(bad.body), 30)], status, body, bad.field)
			}
		}
		if status, _ := c.do(t, "other_agency_user", "POST", "/api/v1/referrals/"+other.ID+"/notes", `{"text": "not mine"}`); status != 404 {
			t.Errorf("a note on another client's referral: %d, want 404", status)
		}
		status, body = c.do(t, "other_agency_user", "GET", "/api/v1/referrals", "")
		if items, _ := body["items"].([]any); status != 200 || len(items) != 1 {
			t.Errorf("the navigator's referral list: %d %v, want Lena's only", status, body)
		}
	})
}
