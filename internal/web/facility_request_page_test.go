package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
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
func TestDiscrepancyPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newAgencyCoCOn(t, db)
		ctx := context.Background()
		harbor := c.as(t, "harbor@coc.test")
		status, body := harbor.getPage("/discrepancies")
		if status != http.StatusOK {
			t.Fatalf("GET /discrepancies: %d", status)
		}
		agencyContains(t, "Harbor's filing form", body, `id="file-`+c.commons.ID+`"`, `name="unit_ids" value="`+c.apt2.ID+`"`, "Harbor Commons", "No reports.")
		agencyLacks(t, "Harbor's filing form", body, c.bayHouse.ID, c.bayUnit.ID)

		t.Run("a refused report writes nothing", func(t *testing.T) {
			for _, tc := range []struct {
				name       string
				form       url.Values
				id, wanted string
			}{
				{"no unit ticked", url.Values{"facility_id": {c.commons.ID}, "note": {"Apt 2 is flooded"}},
					`id="unit_ids-` + c.commons.ID + `-error"`, "at least one unit"},
				{"no note", url.Values{"facility_id": {c.commons.ID}, "unit_ids": {c.apt2.ID}},
					`id="note-` + c.commons.ID + `-error"`, "a note saying what is true is required"},
				{"another facility's unit", url.Values{"facility_id": {c.commons.ID}, "unit_ids": {c.bayUnit.ID}, "note": {"Apt 2 is flooded"}},
					`id="unit_ids-` + c.commons.ID + `-error"`, "is not a unit of Harbor Commons"},
				{"another agency's facility", url.Values{"facility_id": {c.bayHouse.ID}, "unit_ids": {c.bayUnit.ID}, "note": {"x"}},
					`class="error" role="alert"`, "no facility has ID"},
			} {
				status, _, body := harbor.postForm("/discrepancies", tc.form)
				if status != http.StatusBadRequest {
					t.Errorf("%s: %d, want 400", tc.name, status)
				}
				agencyContains(t, tc.name, body, tc.id, tc.wanted)
			}
			// The refused form keeps what was typed and ticked.
			_, _, body := harbor.postForm("/discrepancies", url.Values{"facility_id": {c.commons.ID}, "unit_ids": {c.apt3.ID}})
			agencyContains(t, "the refilled form", body, `value="`+c.apt3.ID+`" checked`)
			if list, _, err := db.Discrepancies(ctx, cas.System, store.DiscrepancyFilter{}, store.Page{}); err != nil || len(list) != 0 {
				t.Errorf("refused reports wrote %d (%v)", len(list), err)
			}
		})

		status, loc, _ := harbor.postForm("/discrepancies", url.Values{"facility_id": {c.commons.ID}, "unit_ids": {c.apt2.ID, c.apt3.ID},
			"note": {"Apt 2 and Apt 3 flooded on 1 Nov; nobody can live there"}})
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/discrepancies/") {
			t.Fatalf("file a report: %d %q", status, loc)
		}
		path := loc
		_, body = harbor.getPage(path)
		agencyContains(t, "the filed report", body, "Report filed", "Apt 2", "Apt 3", "flooded on 1 Nov", "Hal Harbor", "Harbor Family Services",
			c.harborProgramName, "status-open", "no one has resolved")
		agencyLacks(t, "the filed report, to its agency", body, `id="resolve"`)
		_, body = harbor.getPage("/discrepancies")
		agencyContains(t, "Harbor's reports", body, `href="`+path+`"`, "Apt 2, Apt 3")
		_, body = harbor.getPage("/discrepancies?status=resolved")
		agencyLacks(t, "Harbor's resolved reports", body, path)
		if !requestsLinked(t, db, requestsUser(t, db, "cas@coc.test"), path) {
			t.Errorf("the CAS admin's notification does not link to the report")
		}

		t.Run("another agency sees none of it", func(t *testing.T) {
			bayside := c.as(t, "bayside@coc.test")
			if status, _ := bayside.getPage(path); status != http.StatusNotFound {
				t.Errorf("Bayside reading Harbor's report: %d, want 404", status)
			}
			_, body := bayside.getPage("/discrepancies")
			agencyLacks(t, "Bayside's reports", body, path, "Harbor Commons", "flooded")
			if status, _, _ := bayside.postForm(path+"/resolve", url.Values{"action": {"none"}, "note": {"x"}}); status != http.StatusForbidden {
				t.Errorf("Bayside resolving a report: %d, want 403", status)
			}
		})

		admin := c.as(t, "cas@coc.test")
		_, body = admin.getPage("/discrepancies?status=open")
		agencyContains(t, "the CAS admin's open reports", body, `href="`+path+`"`, "Harbor Family Services")
		_, body = admin.getPage(path)
		agencyContains(t, "the CAS admin's view", body, `id="resolve"`, "Hal Harbor", `value="offline"`, `value="check_in"`, `value="correction"`, `value="none"`)
		agencyLacks(t, "the CAS admin's view", body, "its units</a>")

		t.Run("a refused resolution changes nothing", func(t *testing.T) {
			status, _, body := admin.postForm(path+"/resolve", url.Values{"action": {"none"}})
			if status != http.StatusBadRequest {
				t.Fatalf("none without a note: %d, want 400", status)
			}
			agencyContains(t, "the refused resolution", body, `id="note-error"`, "a note giving the reason is required", `value="none" checked`)
			status, _, body = admin.postForm(path+"/resolve", url.Values{"note": {"keep me"}})
			if status != http.StatusBadRequest {
				t.Fatalf("no action: %d, want 400", status)
			}
			agencyContains(t, "the refused resolution", body, `id="action-error"`, "action is required", "keep me")
			if d, err := db.Discrepancy(ctx, cas.System, strings.TrimPrefix(path, "/discrepancies/")); err != nil || d.Status != cas.DiscrepancyOpen {
				t.Errorf("after refused resolutions: %v (%v), want open", d.Status, err)
			}
		})

		status, loc, _ = admin.postForm(path+"/resolve", url.Values{"action": {"offline"}, "note": {"Confirmed with the site manager"}})
		if status != http.StatusSeeOther || loc != path {
			t.Fatalf("resolve: %d %q, want 303 to %s", status, loc, path)
		}
		for _, u := range []cas.Unit{c.apt2, c.apt3} {
			if got, _ := db.Unit(ctx, cas.System, u.ID); got.Status != cas.UnitOffline {
				t.Errorf("%s is %s, want offline", u.Label, got.Status)
			}
		}
		_, body = harbor.getPage(path)
		agencyContains(t, "the resolved report, to its agency", body, "status-resolved", "The units were taken offline", "Confirmed with the site manager",
			"by Casey Admin", "status-offline")
		_, body = harbor.getPage("/discrepancies?status=resolved")
		agencyContains(t, "Harbor's resolved reports", body, path, "the units were taken offline")

		_, body = admin.getPage(path)
		agencyLacks(t, "a resolved report", body, `id="resolve"`)
		status, _, body = admin.postForm(path+"/resolve", url.Values{"action": {"correction"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "already resolved") {
			t.Errorf("resolving twice: %d, want 400 with the conflict", status)
		}
		if status, _ := admin.getPage("/discrepancies?status=closed"); status != http.StatusBadRequest {
			t.Errorf("unknown status filter: %d, want 400", status)
		}
	})
}

// TestFacilityRequestPages: Harbor asks from the page for a new facility and for changed units;
// the HMIS team approves the first from its page, which creates the units, and rejects the second
// with a reason Harbor then reads.
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
			agencyContains(t, "the refused request", body, `id="new-units-2-household_types-error"`, "household_types needs at least one",
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
			status, _, body := hmis.postForm(change+"/reject", url.Values{"reason": {"  "}})
			if status != http.StatusBadRequest {
				t.Fatalf("reject without a reason: %d, want 400", status)
			}
			agencyContains(t, "the refused rejection", body, `id="reason-error"`, "a reason is required", `id="approve"`)
			if r, _ := db.FacilityRequest(ctx, cas.System, strings.TrimPrefix(change, "/facility-requests/")); r.Status != cas.RequestPending {
				t.Errorf("after a refused rejection: %s, want pending", r.Status)
			}
		})
		status, loc, _ = hmis.postForm(change+"/reject", url.Values{"reason": {"Apt 4 is still in use"}})
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
func TestStatusListPaging(t *testing.T) {
	c := newAgencyCoC(t)
	harbor := c.as(t, "harbor@coc.test")
	for _, note := range []string{"first", "second", "third"} {
		if status, _, _ := harbor.postForm("/discrepancies", url.Values{"facility_id": {c.commons.ID}, "unit_ids": {c.apt2.ID},
			"note": {"Apt 2 report " + note}}); status != http.StatusSeeOther {
			t.Fatalf("file the %s report: %d", note, status)
		}
	}
	_, first := harbor.getPage("/discrepancies?status=open&limit=2")
	older := regexp.MustCompile(`href="(/discrepancies\?cursor=[^"]+)">Older`).FindStringSubmatch(first)
	if older == nil || !strings.Contains(older[1], "limit=2") || !strings.Contains(older[1], "status=open") ||
		!strings.Contains(first, "report third") || strings.Contains(first, "report first") ||
		!strings.Contains(first, `<option value="open" selected>`) {
		t.Fatalf("first page: Older link %v\n%s", older, first)
	}
	_, second := harbor.getPage(html.UnescapeString(older[1]))
	if !strings.Contains(second, "report first") || strings.Contains(second, "report third") || strings.Contains(second, ">Older<") ||
		!strings.Contains(second, `href="/discrepancies?limit=2&amp;status=open">Newest`) {
		t.Errorf("second page:\n%s", second)
	}
}
