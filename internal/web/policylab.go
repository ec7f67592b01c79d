package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/policylab"
)

// policyLab replays a period under a candidate scheme and compares it with the scheme in force.
func (s *Server) policyLab(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Scheme *struct {
			Criteria *[]cas.Criterion `json:"criteria"`
		} `json:"scheme"`
		From *string `json:"from"`
		To   *string `json:"to"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"scheme", req.Scheme == nil}, presence{"from", req.From == nil}, presence{"to", req.To == nil}); err != nil {
		return err
	}
	if err := requireFields(presence{"scheme.criteria", req.Scheme.Criteria == nil}); err != nil {
		return err
	}
	report, err := s.db.PolicyLab(r.Context(), actor(r), cas.Date(*req.From), cas.Date(*req.To), *req.Scheme.Criteria)
	if e := cas.ErrorOf(err); e != nil && strings.HasPrefix(e.Field, "criteria") {
		// The scheme's own rules name its fields from the scheme, as PUT /priority-scheme does.
		e.Field = "scheme." + e.Field
	}
	return respond(w, report, err)
}

// policyLabCSV is a report as rows: the fidelity, each figure of both schemes, each group's, and
// the people whose outcome changes.
func policyLabCSV(r policylab.Report) [][]string {
	rows := [][]string{{"section", "item", "group", "in force", "candidate"}}
	add := func(section, item, group, base, alt string) {
		rows = append(rows, []string{section, item, group, base, alt})
	}
	fidelity := ""
	if r.Fidelity != nil {
		fidelity = fmt.Sprintf("%.3f", *r.Fidelity)
	}
	add("period", "from", "", string(r.From), string(r.From))
	add("period", "to", "", string(r.To), string(r.To))
	add("fidelity", "share of the engine's referrals replayed", "", fidelity, "")
	add("fidelity", "engine referrals", "", fmt.Sprint(r.EngineReferrals), "")
	add("fidelity", "replayed", "", fmt.Sprint(r.Reproduced), "")
	b, a := r.Baseline, r.Alternative
	add("scheme", "criteria", "", policylab.CriteriaText(b.Criteria), policylab.CriteriaText(a.Criteria))
	for _, f := range labFigures(b.Figures, a.Figures) {
		add("outcomes", f.Label, "", f.Base, f.Alt)
	}
	for _, reason := range policylab.DeclineReasons(r) {
		add("ended without a move-in", reason, "", fmt.Sprint(policylab.Declined(b, reason)), fmt.Sprint(policylab.Declined(a, reason)))
	}
	for i, g := range b.ByGroup {
		ag := a.ByGroup[i]
		for _, f := range groupFigures(g, ag) {
			add(g.Dimension, f.Label, g.Group, f.Base, f.Alt)
		}
	}
	for _, c := range r.Changed {
		add("changed", policylab.ChangeText(c.Change), fmt.Sprintf("%s (%s), rank %d in force, %d candidate", c.Name, c.ClientID, c.BaselineRank,
			c.AlternativeRank), timeText(c.BaselineAt), timeText(c.AlternativeAt))
	}
	return rows
}

// labFigure is one figure of both schemes, as text.
type labFigure struct{ Label, Base, Alt string }

// labFigures are the outcome figures side by side.
func labFigures(b, a policylab.Figures) []labFigure {
	n := func(x int) string { return fmt.Sprint(x) }
	return []labFigure{
		{"people on the HPL", n(b.People), n(a.People)},
		{"referrals", n(b.Referrals), n(a.Referrals)},
		{"people referred", n(b.Referred), n(a.Referred)},
		{"move-ins", n(b.MoveIns), n(a.MoveIns)},
		{"still waiting at the end", n(b.StillWaiting), n(a.StillWaiting)},
		{"median days from joining to referral", days(b.DaysToReferral.Median), days(a.DaysToReferral.Median)},
		{"90th percentile days from joining to referral", days(b.DaysToReferral.P90), days(a.DaysToReferral.P90)},
		{"median days from joining to move-in", days(b.DaysToMoveIn.Median), days(a.DaysToMoveIn.Median)},
		{"90th percentile days from joining to move-in", days(b.DaysToMoveIn.P90), days(a.DaysToMoveIn.P90)},
	}
}

// suppressedText stands for a figure hidden because it counts fewer than five people.
const suppressedText = "fewer than 5"

// groupFigures are a group's figures side by side.
func groupFigures(b, a policylab.GroupOutcomes) []labFigure {
	n := func(x *int) string {
		if x == nil {
			return suppressedText
		}
		return fmt.Sprint(*x)
	}
	d := func(s policylab.Stat, people *int) string {
		if s.Median == nil && people != nil && *people > 0 {
			return suppressedText
		}
		return days(s.Median)
	}
	return []labFigure{
		{"people", n(b.People), n(a.People)},
		{"referred", n(b.Referred), n(a.Referred)},
		{"moved in", n(b.MoveIns), n(a.MoveIns)},
		{"still waiting", n(b.StillWaiting), n(a.StillWaiting)},
		{"median days to referral", d(b.DaysToReferral, b.Referred), d(a.DaysToReferral, a.Referred)},
		{"median days to move-in", d(b.DaysToMoveIn, b.MoveIns), d(a.DaysToMoveIn, a.MoveIns)},
	}
}

func days(d *float64) string {
	if d == nil {
		return ""
	}
	return fmt.Sprintf("%.1f", *d)
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
