package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestExportHMISCSV exports the demo CoC's month of referrals, whole and for a window of days in
// the CoC's zone.
func TestExportHMISCSV(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	db := storetest.Open(t, dbURL)
	db.Now = storetest.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)).Now
	if _, err := demo.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	all, err := db.ReferralRecords(ctx, cas.System, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 10 {
		t.Fatalf("the demo has %d referrals; the test wants a month of them", len(all))
	}
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DOORWAY_DB": dbURL, "DOORWAY_TIMEZONE": "America/Chicago"}
	// export runs the command and returns what it printed and the EventIDs it wrote.
	export := func(t *testing.T, args ...string) (string, []string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "hud", "2026-11")
		printed, err := run(t, env, "", append([]string{"export", "hmis-csv", "--out", out}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		e, err := hmiscsv.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		var ids []string
		if err := e.Rows("Event.csv", func(r hmiscsv.Row) error { ids = append(ids, r.String("EventID")); return nil }); err != nil {
			t.Fatal(err)
		}
		return printed, ids
	}
	// want is what an export of the referrals made on from to to, days in Chicago, prints and holds:
	// the referrals whose client and CE enrollment came from the HMIS are events, the others are
	// counted apart, in unmatched.csv.
	want := func(from, to cas.Date) (string, []string) {
		var ids []string
		results, unmatched := 0, 0
		for _, rec := range all {
			if day := cas.DateOf(rec.Referral.CreatedAt, chicago); day < from || day > to {
				continue
			}
			if rec.PersonalID == "" || rec.EnrollmentID == "" {
				unmatched++
				continue
			}
			ids = append(ids, strings.ReplaceAll(rec.Referral.ID, "-", ""))
			if _, ok := hmiscsv.ReferralResult(rec.Referral); ok {
				results++
			}
		}
		line := fmt.Sprintf("Event.csv: %d CE Events (%d with a result)", len(ids), results)
		if unmatched > 0 {
			line += fmt.Sprintf("\n  unmatched.csv: %d referrals not written to Event.csv", unmatched)
		}
		return line, ids
	}

	t.Run("every referral", func(t *testing.T) {
		printed, ids := export(t)
		wantLine, wantIDs := want("0000-01-01", "9999-12-31")
		if len(wantIDs) == len(all) || len(wantIDs) == 0 || !strings.Contains(printed, wantLine) {
			t.Errorf("printed:\n%s\nwant a line %q", printed, wantLine)
		}
		if diff := cmp.Diff(wantIDs, ids); diff != "" {
			t.Errorf("EventIDs (-want +got):\n%s", diff)
		}
	})

	t.Run("the referrals of a window of days, both included", func(t *testing.T) {
		from := cas.DateOf(all[len(all)/3].Referral.CreatedAt, chicago)
		to := cas.DateOf(all[2*len(all)/3].Referral.CreatedAt, chicago)
		printed, ids := export(t, "--from", string(from), "--to", string(to))
		wantLine, wantIDs := want(from, to)
		if len(wantIDs) == 0 || len(wantIDs) == len(all) {
			t.Fatalf("the window %s to %s holds %d of %d referrals; the test wants some but not all", from, to, len(wantIDs), len(all))
		}
		for _, line := range []string{wantLine, fmt.Sprintf("%s to %s", from, to)} {
			if !strings.Contains(printed, line) {
				t.Errorf("printed:\n%s\nwant a line with %q", printed, line)
			}
		}
		if diff := cmp.Diff(wantIDs, ids); diff != "" {
			t.Errorf("EventIDs (-want +got):\n%s", diff)
		}
	})

	t.Run("a window without referrals", func(t *testing.T) {
		printed, ids := export(t, "--from", "2020-01-01", "--to", "2020-01-31")
		if len(ids) != 0 || !strings.Contains(printed, "Event.csv: 0 CE Events (0 with a result)") {
			t.Errorf("printed:\n%s\nEventIDs %v", printed, ids)
		}
	})

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no folder", []string{"export", "hmis-csv"}, "--out is required"},
		{"not a day", []string{"export", "hmis-csv", "--out", t.TempDir(), "--from", "2026-02-30"}, `invalid value "2026-02-30" for flag -from: want a date written YYYY-MM-DD`},
		{"a day written otherwise", []string{"export", "hmis-csv", "--out", t.TempDir(), "--to", "11/02/2026"}, "flag -to: want a date"},
		{"a window ending before it starts", []string{"export", "hmis-csv", "--out", t.TempDir(), "--from", "2026-11-02", "--to", "2026-11-01"},
			"--to 2026-11-01 is before --from 2026-11-02"},
		{"an unknown time zone", []string{"export", "hmis-csv", "--out", t.TempDir(), "--timezone", "Mars/Olympus"}, `--timezone "Mars/Olympus"`},
		{"an unknown CSV version", []string{"export", "hmis-csv", "--out", t.TempDir(), "--csv-version", "2022"}, `--csv-version "2022"`},
		{"an unknown export", []string{"export", "hic"}, `did you mean "doorway export hmis-csv"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, map[string]string{"DOORWAY_DB": dbURL}, "", c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}

	t.Run("the usage names the command", func(t *testing.T) {
		out, _ := run(t, nil, "", "help")
		if !strings.Contains(out, "doorway export hmis-csv --out DIR") {
			t.Errorf("usage:\n%s", out)
		}
	})
}
