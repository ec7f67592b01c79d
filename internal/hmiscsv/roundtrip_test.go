package hmiscsv_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestRoundTrip takes a CoC's HMIS export through Doorway and back: import, refer, respond, export.
// The CE Events name the HMIS's own enrollments, people and projects, so that the HMIS can take
// them back, and keep HUD's rules.
func TestRoundTrip(t *testing.T) {
	in := filepath.Join(t.TempDir(), "hmis")
	if _, err := hmiscsv.Generate(in, hmiscsv.GenOptions{Clients: 300, Units: 60, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	hmis := readHMIS(t, in)

	db := storetest.Open(t, storetest.SQLiteURL(t))
	clock := storetest.NewClock(time.Date(2025, 10, 2, 9, 0, 0, 0, time.UTC)) // the day after the export
	db.Now = clock.Now
	e, err := hmiscsv.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mapped, _, err := hmiscsv.Map(ctx, e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportHMIS(ctx, cas.System, mapped, false); err != nil {
		t.Fatal(err)
	}
	// HUD exports carry no release of information: CAS admins record consent in Doorway.
	for _, item := range wholeHPL(t, db) {
		if _, err := db.UpdateClient(ctx, cas.System, item.Client.ID, func(c *cas.Client) { c.Consent = true }); err != nil {
			t.Fatal(err)
		}
	}
	run, err := db.RunMatch(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Referrals) < 6 {
		t.Fatalf("the engine made %d referrals; the test wants a few of each outcome", len(run.Referrals))
	}
	// A third of the referrals end in a move-in, a third in the client's refusal, and the rest are
	// left pending.
	housed, declined := 0, 0
	for i, r := range run.Referrals {
		clock.Advance(time.Hour)
		var err error
		switch i % 3 {
		case 0:
			if _, err = db.AcceptReferral(ctx, cas.System, r.ID, ""); err == nil {
				_, err = db.MoveIn(ctx, cas.System, r.ID, r.UnitID)
			}
			housed++
		case 1:
			_, err = db.DeclineReferral(ctx, cas.System, r.ID, cas.DeclineClientRefused, "")
			declined++
		}
		if err != nil {
			t.Fatalf("referral %d: %v", i, err)
		}
	}

	stats, back := exportAll(t, db, clock.Now())
	if stats.Events != len(run.Referrals) || stats.WithResult != housed+declined {
		t.Errorf("stats %+v; want %d events, %d with a result", stats, len(run.Referrals), housed+declined)
	}

	t.Run("each event names the HMIS's CE enrollment, person and receiving project", func(t *testing.T) {
		events := eventRows(t, back)
		if len(events) != len(run.Referrals) {
			t.Errorf("%d events for %d referrals", len(events), len(run.Referrals))
		}
		for id, ev := range events {
			enrollment, ok := hmis.enrollments[ev["EnrollmentID"]]
			switch {
			case !ok:
				t.Errorf("event %s: EnrollmentID %q is not in the HMIS export", id, ev["EnrollmentID"])
				continue
			case enrollment.personalID != ev["PersonalID"]:
				t.Errorf("event %s: PersonalID %q, but the HMIS enrollment %s is %s's", id, ev["PersonalID"], ev["EnrollmentID"], enrollment.personalID)
			case hmis.projectTypes[enrollment.projectID] != int(cas.ProjectCE):
				t.Errorf("event %s: enrollment %s is at project %s, not a Coordinated Entry project", id, ev["EnrollmentID"], enrollment.projectID)
			}
			loc := ev["LocationCrisisOrPHHousing"]
			open := strings.LastIndex(loc, "[")
			projectID := strings.TrimSuffix(loc[open+1:], "]")
			typ, ok := hmis.projectTypes[projectID]
			if open < 0 || !ok {
				t.Errorf("event %s: location %q names no HMIS project", id, loc)
				continue
			}
			if want := fmt.Sprint(hmiscsv.EventCode(cas.ProjectType(typ))); ev["Event"] != want {
				t.Errorf("event %s: Event %s for a referral to project %s of type %d; want %s", id, ev["Event"], projectID, typ, want)
			}
		}
	})

	t.Run("the export keeps HUD's field-dependency rules", func(t *testing.T) {
		for _, p := range hmiscsv.CheckEvents(back) {
			t.Error(p)
		}
	})
}

// exportAll writes every referral of db as an HMIS export, exported at a moment, and opens it.
func exportAll(t *testing.T, db *store.DB, at time.Time) (hmiscsv.ExportStats, *hmiscsv.Export) {
	t.Helper()
	records, err := db.ReferralRecords(ctx, cas.System, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "doorway")
	stats, err := hmiscsv.WriteExport(out, records, hmiscsv.ExportOptions{ExportedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	back, err := hmiscsv.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { back.Close() })
	return stats, back
}

// hmisExport is what the round trip checks against in the HMIS's export.
type hmisExport struct {
	enrollments  map[string]hmisEnrollment // by EnrollmentID
	projectTypes map[string]int            // by ProjectID
}

type hmisEnrollment struct{ personalID, projectID string }

func readHMIS(t *testing.T, dir string) hmisExport {
	t.Helper()
	e, err := hmiscsv.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h := hmisExport{enrollments: map[string]hmisEnrollment{}, projectTypes: map[string]int{}}
	err = e.Rows("Enrollment.csv", func(r hmiscsv.Row) error {
		h.enrollments[r.String("EnrollmentID")] = hmisEnrollment{personalID: r.String("PersonalID"), projectID: r.String("ProjectID")}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Rows("Project.csv", func(r hmiscsv.Row) error {
		typ, err := r.Int("ProjectType")
		h.projectTypes[r.String("ProjectID")] = typ
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// wholeHPL reads every page of the HPL.
func wholeHPL(t *testing.T, db *store.DB) []store.HPLItem {
	t.Helper()
	var all []store.HPLItem
	page := store.Page{Limit: 500}
	for {
		items, next, _, err := db.HPL(ctx, cas.System, store.HPLFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		page.Cursor = next
	}
}
