package match

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Match decides which ranked client to refer to which free unit.
//
// Candidates are ranked by s.Scheme, unless s.Ranked says they come ranked. Facilities are then
// filled one at a time, the scarcest first: the facility with the fewest candidates eligible for
// at least one of its free units (ties by facility ID), so that clients who could go elsewhere do
// not take units that few others can use. Within a facility the most constrained unit is filled
// first, the one with the fewest eligible candidates (ties: not accessible before accessible,
// fewer bedrooms before more, then label and ID), and each unit goes to the highest-ranked
// eligible client not yet matched in this run. A client is proposed at most once per run and a
// unit at most once.
//
// Proposals come in the order they were decided; units no eligible client was left for are in
// Result.Unfilled, in the same order. Every reason counts the candidates ranked above the one
// chosen by the rule that refused them, so that "why not that one?" has an answer.
func Match(s Snapshot) Result {
	if f, u := onlyFreeUnit(&s); s.Ranked && u != nil {
		return matchOne(&s, f, u)
	}
	return matchAll(&s)
}

// matchAll is Match's full run, for any number of free units.
func matchAll(s *Snapshot) Result {
	r := newRun(s)
	res := Result{Proposals: make([]Proposal, 0, min(r.freeUnits, len(r.active)))}
	for _, p := range r.plans() {
		r.fill(p, &res)
	}
	return res
}

// onlyFreeUnit returns the snapshot's free unit and its facility when it has exactly one.
func onlyFreeUnit(s *Snapshot) (*Facility, *cas.Unit) {
	var f *Facility
	for i := range s.Facilities {
		switch n := len(s.Facilities[i].FreeUnits); {
		case n == 0:
		case n > 1 || f != nil:
			return nil, nil
		default:
			f = &s.Facilities[i]
		}
	}
	if f == nil {
		return nil, nil
	}
	return f, &f.FreeUnits[0]
}

// matchOne fills the only free unit of a snapshot whose candidates come ranked. With one unit
// there is no facility or unit to order and nobody matched before: the unit goes to the first
// candidate from the top whom no rule refuses, and the reason counts the refusals of those
// above. So the run reads no candidate below the one chosen, and builds no cohorts.
func matchOne(s *Snapshot, f *Facility, u *cas.Unit) Result {
	var passed [numRefusals]int32
	for i := range s.Candidates {
		c := &s.Candidates[i]
		why, _ := refuse(s.Today, c, &f.Program, u)
		if why == accepted {
			return Result{Proposals: []Proposal{propose(s, f, u, c, i+1, &passed)}}
		}
		passed[why]++
	}
	return Result{Proposals: []Proposal{}, Unfilled: []Unfilled{unfilled(f, u, len(s.Candidates), &passed)}}
}

// plan is how a facility will be filled.
type plan struct {
	facility *Facility
	rules    *programRules
	units    []slot // the most constrained first
	eligible int    // candidates eligible for at least one free unit
}

// slot is a free unit being filled.
type slot struct {
	unit     *cas.Unit
	eligible int
	// limits holds, by household number and accessibility need, the largest household the unit
	// fits, or -1: a candidate of histogram cell c fits when c's size is at most limits[c/sizes].
	limits []int
}

// plans compiles the facilities with free units and orders them scarcest first.
//
// A facility's candidates are counted in a histogram of the candidates its program accepts, by
// household type, accessibility need and household size: all that the unit rules read. Facilities
// of one program share the compiled rules and the histogram.
func (r *run) plans() []*plan {
	programs := map[string]*programRules{}
	var plans []*plan
	for i := range r.snap.Facilities {
		f := &r.snap.Facilities[i]
		if len(f.FreeUnits) == 0 {
			continue
		}
		rules := r.compileProgram(&f.Program)
		if known, ok := programs[rules.key()]; ok {
			rules = known
		} else {
			r.judge(rules)
			programs[rules.key()] = rules
		}
		p := &plan{facility: f, rules: rules, units: make([]slot, len(f.FreeUnits))}
		all := make([]int, len(f.FreeUnits))
		width := len(r.households) * 2
		limits := make([]int, len(f.FreeUnits)*width)
		for j := range f.FreeUnits {
			u := &f.FreeUnits[j]
			l := r.unitLimits(limits[j*width:(j+1)*width], u)
			p.units[j] = slot{unit: u, eligible: r.countFitting(rules.hist, l), limits: l}
			all[j] = j
		}
		p.eligible = r.countFitting(rules.hist, openLimits(nil, p.units, all))
		slices.SortStableFunc(p.units, func(a, b slot) int {
			return cmp.Or(cmp.Compare(a.eligible, b.eligible), cmp.Compare(flag(a.unit.Accessible), flag(b.unit.Accessible)),
				cmp.Compare(a.unit.Bedrooms, b.unit.Bedrooms), strings.Compare(a.unit.Label, b.unit.Label), strings.Compare(a.unit.ID, b.unit.ID))
		})
		plans = append(plans, p)
	}
	slices.SortStableFunc(plans, func(a, b *plan) int {
		return cmp.Or(cmp.Compare(a.eligible, b.eligible), strings.Compare(a.facility.Facility.ID, b.facility.Facility.ID))
	})
	return plans
}

// judge applies a program's rules to every cohort, once, and counts the candidates it accepts in
// its histogram, leaving out those it declined. It also lists what judgeWord needs: the refusals
// the rules can give and the age bands within the program's limits.
func (r *run) judge(p *programRules) {
	p.refusals = make([]refusal, len(r.cohorts))
	p.hist = make([]int32, len(r.households)*2*r.sizes)
	for k := range r.cohorts {
		if p.refusals[k] = r.cohortRefusal(p, int32(k)); p.refusals[k] == accepted {
			for _, c := range r.cohorts[k].cells {
				p.hist[c.cell] += c.n
			}
		}
	}
	kind := func(why refusal) {
		if !slices.Contains(p.kinds, why) {
			p.kinds = append(p.kinds, why)
		}
	}
	kind(refusedDeclined)
	if p.households != nil {
		kind(refusedProgramHousehold)
	}
	for _, pop := range p.populations {
		kind(populationRefusal(pop))
	}
	if p.minAge != 0 || p.maxAge != 0 {
		kind(refusedNoBirthDate)
		kind(refusedAge)
		for k := range r.cohorts {
			if b := r.cohorts[k].band + 1; ageRefusal(r.cohorts[k].age, p.minAge, p.maxAge) == accepted && !slices.Contains(p.bands, b) {
				p.bands = append(p.bands, b)
			}
		}
	}
	if p.docs != nil {
		kind(refusedDocuments)
	}
	p.declined = r.declinedBy[p.id]
	for _, j := range p.declined {
		if p.refusals[r.cohortOf[j]] == accepted {
			p.hist[r.cellOf[j]]--
		}
	}
}

// unitLimits sets in limits, by household number and accessibility need, the largest household
// the unit fits, or -1, and returns it.
func (r *run) unitLimits(limits []int, u *cas.Unit) []int {
	for k := range limits {
		limits[k] = -1
	}
	for _, t := range u.HouseholdTypes {
		if h, ok := r.households[t]; ok {
			limits[h*2] = capacity(u.Bedrooms)
			if u.Accessible {
				limits[h*2+1] = capacity(u.Bedrooms)
			}
		}
	}
	return limits
}

// openLimits returns in dst, for the units listed, the largest of their limits.
func openLimits(dst []int, units []slot, open []int) []int {
	if len(open) == 0 {
		return dst[:0]
	}
	dst = append(dst[:0], units[open[0]].limits...)
	for _, k := range open[1:] {
		for j, l := range units[k].limits {
			dst[j] = max(dst[j], l)
		}
	}
	return dst
}

// cellRefusal applies a unit's rules to the candidates of a histogram cell, as unitRefusal does.
func (r *run) cellRefusal(cell int32, s *slot) refusal {
	fit, size := r.splitCell(cell)
	anyone := fit &^ 1 // the same household without the need
	switch {
	case s.limits[anyone] < 0:
		return refusedUnitHousehold
	case size > s.limits[anyone]:
		return refusedTooLarge
	case size > s.limits[fit]:
		return refusedNeedsAccessible
	}
	return accepted
}

// countFitting counts the candidates of a histogram who fit the limits.
func (r *run) countFitting(hist []int32, limits []int) int {
	n := 0
	for k, l := range limits {
		for _, c := range hist[k*r.sizes : k*r.sizes+min(l+1, r.sizes)] {
			n += int(c)
		}
	}
	return n
}

// fill walks the ranked list once for a facility, giving each eligible client not yet matched the
// first open unit they fit. As every unit prefers the higher rank and every client the earlier
// unit, this gives each unit, in order, the highest-ranked eligible client not matched before it.
// The walk stops when every unit is filled; a unit still open at the end of the list is unfilled.
//
// The program judges the candidates 64 at a time (judgeWord); those it refuses are counted by
// refusal, those above a proposal before it is made. Candidates the program accepts are judged
// one by one by their histogram cell against the largest household any open unit takes; those
// who fit none are only counted by cell, and the reasons a unit passed them over are worked out
// from the cells when the unit is filled.
func (r *run) fill(p *plan, res *Result) {
	w := walk{cells: make([]int32, len(r.households)*2*r.sizes)}
	open := make([]int, len(p.units))
	for k := range open {
		open[k] = k
	}
	limits := openLimits(nil, p.units, open)
	declined := p.rules.declined    // those not yet walked past
	var refused [numRefusals]uint64 // the word's candidates the program refuses, by refusal
	for word := 0; word < len(r.waiting) && len(open) > 0; word++ {
		live := r.waiting[word]
		if live == 0 {
			continue
		}
		var declinedHere uint64
		for ; len(declined) > 0 && int(declined[0]) < (word+1)*64; declined = declined[1:] {
			if int(declined[0]) >= word*64 {
				declinedHere |= 1 << (declined[0] % 64)
			}
		}
		eligible := r.judgeWord(p.rules, word, live&^declinedHere, &refused)
		refused[refusedDeclined] = live & declinedHere
		uncounted := live // the word's candidates not yet counted in w.passed
		for ; eligible != 0 && len(open) > 0; eligible &= eligible - 1 {
			bit := bits.TrailingZeros64(eligible)
			i := word*64 + bit
			cell := r.cellOf[i]
			fit, size := r.splitCell(cell)
			if size > limits[fit] {
				w.cells[cell]++
				continue
			}
			w.count(p.rules.kinds, &refused, uncounted&(1<<bit-1))
			uncounted &^= 1<<(bit+1) - 1
			k := slices.IndexFunc(open, func(u int) bool { return size <= p.units[u].limits[fit] })
			u := open[k]
			passed := r.reasonCounts(i, p, u, &w)
			res.Proposals = append(res.Proposals, propose(r.snap, p.facility, p.units[u].unit, r.candidate(i), int(r.active[i])+1, &passed))
			w.matched = append(w.matched, matchedHere{active: i, unit: u, cell: cell})
			r.match(i)
			open = slices.Delete(open, k, k+1)
			limits = openLimits(limits, p.units, open)
		}
		w.count(p.rules.kinds, &refused, uncounted)
	}
	for _, u := range open {
		counts := r.reasonCounts(len(r.active), p, u, &w)
		res.Unfilled = append(res.Unfilled, unfilled(p.facility, p.units[u].unit, len(r.order), &counts))
	}
	// Added only now: until the facility is done, its own matches are counted per unit.
	for _, m := range w.matched {
		r.matched.add(m.active)
	}
}

// walk is how far a facility's walk down the ranked list has come.
type walk struct {
	passed  [numRefusals]int32 // the program's refusals
	cells   []int32            // by histogram cell, the candidates the program accepts who fit no open unit
	matched []matchedHere
}

// count adds to passed the candidates in among those refused.
func (w *walk) count(kinds []refusal, refused *[numRefusals]uint64, in uint64) {
	for _, k := range kinds {
		w.passed[k] += int32(bits.OnesCount64(refused[k] & in))
	}
}

type matchedHere struct {
	active, unit int // the candidate's active index and the unit's index in the plan
	cell         int32
}

// reasonCounts counts, by refusal, the candidates ranked above active index i (all of them when i
// is len(r.active)) for unit u of the facility being walked.
func (r *run) reasonCounts(i int, p *plan, u int, w *walk) [numRefusals]int32 {
	counts := r.before(i)
	for k, n := range w.passed {
		counts[k] += n
	}
	s := &p.units[u]
	for cell, n := range w.cells {
		if n > 0 {
			counts[r.cellRefusal(int32(cell), s)] += n
		}
	}
	for _, m := range w.matched {
		if m.unit < u {
			counts[alreadyMatched]++
		} else {
			// Matched to a unit filled after u, so u did not fit them.
			counts[r.cellRefusal(m.cell, s)]++
		}
	}
	return counts
}
