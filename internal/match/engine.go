package match

import (
	"cmp"
	"encoding/binary"
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
// Result.Unfilled, in the same order. Every reason counts the candidates ranked above the one
// chosen by the rule that refused them, so that "why not that one?" has an answer.
func Match(s Snapshot) Result {
	r := newRun(&s)
	res := Result{Proposals: make([]Proposal, 0, min(r.freeUnits, len(r.active)))}
	for _, p := range r.plans() {
		r.fill(p, &res)
	}
	return res
}

// How a run stays fast. A candidate's eligibility splits into the exclusions, which read the
// client alone and are judged once per run; the program's rules, judged once per facility; and the
// unit's, judged per unit only for candidates the program accepts. Candidates whom every program
// treats alike (same household type, populations, age band and required documents on file) form
// a cohort, so counting the candidates of a facility costs one judgement per cohort. Filling a
// facility walks the ranked list from the top, skipping candidates already matched (a
// disjoint-set "next unmatched" pointer) and counting them, and the exclusions, from prefix sums.

// run is one matching run's working state. Candidates that no exclusion refuses are numbered by
// rank: the "active index".
type run struct {
	snap      *Snapshot
	order     []int32 // rank position → index in snap.Candidates
	active    []int32 // active index → rank position
	freeUnits int

	// excludedBefore[i*numExclusions+k] counts the candidates ranked above active[i] that exclusion
	// k+1 refuses; i = len(active) counts them all.
	excludedBefore []int32

	cohorts    []cohort
	cohortDocs []uint64 // the documents on file of each cohort, docWords words each
	docWords   int
	cohortOf   []int32 // by active index
	cellOf     []int32 // by active index: see cohortCell
	hasDecline []bool  // by active index: some program declined the client
	// declinedBy lists, per program ID, the active indexes of the candidates it declined.
	declinedBy map[string][]int32

	households map[cas.HouseholdType]int32 // the candidates' household types, numbered
	documents  map[string]int              // documentKey of each document a program requires → bit
	ageBands   []int                       // the ages at which some program's age limit starts or ends
	sizes      int                         // household sizes are counted in 0..sizes-1

	// next[i] leads to the first active index at or after i not yet matched (a disjoint set).
	next []int32
	// matched counts, by active index, candidates matched at facilities already filled.
	matched fenwick
}

// The exclusions are the refusals from refusedReferred to refusedNoConsent.
const numExclusions = int(refusedNoConsent)

// cohort is what a program's rules read of candidates, shared by every candidate of the cohort.
type cohort struct {
	household   int32
	populations uint8 // populationBit of each population
	age         int   // the age of one member; the others are in the same age band
	cells       []cellCount
}

// cellCount counts a cohort's candidates in one histogram cell.
type cellCount struct{ cell, n int32 }

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
	r := &run{snap: s, order: rankOrder(s.Scheme, s.Candidates), households: map[cas.HouseholdType]int32{},
		documents: map[string]int{}, declinedBy: map[string][]int32{}}
	needAge, maxCapacity := false, 0
	for i := range s.Facilities {
		req := &s.Facilities[i].Program.Requirements
		needAge = needAge || req.MinAge != 0 || req.MaxAge != 0 || slices.Contains(req.Populations, cas.Youth)
		if req.MinAge != 0 {
			r.ageBands = append(r.ageBands, req.MinAge)
		}
		if req.MaxAge != 0 {
			r.ageBands = append(r.ageBands, req.MaxAge+1)
		}
		for _, d := range req.RequiredDocuments {
			if _, ok := r.documents[documentKey(d)]; !ok {
				r.documents[documentKey(d)] = len(r.documents)
			}
		}
		r.freeUnits += len(s.Facilities[i].FreeUnits)
		for _, u := range s.Facilities[i].FreeUnits {
			maxCapacity = max(maxCapacity, capacity(u.Bedrooms))
		}
	}
	slices.Sort(r.ageBands)
	r.ageBands = slices.Compact(r.ageBands)
	r.docWords = (len(r.documents) + 63) / 64
	r.sizes = maxCapacity + 2

	// Judge the exclusions in the snapshot's order, which reads memory in sequence.
	n := len(s.Candidates)
	exclusion := make([]refusal, n)
	for i := range s.Candidates {
		exclusion[i] = excluded(s.Today, &s.Candidates[i])
	}
	var seen [numExclusions]int32
	for pos, i := range r.order {
		if why := exclusion[i]; why != accepted {
			seen[why-1]++
			continue
		}
		r.active = append(r.active, int32(pos))
		r.excludedBefore = append(r.excludedBefore, seen[:]...)
	}
	r.excludedBefore = append(r.excludedBefore, seen[:]...)

	r.sortIntoCohorts(needAge)
	r.next = make([]int32, len(r.active)+1)
	for i := range r.next {
		r.next[i] = int32(i)
	}
	r.matched = make(fenwick, len(r.active)+1)
	return r
}

// sortIntoCohorts puts each active candidate into its cohort and histogram cell.
func (r *run) sortIntoCohorts(needAge bool) {
	s := r.snap
	r.cohortOf = make([]int32, len(r.active))
	r.cellOf = make([]int32, len(r.active))
	r.hasDecline = make([]bool, len(r.active))
	cohorts := map[string]int32{}
	ages := map[cas.Date]int{}
	bits := map[string]int{} // a document as spelled → its bit, or -1
	docs := make([]uint64, r.docWords)
	var key []byte
	cells := map[[2]int32]int32{}
	for i, pos := range r.active {
		c := &s.Candidates[r.order[pos]]
		h, ok := r.households[c.Client.HouseholdType]
		if !ok {
			h = int32(len(r.households))
			r.households[c.Client.HouseholdType] = h
		}
		age := 0
		if needAge {
			if age, ok = ages[c.Client.BirthDate]; !ok {
				age = c.Client.Age(s.Today)
				ages[c.Client.BirthDate] = age
			}
		}
		var pops uint8
		for _, pop := range cas.Populations {
			if inPopulation(&c.Client, pop, age) {
				pops |= populationBit(pop)
			}
		}
		clear(docs)
		for _, d := range c.Entry.Documents {
			b, ok := bits[d]
			if !ok {
				if b, ok = r.documents[documentKey(d)]; !ok {
					b = -1
				}
				bits[d] = b
			}
			if b >= 0 {
				docs[b/64] |= 1 << (b % 64)
			}
		}
		band, _ := slices.BinarySearch(r.ageBands, age+1) // the number of band starts at or below age
		key = binary.LittleEndian.AppendUint32(key[:0], uint32(h))
		key = append(key, pops)
		key = binary.LittleEndian.AppendUint32(key, uint32(band))
		for _, w := range docs {
			key = binary.LittleEndian.AppendUint64(key, w)
		}
		k, ok := cohorts[string(key)]
		if !ok {
			k = int32(len(r.cohorts))
			cohorts[string(key)] = k
			r.cohorts = append(r.cohorts, cohort{household: h, populations: pops, age: age})
			r.cohortDocs = append(r.cohortDocs, docs...)
		}
		r.cohortOf[i] = k
		size := min(max(c.Client.HouseholdSize, 0), r.sizes-1)
		r.cellOf[i] = int32((int(h)*2+int(flag(c.Client.NeedsAccessible)))*r.sizes + size)
		cells[[2]int32{k, r.cellOf[i]}]++

		for j, p := range c.DeclinedBy {
			if !slices.Contains(c.DeclinedBy[:j], p) {
				r.hasDecline[i] = true
				r.declinedBy[p] = append(r.declinedBy[p], int32(i))
			}
		}
	}
	for kc, n := range cells {
		co := &r.cohorts[kc[0]]
		co.cells = append(co.cells, cellCount{cell: kc[1], n: n})
	}
}

func (r *run) candidate(i int) *Candidate { return &r.snap.Candidates[r.order[r.active[i]]] }

// unmatched returns the first active index at or after i whose candidate is not matched yet.
func (r *run) unmatched(i int) int {
	for int(r.next[i]) != i {
		r.next[i] = r.next[r.next[i]]
		i = int(r.next[i])
	}
	return i
}

// before counts, by refusal, the candidates ranked above active index i that no facility's rules
// are needed to explain: the exclusions, and clients matched at facilities already filled.
func (r *run) before(i int) [numRefusals]int32 {
	var counts [numRefusals]int32
	copy(counts[1:], r.excludedBefore[i*numExclusions:(i+1)*numExclusions])
	counts[alreadyMatched] = r.matched.sum(i)
	return counts
}

// fenwick is a Fenwick tree: counts by index, with prefix sums in logarithmic time.
type fenwick []int32

func (f fenwick) add(i int) {
	for i++; i < len(f); i += i & -i {
		f[i]++
	}
}

// sum counts the indexes below i.
func (f fenwick) sum(i int) int32 {
	var n int32
	for ; i > 0; i -= i & -i {
		n += f[i]
	}
	return n
}

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

// key identifies compiled rules: rules with equal keys accept the same candidates.
func (p *programRules) key() string {
	var b strings.Builder
	b.WriteString(p.id + "|")
	for _, h := range p.households {
		b.WriteByte(byte('0' + flag(h)))
	}
	for _, pop := range p.populations {
		b.WriteString("|" + string(pop))
	}
	b.WriteString("|" + strconv.Itoa(p.minAge) + "|" + strconv.Itoa(p.maxAge))
	for _, w := range p.docs {
		b.WriteString("|" + strconv.FormatUint(w, 16))
	}
	return b.String()
}

// refusal applies the program's rules after the decline, in the order refuse applies them.
func (r *run) refusal(p *programRules, k int32) refusal {
	c := &r.cohorts[k]
	if p.households != nil && !p.households[c.household] {
		return refusedProgramHousehold
	}
	if c.populations&p.popMask != p.popMask {
		for _, pop := range p.populations {
			if c.populations&populationBit(pop) == 0 {
				return populationRefusal(pop)
			}
		}
	}
	if !withinAges(c.age, p.minAge, p.maxAge) {
		return refusedAge
	}
	if p.docs != nil {
		have := r.cohortDocs[int(k)*r.docWords:]
		for w, need := range p.docs {
			if need&^have[w] != 0 {
				return refusedDocuments
			}
		}
	}
	return accepted
}

// programRefusal applies the program's rules to the candidate at active index i.
func (r *run) programRefusal(p *programRules, i int) refusal {
	if r.hasDecline[i] && slices.Contains(r.candidate(i).DeclinedBy, p.id) {
		return refusedDeclined
	}
	return r.refusal(p, r.cohortOf[i])
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
	// passed counts the higher-ranked candidates whom this unit's own rules refused, or who were
	// matched to another unit of the facility before it.
	passed [numRefusals]int32
}

// plans compiles the facilities with free units and orders them scarcest first.
//
// A facility's candidates are counted in a histogram of the candidates its program accepts, by
// household type, accessibility need and household size: all that the unit rules read. Facilities
// of one program share the histogram.
func (r *run) plans() []*plan {
	histograms := map[string][]int32{}
	accepts := make([]bool, len(r.cohorts))
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
			for k := range r.cohorts {
				if accepts[k] = r.refusal(&p.rules, int32(k)) == accepted; accepts[k] {
					for _, c := range r.cohorts[k].cells {
						hist[c.cell] += c.n
					}
				}
			}
			for _, j := range r.declinedBy[p.rules.id] {
				if accepts[r.cohortOf[j]] {
					hist[r.cellOf[j]]--
				}
			}
			histograms[key] = hist
		}
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

// unitLimits fills limits, by household number and accessibility need, with the largest household
// the unit fits, or -1.
func (r *run) unitLimits(u *cas.Unit, limits []int) {
	for i := range limits {
		limits[i] = -1
	}
	for _, t := range u.HouseholdTypes {
		if h, ok := r.households[t]; ok {
			limits[h*2] = capacity(u.Bedrooms)
			if u.Accessible {
				limits[h*2+1] = capacity(u.Bedrooms)
			}
		}
	}
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
func (r *run) fill(p *plan, res *Result) {
	var passed [numRefusals]int32 // the program's refusals of the candidates walked past
	open := make([]int, len(p.units))
	for k := range open {
		open[k] = k
	}
	var matchedHere []int
	for i := r.unmatched(0); i < len(r.active) && len(open) > 0; i = r.unmatched(i + 1) {
		if why := r.programRefusal(&p.rules, i); why != accepted {
			passed[why]++
			continue
		}
		c := r.candidate(i)
		taken := -1
		for k, u := range open {
			s := &p.units[u]
			if taken >= 0 {
				s.passed[alreadyMatched]++
				continue
			}
			if why := unitRefusal(&c.Client, s.unit); why != accepted {
				s.passed[why]++
				continue
			}
			taken = k
			res.Proposals = append(res.Proposals, r.propose(p, s, i, r.reasonCounts(i, &passed, &s.passed)))
		}
		if taken >= 0 {
			open = slices.Delete(open, taken, taken+1)
			r.next[i] = int32(i + 1)
			matchedHere = append(matchedHere, i)
		}
	}
	// Counted only now, so that the walk above counts this facility's matches per unit.
	for _, i := range matchedHere {
		r.matched.add(i)
	}
	for _, u := range open {
		s := &p.units[u]
		reason := "No clients on the HPL."
		if len(r.order) > 0 {
			counts := r.reasonCounts(len(r.active), &passed, &s.passed)
			reason = string(appendCounts([]byte("No eligible client among the "+strconv.Itoa(len(r.order))+" on the HPL: "), &counts)) + "."
		}
		res.Unfilled = append(res.Unfilled, Unfilled{FacilityID: p.facility.Facility.ID, UnitID: s.unit.ID, Reason: reason})
	}
}

// reasonCounts counts, by refusal, the candidates ranked above active index i (all when i is
// len(r.active)) for a unit: from the run, the facility's walk and the unit's own.
func (r *run) reasonCounts(i int, facility, unit *[numRefusals]int32) [numRefusals]int32 {
	counts := r.before(i)
	for k := range counts {
		counts[k] += facility[k] + unit[k]
	}
	return counts
}

func (r *run) propose(p *plan, s *slot, i int, passed [numRefusals]int32) Proposal {
	c := r.candidate(i)
	rank := int(r.active[i]) + 1
	mode := p.facility.Program.ReferralMode
	if mode == "" {
		mode = cas.ReferralAuto
	}
	b := make([]byte, 0, 256)
	b = append(b, "Rank "...)
	b = strconv.AppendInt(b, int64(rank), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(len(r.order)), 10)
	for k, cr := range r.snap.Scheme.Criteria {
		if k == 0 {
			b = append(b, " ("...)
		} else {
			b = append(b, ", "...)
		}
		b = appendFactor(b, cr.Factor, c)
	}
	if len(r.snap.Scheme.Criteria) > 0 {
		b = append(b, ')')
	}
	b = append(b, ": the highest-ranked client eligible for "...)
	b = appendUnit(b, &p.facility.Facility, s.unit)
	b = append(b, '.')
	if rank > 1 {
		b = append(b, " Higher-ranked clients passed over: "...)
		b = append(appendCounts(b, &passed), '.')
	}
	return Proposal{
		ClientID:      c.Client.ID,
		HPLEntryID:    c.Entry.ID,
		FacilityID:    p.facility.Facility.ID,
		ProgramID:     p.facility.Program.ID,
		AgencyID:      p.facility.Facility.AgencyID,
		UnitID:        s.unit.ID,
		Mode:          mode,
		Rank:          rank,
		SchemeVersion: r.snap.Scheme.Version,
		Reason:        string(b),
	}
}

// appendCounts writes counts of refusals, the most frequent first: "3 not ready, 1 parked".
func appendCounts(b []byte, counts *[numRefusals]int32) []byte {
	reasons := make([]refusal, 0, numRefusals)
	for why, n := range counts {
		if n > 0 {
			reasons = append(reasons, refusal(why))
		}
	}
	slices.SortStableFunc(reasons, func(x, y refusal) int { return cmp.Compare(counts[y], counts[x]) })
	for k, why := range reasons {
		if k > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(counts[why]), 10)
		b = append(b, ' ')
		b = append(b, why.String()...)
	}
	return b
}

// appendFactor writes a candidate's value of a ranking factor: "score 14", "not chronic".
func appendFactor(b []byte, f cas.Factor, c *Candidate) []byte {
	either := func(v bool, yes, no string) []byte {
		if v {
			return append(b, yes...)
		}
		return append(b, no...)
	}
	switch f {
	case cas.FactorScore:
		return strconv.AppendInt(append(b, "score "...), int64(c.Entry.Score), 10)
	case cas.FactorChronic:
		return either(c.Client.Chronic, "chronic", "not chronic")
	case cas.FactorDaysHomeless:
		return append(strconv.AppendInt(b, int64(c.Entry.DaysHomeless), 10), " days homeless"...)
	case cas.FactorAssessedOn:
		return append(b, "assessed "+string(c.Entry.AssessedOn)...)
	case cas.FactorVeteran:
		return either(c.Client.Veteran, "veteran", "not a veteran")
	case cas.FactorDVSurvivor:
		return either(c.Client.DVSurvivor, "DV survivor", "not a DV survivor")
	case cas.FactorYouth:
		return either(c.Client.Youth, "youth", "not youth")
	case cas.FactorHouseholdSize:
		return strconv.AppendInt(append(b, "household of "...), int64(c.Client.HouseholdSize), 10)
	}
	return append(b, f...)
}

// appendUnit names a unit as a CAS admin knows it: "Harbor Commons Apt 101 (2 bedrooms,
// with_children, accessible)".
func appendUnit(b []byte, f *cas.Facility, u *cas.Unit) []byte {
	b = append(b, cmp.Or(f.Name, f.ID)+" "+cmp.Or(u.Label, u.ID)+" ("...)
	switch u.Bedrooms {
	case 0:
		b = append(b, "studio"...)
	case 1:
		b = append(b, "1 bedroom"...)
	default:
		b = append(strconv.AppendInt(b, int64(u.Bedrooms), 10), " bedrooms"...)
	}
	for _, t := range u.HouseholdTypes {
		b = append(b, ", "+string(t)...)
	}
	if u.Accessible {
		b = append(b, ", accessible"...)
	}
	return append(b, ')')
}
