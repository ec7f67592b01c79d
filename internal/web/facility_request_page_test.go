package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// requestsUser returns an account of the test CoC by email.
func requestsUser(t *testing.T, db *store.DB, email string) cas.User {
	t.Helper()
	u, err := db.UserByEmail(context.Background(), cas.System, email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// requestsLinked reports whether u's inbox holds a notification linking to path.
func requestsLinked(t *testing.T, db *store.DB, u cas.User, path string) bool {
	t.Helper()
	items, _, _, err := db.Notifications(context.Background(), &u, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range items {
		if strings.HasSuffix(n.Link, path) {
			return true
		}
	}
	return false
}

// TestDiscrepancyPages: Harbor reports from the page that two units of Harbor Commons are not what
// Doorway shows; Bayside never learns of it; a CAS admin resolves it from the page by taking the
// units offline, and Harbor reads what was done.
func TestFacilityRequestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newAgencyCoCOn(t, db)
		ctx := context.Background()
		harborUser := requestsUser(t, db, "harbor@coc.test")
		contact := true
		if _, err := db.UpdateUser(ctx, cas.System, harborUser.ID, cas.UserPatch{CASContact: &contact}); err != nil {
			t.Fatal(err)
		}
		harbor := c.as(t, "harbor@coc.test")
		status, body := harbor.getPage("/facility-requests")
		if status != http.StatusOK {
			t.Fatalf("GET /facility-requests: %d", status)
		}
		agencyContains(t, "Harbor's request forms", body, `id="request-new"`, `<option value="`+c.commons.ProgramID+`">`+c.harborProgramName,
			`id="request-`+c.commons.ID+`"`, `name="remove_unit_ids" value="`+c.apt4.ID+`"`, `name="units[4].label"`)
		agencyLacks(t, "Harbor's request forms", body, c.baysideProgramName, c.bayHouse.ID)

		newFacility := url.Values{"kind": {"new_facility"}, "program_id": {c.commons.ProgramID}, "name": {"Harbor Annex"}, "address": {"2 Harbor Way"},
			"units[0].label": {"A1"}, "units[0].bedrooms": {"1"}, "units[0].household_types": {"without_children"},
			"units[2].label": {"A2"}, "units[2].bedrooms": {"3"}, "units[2].accessible": {"yes"}}

		t.Run("a refused request writes nothing", func(t *testing.T) {
			// The third row is the second unit filled in: its message goes next to the third row.
			status, _, body := harbor.postForm("/facility-requests", newFacility)
			if status != http.StatusBadRequest {
				t.Fatalf("a unit without household types: %d, want 400", status)
			}
			agencyContains(t, "the refused request", body, `id="new-units-2-household_types-error"`, "household types needs at least one",
				`value="Harbor Annex"`, `value="2 Harbor Way"`, `value="A2"`, `name="units[2].accessible" type="checkbox" value="yes" aria-label="Unit 3: accessible" checked`,
				`<option value="`+c.commons.ProgramID+`" selected>`)
			agencyLacks(t, "the refused request", body, `id="new-units-0-household_types-error"`)

			for _, tc := range []struct {
				name   string
				change func(url.Values)
				id     string
				wanted string
			}{
				{"bedrooms not a number", func(f url.Values) { f.Set("units[0].bedrooms", "two") }, `id="new-units-0-bedrooms-error"`, "whole number"},
				{"no name", func(f url.Values) { f.Del("name") }, `id="new-name-error"`, "name"},
				{"no units", func(f url.Values) {
					for _, row := range []string{"units[0]", "units[2]"} {
						for _, part := range []string{".label", ".bedrooms", ".household_types", ".accessible"} {
							f.Del(row + part)
						}
					}
				}, `id="new-units-error"`, "a new facility needs at least one unit"},
				{"another agency's program", func(f url.Values) { f.Set("program_id", c.bobRef.ProgramID) }, `id="new-program_id-error"`, "no program has ID"},
			} {
				form := url.Values{}
				for k, v := range newFacility {
					form[k] = v
				}
				form.Set("units[2].household_types", "with_children")
				tc.change(form)
				status, _, body := harbor.postForm("/facility-requests", form)
				if status != http.StatusBadRequest {
					t.Errorf("%s: %d, want 400", tc.name, status)
				}
				agencyContains(t, tc.name, body, tc.id, tc.wanted)
			}

			status, _, body = harbor.postForm("/facility-requests", url.Values{"kind": {"change_units"}, "program_id": {c.commons.ProgramID},
				"facility_id": {c.commons.ID}, "units[1].label": {"Apt 2"}, "units[1].bedrooms": {"1"}, "units[1].household_types": {"with_children"}})
			if status != http.StatusBadRequest {
				t.Fatalf("adding a label that is taken: %d, want 400", status)
			}
			agencyContains(t, "the refused change", body, `id="`+c.commons.ID+`-units-1-label-error"`, "Apt 2")
			if list, _, err := db.FacilityRequests(ctx, cas.System, store.FacilityRequestFilter{}, store.Page{}); err != nil || len(list) != 0 {
				t.Errorf("refused requests wrote %d (%v)", len(list), err)
			}
		})

		newFacility.Set("units[2].household_types", "with_children")
		status, loc, _ := harbor.postForm("/facility-requests", newFacility)
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/facility-requests/") {
			t.Fatalf("ask for a facility: %d %q", status, loc)
		}
		path := loc
		_, body = harbor.getPage(path)
		agencyContains(t, "the new request", body, "Request sent", "New facility: Harbor Annex", "2 Harbor Way", "A1", "A2", "status-pending", "Hal Harbor")
		agencyLacks(t, "the new request, to its agency", body, `id="approve"`, `id="reject"`)
		_, body = harbor.getPage("/facility-requests?status=pending")
		agencyContains(t, "Harbor's pending requests", body, `href="`+path+`"`, "New facility with 2 units", "Harbor Annex")

		t.Run("another agency sees none of it", func(t *testing.T) {
			bayside := c.as(t, "bayside@coc.test")
			if status, _ := bayside.getPage(path); status != http.StatusNotFound {
				t.Errorf("Bayside reading Harbor's request: %d, want 404", status)
			}
			_, body := bayside.getPage("/facility-requests")
			agencyLacks(t, "Bayside's requests", body, path, "Harbor Annex")
		})

		_, body = c.as(t, "cas@coc.test").getPage(path)
		agencyContains(t, "the CAS admin's view", body, "Harbor Annex")
		agencyLacks(t, "the CAS admin's view", body, `id="approve"`)

		hmis := c.as(t, "hmis@coc.test")
		_, body = hmis.getPage("/facility-requests")
		agencyContains(t, "the HMIS team's requests", body, `href="`+path+`"`, "Harbor Family Services")
		_, body = hmis.getPage(path)
		agencyContains(t, "the HMIS team's view", body, `id="approve"`, `id="reject"`)
		status, loc, _ = hmis.postForm(path+"/approve", url.Values{})
		if status != http.StatusSeeOther || loc != path {
			t.Fatalf("approve: %d %q, want 303 to %s", status, loc, path)
		}
		approved, err := db.FacilityRequest(ctx, cas.System, strings.TrimPrefix(path, "/facility-requests/"))
		if err != nil || approved.Status != cas.RequestApproved || approved.FacilityID == "" {
			t.Fatalf("after approval: %+v (%v)", approved, err)
		}
		_, body = hmis.getPage(path)
		agencyContains(t, "the approved request", body, "Approved: Harbor Annex is set up with 2 units", "status-approved", "by Hana HMIS")
		agencyLacks(t, "the approved request", body, `id="approve"`)
		_, body = harbor.getPage("/units?facility_id=" + approved.FacilityID)
		agencyContains(t, "Harbor's new roster", body, "Harbor Annex", "A1", "A2")
		_, body = harbor.getPage(path)
		agencyContains(t, "the approved request, to its agency", body, `href="/units?facility_id=`+approved.FacilityID+`"`)
		if !requestsLinked(t, db, harborUser, path) {
			t.Errorf("the CAS Contact's notification does not link to the request")
		}

		status, loc, _ = harbor.postForm("/facility-requests", url.Values{"kind": {"change_units"}, "program_id": {c.commons.ProgramID},
			"facility_id": {c.commons.ID}, "remove_unit_ids": {c.apt4.ID}})
		if status != http.StatusSeeOther {
			t.Fatalf("ask to remove a unit: %d", status)
		}
		change := loc
		_, body = hmis.getPage(change)
		agencyContains(t, "the change request", body, "Change the units of Harbor Commons", "Apt 4")

		t.Run("rejecting needs a reason", func(t *testing.T) {
			status, _, body := hmis.postForm(change+"/reject", url.Values{"reason": {"  "}, "confirm": {"yes"}})
			if status != http.StatusBadRequest {
				t.Fatalf("reject without a reason: %d, want 400", status)
			}
			agencyContains(t, "the refused rejection", body, `id="reason-error"`, "a reason is required", `id="approve"`)
			if r, _ := db.FacilityRequest(ctx, cas.System, strings.TrimPrefix(change, "/facility-requests/")); r.Status != cas.RequestPending {
				t.Errorf("after a refused rejection: %s, want pending", r.Status)
			}
		})
		status, loc, _ = hmis.postForm(change+"/reject", url.Values{"reason": {"Apt 4 is still in use"}, "confirm": {"yes"}})
		if status != http.StatusSeeOther || loc != change {
			t.Fatalf("reject: %d %q", status, loc)
		}
		_, body = harbor.getPage(change)
		agencyContains(t, "the rejected request, to its agency", body, "status-rejected", "Apt 4 is still in use")
		if u, _ := db.Unit(ctx, cas.System, c.apt4.ID); u.Status == cas.UnitOffline {
			t.Errorf("a rejected request took Apt 4 offline")
		}
		if status, _, _ := hmis.postForm(change+"/approve", url.Values{}); status != http.StatusBadRequest {
			t.Errorf("approving a rejected request: %d, want 400", status)
		}
	})
}

// TestStatusListPaging pages the reports list: the filter and page size carry into the Older link,
// and Newest returns to the first page.
