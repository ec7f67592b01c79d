package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
)

// importHMISCSV loads a CoC's HUD HMIS CSV export: its agencies, the programs that receive CE
// referrals with their units, its clients and its prioritized heads of household on the HPL. It
// checks the whole export first and imports nothing when it finds a problem that refuses it (or,
// with --strict, anything at all); records with an unusable value are left out, and listed.
func (m *Main) importHMISCSV(ctx context.Context, args []string) error {
	fs := m.newFlags("import hmis-csv")
	dryRun := fs.Bool("dry-run", false, "check the export and show what it would create and update, writing nothing")
	strict := fs.Bool("strict", false, "refuse the export on any skipped record or warning, not only on problems")
	consent := fs.String("consent", "", "a consent list to record with the import: CSV with the header PersonalID,ConsentDate,ExpirationDate")
	dbURL := dbFlag(fs)
	paths, err := m.parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) > 1 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), paths[1])
	}
	if len(paths) == 0 {
		return errors.New("import hmis-csv: name the export first: doorway import hmis-csv DIR|ZIP [--consent LIST] [--dry-run] [--strict] [--db URL]")
	}
	path := paths[0]
	var consented []store.ConsentRecord
	if *consent != "" {
		// The list is read first: a list with a problem stops the import before anything is read.
		if consented, err = readConsentList(*consent); err != nil {
			return fmt.Errorf("import hmis-csv: --consent: %w; nothing was imported", err)
		}
	}
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
	if _, skipped, warnings := report.Totals(); *strict && skipped+warnings > 0 {
		return fmt.Errorf("import hmis-csv: --strict: %d %s skipped and %d %s; nothing was imported",
			skipped, plural(skipped, "record", "records"), warnings, plural(warnings, "warning", "warnings"))
	}

	in.Consent = consented
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
	if e := cas.ErrorOf(err); e != nil && e.Field == "items" {
		fmt.Fprintln(m.Stdout, "The consent list does not fit the export and the database:")
		for _, p := range e.Details {
			fmt.Fprintln(m.Stdout, "  "+p)
		}
		return fmt.Errorf("import hmis-csv: --consent: %d %s; nothing was imported", len(e.Details), plural(len(e.Details), "problem", "problems"))
	}
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

// warningsShown is how many warnings, or skipped records, of one file and column are printed; the
// rest are counted.
const warningsShown = 10

// printReport prints what became of each file's rows, the warnings, the skipped records and every
// problem, one per line, and how many clients the HPL leaves out or takes without a birth date.
func printReport(w io.Writer, r hmiscsv.Report) {
	if len(r.Files) > 0 {
		fmt.Fprintf(w, "  %-24s %9s %9s %9s %9s\n", "file", "read", "imported", "skipped", "warned")
		for _, f := range r.Files {
			fmt.Fprintf(w, "  %-24s %9d %9d %9d %9d\n", f.File, f.Rows, f.Imported, f.Skipped, f.Warned)
		}
	}
	problems, skipped, warnings := r.Totals()
	printProblems(w, warnings, fmt.Sprintf("%d %s (tolerated):", warnings, plural(warnings, "warning", "warnings")),
		"Warnings", r.Warnings, r.Unlisted, warningsShown)
	printProblems(w, skipped, fmt.Sprintf("%d %s skipped (left out of the import, with what depends on them):",
		skipped, plural(skipped, "record", "records")), "Skipped", r.Skipped, r.Unlisted, warningsShown)
	printProblems(w, problems, fmt.Sprintf("%d %s:", problems, plural(problems, "problem", "problems")),
		"Problems", r.Problems, r.Unlisted, -1)
	if r.Housed > 0 {
		fmt.Fprintf(w, "%d prioritized %s left off the HPL: HMIS shows them housed (an open permanent housing enrollment with a move-in date).\n",
			r.Housed, plural(r.Housed, "head of household is", "heads of household are"))
	}
	if r.NoBirthDate > 0 {
		fmt.Fprintf(w, "%d %s no birth date: imported with an unknown age, which programs with age limits do not accept.\n",
			r.NoBirthDate, plural(r.NoBirthDate, "client has", "clients have"))
	}
}

// printProblems prints, when there are any, a heading and one Report list: at most shown problems
// of one file and column (-1: all of them), counting the rest, the Report's unlisted ones among them.
func printProblems(w io.Writer, total int, heading, list string, problems []*hmiscsv.Problem, unlisted map[hmiscsv.Unlisted]int, shown int) {
	if total == 0 {
		return
	}
	fmt.Fprintln(w, heading)
	type kind struct{ file, column string }
	printed, more := map[kind]int{}, map[kind]int{}
	var order []kind
	count := func(k kind, n int) {
		if more[k] == 0 {
			order = append(order, k)
		}
		more[k] += n
	}
	for _, p := range problems {
		k := kind{p.File, p.Column}
		if printed[k] == shown {
			count(k, 1)
			continue
		}
		printed[k]++
		fmt.Fprintf(w, "  %v\n", p)
	}
	var rest []hmiscsv.Unlisted
	for k := range unlisted {
		if k.List == list {
			rest = append(rest, k)
		}
	}
	slices.SortFunc(rest, func(a, b hmiscsv.Unlisted) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Column, b.Column))
	})
	for _, k := range rest {
		count(kind{k.File, k.Column}, unlisted[k])
	}
	for _, k := range order {
		where := k.file
		if k.column != "" {
			where += ", column " + k.column
		}
		fmt.Fprintf(w, "  ... and %d more like these in %s\n", more[k], where)
	}
}

// printResult prints what the import created and updated, by kind of record, what it took off the
// HPL, and the agencies whose referrals reach no one.
func printResult(w io.Writer, res store.ImportResult) {
	fmt.Fprintf(w, "  %-12s %8s %8s\n", "", "created", "updated")
	for _, k := range []struct{ key, name string }{
		{"agencies", "agencies"}, {"programs", "programs"}, {"facilities", "facilities"}, {"units", "units"},
		{"clients", "clients"}, {"hpl_entries", "HPL entries"}, {"referrals", "referrals"},
	} {
		fmt.Fprintf(w, "  %-12s %8d %8d\n", k.name, res.Created[k.key], res.Updated[k.key])
	}
	if left := res.Housed + res.Exited; left > 0 {
		fmt.Fprintf(w, "%d HPL %s the list: %d moved into permanent housing in HMIS, %d exited coordinated entry in HMIS; %d open %s.\n",
			left, plural(left, "entry left", "entries left"), res.Housed, res.Exited, res.Withdrawn,
			plural(res.Withdrawn, "referral withdrawn (its agency is told)", "referrals withdrawn (their agencies are told)"))
	}
	if res.Consented > 0 {
		fmt.Fprintf(w, "Consent recorded for %d %s from the consent list.\n", res.Consented, plural(res.Consented, "client", "clients"))
	}
	if n := len(res.NoCASContact); n > 0 {
		fmt.Fprintf(w, "%d %s programs but no CAS Contact, so referrals to %s reach no one at the agency (the CAS admins are told instead) "+
			"until one of its users is designated (doorway user add --cas-contact): %s\n", n, plural(n, "agency has", "agencies have"),
			plural(n, "it", "them"), strings.Join(res.NoCASContact, ", "))
	}
}

// readConsentList reads the consent list at path, printing nothing: its problems are the error's.
func readConsentList(path string) ([]store.ConsentRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	records, err := hmiscsv.ReadConsentList(filepath.Base(path), f)
	if e := cas.ErrorOf(err); e != nil {
		return nil, errors.New(strings.Join(append([]string{fmt.Sprintf("%d %s", len(e.Details), plural(len(e.Details), "problem", "problems"))}, e.Details...), "\n  "))
	}
	return records, err
}
