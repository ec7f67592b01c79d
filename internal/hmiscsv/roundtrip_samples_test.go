package hmiscsv_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestRoundTripSamples takes each HUD-shaped sample export, written by others, through Doorway and
// back: import, consent for everyone on the HPL, a matching run, a move-in, and the export. Every
// CE Event names a PersonalID and an EnrollmentID of the source export, the enrollment that
// person's, and nothing is left unmatched.
func TestRoundTripSamples(t *testing.T) {
	dir := hmiscsv.SamplesDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, sample := range entries {
		if !sample.IsDir() {
			continue
		}
		t.Run(sample.Name(), func(t *testing.T) {
			in := filepath.Join(dir, sample.Name())
			hmis := readHMIS(t, in)
			e, err := hmiscsv.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			mapped, report, err := hmiscsv.Map(ctx, e, nil)
			if err != nil {
				t.Fatalf("%v\n%v", err, report.Problems)
			}
			db := storetest.Open(t, storetest.SQLiteURL(t))
			clock := storetest.NewClock(time.Now().UTC())
			db.Now = clock.Now
			if _, err := db.ImportHMIS(ctx, cas.System, mapped, false); err != nil {
				t.Fatal(err)
			}
			hpl := wholeHPL(t, db)
			if len(hpl) == 0 {
				t.Skip("the sample puts no one on the HPL (no prioritized open CE enrollment): it imports, and there is nothing to refer")
			}
			var consent []store.ConsentRecord
			for i, item := range hpl {
				consent = append(consent, store.ConsentRecord{ClientID: item.Client.ID, ConsentDate: cas.DateOf(clock.Now(), time.UTC).AddDays(-1),
					Where: fmt.Sprintf("items[%d]", i)})
			}
			if _, err := db.RecordConsent(ctx, cas.System, consent); err != nil {
				t.Fatal(err)
			}
			run, err := db.RunMatch(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range run.Referrals {
				clock.Advance(time.Hour)
				if i%2 == 0 {
					if _, err := db.AcceptReferral(ctx, cas.System, r.ID, ""); err != nil {
						t.Fatal(err)
					}
					if _, err := db.MoveIn(ctx, cas.System, r.ID, r.UnitID); err != nil {
						t.Fatal(err)
					}
				}
			}
			stats, back := exportAll(t, db, clock.Now())
			if stats.Events != len(run.Referrals) || stats.Unmatched != 0 {
				t.Errorf("stats %+v for %d referrals: every referral of an imported client is an event", stats, len(run.Referrals))
			}
			for id, ev := range eventRows(t, back) {
				enrollment, ok := hmis.enrollments[ev["EnrollmentID"]]
				if !ok || enrollment.personalID != ev["PersonalID"] {
					t.Errorf("event %s: EnrollmentID %q and PersonalID %q are not an enrollment of that person in the source", id, ev["EnrollmentID"], ev["PersonalID"])
				}
				events++
			}
			for _, p := range hmiscsv.CheckEvents(back) {
				t.Error(p)
			}
			t.Logf("%d on the HPL, %d referrals, %d events", len(hpl), len(run.Referrals), stats.Events)
		})
	}
	if events == 0 {
		t.Error("no sample led to a referral: the round trip checked nothing")
	}
}
