package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		if _, err := db.UpdateProgram(ctx, &inv.hmis, inv.program.ID, func(p *cas.Program) {
			p.Requirements.RequiredDocuments = []string{"Photo ID"}
		}); err != nil {
			t.Fatal(err)
		}
		ada, entry := inv.mustClientOnHPL(t, "Ada", 12, nil)
		today := cas.DateOf(inv.clock.Now(), db.Zone)
		referrals := func() int {
			t.Helper()
			list, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: ada.ID}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}

		t.Run("without the program's documents on file the engine does not refer", func(t *testing.T) {
			inv.runMatch(t)
			if n := referrals(); n != 0 {
				t.Fatalf("%d referrals, want none", n)
			}
		})
		t.Run("a refused document names its field and writes nothing", func(t *testing.T) {
			for _, bad := range []struct {
				d     cas.ClientDocument
				field string
			}{
				{cas.ClientDocument{Name: " ", ReceivedOn: today}, "name"},
				{cas.ClientDocument{Name: "Photo ID"}, "received_on"},
				{cas.ClientDocument{Name: "Photo ID", ReceivedOn: today.AddDays(1)}, "received_on"},
			} {
				if _, err := db.AddClientDocument(ctx, &inv.casAdmin, ada.ID, bad.d); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != bad.field {
					t.Errorf("%+v: %v, want an error naming %s", bad.d, err, bad.field)
				}
			}
			if _, err := db.AddClientDocument(ctx, &inv.staff, ada.ID, cas.ClientDocument{Name: "Photo ID", ReceivedOn: today}); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("an agency user: %v, want forbidden", err)
			}
			if list, err := db.ClientDocuments(ctx, &inv.casAdmin, ada.ID); err != nil || len(list) != 0 {
				t.Errorf("checklist %+v %v, want empty", list, err)
			}
		})
		var photo cas.ClientDocument
		t.Run("a document on file, with who recorded it, and the engine refers", func(t *testing.T) {
			var err error
			photo, err = db.AddClientDocument(ctx, &inv.casAdmin, ada.ID, cas.ClientDocument{Name: " photo id ", ReceivedOn: today})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddClientDocument(ctx, &inv.casAdmin, ada.ID, cas.ClientDocument{Name: "PHOTO ID", ReceivedOn: today}); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("the same document twice: %v, want a conflict", err)
			}
			list, err := db.ClientDocuments(ctx, &inv.hmis, ada.ID)
			if err != nil || len(list) != 1 || list[0].Name != "photo id" || list[0].RecordedByName != inv.casAdmin.Name || list[0].ReceivedOn != today {
				t.Fatalf("checklist %+v %v", list, err)
			}
			if e, err := db.HPLEntry(ctx, &inv.casAdmin, entry.ID); err != nil || len(e.Documents) != 1 {
				t.Errorf("the entry's documents: %+v %v, want the name on file", e.Documents, err)
			}
			inv.runMatch(t)
			if n := referrals(); n != 1 {
				t.Errorf("%d referrals, want one now the documents are on file", n)
			}
		})
		t.Run("removed, the document is off the checklist and the entry", func(t *testing.T) {
			if err := db.RemoveClientDocument(ctx, &inv.casAdmin, ada.ID, photo.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.RemoveClientDocument(ctx, &inv.casAdmin, ada.ID, photo.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("removed twice: %v, want not found", err)
			}
			if e, err := db.HPLEntry(ctx, &inv.casAdmin, entry.ID); err != nil || len(e.Documents) != 0 {
				t.Errorf("the entry's documents: %+v %v, want none", e.Documents, err)
			}
		})
		t.Run("the HPL entry's documents, by name, set the checklist", func(t *testing.T) {
			if _, err := db.UpdateHPLEntry(ctx, &inv.casAdmin, entry.ID, func(e *cas.HPLEntry) { e.Documents = []string{"Income proof", "Photo ID"} }); err != nil {
				t.Fatal(err)
			}
			list, err := db.ClientDocuments(ctx, &inv.casAdmin, ada.ID)
			if err != nil || len(list) != 2 || list[0].Name != "Income proof" || list[1].Name != "Photo ID" {
				t.Errorf("checklist %+v %v", list, err)
			}
		})
	})
}
