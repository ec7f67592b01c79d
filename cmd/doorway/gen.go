package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/doorway-cas/doorway/internal/hmiscsv"
)

// gen writes a synthetic HUD HMIS CSV export, for trying an import or measuring one.
func (m *Main) gen(ctx context.Context, args []string) error {
	fs := m.newFlags("gen")
	var clients, units, hpl countFlag
	var consentShare shareFlag
	fs.Var(&clients, "clients", "number of clients to generate (required)")
	fs.Var(&units, "units", "number of housing units in Inventory.csv, over all projects (required)")
	fs.Var(&hpl, "hpl", "number of people the import puts on the HPL, at most --clients (default: about 60% of the households)")
	fs.Var(&consentShare, "consent-share", "share of the people on the HPL, 0 to 1, that consent.csv beside the export names, for import's --consent")
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
	case hpl.set && hpl.n == 0:
		return errors.New("gen: --hpl 0: want 1 or more; leave --hpl out for about 60% of the households")
	case hpl.n > clients.n:
		return fmt.Errorf("gen: --hpl %d is more than --clients %d: each person on the HPL is a client", hpl.n, clients.n)
	}
	// A large export takes a while; an interrupt must still stop the command.
	type result struct {
		stats hmiscsv.GenStats
		err   error
	}
	done := make(chan result, 1)
	go func() {
		stats, err := hmiscsv.Generate(*out, hmiscsv.GenOptions{Clients: clients.n, Units: units.n, HPL: hpl.n,
			ConsentShare: float64(consentShare), Seed: *seed, Version: hmiscsv.FY2024})
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
	fmt.Fprintf(m.Stdout, "Imported, it puts %d %s on the HPL.\n", stats.HPL, plural(stats.HPL, "person", "people"))
	if consented, ok := stats.Rows["consent.csv"]; ok {
		fmt.Fprintf(m.Stdout, "consent.csv names %d of them: doorway import hmis-csv %s --consent %s\n",
			consented, *out, filepath.Join(*out, "consent.csv"))
	}
	return nil
}

// shareFlag is a flag holding a share, from 0 to 1.
type shareFlag float64

func (s *shareFlag) String() string { return strconv.FormatFloat(float64(*s), 'g', -1, 64) }

func (s *shareFlag) Set(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return errors.New("want a share from 0 to 1, such as 0.7")
	}
	*s = shareFlag(f)
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
