package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestAddClientToHPL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		client := func(name string) cas.Client {
			return cas.Client{FirstName: name, LastName: "New", BirthDate: "1980-05-01", HouseholdSize: 1, HouseholdType: cas.WithoutChildren}
		}
		entry := cas.HPLEntry{Score: 9, AssessedOn: "2026-10-01", DaysHomeless: 30, IntakeStatus: cas.IntakeReady}
		count := func() int {
			t.Helper()
			list, _, err := db.Clients(ctx, &inv.casAdmin, store.ClientFilter{Search: "new"}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}

		t.Run("a refused entry leaves no client behind, and names its field", func(t *testing.T) {
			bad := entry
			bad.Score = -1
			_, _, err := db.AddClientToHPL(ctx, &inv.casAdmin, client("Ann"), bad)
			if e := cas.ErrorOf(err); e == nil || e.Field != "score" {
				t.Fatalf("err %v, want one naming score", err)
			}
			if n := count(); n != 0 {
				t.Errorf("%d clients written, want none", n)
			}
		})
		t.Run("a refused client leaves no entry behind", func(t *testing.T) {
			c := client("")
			_, _, err := db.AddClientToHPL(ctx, &inv.casAdmin, c, entry)
			if e := cas.ErrorOf(err); e == nil || e.Field != "first_name" {
				t.Fatalf("err %v, want one naming first_name", err)
			}
			if n := count(); n != 0 {
				t.Errorf("%d clients written, want none", n)
			}
		})
		t.Run("the client and the entry are written together, and the entry is ranked", func(t *testing.T) {
			c, e, err := db.AddClientToHPL(ctx, &inv.casAdmin, client("Bea"), entry)
			if err != nil {
				t.Fatal(err)
			}
			if e.ClientID != c.ID || e.Status != cas.HPLActive {
				t.Errorf("entry %+v, want the active entry of client %s", e, c.ID)
			}
			places, err := db.HPLPlaces(ctx, &inv.casAdmin, []string{c.ID})
			if err != nil || places[c.ID].Rank != 1 {
				t.Errorf("place %+v, %v, want rank 1", places[c.ID], err)
			}
		})
		t.Run("the HMIS team and agency users may not", func(t *testing.T) {
			for _, u := range []*cas.User{&inv.hmis, &inv.staff} {
				if _, _, err := db.AddClientToHPL(ctx, u, client("Cy"), entry); cas.ErrorCode(err) != cas.EForbidden {
					t.Errorf("%s: %v, want forbidden", u.Role, err)
				}
			}
		})
	})
}
