package report

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// The dashboards' metrics answer two questions at a glance: how long do units sit empty, and how
// long do people wait. Every figure is a small table, so that the API, the CSV download and the
// charts show the same numbers.
//
// The window is [From, To), counted up to Now at the latest: what has not happened yet is not
// counted, so a window that ends today ends at Now. That moment is End. A referral's state, a
// unit's vacancy and a client's place on the list are taken as they stood at End.
//
// Durations are in days (24 hours), with one decimal. Medians are the middle value, or the mean
// of the two middle values when there is an even number of them. The 90th percentile is the
// nearest-rank one: of n values sorted from the smallest, the ⌈0.9·n⌉-th (counting from 1), so
// that at least 90% of the values are no greater than it and it is always a value that occurred.
// A median, percentile, mean or rate of nothing (no spells, no referrals) is empty, never zero:
// zero days would claim something happened at once.

// MetricsProgram is a program as the dashboards name it.
type MetricsProgram struct {
	ID, Name, AgencyName string
}

// Interval is a span a unit was busy: occupied, reserved or offline, from Start until End; End is
// nil while the interval is still open.
type Interval struct {
	Start time.Time
	End   *time.Time
}

// MetricsUnit is a unit with every interval it was busy. It exists from CreatedAt, and is vacant
// whenever it exists and no interval covers it.
type MetricsUnit struct {
	ID, ProgramID string
	CreatedAt     time.Time
	Busy          []Interval
}

// MetricsReferral is a referral's history as the metrics read it. Status is the referral's status
// at Now; AcceptedAt and ClosedAt say when it got there, so its state at any earlier moment is known.
type MetricsReferral struct {
	ID, ProgramID, ClientID string
	Status                  cas.ReferralStatus
	ReasonCode              cas.DeclineReason // when declined
	CreatedAt               time.Time
	// AcceptedAt is when the agency accepted it; nil if it never did.
	AcceptedAt *time.Time
	// ClosedAt is when it was moved in, declined, withdrawn or expired; nil while it is open.
	ClosedAt *time.Time
	// HPLAddedAt is when the client's HPL entry was made: the start of their wait.
	HPLAddedAt time.Time
}

// MetricsHPLEntry is a client's time on the Housing Priority List.
type MetricsHPLEntry struct {
	ClientID string
	AddedAt  time.Time
	// LeftAt is when the client was housed or removed from the list; nil while on it.
	LeftAt *time.Time
}

// MetricsClient is a client as the equity review groups them, and nothing more.
type MetricsClient struct {
	ID                           string
	HouseholdType                cas.HouseholdType
	Race, Ethnicity, Gender, Sex string
}

// MetricsClientOf keeps of a client only their groups for the equity review.
func MetricsClientOf(c cas.Client) MetricsClient {
	return MetricsClient{ID: c.ID, HouseholdType: c.HouseholdType, Race: c.RaceGroup(), Ethnicity: c.EthnicityGroup(),
		Gender: c.GenderGroup(), Sex: c.SexGroup()}
}

// MetricsInputs is everything the store gathers for the metrics of a window.
type MetricsInputs struct {
	From, To, Now time.Time
	Programs      []MetricsProgram
	Units         []MetricsUnit
	Referrals     []MetricsReferral
	HPL           []MetricsHPLEntry
	Clients       []MetricsClient
	// WholeList says HPL is the CoC's whole list. An agency user sees only the referrals to their
	// agency, not the list, so for them the figures about people still waiting are left empty.
	WholeList bool
}

// CellKind says what a Cell holds.
type CellKind int

const (
	CellEmpty  CellKind = iota // nothing to measure
	CellText                   // a label
	CellNumber                 // a count, days or a percentage
)

// Cell is one value of a figure: a label, a number, or empty when there is nothing to measure.
type Cell struct {
	Kind   CellKind
	Text   string
	Number float64
	// Decimals is how many decimals the number is rounded to and written with.
	Decimals int
}

func text(s string) Cell { return Cell{Kind: CellText, Text: s} }
func count(n int) Cell   { return Cell{Kind: CellNumber, Number: float64(n)} }
func tenths(x float64) Cell {
	return Cell{Kind: CellNumber, Number: math.Round(x*10) / 10, Decimals: 1}
}

// percent is 100·part/whole, or empty when whole is zero.
func percent(part, whole float64) Cell {
	if whole == 0 {
		return Cell{}
	}
	return tenths(100 * part / whole)
}

// String writes the cell as the CSV and the page show it: the text, the number with its decimals,
// or nothing.
func (c Cell) String() string {
	switch c.Kind {
	case CellText:
		return c.Text
	case CellNumber:
		return strconv.FormatFloat(c.Number, 'f', c.Decimals, 64)
	}
	return ""
}

// MarshalJSON writes a label as a string, a number as a number and an empty cell as null.
func (c Cell) MarshalJSON() ([]byte, error) {
	switch c.Kind {
	case CellText:
		return json.Marshal(c.Text)
	case CellNumber:
		return []byte(c.String()), nil
	}
	return []byte("null"), nil
}

// Column names a column of a figure: Name for the CSV header and the API, Title for people, and
// the Unit of its numbers ("days", "%"; empty for counts and labels).
type Column struct {
	Name, Title, Unit string
}

// Figure is one table of the dashboards; the first column labels the rows. Its chart draws a bar
// per row: the value of column ChartColumn.
type Figure struct {
	Name, Title string
	// About says in a sentence what the figure counts.
	About       string
	Columns     []Column
	Rows        [][]Cell
	ChartColumn int
}

// The figures' names: the API's figure parameter and the CSV download's file name.
const (
	FigureVacancy             = "vacancy"
	FigureDaysVacant          = "days_vacant"
	FigureFunnel              = "funnel"
	FigureTimeToAcceptance    = "time_to_acceptance"
	FigureTimeToMoveIn        = "time_to_move_in"
	FigureWait                = "wait"
	FigureDeclineReasons      = "decline_reasons"
	FigureEquityRace          = "equity_race"
	FigureEquityEthnicity     = "equity_ethnicity"
	FigureEquityGender        = "equity_gender"
	FigureEquitySex           = "equity_sex"
	FigureEquityHouseholdType = "equity_household_type"
)

// Headline is the two answers the dashboards open with.
type Headline struct {
	// VacancyMedianDays is how long units sat empty: the median length of the vacancies that ended
	// in the window (VacanciesEnded of them).
	VacancyMedianDays Cell
	VacanciesEnded    int
	// WaitMedianDays is how long people waited from HPL entry to move-in, for the MovedIn clients
	// who moved in during the window.
	WaitMedianDays Cell
	MovedIn        int
	// StillWaitingMedianDays is how long the StillWaiting clients on the list at End had waited so
	// far; empty, with StillWaiting zero, when the list was not gathered (agency users).
	StillWaitingMedianDays Cell
	StillWaiting           int
	WholeList              bool
}

// Metrics are the dashboards' figures for a window.
type Metrics struct {
	From, To, End time.Time
	Headline      Headline
	Figures       []Figure
}

// Figure returns the figure of a name.
func (m Metrics) Figure(name string) (Figure, bool) {
	i := slices.IndexFunc(m.Figures, func(f Figure) bool { return f.Name == name })
	if i < 0 {
		return Figure{}, false
	}
	return m.Figures[i], true
}

// FigureNames lists the figures in the order the dashboards show them.
var FigureNames = []string{FigureVacancy, FigureDaysVacant, FigureFunnel, FigureTimeToAcceptance, FigureTimeToMoveIn, FigureWait,
	FigureDeclineReasons, FigureEquityRace, FigureEquityEthnicity, FigureEquityGender, FigureEquitySex, FigureEquityHouseholdType}

// AllPrograms labels the total row of the per-program figures.
const AllPrograms = "All programs"

// window is the span the metrics count, [from, end).
type window struct{ from, end time.Time }

func (w window) has(t time.Time) bool { return !t.Before(w.from) && t.Before(w.end) }

// overlap is how much of [start, end) falls in the window.
func (w window) overlap(start, end time.Time) time.Duration {
	start, end = later(start, w.from), earlier(end, w.end)
	if !end.After(start) {
		return 0
	}
	return end.Sub(start)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func days(d time.Duration) float64 { return d.Hours() / 24 }

// ComputeMetrics computes every figure of the dashboards for the window of in.
func ComputeMetrics(in MetricsInputs) Metrics {
	end := later(in.From, earlier(in.To, in.Now))
	w := window{from: in.From, end: end}
	programs := slices.Clone(in.Programs)
	slices.SortStableFunc(programs, func(a, b MetricsProgram) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })

	vacancy, daysVacant, vacancies := vacancyFigures(w, programs, in.Units)
	acceptance, moveIn := timeFigures(w, programs, in.Referrals)
	wait, moved, waiting := waitFigure(w, in)
	m := Metrics{From: in.From, To: in.To, End: end,
		Figures: []Figure{vacancy, daysVacant, funnelFigure(w, in.Referrals), acceptance, moveIn, wait, declineFigure(w, in.Referrals)}}
	m.Figures = append(m.Figures, equityFigures(w, in)...)
	m.Headline = Headline{VacancyMedianDays: median(vacancies), VacanciesEnded: len(vacancies), WaitMedianDays: median(moved),
		MovedIn: len(moved), WholeList: in.WholeList}
	if in.WholeList {
		m.Headline.StillWaitingMedianDays, m.Headline.StillWaiting = median(waiting), len(waiting)
	}
	return m
}

// spell is a stretch a unit stood vacant; open says it was still vacant at the window's end.
type spell struct {
	start, end time.Time
	open       bool
}

// vacantSpells lists a unit's vacancies from its creation to end: the gaps between the intervals
// it was busy. Overlapping intervals (a reservation converted into a stay) count once.
func vacantSpells(u MetricsUnit, end time.Time) []spell {
	busy := slices.Clone(u.Busy)
	slices.SortFunc(busy, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	var spells []spell
	free := u.CreatedAt // the unit is vacant from here unless an interval covers it
	for _, b := range busy {
		if !b.Start.Before(end) || !free.Before(end) {
			break
		}
		if b.Start.After(free) {
			spells = append(spells, spell{start: free, end: b.Start})
		}
		if b.End == nil {
			free = end
			break
		}
		free = later(free, *b.End)
	}
	if free.Before(end) {
		spells = append(spells, spell{start: free, end: end, open: true})
	}
	return spells
}

// vacancyFigures computes, per program and for all, the unit-days in the window and how many of
// them were vacant; and the vacancies that ended in the window (their whole length, even the part
// before it) and those still open at its end (their age). It also returns the lengths of all the
// vacancies that ended, in days.
func vacancyFigures(w window, programs []MetricsProgram, units []MetricsUnit) (Figure, Figure, []float64) {
	type tally struct {
		units              int
		unitDays, vacant   float64
		ended, stillVacant []float64
	}
	by := map[string]*tally{}
	for _, p := range programs {
		by[p.ID] = &tally{}
	}
	all := &tally{}
	for _, u := range units {
		if !u.CreatedAt.Before(w.end) {
			continue
		}
		add := func(f func(*tally)) {
			f(all)
			if t, ok := by[u.ProgramID]; ok {
				f(t)
			}
		}
		add(func(t *tally) { t.units++; t.unitDays += days(w.overlap(u.CreatedAt, w.end)) })
		for _, s := range vacantSpells(u, w.end) {
			add(func(t *tally) { t.vacant += days(w.overlap(s.start, s.end)) })
			switch {
			case s.open:
				add(func(t *tally) { t.stillVacant = append(t.stillVacant, days(s.end.Sub(s.start))) })
			case w.has(s.end):
				add(func(t *tally) { t.ended = append(t.ended, days(s.end.Sub(s.start))) })
			}
		}
	}
	vacancy := Figure{Name: FigureVacancy, Title: "Vacancy by program", ChartColumn: 4,
		About: "Unit-days in the window and how many of them units stood vacant: existing, and not occupied, reserved or offline.",
		Columns: []Column{{"program", "Program", ""}, {"units", "Units", ""}, {"unit_days", "Unit-days", "days"},
			{"vacant_unit_days", "Vacant unit-days", "days"}, {"vacancy_rate", "Vacancy rate", "%"}}}
	daysVacant := Figure{Name: FigureDaysVacant, Title: "How long units sit empty", ChartColumn: 2,
		About: "Vacancies that ended in the window (by a move-in, a reservation or going offline), over their whole length, " +
			"and vacancies still open at the end of the window, by their age.",
		Columns: []Column{{"program", "Program", ""}, {"vacancies_ended", "Vacancies ended", ""}, {"median_days", "Median", "days"},
			{"mean_days", "Mean", "days"}, {"still_vacant", "Still vacant", ""}, {"still_vacant_median_days", "Median age of those still vacant", "days"}}}
	row := func(label string, t *tally) {
		vacancy.Rows = append(vacancy.Rows, []Cell{text(label), count(t.units), tenths(t.unitDays), tenths(t.vacant), percent(t.vacant, t.unitDays)})
		daysVacant.Rows = append(daysVacant.Rows, []Cell{text(label), count(len(t.ended)), median(t.ended), mean(t.ended),
			count(len(t.stillVacant)), median(t.stillVacant)})
	}
	for _, p := range programs {
		row(p.Name, by[p.ID])
	}
	row(AllPrograms, all)
	return vacancy, daysVacant, all.ended
}

// stateAt is the referral's status at a moment, read from when it was accepted and closed.
func (r MetricsReferral) stateAt(t time.Time) cas.ReferralStatus {
	switch {
	case r.ClosedAt != nil && r.ClosedAt.Before(t):
		return r.Status
	case r.AcceptedAt != nil && r.AcceptedAt.Before(t):
		return cas.ReferralAccepted
	}
	return cas.ReferralPending
}

// acceptedBy reports whether the agency had accepted the referral before t, whatever came after.
func (r MetricsReferral) acceptedBy(t time.Time) bool {
	return r.AcceptedAt != nil && r.AcceptedAt.Before(t)
}

// movedIn returns when the client moved in, if they did.
func (r MetricsReferral) movedIn() (time.Time, bool) {
	if r.Status != cas.ReferralHoused || r.ClosedAt == nil {
		return time.Time{}, false
	}
	return *r.ClosedAt, true
}

// outcomes counts what became, by the window's end, of referrals made in the window.
type outcomes struct {
	made, accepted, movedIn, declined, declinedByClient, declinedByProvider, expired, withdrawn, open int
}

func (o *outcomes) add(r MetricsReferral, end time.Time) {
	o.made++
	if r.acceptedBy(end) {
		o.accepted++
	}
	switch r.stateAt(end) {
	case cas.ReferralHoused:
		o.movedIn++
	case cas.ReferralDeclined:
		o.declined++
		rule, _ := cas.DeclineRuleOf(r.ReasonCode)
		switch rule.Result {
		case cas.ResultClientRejected:
			o.declinedByClient++
		case cas.ResultProviderRejected:
			o.declinedByProvider++
		}
	case cas.ReferralExpired:
		o.expired++
	case cas.ReferralWithdrawn:
		o.withdrawn++
	default:
		o.open++
	}
}

// funnelFigure follows the referrals made in the window to where they stood at its end. Accepted
// counts every referral the agency accepted, whatever came after; the other stages share the
// referrals out, so moved in, declined, expired, withdrawn and still open add up to made.
func funnelFigure(w window, referrals []MetricsReferral) Figure {
	var o outcomes
	for _, r := range referrals {
		if w.has(r.CreatedAt) {
			o.add(r, w.end)
		}
	}
	f := Figure{Name: FigureFunnel, Title: "Referral funnel", ChartColumn: 1,
		About: "Referrals made in the window and where they stood at its end; accepted counts every referral the agency accepted, " +
			"whatever came after.",
		Columns: []Column{{"stage", "Stage", ""}, {"referrals", "Referrals", ""}, {"percent_of_made", "Share of referrals made", "%"}}}
	for _, st := range []struct {
		label string
		n     int
	}{{"Made", o.made}, {"Accepted", o.accepted}, {"Moved in", o.movedIn}, {"Declined", o.declined}, {"Expired", o.expired},
		{"Withdrawn", o.withdrawn}, {"Still open", o.open}} {
		f.Rows = append(f.Rows, []Cell{text(st.label), count(st.n), percent(float64(st.n), float64(o.made))})
	}
	return f
}

// timeFigures measures, per program and for all, the days from referral to acceptance for the
// referrals accepted in the window, and from referral to move-in for those moved in during it.
func timeFigures(w window, programs []MetricsProgram, referrals []MetricsReferral) (Figure, Figure) {
	toAccept, toMoveIn := map[string][]float64{}, map[string][]float64{}
	for _, r := range referrals {
		if r.AcceptedAt != nil && w.has(*r.AcceptedAt) {
			d := days(r.AcceptedAt.Sub(r.CreatedAt))
			toAccept[r.ProgramID], toAccept[""] = append(toAccept[r.ProgramID], d), append(toAccept[""], d)
		}
		if at, ok := r.movedIn(); ok && w.has(at) {
			d := days(at.Sub(r.CreatedAt))
			toMoveIn[r.ProgramID], toMoveIn[""] = append(toMoveIn[r.ProgramID], d), append(toMoveIn[""], d)
		}
	}
	figure := func(name, title, about string, values map[string][]float64) Figure {
		f := Figure{Name: name, Title: title, About: about, ChartColumn: 2,
			Columns: []Column{{"program", "Program", ""}, {"referrals", "Referrals", ""}, {"median_days", "Median", "days"},
				{"p90_days", "90th percentile", "days"}, {"mean_days", "Mean", "days"}}}
		row := func(label string, xs []float64) {
			f.Rows = append(f.Rows, []Cell{text(label), count(len(xs)), median(xs), nearestRank(xs, 90), mean(xs)})
		}
		for _, p := range programs {
			row(p.Name, values[p.ID])
		}
		row(AllPrograms, values[""])
		return f
	}
	return figure(FigureTimeToAcceptance, "Days from referral to acceptance", "Referrals the agency accepted in the window.", toAccept),
		figure(FigureTimeToMoveIn, "Days from referral to move-in", "Referrals whose client moved in during the window.", toMoveIn)
}

// waiting lists the days each client on the list at the window's end had waited so far.
func waiting(w window, hpl []MetricsHPLEntry) map[string]float64 {
	waited := map[string]float64{}
	for _, e := range hpl {
		if e.AddedAt.Before(w.end) && (e.LeftAt == nil || !e.LeftAt.Before(w.end)) {
			waited[e.ClientID] = days(w.end.Sub(e.AddedAt))
		}
	}
	return waited
}

// waitFigure measures how long people wait: from HPL entry to move-in for those who moved in
// during the window, and so far for those still on the list at its end (left empty when the list
// was not gathered). It also returns both sets of days.
func waitFigure(w window, in MetricsInputs) (Figure, []float64, []float64) {
	var moved, still []float64
	for _, r := range in.Referrals {
		if at, ok := r.movedIn(); ok && w.has(at) {
			moved = append(moved, days(at.Sub(r.HPLAddedAt)))
		}
	}
	for _, d := range waiting(w, in.HPL) {
		still = append(still, d)
	}
	f := Figure{Name: FigureWait, Title: "How long people wait", ChartColumn: 2,
		About: "Days from the day a client was added to the HPL to their move-in, for those who moved in during the window; " +
			"and days on the list so far for those still waiting at its end.",
		Columns: []Column{{"wait", "Wait", ""}, {"people", "People", ""}, {"median_days", "Median", "days"}, {"p90_days", "90th percentile", "days"}},
		Rows:    [][]Cell{{text("HPL entry to move-in"), count(len(moved)), median(moved), nearestRank(moved, 90)}}}
	stillRow := []Cell{text("Still waiting on the HPL"), {}, {}, {}}
	if in.WholeList {
		stillRow = []Cell{stillRow[0], count(len(still)), median(still), nearestRank(still, 90)}
	}
	f.Rows = append(f.Rows, stillRow)
	return f, moved, still
}

// resultLabels are HUD 4.20 ReferralResult's words for the results of a decline.
var resultLabels = map[int]string{cas.ResultClientRejected: "Client rejected", cas.ResultProviderRejected: "Provider rejected"}

// declineFigure counts the referrals declined in the window by coded reason, every reason listed,
// then by HUD ReferralResult (client or provider rejected), then all.
func declineFigure(w window, referrals []MetricsReferral) Figure {
	byReason := map[cas.DeclineReason]int{}
	for _, r := range referrals {
		if r.Status == cas.ReferralDeclined && r.ClosedAt != nil && w.has(*r.ClosedAt) {
			byReason[r.ReasonCode]++
		}
	}
	f := Figure{Name: FigureDeclineReasons, Title: "Decline reasons", ChartColumn: 4,
		About: "Referrals declined in the window, by coded reason and by the HUD ReferralResult each reason is reported as.",
		Columns: []Column{{"reason", "Reason", ""}, {"reason_code", "Code", ""}, {"hud_result", "HUD ReferralResult", ""},
			{"hud_result_label", "HUD result", ""}, {"declines", "Declines", ""}}}
	byResult, total := map[int]int{}, 0
	for _, rule := range cas.DeclineRules {
		n := byReason[rule.Reason]
		byResult[rule.Result] += n
		total += n
		f.Rows = append(f.Rows, []Cell{text(rule.Label), text(string(rule.Reason)), count(rule.Result), text(resultLabels[rule.Result]), count(n)})
	}
	for _, result := range []int{cas.ResultClientRejected, cas.ResultProviderRejected} {
		f.Rows = append(f.Rows, []Cell{text("Subtotal: " + resultLabels[result]), text(""), count(result), text(resultLabels[result]), count(byResult[result])})
	}
	f.Rows = append(f.Rows, []Cell{text("All declines"), text(""), {}, text(""), count(total)})
	return f
}

// householdLabels are the household types' words in the equity review.
var householdLabels = map[cas.HouseholdType]string{
	cas.WithoutChildren: "Without children", cas.WithChildren: "With children", cas.OnlyChildren: "Only children",
}

// equityDimension is a way the equity review groups clients.
type equityDimension struct {
	figure, title string
	group         func(MetricsClient) string
}

var equityDimensions = []equityDimension{
	{FigureEquityRace, "Outcomes by race", func(c MetricsClient) string { return c.Race }},
	{FigureEquityEthnicity, "Outcomes by ethnicity", func(c MetricsClient) string { return c.Ethnicity }},
	{FigureEquityGender, "Outcomes by gender", func(c MetricsClient) string { return c.Gender }},
	{FigureEquitySex, "Outcomes by sex", func(c MetricsClient) string { return c.Sex }},
	{FigureEquityHouseholdType, "Outcomes by household type", func(c MetricsClient) string { return householdLabels[c.HouseholdType] }},
}

// AllClients labels the total row of the equity figures, the baseline each group is read against.
const AllClients = "All clients"

// equityFigures break down, for each dimension of the equity review, what became of the referrals
// made in the window by the client's group, and who was still waiting at its end and for how long.
// Groups come in alphabetical order, those not collected last, household types in HUD's order.
func equityFigures(w window, in MetricsInputs) []Figure {
	clients := make(map[string]MetricsClient, len(in.Clients))
	for _, c := range in.Clients {
		clients[c.ID] = c
	}
	// Each client is looked up once; a client without a record counts as not collected.
	type referred struct {
		r MetricsReferral
		c MetricsClient
	}
	type waitingClient struct {
		c    MetricsClient
		days float64
	}
	var made []referred
	for _, r := range in.Referrals {
		if w.has(r.CreatedAt) {
			made = append(made, referred{r, clients[r.ClientID]})
		}
	}
	var still []waitingClient
	if in.WholeList {
		for id, days := range waiting(w, in.HPL) {
			still = append(still, waitingClient{clients[id], days})
		}
	}
	var figures []Figure
	for _, d := range equityDimensions {
		groupOf := func(c MetricsClient) string {
			if g := d.group(c); g != "" {
				return g
			}
			return cas.NotCollected
		}
		tallies := map[string]*outcomes{}
		waits := map[string][]float64{}
		var groups []string
		seen := func(g string) {
			if _, ok := tallies[g]; !ok {
				tallies[g] = &outcomes{}
				groups = append(groups, g)
			}
		}
		all := &outcomes{}
		for _, m := range made {
			g := groupOf(m.c)
			seen(g)
			tallies[g].add(m.r, w.end)
			all.add(m.r, w.end)
		}
		var allWaits []float64
		for _, s := range still {
			g := groupOf(s.c)
			seen(g)
			waits[g] = append(waits[g], s.days)
			allWaits = append(allWaits, s.days)
		}
		slices.SortFunc(groups, groupOrder)
		f := Figure{Name: d.figure, Title: d.title, ChartColumn: 6,
			About: "Referrals made in the window and what became of them by its end, by the client's group; " +
				"and the clients still waiting on the HPL at its end.",
			Columns: []Column{{"group", "Group", ""}, {"referrals", "Referrals", ""}, {"accepted", "Accepted", ""}, {"moved_in", "Moved in", ""},
				{"declined_by_client", "Declined: client rejected", ""}, {"declined_by_provider", "Declined: provider rejected", ""},
				{"move_in_rate", "Move-in rate", "%"}, {"waiting", "Still waiting", ""}, {"median_days_waiting", "Median days waiting", "days"}}}
		row := func(label string, o *outcomes, waits []float64) {
			cells := []Cell{text(label), count(o.made), count(o.accepted), count(o.movedIn), count(o.declinedByClient),
				count(o.declinedByProvider), percent(float64(o.movedIn), float64(o.made)), {}, {}}
			if in.WholeList {
				cells[7], cells[8] = count(len(waits)), median(waits)
			}
			f.Rows = append(f.Rows, cells)
		}
		for _, g := range groups {
			row(g, tallies[g], waits[g])
		}
		row(AllClients, all, allWaits)
		figures = append(figures, f)
	}
	return figures
}

// groupOrder sorts equity groups: household types in HUD's order, others alphabetically, those
// not collected last.
func groupOrder(a, b string) int {
	rank := func(g string) int {
		for i, t := range cas.HouseholdTypes {
			if householdLabels[t] == g {
				return i
			}
		}
		if g == cas.NotCollected {
			return len(cas.HouseholdTypes) + 1
		}
		return len(cas.HouseholdTypes)
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

// median is the middle value, or the mean of the two middle values; empty for no values.
func median(xs []float64) Cell {
	if len(xs) == 0 {
		return Cell{}
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return tenths(s[n/2])
	}
	return tenths((s[n/2-1] + s[n/2]) / 2)
}

// nearestRank is the nearest-rank p-th percentile: the ⌈p/100·n⌉-th smallest value (counting from
// 1); empty for no values.
func nearestRank(xs []float64, p float64) Cell {
	if len(xs) == 0 {
		return Cell{}
	}
	s := slices.Sorted(slices.Values(xs))
	k := int(math.Ceil(p / 100 * float64(len(s))))
	return tenths(s[max(k, 1)-1])
}

// mean is the average; empty for no values. The values are summed in order, so that the same
// values give the same mean however they were gathered.
func mean(xs []float64) Cell {
	if len(xs) == 0 {
		return Cell{}
	}
	sum := 0.0
	for _, x := range slices.Sorted(slices.Values(xs)) {
		sum += x
	}
	return tenths(sum / float64(len(xs)))
}
