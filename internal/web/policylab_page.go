package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/policylab"
)

// policyLabDays is the default period: the last six months, up to yesterday.
const policyLabDays = 182

// criterionRow is one line of the candidate scheme's form: the factor at that place, if any.
type criterionRow struct {
	N         int
	Factor    cas.Factor
	Ascending bool
}

// pairBar is one row of a side-by-side chart: the scheme in force's bar above the candidate's.
type pairBar struct {
	Label                        string
	LabelY, BaseY, AltY          int
	BaseW, AltW, BaseX, AltX     float64
	BaseValue, AltValue          string
	BaseValueY, AltValueY, Thick int
}

// pairChart is a horizontal bar chart comparing the two schemes, row by row.
type pairChart struct {
	ID, Title string
	Height    int
	Bars      []pairBar
}

// Side-by-side chart geometry, in the SVG's own units.
const (
	pairRow   = 52
	pairBarH  = 14
	pairSpace = 470
)

// pairChartOf draws rows of two values; a nil value is drawn as no bar, with its words.
func pairChartOf(id, title string, rows []pairValues) pairChart {
	c := pairChart{ID: id, Title: title, Height: len(rows)*pairRow + 4}
	longest := 0.0
	for _, r := range rows {
		for _, v := range []*float64{r.base, r.alt} {
			if v != nil && *v > longest {
				longest = *v
			}
		}
	}
	width := func(v *float64) float64 {
		if v == nil || longest == 0 {
			return 0
		}
		return pairSpace * *v / longest
	}
	for i, r := range rows {
		y := i * pairRow
		b := pairBar{Label: r.label, LabelY: y + 13, BaseY: y + 18, AltY: y + 34, Thick: pairBarH, BaseW: width(r.base), AltW: width(r.alt),
			BaseValue: "in force: " + r.baseText, AltValue: "candidate: " + r.altText, BaseValueY: y + 30, AltValueY: y + 46}
		b.BaseX, b.AltX = b.BaseW+6, b.AltW+6
		c.Bars = append(c.Bars, b)
	}
	return c
}

type pairValues struct {
	label             string
	base, alt         *float64
	baseText, altText string
}

// groupSection is one dimension of the equity comparison: a chart of who was referred, and the
// table of every figure.
type groupSection struct {
	Dimension, Title string
	Chart            pairChart
	Groups           []string
	Figures          [][]labFigure // by group
}

type policyLabPageView struct {
	From, To string
	Criteria []criterionRow
	Factors  []cas.Factor
	Ran      bool
	Report   policylab.Report
	Fidelity string
	// BaseCriteria and AltCriteria are the two schemes in words.
	BaseCriteria, AltCriteria string
	Figures                   []labFigure
	Declines                  []labFigure
	Wait                      pairChart
	Groups                    []groupSection
	Changed                   []changedRow
	CSV                       template.URL // the query that downloads the same comparison
}

type changedRow struct {
	policylab.Change
	Words, Days string
}

var dimensionTitles = map[string]string{"race": "Race", "ethnicity": "Ethnicity", "gender": "Gender", "household_type": "Household type",
	"veteran": "Veteran status", "chronic": "Chronic homelessness"}

// policyLabPage shows the candidate scheme's form and, once a period is asked for, both schemes'
// outcomes side by side.
func (s *Server) policyLabPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	today := cas.DateOf(s.db.Now(), s.db.Zone)
	v := policyLabPageView{From: string(today.AddDays(-policyLabDays)), To: string(today.AddDays(-1)), Factors: cas.Factors}
	if !q.Has("from") {
		scheme, err := s.db.PriorityScheme(r.Context())
		if err != nil {
			return err
		}
		v.Criteria = formRows(scheme.Criteria)
		return s.render(w, r, http.StatusOK, "report_policy_lab", "Policy lab", view{Data: v})
	}
	v.From, v.To = q.Get("from"), q.Get("to")
	criteria, rows := criteriaOfForm(q)
	v.Criteria = formRows(nil)
	for _, row := range rows {
		v.Criteria[row.N-1] = row
	}
	report, err := s.db.PolicyLab(r.Context(), actor(r), cas.Date(v.From), cas.Date(v.To), criteria)
	if errs, ok := formError(err); ok {
		return s.render(w, r, http.StatusBadRequest, "report_policy_lab", "Policy lab", view{Errors: formFieldsOf(errs, rows), Data: v})
	}
	if err != nil {
		return err
	}
	v.Ran, v.Report, v.CSV = true, report, template.URL(q.Encode())
	v.fill()
	return s.render(w, r, http.StatusOK, "report_policy_lab", "Policy lab", view{Data: v})
}

// policyLabCSVPage downloads the comparison the page shows.
func (s *Server) policyLabCSVPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	criteria, _ := criteriaOfForm(q)
	report, err := s.db.PolicyLab(r.Context(), actor(r), cas.Date(q.Get("from")), cas.Date(q.Get("to")), criteria)
	if err != nil {
		return err
	}
	return writeCSV(w, fmt.Sprintf("policy-lab_%s_%s.csv", report.From, report.To), policyLabCSV(report))
}

// formRows gives the form's lines, one per factor a scheme may have, the criteria first.
func formRows(criteria []cas.Criterion) []criterionRow {
	rows := make([]criterionRow, len(cas.Factors))
	for i := range rows {
		rows[i].N = i + 1
		if i < len(criteria) {
			rows[i].Factor, rows[i].Ascending = criteria[i].Factor, criteria[i].Ascending
		}
	}
	return rows
}

// criteriaOfForm reads the candidate scheme: factor_N and order_N for each line, blank lines
// skipped; rows are the lines that name a factor, in order.
func criteriaOfForm(q url.Values) ([]cas.Criterion, []criterionRow) {
	var criteria []cas.Criterion
	var rows []criterionRow
	for n := 1; n <= len(cas.Factors); n++ {
		f := strings.TrimSpace(q.Get("factor_" + strconv.Itoa(n)))
		if f == "" {
			continue
		}
		c := cas.Criterion{Factor: cas.Factor(f), Ascending: q.Get("order_"+strconv.Itoa(n)) == "ascending"}
		criteria = append(criteria, c)
		rows = append(rows, criterionRow{N: n, Factor: c.Factor, Ascending: c.Ascending})
	}
	return criteria, rows
}

// formFieldsOf names a refusal's field as the form does: criteria[i].factor is the line of the
// i-th criterion given.
func formFieldsOf(errs map[string]string, rows []criterionRow) map[string]string {
	out := map[string]string{}
	for field, msg := range errs {
		switch {
		case field == "criteria":
			field = "factor_1"
		case strings.HasPrefix(field, "criteria["):
			i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(field, "criteria["), "].factor"))
			if i < len(rows) {
				field = "factor_" + strconv.Itoa(rows[i].N)
			}
		}
		out[field] = msg
	}
	return out
}

// fill lays out the report for the page.
func (v *policyLabPageView) fill() {
	r := &v.Report
	v.Fidelity = "not measured: the engine made no referral in the period"
	if r.Fidelity != nil {
		v.Fidelity = fmt.Sprintf("%.1f%% (%d of the engine's %d referrals made again)", *r.Fidelity*100, r.Reproduced, r.EngineReferrals)
	}
	v.BaseCriteria, v.AltCriteria = policylab.CriteriaText(r.Baseline.Criteria), policylab.CriteriaText(r.Alternative.Criteria)
	v.Figures = labFigures(r.Baseline.Figures, r.Alternative.Figures)
	for _, reason := range policylab.DeclineReasons(*r) {
		v.Declines = append(v.Declines, labFigure{reason, fmt.Sprint(policylab.Declined(r.Baseline, reason)),
			fmt.Sprint(policylab.Declined(r.Alternative, reason))})
	}
	var wait []pairValues
	for i, b := range r.Baseline.WaitToReferral {
		base, alt := float64(b.Count), float64(r.Alternative.WaitToReferral[i].Count)
		wait = append(wait, pairValues{label: b.Label, base: &base, alt: &alt, baseText: fmt.Sprint(b.Count),
			altText: fmt.Sprint(r.Alternative.WaitToReferral[i].Count)})
	}
	v.Wait = pairChartOf("wait", "People referred, by days from joining the HPL to referral", wait)
	for _, dim := range policylab.Dimensions {
		sec := groupSection{Dimension: dim, Title: dimensionTitles[dim]}
		var bars []pairValues
		for i, g := range r.Baseline.ByGroup {
			if g.Dimension != dim {
				continue
			}
			ag := r.Alternative.ByGroup[i]
			sec.Groups = append(sec.Groups, g.Group)
			sec.Figures = append(sec.Figures, groupFigures(g, ag))
			bars = append(bars, pairValues{label: g.Group, base: countOf(g.Referred), alt: countOf(ag.Referred),
				baseText: countWords(g.Referred), altText: countWords(ag.Referred)})
		}
		sec.Chart = pairChartOf("group-"+dim, sec.Title+": people referred", bars)
		v.Groups = append(v.Groups, sec)
	}
	for _, c := range r.Changed {
		row := changedRow{Change: c, Words: policylab.ChangeText(c.Change)}
		if c.Days != nil {
			row.Days = fmt.Sprintf("%+.1f", *c.Days)
		}
		v.Changed = append(v.Changed, row)
	}
}

func countOf(n *int) *float64 {
	if n == nil {
		return nil
	}
	f := float64(*n)
	return &f
}

func countWords(n *int) string {
	if n == nil {
		return suppressedText
	}
	return fmt.Sprint(*n)
}
