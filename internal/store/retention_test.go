package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

const year = 365 * 24 * time.Hour

// TestRetentionDeidentifiesInactiveClients: Olga was referred, declined, noted and taken off the
// HPL in 2026, and nothing happened to her record since. Seven years and a week later she is due;
// Rita, whose consent was renewed two years in, and Opal, still on the HPL, are not. The job
// removes what identifies Olga, keeps her referral's outcome and dates, and says so once in the
// audit log, without the data removed.
func TestRetentionDeidentifiesInactiveClients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		olga, olgaEntry := inv.mustClientOnHPL(t, "Olga", 10, func(c *cas.Client) {
			c.LastName, c.HMISPersonalID, c.Phone, c.ContactNotes, c.NavigatorUserID = "Oyelaran", "HMIS-OLGA", "555-0171", "Bench by the river", inv.otherStaff.ID
			c.Race, c.Veteran = []cas.Race{cas.RaceAsian}, true
		})
		if _, err := db.AddClientDocument(ctx, &inv.casAdmin, olga.ID, cas.ClientDocument{Name: "Photo ID", ReceivedOn: "2026-11-01"}); err != nil {
			t.Fatal(err)
		}
		ref, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: olga.ID, FacilityID: inv.facility.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddReferralNote(ctx, &inv.staff, ref.ID, "Olga Oyelaran asked us to call her sister"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeclineReferral(ctx, &inv.staff, ref.ID, cas.DeclineClientRefused, "Olga prefers the east side"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RemoveFromHPL(ctx, &inv.casAdmin, olgaEntry.ID, cas.RemovalMovedAway, "Olga moved to her sister's"); err != nil {
			t.Fatal(err)
		}
		rita, ritaEntry := inv.mustClientOnHPL(t, "Rita", 9, nil)
		if _, err := db.RemoveFromHPL(ctx, &inv.casAdmin, ritaEntry.ID, cas.RemovalMovedAway, ""); err != nil {
			t.Fatal(err)
		}
		opal, _ := inv.mustClientOnHPL(t, "Opal", 8, nil)

		inv.clock.Advance(2 * year)
		if _, err := db.UpdateClient(ctx, &inv.casAdmin, rita.ID, func(c *cas.Client) { c.ConsentDate = cas.DateOf(inv.clock.Now(), time.UTC) }); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(5*year + 7*24*time.Hour)

		t.Run("only the HMIS team lists who is due: the inactive, never those with something open", func(t *testing.T) {
			due, err := db.RetentionDue(ctx, &inv.hmis, cas.DefaultRetentionYears)
			if err != nil || len(due) != 1 || due[0].ClientID != olga.ID || due[0].Alias != olga.Alias() {
				t.Fatalf("due: %+v, %v; want Olga only", due, err)
			}
			if !due[0].LastActivity.Before(start.Add(time.Hour)) {
				t.Errorf("Olga's last activity %v, want the day of her referral", due[0].LastActivity)
			}
			if _, err := db.RetentionDue(ctx, &inv.casAdmin, 7); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("a CAS admin lists: %v, want forbidden", err)
			}
			if due, _ := db.RetentionDue(ctx, &inv.hmis, 8); len(due) != 0 {
				t.Errorf("with eight years: %+v, want none", due)
			}
		})

		events := countAudit(t, db, "client.deidentify")
		done, err := db.Deidentify(ctx, cas.System, cas.DefaultRetentionYears)
		if err != nil || len(done) != 1 || done[0].ClientID != olga.ID {
			t.Fatalf("de-identify: %+v, %v", done, err)
		}

		t.Run("what identifies Olga is gone; her household, demographics and referral outcome stay", func(t *testing.T) {
			got, err := db.Client(ctx, &inv.casAdmin, olga.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.FirstName != "" || got.LastName != "" || got.BirthDate != "" || got.HMISPersonalID != "" || got.Phone != "" ||
				got.ContactNotes != "" || got.NavigatorUserID != "" || got.DeidentifiedAt == nil || got.Name() != olga.Alias() {
				t.Errorf("Olga's record: %+v", got)
			}
			if !got.Veteran || got.HouseholdSize != 3 || len(got.Race) != 1 || got.ConsentDate != olga.ConsentDate {
				t.Errorf("Olga's statistics were lost: %+v", got)
			}
			docs, err := db.ClientDocuments(ctx, &inv.casAdmin, olga.ID)
			if err != nil || len(docs) != 0 {
				t.Errorf("documents: %+v, %v", docs, err)
			}
			r, events, err := db.Referral(ctx, &inv.casAdmin, ref.ID)
			if err != nil || r.Status != cas.ReferralDeclined || r.ReasonCode != cas.DeclineClientRefused || r.Note != "" || !r.CreatedAt.Equal(ref.CreatedAt) {
				t.Errorf("the referral: %+v, %v", r, err)
			}
			for _, e := range events {
				if e.Note != "" {
					t.Errorf("a timeline note is left: %+v", e)
				}
			}
			var left int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE CAST(before AS TEXT) LIKE '%Olga%' OR CAST(after AS TEXT) LIKE '%Olga%'
				OR CAST(before AS TEXT) LIKE '%555-0171%' OR CAST(after AS TEXT) LIKE '%555-0171%'`).Scan(&left); err != nil || left != 0 {
				t.Errorf("%d audit events still hold Olga's data (%v)", left, err)
			}
			if _, err := db.UpdateClient(ctx, &inv.casAdmin, olga.ID, func(c *cas.Client) { c.FirstName = "Olga" }); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("changing the de-identified record: %v, want conflict", err)
			}
		})

		t.Run("one audit event for Olga, naming no removed data", func(t *testing.T) {
			if n := countAudit(t, db, "client.deidentify"); n != events+1 {
				t.Fatalf("client.deidentify events went from %d to %d", events, n)
			}
			var entity, after string
			if err := db.SQL().QueryRow(`SELECT entity_id, CAST(after AS TEXT) FROM audit_events WHERE action = 'client.deidentify'`).Scan(&entity, &after); err != nil {
				t.Fatal(err)
			}
			if entity != olga.ID || !strings.Contains(after, "retention_years") || strings.Contains(after, "Olga") || strings.Contains(after, "Oyelaran") {
				t.Errorf("the event: %s %s", entity, after)
			}
		})

		t.Run("Rita, Opal and a second run are left alone", func(t *testing.T) {
			for _, c := range []cas.Client{rita, opal} {
				got, err := db.Client(ctx, &inv.casAdmin, c.ID)
				if err != nil || got.DeidentifiedAt != nil || got.FirstName != c.FirstName {
					t.Errorf("%s: %+v, %v", c.FirstName, got, err)
				}
			}
			if done, err := db.Deidentify(ctx, cas.System, cas.DefaultRetentionYears); err != nil || len(done) != 0 {
				t.Errorf("second run: %+v, %v", done, err)
			}
			if n := countAudit(t, db, "client.deidentify"); n != events+1 {
				t.Errorf("client.deidentify events: %d, want %d", n, events+1)
			}
		})
	})
}

// TestRetentionSweepRunsOnceADay: the worker's sweep applies the configured period once a CoC day
// and records the run; with no period configured it does nothing.
func TestRetentionSweepRunsOnceADay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, entry := inv.mustClientOnHPL(t, "Wren", 10, nil)
		if _, err := db.RemoveFromHPL(ctx, &inv.casAdmin, entry.ID, cas.RemovalMovedAway, ""); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(3 * year)
		if n, err := db.RetentionSweep(ctx); err != nil || n != 0 || countAudit(t, db, "retention.run") != 0 {
			t.Errorf("with retention off: %d, %v", n, err)
		}
		db.RetentionYears = 2
		if n, err := db.RetentionSweep(ctx); err != nil || n != 1 || countAudit(t, db, "retention.run") != 1 {
			t.Errorf("first sweep of the day: %d, %v", n, err)
		}
		if got, _ := db.Client(ctx, &inv.casAdmin, c.ID); got.DeidentifiedAt == nil {
			t.Error("Wren's record is whole after the sweep")
		}
		if n, err := db.RetentionSweep(ctx); err != nil || n != 0 || countAudit(t, db, "retention.run") != 1 {
			t.Errorf("second sweep the same day: %d, %v", n, err)
		}
		inv.clock.Advance(24 * time.Hour)
		if n, err := db.RetentionSweep(ctx); err != nil || n != 0 || countAudit(t, db, "retention.run") != 2 {
			t.Errorf("the next day's sweep: %d, %v", n, err)
		}
	})
}
