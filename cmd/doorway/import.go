package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
)

// importHMISCSV loads a CoC's HUD HMIS CSV export: its agencies, the programs that receive CE
// referrals with their units, its clients and its prioritized heads of household on the HPL. It
// checks the whole export first and imports nothing when it finds a problem.
func (m *Main) importHMISCSV(ctx context.Context, args []string) error {
	fs := m.newFlags("import hmis-csv")
	dryRun := fs.Bool("dry-run", false, "check the export and show what it would create and update, writing nothing")
	dbURL := dbFlag(fs)
	paths, err := m.parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) > 1 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), paths[1])
	}
	if len(paths) == 0 {
		return errors.New("import hmis-csv: name the export first: doorway import hmis-csv DIR|ZIP [--dry-run] [--db URL]")
	}
	path := paths[0]
	e, err := hmiscsv.Open(path)
	if err != nil {
		return fmt.Errorf("import hmis-csv: %w", err)
	}
	defer e.Close()

	fmt.Fprintf(m.Stdout, "Reading %s (HMIS CSV FY%s)\n", path, e.Version)
	in, report, err := hmiscsv.Map(ctx, e, m.importProgress())
	printReport(m.Stdout, report)
	if err != nil {
		return fmt.Errorf("import hmis-csv: %w; nothing was imported", err)
	}

	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if *dryRun {
		fmt.Fprintln(m.Stdout, "Checking the import against the database (dry run)...")
	} else {
		fmt.Fprintln(m.Stdout, "Writing to the database in one transaction...")
	}
	res, err := db.ImportHMIS(ctx, cas.System, in, *dryRun)
	if err != nil {
		return fmt.Errorf("import hmis-csv: %w; nothing was imported", err)
	}
	switch {
	case *dryRun:
		fmt.Fprintln(m.Stdout, "Dry run: nothing was written. The import would give:")
	case len(res.Created) == 0 && len(res.Updated) == 0:
		fmt.Fprintln(m.Stdout, "Nothing changed: the database already holds what the export says.")
	default:
		fmt.Fprintln(m.Stdout, "Imported:")
	}
	printResult(m.Stdout, res)
	return nil
}

// importProgress shows how far the import has read: a bar per file on a terminal, which becomes a
// line like "Client.csv: 514 rows" when the file is read; only those lines otherwise.
func (m *Main) importProgress() func(hmiscsv.Progress) {
	w := m.Stdout
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(p hmiscsv.Progress) {
			if p.Done {
				fmt.Fprintf(w, "%s: %d %s\n", p.File, p.Rows, plural(p.Rows, "row", "rows"))
			}
		}
	}
	var bar *progressbar.ProgressBar
	return func(p hmiscsv.Progress) {
		if bar == nil {
			size := p.Size
			if size == 0 {
				size = -1 // a spinner
			}
			bar = progressbar.NewOptions64(size, progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		}
		bar.Describe(fmt.Sprintf("%-20s %9d rows", p.File, p.Rows))
		bar.Set64(p.Read)
		if p.Done {
			bar.Finish()
			bar = nil
			fmt.Fprintf(w, "%s: %d %s\n", p.File, p.Rows, plural(p.Rows, "row", "rows"))
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// warningsShown is how many warnings of one file and column are printed; the rest are counted.
const warningsShown = 10

// printReport prints every problem and the warnings, one per line.
func printReport(w io.Writer, r hmiscsv.Report) {
	if n := len(r.Warnings); n > 0 {
		fmt.Fprintf(w, "%d %s (tolerated):\n", n, plural(n, "warning", "warnings"))
		type kind struct{ file, column string }
		shown, more := map[kind]int{}, map[kind]int{}
		var order []kind
		for _, p := range r.Warnings {
			k := kind{p.File, p.Column}
			if shown[k] == warningsShown {
				if more[k] == 0 {
					order = append(order, k)
				}
				more[k]++
				continue
			}
			shown[k]++
			fmt.Fprintf(w, "  %v\n", p)
		}
		for _, k := range order {
			fmt.Fprintf(w, "  ... and %d more like these in %s, column %s\n", more[k], k.file, k.column)
		}
	}
	if n := len(r.Problems); n > 0 {
		fmt.Fprintf(w, "%d %s:\n", n, plural(n, "problem", "problems"))
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %v\n", p)
		}
	}
}

// printResult prints what the import created and updated, by kind of record.
func printResult(w io.Writer, res store.ImportResult) {
	fmt.Fprintf(w, "  %-12s %8s %8s\n", "", "created", "updated")
	for _, k := range []struct{ key, name string }{
		{"agencies", "agencies"}, {"programs", "programs"}, {"facilities", "facilities"}, {"units", "units"},
		{"clients", "clients"}, {"hpl_entries", "HPL entries"},
	} {
		fmt.Fprintf(w, "  %-12s %8d %8d\n", k.name, res.Created[k.key], res.Updated[k.key])
	}
}
