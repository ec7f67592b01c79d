package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/doorway-cas/doorway/internal/hmiscsv"
)

// gen writes a synthetic HUD HMIS CSV export, for trying an import or measuring one.
func (m *Main) gen(ctx context.Context, args []string) error {
	fs := m.newFlags("gen")
	var clients, units countFlag
	fs.Var(&clients, "clients", "number of clients to generate (required)")
	fs.Var(&units, "units", "number of housing units in Inventory.csv, over all projects (required)")
	out := fs.String("out", "", "folder to write the CSV files to; made if missing (required)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and sizes give the same files")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	switch {
	case !clients.set:
		return errors.New("gen: --clients is required")
	case !units.set:
		return errors.New("gen: --units is required")
	case *out == "":
		return errors.New("gen: --out is required: the folder to write the export to")
	}
	// A large export takes a while; an interrupt must still stop the command.
	type result struct {
		stats hmiscsv.GenStats
		err   error
	}
	done := make(chan result, 1)
	go func() {
		stats, err := hmiscsv.Generate(*out, hmiscsv.GenOptions{Clients: clients.n, Units: units.n, Seed: *seed, Version: hmiscsv.FY2024})
		done <- result{stats, err}
	}()
	var stats hmiscsv.GenStats
	select {
	case <-ctx.Done():
		return fmt.Errorf("gen: interrupted; the files in %s are incomplete", *out)
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		stats = r.stats
	}
	fmt.Fprintf(m.Stdout, "Wrote a synthetic FY2024 HMIS CSV export to %s (seed %d):\n", *out, *seed)
	files := make([]string, 0, len(stats.Rows))
	for f := range stats.Rows {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, f := range files {
		fmt.Fprintf(m.Stdout, "  %-20s %9d rows\n", f, stats.Rows[f])
	}
	return nil
}

// countFlag is a flag holding a count, 0 or more, that remembers whether it was given.
type countFlag struct {
	n   int
	set bool
}

func (c *countFlag) String() string { return strconv.Itoa(c.n) }

func (c *countFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	if n < 0 {
		return errors.New("want 0 or more")
	}
	c.n, c.set = n, true
	return nil
}
