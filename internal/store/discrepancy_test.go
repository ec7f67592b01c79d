package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// inbox returns the kinds and subjects of a user's notifications, newest first.
func inbox(t *testing.T, db *store.DB, u *cas.User) []store.Notification {
	t.Helper()
	list, _, _, err := db.Notifications(ctx, u, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func ofKind(list []store.Notification, kind notify.Kind) []store.Notification {
	return slices.DeleteFunc(slices.Clone(list), func(n store.Notification) bool { return n.Kind != kind })
}

const waterDamage = "Apt 101 and 102 have had no water since 1 Nov; Pat Doe was moved out"

func TestDiscrepancyReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		second := inv.mustUnit(t, "Apt 102", 1)
		contact := inv.casContact(t)
		file := func(t *testing.T, unitIDs ...string) cas.Discrepancy {
			t.Helper()
			d, err := db.FileDiscrepancy(ctx, &inv.staff, cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: unitIDs, Note: waterDamage})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}

		t.Run("an agency files a report and the CAS admins are told", func(t *testing.T) {
			d := file(t, second.ID, inv.unit.ID)
			if d.Status != cas.DiscrepancyOpen || d.AgencyID != inv.harbor.ID || d.CreatedBy != inv.staff.ID || d.Resolution != nil || d.ResolvedAt != nil {
				t.Errorf("filed %+v", d)
			}
			got, err := db.Discrepancy(ctx, &inv.hmis, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.UnitIDs, []string{second.ID, inv.unit.ID}) || got.Note != waterDamage || !got.CreatedAt.Equal(inv.clock.Now()) {
				t.Errorf("stored %+v", got)
			}
			filed := ofKind(inbox(t, db, &inv.casAdmin), notify.DiscrepancyFiled)
			if len(filed) != 1 || filed[0].Subject != "Harbor Family Services reports its inventory at Harbor Commons is wrong" {
				t.Fatalf("CAS admin inbox: %+v", filed)
			}
			if !strings.Contains(filed[0].Body, "Apt 102, Apt 101") || strings.Contains(filed[0].Body, "Pat Doe") {
				t.Errorf("the notification should name the units and not the note:\n%s", filed[0].Body)
			}
			if n := len(ofKind(inbox(t, db, &contact), notify.DiscrepancyFiled)); n != 0 {
				t.Errorf("the agency's CAS Contact got %d filing notifications", n)
			}
			if countAudit(t, db, "discrepancy.file") == 0 {
				t.Error("no audit event")
			}
		})

		t.Run("resolving offline takes the units offline with the report's note and tells the agency", func(t *testing.T) {
			d := file(t, inv.unit.ID, second.ID)
			inv.clock.Advance(time.Hour)
			resolved, err := db.ResolveDiscrepancy(ctx, &inv.casAdmin, d.ID, cas.Resolution{Action: cas.ResolveOffline, Note: "  confirmed by phone  "})
			if err != nil {
				t.Fatal(err)
			}
			if resolved.Status != cas.DiscrepancyResolved || *resolved.Resolution != (cas.Resolution{Action: cas.ResolveOffline, Note: "confirmed by phone"}) ||
				resolved.ResolvedAt == nil || !resolved.ResolvedAt.Equal(inv.clock.Now()) || resolved.ResolvedBy != inv.casAdmin.ID {
				t.Errorf("resolved %+v", resolved)
			}
			for _, id := range []string{inv.unit.ID, second.ID} {
				if u := inv.status(t, id); u.Status != cas.UnitOffline {
					t.Errorf("unit %s is %s, want offline", u.Label, u.Status)
				}
				history, err := db.UnitHistory(ctx, &inv.hmis, id)
				if err != nil {
					t.Fatal(err)
				}
				if history[0].Kind != "offline" || history[0].Detail != waterDamage {
					t.Errorf("unit %s history: %+v", id, history[0])
				}
			}
			told := ofKind(inbox(t, db, &contact), notify.DiscrepancyResolved)
			if len(told) != 1 || told[0].Subject != "Your inventory report for Harbor Commons was resolved: the units were taken offline" {
				t.Fatalf("CAS Contact inbox: %+v", told)
			}
			if strings.Contains(told[0].Body, "phone") || strings.Contains(told[0].Body, "Pat Doe") {
				t.Errorf("the resolution notification carries a free-text note:\n%s", told[0].Body)
			}
			t.Run("resolving twice is a conflict", func(t *testing.T) {
				_, err := db.ResolveDiscrepancy(ctx, &inv.hmis, d.ID, cas.Resolution{Action: cas.ResolveCorrection})
				if cas.ErrorCode(err) != cas.EConflict {
					t.Errorf("err = %v, want conflict", err)
				}
			})
			for _, id := range []string{inv.unit.ID, second.ID} {
				if _, err := db.BringOnline(ctx, &inv.hmis, id); err != nil {
					t.Fatal(err)
				}
			}
		})

		t.Run("offline fails whole when a unit is not available", func(t *testing.T) {
			d := file(t, inv.unit.ID, second.ID)
			if _, err := db.CheckIn(ctx, &inv.staff, second.ID, "", "Sam Roe"); err != nil {
				t.Fatal(err)
			}
			audits := countAudit(t, db, "%")
			_, err := db.ResolveDiscrepancy(ctx, &inv.hmis, d.ID, cas.Resolution{Action: cas.ResolveOffline})
			if cas.ErrorCode(err) != cas.EConflict || !strings.Contains(err.Error(), "Apt 102") {
				t.Fatalf("err = %v, want a conflict naming Apt 102", err)
			}
			if u := inv.status(t, inv.unit.ID); u.Status != cas.UnitAvailable {
				t.Errorf("Apt 101 is %s, want it left available", u.Status)
			}
			if got, _ := db.Discrepancy(ctx, &inv.hmis, d.ID); got.Status != cas.DiscrepancyOpen {
				t.Errorf("report is %s, want it left open", got.Status)
			}
			if n := countAudit(t, db, "%"); n != audits {
				t.Errorf("%d audit events written by a refused resolution", n-audits)
			}
			if _, err := db.CheckOut(ctx, &inv.staff, second.ID); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("check_in, correction and none record the action without touching the units", func(t *testing.T) {
			for _, r := range []cas.Resolution{
				{Action: cas.ResolveCheckIn, Note: "checked in through the unit"},
				{Action: cas.ResolveCorrection},
				{Action: cas.ResolveNone, Note: "the roster was right; the unit is vacant"},
			} {
				d := file(t, inv.unit.ID)
				got, err := db.ResolveDiscrepancy(ctx, &inv.hmis, d.ID, r)
				if err != nil {
					t.Fatal(err)
				}
				if *got.Resolution != r || got.Status != cas.DiscrepancyResolved {
					t.Errorf("resolved %+v, want %+v", got.Resolution, r)
				}
				if u := inv.status(t, inv.unit.ID); u.Status != cas.UnitAvailable {
					t.Errorf("%s: unit is %s", r.Action, u.Status)
				}
			}
			subjects := []string{}
			for _, n := range ofKind(inbox(t, db, &contact), notify.DiscrepancyResolved) {
				subjects = append(subjects, strings.TrimPrefix(n.Subject, "Your inventory report for Harbor Commons was resolved: "))
			}
			want := []string{"no change was made", "the unit records were corrected", "the occupancy was recorded with a check-in", "the units were taken offline"}
			if !slices.Equal(subjects, want) {
				t.Errorf("resolution notifications say %q, want %q", subjects, want)
			}
		})

		t.Run("the list filters by status and newest comes first", func(t *testing.T) {
			open, _, err := db.Discrepancies(ctx, &inv.staff, store.DiscrepancyFilter{Status: cas.DiscrepancyOpen}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			resolved, _, err := db.Discrepancies(ctx, &inv.casAdmin, store.DiscrepancyFilter{Status: cas.DiscrepancyResolved}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(open) != 2 || len(resolved) != 4 {
				t.Fatalf("%d open and %d resolved, want 2 and 4", len(open), len(resolved))
			}
			if open[0].ID < open[1].ID || !slices.Equal(open[1].UnitIDs, []string{second.ID, inv.unit.ID}) {
				t.Errorf("open reports: %+v", open)
			}
			page, next, err := db.Discrepancies(ctx, &inv.hmis, store.DiscrepancyFilter{}, store.Page{Limit: 4})
			if err != nil {
				t.Fatal(err)
			}
			rest, _, err := db.Discrepancies(ctx, &inv.hmis, store.DiscrepancyFilter{}, store.Page{Limit: 4, Cursor: next})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) != 4 || len(rest) != 2 || rest[0].ID >= page[3].ID {
				t.Errorf("pages of %d and %d", len(page), len(rest))
			}
			if _, _, err := db.Discrepancies(ctx, &inv.hmis, store.DiscrepancyFilter{Status: "closed"}, store.Page{}); fieldOf(err) != "status" {
				t.Errorf("status=closed: %v", err)
			}
		})

		t.Run("another agency sees and does none of it", func(t *testing.T) {
			d := file(t, inv.unit.ID)
			other := &inv.otherStaff
			if _, err := db.Discrepancy(ctx, other, d.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("read: %v, want not_found", err)
			}
			if list, _, err := db.Discrepancies(ctx, other, store.DiscrepancyFilter{}, store.Page{}); err != nil || len(list) != 0 {
				t.Errorf("listed %d reports of another agency (%v)", len(list), err)
			}
			if list, _, err := db.Discrepancies(ctx, other, store.DiscrepancyFilter{AgencyID: inv.harbor.ID}, store.Page{}); err != nil || len(list) != 0 {
				t.Errorf("listed %d reports of another agency by filter (%v)", len(list), err)
			}
			if _, err := db.ResolveDiscrepancy(ctx, other, d.ID, cas.Resolution{Action: cas.ResolveCorrection}); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("resolve: %v, want not_found", err)
			}
			_, err := db.FileDiscrepancy(ctx, other, cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID}, Note: "x"})
			if fieldOf(err) != "facility_id" {
				t.Errorf("file on another agency's facility: %v, want the facility unknown", err)
			}
		})

		t.Run("only the agency and the HMIS team file; only CoC staff resolve", func(t *testing.T) {
			_, err := db.FileDiscrepancy(ctx, &inv.casAdmin, cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID}, Note: "x"})
			if cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("CAS admin files: %v, want forbidden", err)
			}
			if _, err := db.FileDiscrepancy(ctx, &inv.hmis, cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID}, Note: "x"}); err != nil {
				t.Errorf("HMIS team files: %v", err)
			}
			d := file(t, inv.unit.ID)
			if _, err := db.ResolveDiscrepancy(ctx, &inv.staff, d.ID, cas.Resolution{Action: cas.ResolveNone, Note: "mine"}); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("agency resolves its own report: %v, want forbidden", err)
			}
		})

		t.Run("bad input names the field", func(t *testing.T) {
			otherFacility, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: inv.program.ID, Name: "Harbor Annex"})
			if err != nil {
				t.Fatal(err)
			}
			elsewhere, err := db.CreateUnit(ctx, &inv.hmis, cas.Unit{FacilityID: otherFacility.ID, Label: "A1", HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
			if err != nil {
				t.Fatal(err)
			}
			reports := []struct {
				name  string
				d     cas.Discrepancy
				field string
			}{
				{"no facility", cas.Discrepancy{UnitIDs: []string{inv.unit.ID}, Note: "x"}, "facility_id"},
				{"unknown facility", cas.Discrepancy{FacilityID: "nope", UnitIDs: []string{inv.unit.ID}, Note: "x"}, "facility_id"},
				{"no units", cas.Discrepancy{FacilityID: inv.facility.ID, Note: "x"}, "unit_ids"},
				{"a unit twice", cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID, inv.unit.ID}, Note: "x"}, "unit_ids"},
				{"an unknown unit", cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{"nope"}, Note: "x"}, "unit_ids"},
				{"another facility's unit", cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID, elsewhere.ID}, Note: "x"}, "unit_ids"},
				{"a blank note", cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID}, Note: "  "}, "note"},
				{"a long note", cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID}, Note: strings.Repeat("x", 2001)}, "note"},
			}
			before := countAudit(t, db, "discrepancy.%")
			for _, tc := range reports {
				if _, err := db.FileDiscrepancy(ctx, &inv.staff, tc.d); fieldOf(err) != tc.field {
					t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
				}
			}
			d := file(t, inv.unit.ID)
			for _, tc := range []struct {
				r     cas.Resolution
				field string
			}{
				{cas.Resolution{}, "action"},
				{cas.Resolution{Action: "ignore"}, "action"},
				{cas.Resolution{Action: cas.ResolveNone, Note: " "}, "note"},
			} {
				if _, err := db.ResolveDiscrepancy(ctx, &inv.casAdmin, d.ID, tc.r); fieldOf(err) != tc.field {
					t.Errorf("resolve %+v: %v, want invalid %s", tc.r, err, tc.field)
				}
			}
			if n := countAudit(t, db, "discrepancy.%") - before; n != 1 {
				t.Errorf("%d audit events, want only the one good report's", n)
			}
		})
	})
}

// fieldOf returns the field an invalid-input error names, or "" for any other error.
func fieldOf(err error) string {
	if e := cas.ErrorOf(err); e != nil && e.Code == cas.EInvalid {
		return e.Field
	}
	return ""
}
