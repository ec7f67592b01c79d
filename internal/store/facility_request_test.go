package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

var families = []cas.HouseholdType{cas.WithChildren}

func newFacilityRequest(programID string) cas.FacilityRequest {
	return cas.FacilityRequest{ProgramID: programID, Kind: cas.NewFacilityRequest, Details: cas.FacilityRequestDetails{
		Name: "Harbor Annex", Address: "14 Quay St",
		Units: []cas.UnitSpec{{Label: "A1", Bedrooms: 2, HouseholdTypes: families}, {Label: "A2", Bedrooms: 3, HouseholdTypes: families, Accessible: true}},
	}}
}

func (inv *inventory) changeUnits(facilityID string, add []cas.UnitSpec, remove ...string) cas.FacilityRequest {
	return cas.FacilityRequest{ProgramID: inv.program.ID, Kind: cas.ChangeUnitsRequest,
		Details: cas.FacilityRequestDetails{FacilityID: facilityID, Add: add, RemoveUnitIDs: remove}}
}

// contactInbox makes a CAS Contact at Harbor and returns a function counting their notifications
// of a kind.
func (inv *inventory) contactInbox(t *testing.T) func(kind notify.Kind) int {
	t.Helper()
	contact := inv.casContact(t)
	return func(kind notify.Kind) int {
		t.Helper()
		list, _, _, err := inv.db.Notifications(ctx, &contact, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range list {
			if x.Kind == kind {
				n++
			}
		}
		return n
	}
}

func TestApproveNewFacility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		inbox := inv.contactInbox(t)
		r, err := db.CreateFacilityRequest(ctx, &inv.staff, newFacilityRequest(inv.program.ID))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != cas.RequestPending || r.AgencyID != inv.harbor.ID || r.CreatedBy != inv.staff.ID || r.FacilityID != "" {
			t.Fatalf("new request: %+v", r)
		}
		if facilities, _, _ := db.Facilities(ctx, &inv.hmis, store.FacilityFilter{ProgramID: inv.program.ID}, store.Page{}); len(facilities) != 1 {
			t.Fatalf("a pending request made a facility: %d facilities", len(facilities))
		}
		jobs := inv.matchJobs(t)
		approved, err := db.ApproveFacilityRequest(ctx, &inv.hmis, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != cas.RequestApproved || approved.DecidedAt == nil || approved.DecidedBy != inv.hmis.ID || approved.FacilityID == "" {
			t.Fatalf("approved request: %+v", approved)
		}
		f, err := db.Facility(ctx, &inv.staff, approved.FacilityID)
		if err != nil || f.Name != "Harbor Annex" || f.ProgramID != inv.program.ID || f.AgencyID != inv.harbor.ID {
			t.Fatalf("facility %+v (%v)", f, err)
		}
		units, _, err := db.Units(ctx, &inv.staff, store.UnitFilter{FacilityID: f.ID}, store.Page{})
		if err != nil || len(units) != 2 || units[1].Label != "A2" || !units[1].Accessible || units[1].Bedrooms != 3 || units[0].Status != cas.UnitAvailable {
			t.Fatalf("units %+v (%v)", units, err)
		}
		if got := inv.matchJobs(t) - jobs; got != 2 {
			t.Errorf("%d match jobs enqueued, want one per new unit", got)
		}
		for action, want := range map[string]int{"facility_request.create": 1, "facility_request.approve": 1, "facility.create": 2, "unit.create": 3} {
			if n := countAudit(t, db, action); n != want {
				t.Errorf("%d %s audit events, want %d", n, action, want)
			}
		}
		if n := inbox(notify.FacilityRequestDecided); n != 1 {
			t.Errorf("the CAS Contact has %d decision notifications, want 1", n)
		}
		got, err := db.FacilityRequest(ctx, &inv.staff, r.ID)
		if err != nil || got.Status != cas.RequestApproved || got.FacilityID != f.ID || len(got.Details.Units) != 2 {
			t.Errorf("stored request %+v (%v)", got, err)
		}

		t.Run("deciding twice is a conflict", func(t *testing.T) {
			if _, err := db.ApproveFacilityRequest(ctx, &inv.hmis, r.ID); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("approve again: err = %v, want conflict", err)
			}
			if _, err := db.RejectFacilityRequest(ctx, &inv.hmis, r.ID, "changed our mind"); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("reject after approval: err = %v, want conflict", err)
			}
		})
	})
}

func TestApproveChangeUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		offline := inv.mustUnit(t, "Apt 102", 1)
		if _, err := db.TakeOffline(ctx, &inv.hmis, offline.ID, cas.OfflinePeriod{Reason: "mould"}, ""); err != nil {
			t.Fatal(err)
		}
		occupied := inv.mustUnit(t, "Apt 103", 1)
		if _, err := db.CheckIn(ctx, &inv.staff, occupied.ID, "", "Pat Doe"); err != nil {
			t.Fatal(err)
		}
		add := []cas.UnitSpec{{Label: "Apt 201", Bedrooms: 1, HouseholdTypes: families}}

		t.Run("a removed unit that is occupied refuses the approval and nothing is written", func(t *testing.T) {
			r, err := db.CreateFacilityRequest(ctx, &inv.staff, inv.changeUnits(inv.facility.ID, add, inv.unit.ID, occupied.ID))
			if err != nil {
				t.Fatal(err)
			}
			audits := countAudit(t, db, "%")
			_, err = db.ApproveFacilityRequest(ctx, &inv.hmis, r.ID)
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EConflict || e.Field != "details.remove_unit_ids[1]" {
				t.Fatalf("err = %v, want a conflict naming details.remove_unit_ids[1]", err)
			}
			if n := countAudit(t, db, "%"); n != audits {
				t.Errorf("audit events went from %d to %d", audits, n)
			}
			if u := inv.status(t, inv.unit.ID); u.Status != cas.UnitAvailable {
				t.Errorf("the first removed unit is %s, want available still", u.Status)
			}
			if units, _, _ := db.Units(ctx, &inv.hmis, store.UnitFilter{FacilityID: inv.facility.ID}, store.Page{}); len(units) != 3 {
				t.Errorf("the facility has %d units, want 3: the added unit was written", len(units))
			}
			if got, _ := db.FacilityRequest(ctx, &inv.hmis, r.ID); got.Status != cas.RequestPending {
				t.Errorf("request is %s, want pending", got.Status)
			}
			if _, err := db.RejectFacilityRequest(ctx, &inv.hmis, r.ID, "Apt 103 is occupied"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("approval adds units and takes removed ones offline, keeping their history", func(t *testing.T) {
			r, err := db.CreateFacilityRequest(ctx, &inv.staff, inv.changeUnits(inv.facility.ID, add, inv.unit.ID, offline.ID))
			if err != nil {
				t.Fatal(err)
			}
			if r.FacilityID != inv.facility.ID {
				t.Errorf("request facility %q", r.FacilityID)
			}
			jobs := inv.matchJobs(t)
			if _, err := db.ApproveFacilityRequest(ctx, &inv.hmis, r.ID); err != nil {
				t.Fatal(err)
			}
			if got := inv.matchJobs(t) - jobs; got != 1 {
				t.Errorf("%d match jobs, want 1 for the new unit", got)
			}
			for _, id := range []string{inv.unit.ID, offline.ID} {
				u := inv.status(t, id)
				if u.Status != cas.UnitOffline {
					t.Errorf("removed unit %s is %s", u.Label, u.Status)
				}
				history, err := db.UnitHistory(ctx, &inv.staff, id)
				if err != nil {
					t.Fatal(err)
				}
				open := ""
				for _, e := range history {
					if e.Kind == "offline" && e.To == nil {
						open = e.Detail
					}
				}
				if open != cas.RemovedUnitReason {
					t.Errorf("unit %s's open offline period says %q", u.Label, open)
				}
			}
			if history, _ := db.UnitHistory(ctx, &inv.staff, offline.ID); len(history) != 2 {
				t.Errorf("the unit that was offline has %d periods, want its mould period closed and the removal", len(history))
			}
			units, _, _ := db.Units(ctx, &inv.hmis, store.UnitFilter{FacilityID: inv.facility.ID}, store.Page{})
			if len(units) != 4 {
				t.Errorf("the facility has %d units, want 4: removed units are kept", len(units))
			}
		})
	})
}

func TestFacilityRequestPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		r, err := db.CreateFacilityRequest(ctx, &inv.staff, newFacilityRequest(inv.program.ID))
		if err != nil {
			t.Fatal(err)
		}
		other := &inv.otherStaff

		notFound := map[string]error{}
		_, notFound["read"] = db.FacilityRequest(ctx, other, r.ID)
		_, notFound["approve"] = db.ApproveFacilityRequest(ctx, other, r.ID)
		_, notFound["reject"] = db.RejectFacilityRequest(ctx, other, r.ID, "no")
		for what, err := range notFound {
			if cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("another agency's user could %s the request: err = %v, want not_found", what, err)
			}
		}
		if list, _, err := db.FacilityRequests(ctx, other, store.FacilityRequestFilter{}, store.Page{}); err != nil || len(list) != 0 {
			t.Errorf("another agency listed %d requests (%v)", len(list), err)
		}
		_, err = db.CreateFacilityRequest(ctx, other, newFacilityRequest(inv.program.ID))
		if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != "program_id" {
			t.Errorf("asking for another agency's program: err = %v, want invalid program_id, as for no such program", err)
		}
		_, err = db.CreateFacilityRequest(ctx, other, inv.changeUnits(inv.facility.ID, nil, inv.unit.ID))
		if e := cas.ErrorOf(err); e == nil || e.Field != "program_id" {
			t.Errorf("changing another agency's facility: err = %v, want invalid program_id", err)
		}
		if _, err := db.CreateFacilityRequest(ctx, &inv.casAdmin, newFacilityRequest(inv.program.ID)); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("CAS admin asks: err = %v, want forbidden", err)
		}
		for what, err := range map[string]error{
			"agency user approves": second(db.ApproveFacilityRequest(ctx, &inv.staff, r.ID)),
			"CAS admin approves":   second(db.ApproveFacilityRequest(ctx, &inv.casAdmin, r.ID)),
			"agency user rejects":  second(db.RejectFacilityRequest(ctx, &inv.staff, r.ID, "no")),
		} {
			if cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("%s: err = %v, want forbidden", what, err)
			}
		}
		if list, _, err := db.FacilityRequests(ctx, &inv.staff, store.FacilityRequestFilter{Status: cas.RequestPending}, store.Page{}); err != nil || len(list) != 1 {
			t.Errorf("own agency lists %d pending requests (%v)", len(list), err)
		}

		t.Run("a rejection needs a reason and tells the agency", func(t *testing.T) {
			inbox := inv.contactInbox(t)
			if _, err := db.RejectFacilityRequest(ctx, &inv.hmis, r.ID, "  "); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "reason" {
				t.Errorf("blank reason: err = %v, want invalid reason", err)
			}
			rejected, err := db.RejectFacilityRequest(ctx, &inv.hmis, r.ID, "The annex has no certificate of occupancy yet")
			if err != nil {
				t.Fatal(err)
			}
			if rejected.Status != cas.RequestRejected || rejected.Reason != "The annex has no certificate of occupancy yet" || rejected.FacilityID != "" {
				t.Errorf("rejected request %+v", rejected)
			}
			if n := inbox(notify.FacilityRequestDecided); n != 1 {
				t.Errorf("%d decision notifications, want 1", n)
			}
			if facilities, _, _ := db.Facilities(ctx, &inv.hmis, store.FacilityFilter{ProgramID: inv.program.ID}, store.Page{}); len(facilities) != 1 {
				t.Errorf("a rejected request made a facility")
			}
			if list, _, _ := db.FacilityRequests(ctx, &inv.staff, store.FacilityRequestFilter{Status: cas.RequestPending}, store.Page{}); len(list) != 0 {
				t.Errorf("still %d pending", len(list))
			}
		})
	})
}

func second[T any](_ T, err error) error { return err }

func TestFacilityRequestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		otherFacility, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: inv.program.ID, Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		with := func(change func(*cas.FacilityRequest)) cas.FacilityRequest {
			r := newFacilityRequest(inv.program.ID)
			change(&r)
			return r
		}
		unit := func(label string, bedrooms int, types ...cas.HouseholdType) cas.UnitSpec {
			return cas.UnitSpec{Label: label, Bedrooms: bedrooms, HouseholdTypes: types}
		}
		cases := []struct {
			name  string
			r     cas.FacilityRequest
			field string
		}{
			{"no program", with(func(r *cas.FacilityRequest) { r.ProgramID = "" }), "program_id"},
			{"unknown program", with(func(r *cas.FacilityRequest) { r.ProgramID = "nope" }), "program_id"},
			{"unknown kind", with(func(r *cas.FacilityRequest) { r.Kind = "demolish" }), "kind"},
			{"no facility name", with(func(r *cas.FacilityRequest) { r.Details.Name = " " }), "details.name"},
			{"no units", with(func(r *cas.FacilityRequest) { r.Details.Units = nil }), "details.units"},
			{"bad bedrooms", with(func(r *cas.FacilityRequest) { r.Details.Units[1].Bedrooms = 21 }), "details.units[1].bedrooms"},
			{"unknown household type", with(func(r *cas.FacilityRequest) { r.Details.Units[0].HouseholdTypes = []cas.HouseholdType{"family"} }), "details.units[0].household_types"},
			{"no label", with(func(r *cas.FacilityRequest) { r.Details.Units[0].Label = "" }), "details.units[0].label"},
			{"a label twice", with(func(r *cas.FacilityRequest) { r.Details.Units[1].Label = " A1 " }), "details.units[1].label"},
			{"a change field in a new facility", with(func(r *cas.FacilityRequest) { r.Details.RemoveUnitIDs = []string{inv.unit.ID} }), "details.remove_unit_ids"},
			{"no facility to change", inv.changeUnits("", []cas.UnitSpec{unit("B", 1, cas.WithChildren)}), "details.facility_id"},
			{"unknown facility", inv.changeUnits("nope", []cas.UnitSpec{unit("B", 1, cas.WithChildren)}), "details.facility_id"},
			{"nothing to change", inv.changeUnits(inv.facility.ID, nil), "details.add"},
			{"an added unit without household types", inv.changeUnits(inv.facility.ID, []cas.UnitSpec{unit("B", 1)}), "details.add[0].household_types"},
			{"an added label already taken", inv.changeUnits(inv.facility.ID, []cas.UnitSpec{unit("Apt 101", 1, cas.WithChildren)}), "details.add[0].label"},
			{"a removed unit of another facility", inv.changeUnits(otherFacility.ID, nil, inv.unit.ID), "details.remove_unit_ids[0]"},
			{"a removed unit listed twice", inv.changeUnits(inv.facility.ID, nil, inv.unit.ID, inv.unit.ID), "details.remove_unit_ids[1]"},
		}
		for _, c := range cases {
			_, err := db.CreateFacilityRequest(ctx, &inv.staff, c.r)
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != c.field {
				t.Errorf("%s: err = %v, want invalid %s", c.name, err, c.field)
			}
		}
		if n := countAudit(t, db, "facility_request.%"); n != 0 {
			t.Errorf("refused requests left %d audit events", n)
		}
	})
}
