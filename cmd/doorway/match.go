package main

import (
	"context"
	"errors"
	"fmt"
)

// matchCmd prints what the matching engine would refer now, and why, without writing anything.
func (m *Main) matchCmd(ctx context.Context, args []string) error {
	fs := m.newFlags("match")
	dbURL := dbFlag(fs)
	dryRun := fs.Bool("dry-run", false, "print what the engine would do and why; change nothing (required)")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if !*dryRun {
		return errors.New("match: only --dry-run is supported here; the server's worker makes the referrals")
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	run, err := db.RunMatch(ctx, true)
	if err != nil {
		return err
	}
	if len(run.Result.Proposals) == 0 {
		fmt.Fprintln(m.Stdout, "The engine would make no referral now.")
	}
	for _, p := range run.Result.Proposals {
		what := "refer"
		if p.Mode == "review" {
			what = "propose (review mode)"
		}
		fmt.Fprintf(m.Stdout, "Would %s HPL rank %d to %s, unit %s.\n  Why: %s\n", what, p.Rank, run.Facility[p.FacilityID], run.Unit[p.UnitID], p.Reason)
	}
	for _, u := range run.Result.Unfilled {
		fmt.Fprintf(m.Stdout, "No referral for %s, unit %s: %s\n", run.Facility[u.FacilityID], run.Unit[u.UnitID], u.Reason)
	}
	return nil
}
