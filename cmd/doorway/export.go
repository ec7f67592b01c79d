package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
)

// exportHMISCSV writes Doorway's referrals as HUD Coordinated Entry Events, for the CoC's HMIS and
// its CE APR: Export.csv and Event.csv in a folder.
func (m *Main) exportHMISCSV(ctx context.Context, args []string) error {
	fs := m.newFlags("export hmis-csv")
	dbURL := dbFlag(fs)
	out := fs.String("out", "", "folder to write Export.csv and Event.csv to; made if missing (required)")
	var from, to dayFlag
	fs.Var(&from, "from", "first day of the export period, YYYY-MM-DD: the referrals made on it or later (default: the first referral's day)")
	fs.Var(&to, "to", "last day of the export period, YYYY-MM-DD, included (default: today)")
	zone := fs.String("timezone", "UTC", "the CoC's IANA time zone, e.g. America/Chicago: the day each referral falls on (env DOORWAY_TIMEZONE)")
	version := fs.String("csv-version", hmiscsv.FY2026, "HMIS CSV version to write: 2026 (HUD's format since 1 October 2025) or 2024")
	implementation := fs.String("implementation-id", "doorway", "Export.csv ImplementationID: a name unique to this Doorway installation (env DOORWAY_IMPLEMENTATION_ID)")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return errors.New("export hmis-csv: --out is required: the folder to write the export to")
	case from.d != "" && to.d != "" && to.d < from.d:
		return fmt.Errorf("export hmis-csv: --to %s is before --from %s", to.d, from.d)
	case *version != hmiscsv.FY2024 && *version != hmiscsv.FY2026:
		return fmt.Errorf("export hmis-csv: --csv-version %q: want %s or %s", *version, hmiscsv.FY2024, hmiscsv.FY2026)
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("export hmis-csv: --timezone %q: %w", *zone, err)
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Zone = loc
	now := db.Now()
	// The store's window is of moments, its end excluded: the period's days begin and end in the
	// CoC's zone.
	var start, end time.Time
	if from.d != "" {
		start = from.d.Start(loc)
	}
	if to.d != "" {
		end = to.d.AddDays(1).Start(loc)
	}
	records, err := db.ReferralRecords(ctx, cas.System, start, end)
	if err != nil {
		return err
	}
	stats, err := hmiscsv.WriteExport(*out, records, hmiscsv.ExportOptions{Version: *version, From: from.d, To: to.d,
		ExportedAt: now, Zone: loc, ImplementationID: *implementation})
	if err != nil {
		return err
	}
	if err := checkWritten(*out); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Wrote an FY%s HUD HMIS CSV export to %s:\n", *version, *out)
	fmt.Fprintf(m.Stdout, "  Export.csv: ExportID %s, %s to %s\n", stats.ExportID, stats.From, stats.To)
	fmt.Fprintf(m.Stdout, "  Event.csv: %d CE Events (%d with a result)\n", stats.Events, stats.WithResult)
	if stats.Unmatched > 0 {
		fmt.Fprintf(m.Stdout, "  %s: %d referrals not written to Event.csv: their client or CE enrollment has no HMIS ID, so an HMIS could not load them\n",
			hmiscsv.UnmatchedFile, stats.Unmatched)
	}
	return nil
}

// checkWritten reads back the export just written and holds it to HUD's rules for CE Events, so
// that a file HUD would refuse is never handed over as if it were good.
func checkWritten(dir string) error {
	e, err := hmiscsv.Open(dir)
	if err != nil {
		return err
	}
	defer e.Close()
	problems := hmiscsv.CheckEvents(e)
	if len(problems) == 0 {
		return nil
	}
	errs := []error{fmt.Errorf("export hmis-csv: the export in %s breaks HUD's rules for CE Events, which is a bug in Doorway", dir)}
	for _, p := range problems {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

// dayFlag is a flag holding a day, written YYYY-MM-DD; empty when not given.
type dayFlag struct{ d cas.Date }

func (f *dayFlag) String() string { return string(f.d) }

func (f *dayFlag) Set(s string) error {
	d, err := cas.ParseDate("day", s)
	if err != nil {
		return errors.New("want a date written YYYY-MM-DD")
	}
	f.d = d
	return nil
}
