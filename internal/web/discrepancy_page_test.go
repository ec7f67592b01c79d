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
			agencyContains(t, "the refused resolution", body, `id="action-error"`, "What was done is required", "keep me")
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
