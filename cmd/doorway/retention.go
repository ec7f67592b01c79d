package main

import (
	"context"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

// retention applies the retention policy now, or with --dry-run lists the clients it would
// de-identify, by Doorway reference and alias, with their last activity.
func (m *Main) retention(ctx context.Context, args []string) error {
	fs := m.newFlags("retention")
	dbURL := dbFlag(fs)
	years := fs.Int("years", cas.DefaultRetentionYears, "de-identify clients with no activity for this many years (env DOORWAY_YEARS)")
	dryRun := fs.Bool("dry-run", false, "list the clients due; change nothing")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *years < 1 {
		return fmt.Errorf("retention: --years %d: want at least 1", *years)
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	list, verb, outcome := db.RetentionDue, "Would de-identify", "due"
	if !*dryRun {
		list, verb, outcome = db.Deidentify, "De-identified", "de-identified"
	}
	due, err := list(ctx, cas.System, *years)
	for _, c := range due {
		fmt.Fprintf(m.Stdout, "%s %s (%s): no activity since %s\n", verb, c.ClientID, c.Alias, cas.DateOf(c.LastActivity, db.Zone))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d client records %s: no activity for %d years.\n", len(due), outcome, *years)
	return nil
}
