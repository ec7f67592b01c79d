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
