package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func sampleImport() store.HMISImport {
	return store.HMISImport{
		Agencies: []store.ImportAgency{{OrganizationID: "ORG1", Name: "Harbor Family Services"}},
		Programs: []store.ImportProgram{{ProjectID: "P1", OrganizationID: "ORG1", Name: "Harbor PSH", ProjectType: cas.ProjectPSH}},
		Inventory: []store.ImportInventory{
			{InventoryID: "INV1", ProjectID: "P1", HouseholdType: cas.WithChildren, Units: 3, Bedrooms: 2},
			{InventoryID: "INV2", ProjectID: "P9", HouseholdType: cas.WithoutChildren, Units: 5}, // a project Doorway does not refer to
		},
		Clients: []cas.Client{{FirstName: "Pat", LastName: "Doe", BirthDate: "1980-01-02", HMISPersonalID: "C1", HouseholdSize: 3,
			HouseholdType: cas.WithChildren, Consent: true}},
		Entries: []store.ImportEntry{{EnrollmentID: "E1", PersonalID: "C1", AssessedOn: "2026-03-01", DaysHomeless: 200}},
	}
}

func TestImportHMIS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		t.Run("a dry run keeps nothing", func(t *testing.T) {
			res, err := db.ImportHMIS(ctx, &admin, sampleImport(), true)
			if err != nil || res.Created["clients"] != 1 {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			list, _, _ := db.Agencies(ctx, cas.System, store.Page{})
			if len(list) != 0 {
				t.Errorf("a dry run created %d agencies", len(list))
			}
		})
		res, err := db.ImportHMIS(ctx, &admin, sampleImport(), false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"agencies": 1, "programs": 1, "facilities": 1, "units": 3, "clients": 1, "hpl_entries": 1}
		if diff := cmp.Diff(want, res.Created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		t.Run("importing the same export again changes nothing", func(t *testing.T) {
			res, err := db.ImportHMIS(ctx, &admin, sampleImport(), false)
			if err != nil || len(res.Created) != 0 || len(res.Updated) != 0 {
				t.Errorf("second import: %+v %v", res, err)
			}
		})
		t.Run("a newer export updates by HMIS IDs", func(t *testing.T) {
			in := sampleImport()
			in.Clients[0].LastName = "Doe-Smith"
			in.Inventory[0].Units = 4
			res, err := db.ImportHMIS(ctx, &admin, in, false)
			if err != nil || res.Updated["clients"] != 1 || res.Created["units"] != 1 || res.Created["clients"] != 0 {
				t.Errorf("newer import: %+v %v", res, err)
			}
			units, _, _ := db.Units(ctx, cas.System, store.UnitFilter{}, store.Page{})
			if len(units) != 4 {
				t.Errorf("%d units, want 4", len(units))
			}
		})
		t.Run("the HPL has the prioritized client, ready", func(t *testing.T) {
			items, _, _, err := db.HPL(ctx, cas.System, store.HPLFilter{}, store.Page{})
			if err != nil || len(items) != 1 || items[0].Client.LastName != "Doe-Smith" || items[0].Entry.IntakeStatus != cas.IntakeReady {
				t.Errorf("HPL %+v %v", items, err)
			}
		})
		t.Run("a dangling reference writes nothing", func(t *testing.T) {
			in := sampleImport()
			in.Programs = append(in.Programs, store.ImportProgram{ProjectID: "P2", OrganizationID: "NOPE", Name: "X", ProjectType: cas.ProjectRRH})
			in.Clients = append(in.Clients, cas.Client{FirstName: "New", LastName: "Person", BirthDate: "1990-01-01", HMISPersonalID: "C2",
				HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
			if _, err := db.ImportHMIS(ctx, &admin, in, false); cas.ErrorCode(err) != cas.EInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			list, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Person"}, store.Page{})
			if len(list) != 0 {
				t.Error("a refused import wrote a client")
			}
		})
		t.Run("only the HMIS team imports", func(t *testing.T) {
			casAdmin := MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
			if _, err := db.ImportHMIS(ctx, &casAdmin, sampleImport(), false); cas.ErrorCode(err) != cas.EForbidden {
				t.Error("a CAS admin imported")
			}
		})
	})
}

func TestReferralRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, _ := inv.mustClientOnHPL(t, "Exported", 10, func(c *cas.Client) { c.HMISPersonalID = "PID-7" })
		r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: inv.facility.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeclineReferral(ctx, &inv.staff, r.ID, cas.DeclineIneligible, ""); err != nil {
			t.Fatal(err)
		}
		recs, err := db.ReferralRecords(ctx, &inv.casAdmin, start.Add(-time.Hour), start.Add(time.Hour))
		if err != nil || len(recs) != 1 {
			t.Fatalf("records %+v %v", recs, err)
		}
		rec := recs[0]
		if rec.PersonalID != "PID-7" || rec.ProjectType != cas.ProjectPSH || rec.ClosedAt == nil || rec.Referral.ReasonCode != cas.DeclineIneligible ||
			rec.EnrollmentID != "" || rec.ProgramName != "Harbor Family PSH" {
			t.Errorf("record %+v", rec)
		}
		if recs, _ := db.ReferralRecords(ctx, &inv.casAdmin, start.Add(time.Hour), time.Time{}); len(recs) != 0 {
			t.Errorf("a referral outside the period was exported")
		}
		if _, err := db.ReferralRecords(ctx, &inv.staff, time.Time{}, time.Time{}); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("an agency user exported: %v", err)
		}
	})
}
