package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestRosterAndInventory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		reserved, offline := inv.mustUnit(t, "Apt 102", 1), inv.mustUnit(t, "Apt 103", 1)
		if _, err := db.CreateReservation(ctx, &inv.staff, cas.Reservation{UnitID: reserved.ID, ClientName: "Walk-in",
			StartsOn: "2026-11-02", ExpiresOn: "2026-11-09"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TakeOffline(ctx, &inv.hmis, offline.ID, cas.OfflinePeriod{Reason: "mould", ExpectedReturn: "2026-12-01"}, ""); err != nil {
			t.Fatal(err)
		}
		riversideProgram, err := db.CreateProgram(ctx, &inv.hmis, cas.Program{AgencyID: inv.riverside.ID, Name: "Riverside RRH", ProjectType: cas.ProjectRRH})
		if err != nil {
			t.Fatal(err)
		}
		oaks, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: riversideProgram.ID, Name: "Riverside Oaks"})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("an agency's roster is its facilities, each unit with its reservation or offline period", func(t *testing.T) {
			r, err := db.Roster(ctx, &inv.staff, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Facilities) != 1 || len(r.Shown) != 1 || r.Shown[0].ID != inv.facility.ID || r.Shown[0].Program != "Harbor Family PSH" {
				t.Fatalf("roster %+v, want Harbor Commons alone", r)
			}
			units := r.Shown[0].Units
			if len(units) != 3 || units[0].Label != "Apt 101" || units[1].Label != "Apt 102" || units[2].Label != "Apt 103" {
				t.Fatalf("units %+v, want Apt 101, 102, 103", units)
			}
			if units[0].Reservation != nil || units[0].Offline != nil {
				t.Errorf("the available unit has %+v %+v", units[0].Reservation, units[0].Offline)
			}
			if res := units[1].Reservation; res == nil || res.ClientName != "Walk-in" || res.ExpiresOn != "2026-11-09" || units[1].Offline != nil {
				t.Errorf("the reserved unit's reservation %+v", res)
			}
			if o := units[2].Offline; o == nil || o.Reason != "mould" || o.ExpectedReturn != "2026-12-01" || units[2].Reservation != nil {
				t.Errorf("the offline unit's period %+v", o)
			}
		})

		t.Run("another agency's facility is not found on a roster", func(t *testing.T) {
			if _, err := db.Roster(ctx, &inv.staff, oaks.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("Roster of Riverside Oaks as Harbor: %v, want not_found", err)
			}
			r, err := db.Roster(ctx, &inv.hmis, oaks.ID)
			if err != nil || len(r.Facilities) != 2 || len(r.Shown) != 1 || r.Shown[0].ID != oaks.ID || len(r.Shown[0].Units) != 0 {
				t.Errorf("Roster of Riverside Oaks as the HMIS team: %+v %v", r, err)
			}
		})

		t.Run("the inventory groups every agency's facilities; a status keeps the facilities that have such units", func(t *testing.T) {
			all, err := db.Inventory(ctx, &inv.hmis, store.InventoryFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all.Agencies) != 2 || len(all.Shown) != 2 || all.Shown[0].Agency.ID != inv.harbor.ID || len(all.Shown[0].Facilities) != 1 ||
				len(all.Shown[1].Facilities) != 1 || all.Shown[1].Facilities[0].ID != oaks.ID {
				t.Fatalf("inventory %+v", all)
			}
			off, err := db.Inventory(ctx, &inv.hmis, store.InventoryFilter{Status: cas.UnitOffline}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(off.Shown) != 2 || len(off.Shown[0].Facilities) != 1 || len(off.Shown[0].Facilities[0].Units) != 1 ||
				off.Shown[0].Facilities[0].Units[0].Offline.Reason != "mould" || len(off.Shown[1].Facilities) != 0 {
				t.Errorf("offline inventory %+v", off)
			}
			one, err := db.Inventory(ctx, &inv.hmis, store.InventoryFilter{AgencyID: inv.riverside.ID}, store.Page{})
			if err != nil || len(one.Shown) != 1 || one.Shown[0].Agency.ID != inv.riverside.ID {
				t.Errorf("Riverside's inventory %+v %v", one, err)
			}
			paged, err := db.Inventory(ctx, &inv.hmis, store.InventoryFilter{}, store.Page{Limit: 1})
			if err != nil || len(paged.Shown) != 1 || paged.Next == "" {
				t.Errorf("a page of one agency %+v %v", paged, err)
			}
			if _, err := db.Inventory(ctx, &inv.staff, store.InventoryFilter{AgencyID: inv.riverside.ID}, store.Page{}); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("Riverside's inventory as Harbor: %v, want not_found", err)
			}
		})
	})
}
