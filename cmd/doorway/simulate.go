package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/policylab"
)

// simulate replays a period of the CoC's history under a candidate prioritization scheme and
// compares it with the scheme in force (docs/policy-lab.md).
func (m *Main) simulate(ctx context.Context, args []string) error {
	fs := m.newFlags("simulate")
	dbURL := dbFlag(fs)
	var from, to dayFlag
	fs.Var(&from, "from", "first day of the period, YYYY-MM-DD (required)")
	fs.Var(&to, "to", "last day of the period, YYYY-MM-DD, included (required)")
	schemeFile := fs.String("scheme", "", `file holding the candidate scheme, {"criteria": [...]} as PUT /api/v1/priority-scheme takes (required)`)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	zone := fs.String("timezone", "UTC", "the CoC's IANA time zone, e.g. America/Chicago: where its days begin and end (env DOORWAY_TIMEZONE)")
	noRereferral := fs.Int("no-rereferral-days", 90, "the CoC's no-re-referral period, as serve has it (env DOORWAY_NO_REREFERRAL_DAYS)")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	switch {
	case from.d == "" || to.d == "":
		return errors.New("simulate: --from and --to are required: the first and last day of the period to replay")
	case *schemeFile == "":
		return errors.New(`simulate: --scheme is required: a file holding {"criteria": [...]}`)
	case *noRereferral < 0 || *noRereferral > 3650:
		return fmt.Errorf("simulate: --no-rereferral-days %d: want 0 to 3650", *noRereferral)
	}
	criteria, err := readScheme(*schemeFile)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("simulate: --timezone %q: %w", *zone, err)
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Zone, db.NoRereferral = loc, time.Duration(*noRereferral)*24*time.Hour
	report, err := db.PolicyLab(ctx, cas.System, from.d, to.d, criteria)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	writeReport(m.Stdout, report)
	return nil
}

// readScheme reads a scheme file as PUT /api/v1/priority-scheme reads its body.
func readScheme(path string) ([]cas.Criterion, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("simulate: --scheme: %w", err)
	}
	var body struct {
		Criteria *[]cas.Criterion `json:"criteria"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("simulate: --scheme %s: malformed JSON: %v", path, err)
	}
	if body.Criteria == nil {
		return nil, fmt.Errorf("simulate: --scheme %s: %w", path, cas.Invalid("criteria", "criteria is required"))
	}
	return *body.Criteria, nil
}

// writeReport prints the report for a reader: the fidelity, the figures side by side, the groups
// and the people whose outcome changes.
func writeReport(out io.Writer, r policylab.Report) {
	fmt.Fprintf(out, "Policy lab: %s to %s\n", r.From, r.To)
	if r.Fidelity == nil {
		fmt.Fprintln(out, "Fidelity: not measured (the engine made no referral in the period)")
	} else {
		fmt.Fprintf(out, "Fidelity: %.3f (the scheme in force replays %d of the engine's %d referrals)\n", *r.Fidelity, r.Reproduced, r.EngineReferrals)
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	b, a := r.Baseline, r.Alternative
	fmt.Fprintf(w, "\tin force\tcandidate\n")
	fmt.Fprintf(w, "criteria\t%s\t%s\n", policylab.CriteriaText(b.Criteria), policylab.CriteriaText(a.Criteria))
	rows := []struct {
		label string
		b, a  int
	}{{"people on the HPL", b.People, a.People}, {"referrals", b.Referrals, a.Referrals}, {"people referred", b.Referred, a.Referred},
		{"move-ins", b.MoveIns, a.MoveIns}, {"still waiting at the end", b.StillWaiting, a.StillWaiting}}
	for _, row := range rows {
		fmt.Fprintf(w, "%s\t%d\t%d\n", row.label, row.b, row.a)
	}
	fmt.Fprintf(w, "days from joining to referral (median, p90)\t%s\t%s\n", statText(b.DaysToReferral), statText(a.DaysToReferral))
	fmt.Fprintf(w, "days from joining to move-in (median, p90)\t%s\t%s\n", statText(b.DaysToMoveIn), statText(a.DaysToMoveIn))
	for _, reason := range policylab.DeclineReasons(r) {
		fmt.Fprintf(w, "ended without a move-in: %s\t%d\t%d\n", reason, policylab.Declined(b, reason), policylab.Declined(a, reason))
	}
	w.Flush()

	fmt.Fprintf(out, "\nBy group (in force / candidate; – is a count under %d, suppressed)\n", policylab.MinGroupCount)
	w = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "dimension\tgroup\tpeople\treferred\tmoved in\tstill waiting\tmedian days to referral\n")
	for i, g := range b.ByGroup {
		ag := a.ByGroup[i]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s / %s\t%s / %s\t%s / %s\t%s / %s\n", g.Dimension, g.Group, countText(g.People),
			countText(g.Referred), countText(ag.Referred), countText(g.MoveIns), countText(ag.MoveIns),
			countText(g.StillWaiting), countText(ag.StillWaiting), daysText(g.DaysToReferral.Median), daysText(ag.DaysToReferral.Median))
	}
	w.Flush()

	fmt.Fprintf(out, "\nPeople whose outcome changes: %d\n", len(r.Changed))
	w = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	if len(r.Changed) > 0 {
		fmt.Fprintf(w, "rank (candidate)\trank (in force)\tclient\tchange\tdays\n")
	}
	for _, c := range r.Changed {
		fmt.Fprintf(w, "%d\t%d\t%s (%s)\t%s\t%s\n", c.AlternativeRank, c.BaselineRank, c.Name, c.ClientID, policylab.ChangeText(c.Change),
			daysText(c.Days))
	}
	w.Flush()
}

func statText(s policylab.Stat) string {
	if s.Median == nil {
		return "–"
	}
	return daysText(s.Median) + ", " + daysText(s.P90)
}

func daysText(d *float64) string {
	if d == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *d)
}

func countText(n *int) string {
	if n == nil {
		return "–"
	}
	return fmt.Sprint(*n)
}
