package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestRequestViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		rep, err := db.FileDiscrepancy(ctx, &inv.staff, cas.Discrepancy{FacilityID: inv.facility.ID, UnitIDs: []string{inv.unit.ID}, Note: "occupied since May"})
		if err != nil {
			t.Fatal(err)
		}
		req, err := db.CreateFacilityRequest(ctx, &inv.staff, inv.changeUnits(inv.facility.ID, nil, inv.unit.ID))
		if err != nil {
			t.Fatal(err)
		}

		t.Run("a page of reports names what they point at; an agency's users get their units for the forms", func(t *testing.T) {
			l, err := db.DiscrepancyList(ctx, &inv.casAdmin, store.DiscrepancyFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Reports) != 1 || l.Agency(rep.AgencyID).Name != inv.harbor.Name || l.Facility(rep.FacilityID).Name != inv.facility.Name ||
				l.Unit(inv.unit.ID).Label != inv.unit.Label {
				t.Errorf("list %+v", l)
			}
			mine, err := db.DiscrepancyList(ctx, &inv.staff, store.DiscrepancyFilter{}, store.Page{})
			if err != nil || len(mine.UnitsOf(inv.facility.ID)) != 1 || len(mine.Facilities) != 1 {
				t.Errorf("Harbor's list %+v %v, want its facility and unit for the form", mine, err)
			}
			other, err := db.DiscrepancyList(ctx, &inv.otherStaff, store.DiscrepancyFilter{}, store.Page{})
			if err != nil || len(other.Reports) != 0 || other.Facility(inv.facility.ID).ID != "" {
				t.Errorf("Riverside's list %+v %v, want nothing of Harbor's", other, err)
			}
		})

		t.Run("a report's and a request's pages name who filed them and the units they name", func(t *testing.T) {
			p, err := db.DiscrepancyPage(ctx, &inv.hmis, rep.ID)
			if err != nil || p.People[rep.CreatedBy] != inv.staff.Name || p.Unit(inv.unit.ID).ID == "" {
				t.Errorf("report page %+v %v", p, err)
			}
			q, err := db.FacilityRequestPage(ctx, &inv.hmis, req.ID)
			if err != nil || q.People[req.CreatedBy] != inv.staff.Name || q.Unit(inv.unit.ID).Label != inv.unit.Label {
				t.Errorf("request page %+v %v", q, err)
			}
			if _, err := db.FacilityRequestPage(ctx, &inv.otherStaff, req.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("Harbor's request as Riverside: %v, want not_found", err)
			}
			l, err := db.FacilityRequestList(ctx, &inv.casAdmin, store.FacilityRequestFilter{}, store.Page{})
			if err != nil || len(l.Requests) != 1 || l.Program(req.ProgramID).Name != inv.program.Name {
				t.Errorf("request list %+v %v", l, err)
			}
		})
	})
}
