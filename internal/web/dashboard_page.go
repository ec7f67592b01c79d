package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/report"
)

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
