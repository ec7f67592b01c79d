package match

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Match decides which ranked client to refer to which free unit.
//
// Candidates are ranked by s.Scheme. Facilities are then filled one at a time, the scarcest first:
// the facility with the fewest candidates eligible for at least one of its free units (ties by
// facility ID), so that clients who could go elsewhere do not take units that few others can use.
// Within a facility the most constrained unit is filled first, the one with the fewest eligible
// candidates (ties: not accessible before accessible, fewer bedrooms before more, then label and
// ID), and each unit goes to the highest-ranked eligible client not yet matched in this run. A
// client is proposed at most once per run and a unit at most once.
//
// Proposals come in the order they were decided; units no eligible client was left for are in
// Result.Unfilled, in the same order, with the count of candidates refused by each rule.
//
// Each facility is judged once per candidate rather than once per unit and candidate: a
// candidate's eligibility splits into rules of the client, of the program and of the unit, and
// only the last are read per unit.
func Match(s Snapshot) Result {
	r := newRun(&s)
	var res Result
	for _, p := range r.plans() {
		r.fill(p, &res)
	}
	return res
}

// run is one matching run's working state. Candidates are referred to by their rank position.
type run struct {
	snap     *Snapshot
	order    []int32   // rank position → index in snap.Candidates
	profiles []profile // by rank position
	active   []int32   // rank positions of the candidates no exclusion refuses, in rank order
	placed   []bool    // by rank position

	households map[cas.HouseholdType]int32 // the candidates' household types, numbered
	documents  map[string]int              // documentKey of each document a program requires → bit
	docWords   int                         // words of a document bitset
	docs       []uint64                    // documents on file, by rank position, docWords words each
	sizes      int                         // household sizes are counted in 0..sizes-1
}

// profile is what the program rules read of a candidate, precomputed once per run.
type profile struct {
	excluded    refusal // the refusal that holds for every unit, or accepted
	declined    bool    // some program declined the client: read Candidate.DeclinedBy
	populations uint8   // populationBit of each population the client belongs to
	household   int32
	age         int32
	// cell counts the candidate in a facility's histogram by household type, accessibility need
	// and household size.
	cell int32
}

const (
	popVeteran uint8 = 1 << iota
	popChronic
	popDVSurvivor
	popYouth
	popUnknown // a population no client belongs to
)

func populationBit(p cas.Population) uint8 {
	switch p {
	case cas.Veteran:
		return popVeteran
	case cas.ChronicallyHomeless:
		return popChronic
	case cas.DVSurvivor:
		return popDVSurvivor
	case cas.Youth:
		return popYouth
	}
	return popUnknown
}

func newRun(s *Snapshot) *run {
	r := &run{snap: s, order: rankOrder(s.Scheme, s.Candidates), households: map[cas.HouseholdType]int32{}, documents: map[string]int{}}
	needAge, maxCapacity := false, 0
	for i := range s.Facilities {
		req := &s.Facilities[i].Program.Requirements
		needAge = needAge || req.MinAge != 0 || req.MaxAge != 0 || slices.Contains(req.Populations, cas.Youth)
		for _, d := range req.RequiredDocuments {
			if _, ok := r.documents[documentKey(d)]; !ok {
				r.documents[documentKey(d)] = len(r.documents)
			}
		}
		for _, u := range s.Facilities[i].FreeUnits {
			maxCapacity = max(maxCapacity, capacity(u.Bedrooms))
		}
	}
	r.docWords = (len(r.documents) + 63) / 64
	r.sizes = maxCapacity + 2

	n := len(s.Candidates)
	r.profiles = make([]profile, n)
	r.placed = make([]bool, n)
	r.docs = make([]uint64, n*r.docWords)
	ages := map[cas.Date]int32{}
	bits := map[string]int{} // document as spelled → bit, or -1
	for pos, i := range r.order {
		c := &s.Candidates[i]
		p := &r.profiles[pos]
		if p.excluded = excluded(s.Today, c); p.excluded != accepted {
			continue
		}
		r.active = append(r.active, int32(pos))
		p.declined = len(c.DeclinedBy) > 0
		h, ok := r.households[c.Client.HouseholdType]
		if !ok {
			h = int32(len(r.households))
			r.households[c.Client.HouseholdType] = h
		}
		p.household = h
		if needAge {
			age, ok := ages[c.Client.BirthDate]
			if !ok {
				age = int32(c.Client.Age(s.Today))
				ages[c.Client.BirthDate] = age
			}
			p.age = age
		}
		for _, pop := range cas.Populations {
			if inPopulation(&c.Client, pop, int(p.age)) {
				p.populations |= populationBit(pop)
			}
		}
		for _, d := range c.Entry.Documents {
			b, ok := bits[d]
			if !ok {
				if b, ok = r.documents[documentKey(d)]; !ok {
					b = -1
				}
				bits[d] = b
			}
			if b >= 0 {
				r.docs[pos*r.docWords+b/64] |= 1 << (b % 64)
			}
		}
	}
	for _, pos := range r.active {
		c := r.candidate(pos)
		p := &r.profiles[pos]
		size := min(max(c.Client.HouseholdSize, 0), r.sizes-1)
		p.cell = int32((int(p.household)*2+int(flag(c.Client.NeedsAccessible)))*r.sizes + size)
	}
	return r
}

func (r *run) candidate(pos int32) *Candidate { return &r.snap.Candidates[r.order[pos]] }

// programRules are a program's requirements compiled against one run's numbering.
type programRules struct {
	id          string
	households  []bool // by household number; nil when the program serves every household type
	populations []cas.Population
	popMask     uint8
	minAge      int
	maxAge      int
	docs        []uint64 // required documents; nil when none
}

func (r *run) compileProgram(p *cas.Program) programRules {
	req := &p.Requirements
	rules := programRules{id: p.ID, populations: req.Populations, minAge: req.MinAge, maxAge: req.MaxAge}
	if len(req.HouseholdTypes) > 0 {
		rules.households = make([]bool, len(r.households))
		for t, h := range r.households {
			rules.households[h] = slices.Contains(req.HouseholdTypes, t)
		}
	}
	for _, pop := range req.Populations {
		rules.popMask |= populationBit(pop)
	}
	if len(req.RequiredDocuments) > 0 {
		rules.docs = make([]uint64, r.docWords)
		for _, d := range req.RequiredDocuments {
			b := r.documents[documentKey(d)]
			rules.docs[b/64] |= 1 << (b % 64)
		}
	}
	return rules
}

// programRefusal applies the program's rules to a candidate no exclusion refuses, in the order
// refuse applies them.
func (r *run) programRefusal(rules *programRules, pos int32) refusal {
	p := &r.profiles[pos]
	if p.declined && slices.Contains(r.candidate(pos).DeclinedBy, rules.id) {
		return refusedDeclined
	}
	if rules.households != nil && !rules.households[p.household] {
		return refusedProgramHousehold
	}
	if p.populations&rules.popMask != rules.popMask {
		for _, pop := range rules.populations {
			if p.populations&populationBit(pop) == 0 {
				return populationRefusal(pop)
			}
		}
	}
	if !withinAges(int(p.age), rules.minAge, rules.maxAge) {
		return refusedAge
	}
	if rules.docs != nil {
		have := r.docs[int(pos)*r.docWords:]
		for w, need := range rules.docs {
			if need&^have[w] != 0 {
				return refusedDocuments
			}
		}
	}
	return accepted
}

// plan is how a facility will be filled.
type plan struct {
	facility *Facility
	rules    programRules
	units    []slot // the most constrained first
	eligible int    // candidates eligible for at least one free unit
}

// slot is a free unit being filled.
type slot struct {
	unit     *cas.Unit
	eligible int
	// passed counts the higher-ranked candidates this unit's own rules refused, and those matched
	// to another unit of the facility before it.
	passed [numRefusals]int32
}

// plans compiles the facilities with free units and orders them scarcest first.
//
// How many candidates a unit can take is counted from a histogram of the candidates the program
// accepts, by household type, accessibility need and household size, the only things the unit's
// rules read. Facilities of one program share the histogram.
func (r *run) plans() []*plan {
	histograms := map[string][]int32{}
	var plans []*plan
	for i := range r.snap.Facilities {
		f := &r.snap.Facilities[i]
		if len(f.FreeUnits) == 0 {
			continue
		}
		p := &plan{facility: f, rules: r.compileProgram(&f.Program)}
		key := p.rules.key()
		hist, ok := histograms[key]
		if !ok {
			hist = make([]int32, len(r.households)*2*r.sizes)
			for _, pos := range r.active {
				if r.programRefusal(&p.rules, pos) == accepted {
					hist[r.profiles[pos].cell]++
				}
			}
			histograms[key] = hist
		}
		// limits holds, per household type and accessibility need, the largest household that
		// fits some unit, or -1.
		limits := make([]int, len(r.households)*2)
		facilityLimits := slices.Repeat([]int{-1}, len(limits))
		for j := range f.FreeUnits {
			u := &f.FreeUnits[j]
			r.unitLimits(u, limits)
			for k, l := range limits {
				facilityLimits[k] = max(facilityLimits[k], l)
			}
			p.units = append(p.units, slot{unit: u, eligible: r.countFitting(hist, limits)})
		}
		p.eligible = r.countFitting(hist, facilityLimits)
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

// key identifies compiled program rules: equal keys accept the same candidates.
func (p *programRules) key() string {
	var b strings.Builder
	b.WriteString(p.id)
	for _, h := range p.households {
		b.WriteByte(byte('0' + flag(h)))
	}
	b.WriteByte('|')
	for _, pop := range p.populations {
		b.WriteString(string(pop))
		b.WriteByte(',')
	}
	b.WriteString("|" + strconv.Itoa(p.minAge) + "|" + strconv.Itoa(p.maxAge) + "|")
	for _, w := range p.docs {
		b.WriteString(strconv.FormatUint(w, 16) + ",")
	}
	return b.String()
}

// unitLimits fills limits, by household number and accessibility need, with the largest household
// the unit fits, or -1.
func (r *run) unitLimits(u *cas.Unit, limits []int) {
	for i := range limits {
		limits[i] = -1
	}
	for _, t := range u.HouseholdTypes {
		h, ok := r.households[t]
		if !ok {
			continue
		}
		limits[h*2] = capacity(u.Bedrooms)
		if u.Accessible {
			limits[h*2+1] = capacity(u.Bedrooms)
		}
	}
}

// countFitting counts the candidates of a histogram that fit the limits.
func (r *run) countFitting(hist []int32, limits []int) int {
	n := 0
	for k, l := range limits {
		for _, c := range hist[k*r.sizes : k*r.sizes+min(l+1, r.sizes)] {
			n += int(c)
		}
	}
	return n
}

// fill walks the HPL once for a facility, in rank order, giving each eligible client not yet
// matched the first open unit they fit. Since every unit prefers the higher rank and every client
// the earlier unit, this gives each unit, in order, the highest-ranked eligible client not matched
// before it. The walk stops when every unit is filled; a unit still open at the end of the list is
// unfilled.
func (r *run) fill(p *plan, res *Result) {
	var passed [numRefusals]int32 // refusals that hold for every unit of the facility
	open := make([]int, len(p.units))
	for i := range open {
		open[i] = i
	}
	for pos := int32(0); int(pos) < len(r.order) && len(open) > 0; pos++ {
		why := r.profiles[pos].excluded
		switch {
		case why != accepted:
		case r.placed[pos]:
			why = alreadyMatched
		default:
			why = r.programRefusal(&p.rules, pos)
		}
		if why != accepted {
			passed[why]++
			continue
		}
		c := r.candidate(pos)
		taken := -1
		for k, i := range open {
			s := &p.units[i]
			if taken >= 0 {
				s.passed[alreadyMatched]++
				continue
			}
			if why := unitRefusal(&c.Client, s.unit); why != accepted {
				s.passed[why]++
				continue
			}
			taken = k
			r.placed[pos] = true
			res.Proposals = append(res.Proposals, r.propose(p, s, pos, addCounts(&passed, &s.passed)))
		}
		if taken >= 0 {
			open = slices.Delete(open, taken, taken+1)
		}
	}
	for _, i := range open {
		s := &p.units[i]
		reason := "No clients on the HPL."
		if len(r.order) > 0 {
			reason = "No eligible client among the " + strconv.Itoa(len(r.order)) + " on the HPL: " + summary(addCounts(&passed, &s.passed)) + "."
		}
		res.Unfilled = append(res.Unfilled, Unfilled{FacilityID: p.facility.Facility.ID, UnitID: s.unit.ID, Reason: reason})
	}
}

func addCounts(a, b *[numRefusals]int32) [numRefusals]int32 {
	var sum [numRefusals]int32
	for i := range sum {
		sum[i] = a[i] + b[i]
	}
	return sum
}

func (r *run) propose(p *plan, s *slot, pos int32, passed [numRefusals]int32) Proposal {
	c := r.candidate(pos)
	mode := p.facility.Program.ReferralMode
	if mode == "" {
		mode = cas.ReferralAuto
	}
	var b strings.Builder
	b.WriteString("Rank " + strconv.Itoa(int(pos)+1) + " of " + strconv.Itoa(len(r.order)))
	if len(r.snap.Scheme.Criteria) > 0 {
		b.WriteString(" (")
		for i, cr := range r.snap.Scheme.Criteria {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(describeFactor(cr.Factor, c))
		}
		b.WriteString(")")
	}
	b.WriteString(": the highest-ranked client eligible for " + describeUnit(&p.facility.Facility, s.unit) + ".")
	if pos > 0 {
		b.WriteString(" Higher-ranked clients passed over: " + summary(passed) + ".")
	}
	return Proposal{
		ClientID:      c.Client.ID,
		HPLEntryID:    c.Entry.ID,
		FacilityID:    p.facility.Facility.ID,
		ProgramID:     p.facility.Program.ID,
		AgencyID:      p.facility.Facility.AgencyID,
		UnitID:        s.unit.ID,
		Mode:          mode,
		Rank:          int(pos) + 1,
		SchemeVersion: r.snap.Scheme.Version,
		Reason:        b.String(),
	}
}

// summary writes counts of refusals, the most frequent first: "3 not ready, 1 parked".
func summary(counts [numRefusals]int32) string {
	var reasons []refusal
	for why, n := range counts {
		if n > 0 {
			reasons = append(reasons, refusal(why))
		}
	}
	slices.SortStableFunc(reasons, func(a, b refusal) int { return cmp.Compare(counts[b], counts[a]) })
	var b strings.Builder
	for i, why := range reasons {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(int(counts[why])) + " " + why.String())
	}
	return b.String()
}

// describeFactor says what a candidate's value of a ranking factor is.
func describeFactor(f cas.Factor, c *Candidate) string {
	either := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	switch f {
	case cas.FactorScore:
		return "score " + strconv.Itoa(c.Entry.Score)
	case cas.FactorChronic:
		return either(c.Client.Chronic, "chronic", "not chronic")
	case cas.FactorDaysHomeless:
		return strconv.Itoa(c.Entry.DaysHomeless) + " days homeless"
	case cas.FactorAssessedOn:
		return "assessed " + string(c.Entry.AssessedOn)
	case cas.FactorVeteran:
		return either(c.Client.Veteran, "veteran", "not a veteran")
	case cas.FactorDVSurvivor:
		return either(c.Client.DVSurvivor, "DV survivor", "not a DV survivor")
	case cas.FactorYouth:
		return either(c.Client.Youth, "youth", "not youth")
	case cas.FactorHouseholdSize:
		return "household of " + strconv.Itoa(c.Client.HouseholdSize)
	}
	return string(f)
}

// describeUnit names a unit the way a CAS admin knows it: "Harbor Commons Apt 101 (2 bedrooms,
// with_children, accessible)".
func describeUnit(f *cas.Facility, u *cas.Unit) string {
	var b strings.Builder
	b.WriteString(cmp.Or(f.Name, f.ID) + " " + cmp.Or(u.Label, u.ID) + " (")
	switch u.Bedrooms {
	case 0:
		b.WriteString("studio")
	case 1:
		b.WriteString("1 bedroom")
	default:
		b.WriteString(strconv.Itoa(u.Bedrooms) + " bedrooms")
	}
	for _, t := range u.HouseholdTypes {
		b.WriteString(", " + string(t))
	}
	if u.Accessible {
		b.WriteString(", accessible")
	}
	b.WriteString(")")
	return b.String()
}
