package policylab

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Report compares the scheme in force with an alternative over a period.
type Report struct {
	From cas.Date `json:"from"`
	To   cas.Date `json:"to"` // the last day of the period
	// Fidelity is the share of the engine's real referrals in the period that the replay under the
	// schemes in force makes again (the same client to the same facility); nil when the engine
	// made none.
	Fidelity        *float64 `json:"fidelity"`
	EngineReferrals int      `json:"engine_referrals"` // the engine's real referrals in the period
	Reproduced      int      `json:"reproduced"`
	Baseline        Outcomes `json:"baseline"`
	Alternative     Outcomes `json:"alternative"`
	// Changed lists the people whose first referral in the period comes earlier, later, or not at
	// all under the alternative, by their rank under it.
	Changed []Change `json:"changed"`
}

// Outcomes are what a replayed world came to in the period.
type Outcomes struct {
	Criteria []cas.Criterion `json:"criteria"` // for the baseline, the scheme in force at the end
	Figures
	Declines       []ReasonCount   `json:"declines_by_reason"`
	WaitToReferral []Bucket        `json:"wait_to_referral"` // people referred, by days from joining the HPL
	ByGroup        []GroupOutcomes `json:"by_group"`
}

// Figures are the outcome figures, for everyone or for a group.
type Figures struct {
	People         int  `json:"people"`    // on the list at some moment of the period
	Referrals      int  `json:"referrals"` // referrals made in the period (the engine's and CAS admins')
	Referred       int  `json:"referred"`  // people referred in the period
	MoveIns        int  `json:"move_ins"`
	DaysToReferral Stat `json:"days_to_referral"` // from joining the HPL to the first referral in the period
	DaysToMoveIn   Stat `json:"days_to_move_in"`  // from joining the HPL to moving in, in the period
	StillWaiting   int  `json:"still_waiting"`    // on the list at the end, not moved in
}

// Stat is a median and a 90th percentile (nearest rank) in days; nil when nothing was measured, or
// for a group, when fewer than MinGroupCount were.
type Stat struct {
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
}

// ReasonCount counts referrals that ended without a move-in, by how they ended: the decline
// reason, or expired, or withdrawn.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Bucket counts people whose wait fell in a range of days.
type Bucket struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// MinGroupCount is the smallest count shown for a group: smaller ones are suppressed, so that no
// one can be picked out of a small group.
const MinGroupCount = 5

// GroupOutcomes are the figures of one group; counts from 1 to MinGroupCount-1 and statistics of
// fewer than MinGroupCount people are nil, and Suppressed says so.
type GroupOutcomes struct {
	Dimension      string `json:"dimension"` // race, ethnicity, gender, household_type, veteran, chronic
	Group          string `json:"group"`
	People         *int   `json:"people"`
	Referred       *int   `json:"referred"`
	MoveIns        *int   `json:"move_ins"`
	StillWaiting   *int   `json:"still_waiting"`
	DaysToReferral Stat   `json:"days_to_referral"`
	DaysToMoveIn   Stat   `json:"days_to_move_in"`
	Suppressed     bool   `json:"suppressed"`
}

// Change is a person whose outcome the alternative changes.
type Change struct {
	ClientID        string     `json:"client_id"`
	Name            string     `json:"name"`
	BaselineRank    int        `json:"baseline_rank"` // among the people of the period
	AlternativeRank int        `json:"alternative_rank"`
	Change          string     `json:"change"` // earlier, later, not_referred, newly_referred
	BaselineAt      *time.Time `json:"baseline_referred_at"`
	AlternativeAt   *time.Time `json:"alternative_referred_at"`
	// Days is how many days later (negative: earlier) the alternative refers them, when both do.
	Days *float64 `json:"days"`
}

// The changes a person's outcome can undergo.
const (
	ChangeEarlier       = "earlier"
	ChangeLater         = "later"
	ChangeNotReferred   = "not_referred"
	ChangeNewlyReferred = "newly_referred"
)

// Compare replays the history under the schemes in force and under the alternative, and compares
// them.
func Compare(h *History, alternative cas.PriorityScheme) Report {
	base, alt := replay(h, nil), replay(h, &alternative)
	end := h.To.Add(-time.Nanosecond)
	r := Report{From: cas.DateOf(h.From, h.Zone), To: cas.DateOf(end, h.Zone), Changed: []Change{}}
	r.EngineReferrals, r.Reproduced = fidelity(h, base)
	if r.EngineReferrals > 0 {
		f := float64(r.Reproduced) / float64(r.EngineReferrals)
		r.Fidelity = &f
	}
	r.Baseline = base.outcomes(base.schemeAt(end).Criteria)
	r.Alternative = alt.outcomes(alternative.Criteria)
	r.Changed = changes(h, base, alt, alternative)
	return r
}

// fidelity counts the engine's real referrals in the period and how many of them the baseline
// made again: the same client to the same facility, each replayed referral standing for one real.
func fidelity(h *History, base *world) (real, reproduced int) {
	made := map[string]int{}
	for _, m := range base.made {
		if m.engine {
			made[m.entryID+"|"+m.facilityID]++
		}
	}
	for i := range h.Referrals {
		r := &h.Referrals[i]
		if !base.replaced(r) {
			continue
		}
		real++
		if k := r.EntryID + "|" + r.FacilityID; made[k] > 0 {
			made[k]--
			reproduced++
		}
	}
	return real, reproduced
}

// inPeriod reports whether the person was on the list at some moment of the period.
func (w *world) inPeriod(p *person) bool {
	return p.v >= 0 && (p.housed == nil || !p.housed.Before(w.h.From)) && (p.leftAt == nil || !p.leftAt.Before(w.h.From))
}

// tally is one person's outcome in a replayed world.
type tally struct {
	toReferral, toMoveIn *float64
	waiting              bool
}

func (w *world) tallyOf(p *person) tally {
	var t tally
	if p.firstAt != nil {
		d := p.firstAt.Sub(p.Joined).Hours() / 24
		t.toReferral = &d
	}
	if p.housed != nil && !p.housed.Before(w.h.From) {
		d := p.housed.Sub(p.Joined).Hours() / 24
		t.toMoveIn = &d
	}
	t.waiting = p.onList
	return t
}

func (w *world) outcomes(criteria []cas.Criterion) Outcomes {
	o := Outcomes{Criteria: criteria, Declines: []ReasonCount{}, ByGroup: []GroupOutcomes{}}
	var all []*person
	groups := map[[2]string][]*person{}
	for _, p := range w.people {
		if !w.inPeriod(p) {
			continue
		}
		all = append(all, p)
		g := p.Groups
		for _, k := range [][2]string{{"race", g.Race}, {"ethnicity", g.Ethnicity}, {"gender", g.Gender},
			{"household_type", string(g.HouseholdType)}, {"veteran", yesNo(g.Veteran, "veteran", "not a veteran")},
			{"chronic", yesNo(g.Chronic, "chronically homeless", "not chronically homeless")}} {
			if k[1] == "" {
				k[1] = "not collected"
			}
			groups[k] = append(groups[k], p)
		}
	}
	var toReferral []float64
	o.Figures, toReferral = w.figures(all)
	o.Referrals = len(w.made)
	for reason, n := range w.declines {
		o.Declines = append(o.Declines, ReasonCount{Reason: reason, Count: n})
	}
	slices.SortFunc(o.Declines, func(a, b ReasonCount) int { return strings.Compare(a.Reason, b.Reason) })
	o.WaitToReferral = buckets(toReferral)
	keys := make([][2]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(dimensionOrder(a[0]), dimensionOrder(b[0])), strings.Compare(a[1], b[1]))
	})
	for _, k := range keys {
		f, _ := w.figures(groups[k])
		o.ByGroup = append(o.ByGroup, suppress(k[0], k[1], f, groups[k], w))
	}
	return o
}

// figures counts the outcomes of some people; toReferral are their days to referral.
func (w *world) figures(people []*person) (Figures, []float64) {
	var f Figures
	var toReferral, toMoveIn []float64
	for _, p := range people {
		f.People++
		t := w.tallyOf(p)
		if t.toReferral != nil {
			f.Referred++
			toReferral = append(toReferral, *t.toReferral)
		}
		if t.toMoveIn != nil {
			f.MoveIns++
			toMoveIn = append(toMoveIn, *t.toMoveIn)
		}
		if t.waiting {
			f.StillWaiting++
		}
	}
	f.DaysToReferral, f.DaysToMoveIn = statOf(toReferral, 1), statOf(toMoveIn, 1)
	return f, toReferral
}

func statOf(xs []float64, least int) Stat {
	if len(xs) < least || len(xs) == 0 {
		return Stat{}
	}
	m, p := medianOf(xs), nearestRank(xs, 0.9)
	return Stat{Median: &m, P90: &p}
}

// suppress gives a group's figures with counts under MinGroupCount hidden.
func suppress(dimension, group string, f Figures, people []*person, w *world) GroupOutcomes {
	g := GroupOutcomes{Dimension: dimension, Group: group}
	shown := func(n int) *int {
		if n > 0 && n < MinGroupCount {
			g.Suppressed = true
			return nil
		}
		return &n
	}
	g.People, g.Referred, g.MoveIns, g.StillWaiting = shown(f.People), shown(f.Referred), shown(f.MoveIns), shown(f.StillWaiting)
	if g.People == nil {
		g.Referred, g.MoveIns, g.StillWaiting = nil, nil, nil
	}
	var toReferral, toMoveIn []float64
	for _, p := range people {
		t := w.tallyOf(p)
		if t.toReferral != nil {
			toReferral = append(toReferral, *t.toReferral)
		}
		if t.toMoveIn != nil {
			toMoveIn = append(toMoveIn, *t.toMoveIn)
		}
	}
	g.DaysToReferral, g.DaysToMoveIn = statOf(toReferral, MinGroupCount), statOf(toMoveIn, MinGroupCount)
	if len(toReferral) > 0 && g.DaysToReferral.Median == nil || len(toMoveIn) > 0 && g.DaysToMoveIn.Median == nil {
		g.Suppressed = true
	}
	return g
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// Dimensions are the groupings of the equity comparison, in the order they are reported.
var Dimensions = []string{"race", "ethnicity", "gender", "household_type", "veteran", "chronic"}

func dimensionOrder(d string) int { return slices.Index(Dimensions, d) }

// bucketBounds are the upper bounds, in days, of the wait buckets; the last is open.
var bucketBounds = []struct {
	label string
	upTo  float64
}{{"up to 30 days", 30}, {"31 to 90 days", 90}, {"91 to 180 days", 180}, {"181 to 365 days", 365}, {"over 365 days", -1}}

func buckets(days []float64) []Bucket {
	out := make([]Bucket, len(bucketBounds))
	for i, b := range bucketBounds {
		out[i].Label = b.label
	}
	for _, d := range days {
		i := slices.IndexFunc(bucketBounds, func(b struct {
			label string
			upTo  float64
		}) bool {
			return b.upTo < 0 || d <= b.upTo
		})
		out[i].Count++
	}
	return out
}

// changes lists the people whose first referral in the period differs between the worlds, by
// their rank under the alternative.
func changes(h *History, base, alt *world, alternative cas.PriorityScheme) []Change {
	end := h.To.Add(-time.Nanosecond)
	baseRank := ranksOf(base, base.schemeAt(end))
	altRank := ranksOf(alt, alternative)
	list := []Change{}
	for i, b := range base.people {
		a := alt.people[i]
		if !base.inPeriod(b) && !alt.inPeriod(a) {
			continue
		}
		c := Change{ClientID: b.ClientID, Name: b.Name, BaselineRank: baseRank[b.EntryID], AlternativeRank: altRank[b.EntryID],
			BaselineAt: b.firstAt, AlternativeAt: a.firstAt}
		switch {
		case b.firstAt == nil && a.firstAt == nil:
			continue
		case a.firstAt == nil:
			c.Change = ChangeNotReferred
		case b.firstAt == nil:
			c.Change = ChangeNewlyReferred
		case a.firstAt.Equal(*b.firstAt):
			continue
		default:
			d := a.firstAt.Sub(*b.firstAt).Hours() / 24
			c.Days = &d
			c.Change = yesNo(d < 0, ChangeEarlier, ChangeLater)
		}
		list = append(list, c)
	}
	slices.SortFunc(list, func(x, y Change) int {
		return cmp.Or(cmp.Compare(x.AlternativeRank, y.AlternativeRank), strings.Compare(x.ClientID, y.ClientID))
	})
	return list
}

// ranksOf ranks the people of the period under a scheme, each as they stood when they first were
// on the list in the period.
func ranksOf(w *world, scheme cas.PriorityScheme) map[string]int {
	var list []*person
	for _, p := range w.people {
		if !w.inPeriod(p) {
			continue
		}
		q := *p
		v := q.versionAt(w.h.From)
		q.key = keyOf(scheme, &q.Versions[v])
		list = append(list, &q)
	}
	slices.SortFunc(list, comparePeople)
	ranks := make(map[string]int, len(list))
	for i, p := range list {
		ranks[p.EntryID] = i + 1
	}
	return ranks
}

// versionAt is the index of the version in force at t, or at joining when that is later.
func (p *Person) versionAt(t time.Time) int {
	v := 0
	for i := range p.Versions {
		if !p.Versions[i].At.After(t) {
			v = i
		}
	}
	return v
}

// DeclineReasons lists how referrals ended without a move-in in either world, in order.
func DeclineReasons(r Report) []string {
	var reasons []string
	for _, d := range slices.Concat(r.Baseline.Declines, r.Alternative.Declines) {
		reasons = append(reasons, d.Reason)
	}
	slices.Sort(reasons)
	return slices.Compact(reasons)
}

// Declined counts the referrals that ended for a reason.
func Declined(o Outcomes, reason string) int {
	for _, d := range o.Declines {
		if d.Reason == reason {
			return d.Count
		}
	}
	return 0
}

// ChangeText says a change in words.
func ChangeText(change string) string {
	switch change {
	case ChangeEarlier:
		return "referred earlier"
	case ChangeLater:
		return "referred later"
	case ChangeNotReferred:
		return "no longer referred"
	case ChangeNewlyReferred:
		return "referred, where they were not"
	}
	return change
}

// CriteriaText writes a scheme's criteria for a reader: "score, chronic, assessed_on (lowest first)".
func CriteriaText(criteria []cas.Criterion) string {
	parts := make([]string, len(criteria))
	for i, c := range criteria {
		parts[i] = string(c.Factor)
		if c.Ascending {
			parts[i] += " (lowest first)"
		}
	}
	return strings.Join(parts, ", ")
}
