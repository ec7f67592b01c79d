package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// Bounds of a metrics window.
const (
	defaultMetricsDays = 90
	maxMetricsYears    = 3
)

// metricsWindow is the window a request asks for: whole CoC calendar days, from and to both
// included.
type metricsWindow struct {
	From, To   cas.Date
	start, end time.Time // [start of From, start of the day after To) in the CoC's time zone
}

// metricsWindowOf reads from and to (YYYY-MM-DD) from the query; by default the last 90 days,
// today included. From may not come after to, and the window may span at most three years.
func (s *Server) metricsWindowOf(r *http.Request) (metricsWindow, error) {
	q := r.URL.Query()
	today := cas.DateOf(s.db.Now(), s.db.Zone)
	w := metricsWindow{From: today.AddDays(-(defaultMetricsDays - 1)), To: today}
	var err error
	if v := q.Get("to"); v != "" {
		if w.To, err = cas.ParseDate("to", v); err != nil {
			return w, err
		}
		if q.Get("from") == "" {
			w.From = w.To.AddDays(-(defaultMetricsDays - 1))
		}
	}
	if v := q.Get("from"); v != "" {
		if w.From, err = cas.ParseDate("from", v); err != nil {
			return w, err
		}
	}
	if w.From > w.To {
		return w, cas.Invalid("from", "from (%s) must be on or before to (%s)", w.From, w.To)
	}
	w.start, w.end = w.From.Start(s.db.Zone), w.To.AddDays(1).Start(s.db.Zone)
	if w.end.After(w.start.AddDate(maxMetricsYears, 0, 0)) {
		return w, cas.Invalid("from", "the window may span at most %d years: from %s to %s is longer", maxMetricsYears, w.From, w.To)
	}
	return w, nil
}

// dashboardMetrics computes the dashboards' figures for the window the request asks for, over the rows
// the signed-in user may see.
func (s *Server) dashboardMetrics(r *http.Request) (metricsWindow, report.Metrics, error) {
	w, err := s.metricsWindowOf(r)
	if err != nil {
		return w, report.Metrics{}, err
	}
	in, err := s.db.MetricsInputs(r.Context(), actor(r), w.start, w.end)
	if err != nil {
		return w, report.Metrics{}, err
	}
	return w, report.ComputeMetrics(in), nil
}

// figureOf returns the figure the query's figure parameter names.
func figureOf(m report.Metrics, name string) (report.Figure, error) {
	if f, ok := m.Figure(name); ok {
		return f, nil
	}
	if name == "" {
		return report.Figure{}, cas.Invalid("figure", "figure is required: one of %s", strings.Join(report.FigureNames, ", "))
	}
	return report.Figure{}, cas.Invalid("figure", "unknown figure %q: want one of %s", name, strings.Join(report.FigureNames, ", "))
}

type metricsColumnJSON struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Unit  string `json:"unit"`
}

type metricsFigureJSON struct {
	Name        string              `json:"name"`
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Columns     []metricsColumnJSON `json:"columns"`
	Rows        [][]report.Cell     `json:"rows"`
}

type metricsHeadlineJSON struct {
	VacancyMedianDays      report.Cell `json:"vacancy_median_days"`
	VacanciesEnded         int         `json:"vacancies_ended"`
	WaitMedianDays         report.Cell `json:"wait_median_days"`
	MovedIn                int         `json:"moved_in"`
	StillWaitingMedianDays report.Cell `json:"still_waiting_median_days"`
	StillWaiting           *int        `json:"still_waiting"`
}

type metricsJSON struct {
	From         cas.Date            `json:"from"`
	To           cas.Date            `json:"to"`
	CountedUntil time.Time           `json:"counted_until"`
	Headline     metricsHeadlineJSON `json:"headline"`
	Figures      []metricsFigureJSON `json:"figures"`
}

func figureOut(f report.Figure) metricsFigureJSON {
	out := metricsFigureJSON{Name: f.Name, Title: f.Title, Description: f.About, Columns: make([]metricsColumnJSON, len(f.Columns)), Rows: f.Rows}
	for i, c := range f.Columns {
		out.Columns[i] = metricsColumnJSON{Name: c.Name, Title: c.Title, Unit: c.Unit}
	}
	if out.Rows == nil {
		out.Rows = [][]report.Cell{}
	}
	return out
}

// metricsReport answers the dashboards' figures for a window (from, to): all of them as JSON, or
// with figure=NAME only that one, and with format=csv that one as a CSV download.
func (s *Server) metricsReport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return cas.Invalid("format", "format must be json or csv")
	}
	win, m, err := s.dashboardMetrics(r)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("figure")
	if format == "csv" || name != "" {
		f, err := figureOf(m, name)
		if err != nil {
			return err
		}
		if format == "csv" {
			return writeFigureCSV(w, win, f)
		}
		m.Figures = []report.Figure{f}
	}
	out := metricsJSON{From: win.From, To: win.To, CountedUntil: m.End, Figures: make([]metricsFigureJSON, 0, len(m.Figures)),
		Headline: metricsHeadlineJSON{VacancyMedianDays: m.Headline.VacancyMedianDays, VacanciesEnded: m.Headline.VacanciesEnded,
			WaitMedianDays: m.Headline.WaitMedianDays, MovedIn: m.Headline.MovedIn, StillWaitingMedianDays: m.Headline.StillWaitingMedianDays}}
	if m.Headline.WholeList {
		out.Headline.StillWaiting = &m.Headline.StillWaiting
	}
	for _, f := range m.Figures {
		out.Figures = append(out.Figures, figureOut(f))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// writeFigureCSV sends one figure as a CSV download named for the figure and the window: a header
// of the column names, then a line per row.
func writeFigureCSV(w http.ResponseWriter, win metricsWindow, f report.Figure) error {
	rows := [][]string{make([]string, len(f.Columns))}
	for i, c := range f.Columns {
		rows[0][i] = c.Name
	}
	for _, row := range f.Rows {
		line := make([]string, len(row))
		for i, c := range row {
			line[i] = c.String()
		}
		rows = append(rows, line)
	}
	return writeCSV(w, fmt.Sprintf("%s_%s_%s.csv", f.Name, win.From, win.To), rows)
}

// dashboardCSV is a figure's CSV download for the dashboard page.
func (s *Server) dashboardCSV(w http.ResponseWriter, r *http.Request) error {
	win, m, err := s.dashboardMetrics(r)
	if err != nil {
		return err
	}
	f, err := figureOf(m, r.URL.Query().Get("figure"))
	if err != nil {
		return err
	}
	return writeFigureCSV(w, win, f)
}

// Chart geometry, in the SVG's own units: a label line, then the bar with its value after it.
const (
	chartWidth     = 640
	chartBarSpace  = 520 // the longest bar; the rest is room for its value
	chartRow       = 40
	chartBarHeight = 16
)

// chartBarView is one bar of a chart, placed: its label above it, its value after it.
type chartBarView struct {
	Label, Value                 string
	LabelY, BarY, ValueY, Height int
	Width, ValueX                float64
	// Empty says there is nothing to draw: no value to measure.
	Empty bool
}

// figureView is a figure as the dashboard shows it: a horizontal bar chart of one column, and the
// table.
type figureView struct {
	report.Figure
	ChartTitle string
	Bars       []chartBarView
	Height     int
	Header     []string
	Lines      [][]string
	// Numeric says which columns hold numbers, to align them right.
	Numeric []bool
}

// withUnit writes a chart value with its column's unit: "12.5 days", "61.5%", "3".
func withUnit(c report.Cell, unit string) string {
	switch {
	case c.Kind != report.CellNumber:
		return "no data"
	case unit == "%":
		return c.String() + "%"
	case unit != "":
		return c.String() + " " + unit
	}
	return c.String()
}

func chartOf(f report.Figure) figureView {
	v := figureView{Figure: f, Header: make([]string, len(f.Columns)), Numeric: make([]bool, len(f.Columns))}
	col := f.Columns[f.ChartColumn]
	v.ChartTitle = f.Title + ": " + strings.ToLower(col.Title)
	if col.Unit != "" {
		v.ChartTitle += " (" + col.Unit + ")"
	}
	for i, c := range f.Columns {
		v.Header[i] = c.Title
		if c.Unit != "" {
			v.Header[i] += " (" + c.Unit + ")"
		}
	}
	longest := 0.0
	for _, row := range f.Rows {
		if c := row[f.ChartColumn]; c.Kind == report.CellNumber && c.Number > longest {
			longest = c.Number
		}
	}
	for i, row := range f.Rows {
		cells := make([]string, len(row))
		for j, c := range row {
			cells[j] = c.String()
			if c.Kind == report.CellNumber {
				v.Numeric[j] = true
			}
		}
		v.Lines = append(v.Lines, cells)
		c := row[f.ChartColumn]
		b := chartBarView{Label: row[0].String(), Value: withUnit(c, col.Unit), LabelY: i*chartRow + 13, BarY: i*chartRow + 18,
			ValueY: i*chartRow + 31, Height: chartBarHeight, Empty: c.Kind != report.CellNumber}
		if !b.Empty && longest > 0 {
			b.Width = chartBarSpace * c.Number / longest
		}
		b.ValueX = b.Width + 6
		v.Bars = append(v.Bars, b)
	}
	v.Height = len(f.Rows)*chartRow + 4
	return v
}

// dashboardView is the dashboard page's data.
type dashboardView struct {
	Window   metricsWindow
	End      time.Time
	Headline report.Headline
	Figures  []figureView
	// Vacancy, Wait and StillWaiting are the headline answers in words.
	Vacancy, Wait, StillWaiting string
}

// daysWords writes a number of days for a sentence: "12 days", "12.5 days", "1 day".
func daysWords(c report.Cell) string {
	s := strings.TrimSuffix(c.String(), ".0")
	if s == "1" {
		return "1 day"
	}
	return s + " days"
}

// headlineWords are the dashboards' two answers: how long units sit empty, how long people wait.
func headlineWords(h report.Headline) (vacancy, wait, still string) {
	vacancy = "No vacancy ended in this window."
	if h.VacanciesEnded > 0 {
		vacancy = fmt.Sprintf("Units sit empty a median of %s (%s ended in this window).", daysWords(h.VacancyMedianDays),
			report.Count(h.VacanciesEnded, "vacancy", "vacancies"))
	}
	wait = "No one moved in during this window."
	if h.MovedIn > 0 {
		wait = fmt.Sprintf("People wait a median of %s from HPL entry to move-in (%s moved in during this window).",
			daysWords(h.WaitMedianDays), report.Count(h.MovedIn, "person", "people"))
	}
	switch {
	case !h.WholeList:
		still = "The HPL is the CoC's list: CAS staff see who is still waiting on it."
	case h.StillWaiting == 0:
		still = "No one was waiting on the HPL at the end of this window."
	default:
		still = fmt.Sprintf("%s still waiting on the HPL at the end of this window, a median of %s so far.",
			report.Count(h.StillWaiting, "person was", "people were"), daysWords(h.StillWaitingMedianDays))
	}
	return vacancy, wait, still
}

// dashboardPage shows the dashboards for a window: the two headline answers, then each figure as a
// bar chart over its table, with its CSV download. Agency users see their agency's rows only.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	win, m, err := s.dashboardMetrics(r)
	if errs, ok := formError(err); ok {
		return s.render(w, r, http.StatusBadRequest, "dashboard_charts", "Dashboards", view{Errors: errs, Form: r.URL.Query(),
			Data: dashboardView{Window: win}})
	}
	if err != nil {
		return err
	}
	v := dashboardView{Window: win, End: m.End, Headline: m.Headline}
	v.Vacancy, v.Wait, v.StillWaiting = headlineWords(m.Headline)
	for _, f := range m.Figures {
		v.Figures = append(v.Figures, chartOf(f))
	}
	return s.render(w, r, http.StatusOK, "dashboard_charts", "Dashboards", view{Form: r.URL.Query(), Data: v})
}
