package match

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// How a run stays fast. A candidate's eligibility splits into the exclusions, which read the
// client alone and are judged once per run; the program's rules; and the unit's. Candidates whom
// every program treats alike (same household type, populations, age band, or unknown age, and
// required documents on file) form a cohort, and a program's rules are judged once per cohort,
// which is all that counting a facility's candidates costs. Filling a facility walks the ranked
// list from the top, 64 candidates at a time: a bit per candidate says who is not matched yet,
// and sets of bits by household, population, age band and document give the program's verdict
// on all 64 in a few word operations; the refused are counted by popcount, and only those the
// program accepts are looked at one by one, against the unit rules by histogram cell (household
// type, accessibility need, size). Candidates matched earlier and the exclusions are counted from
// prefix sums. Reasons are written only for the proposals made and the units left unfilled.

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
	cellOf     []int32 // by active index: see cell
	// declinedBy lists, per program ID, the active indexes of the candidates it declined, ascending.
	declinedBy map[string][]int32

	households map[cas.HouseholdType]int32 // the candidates' household types, numbered
	documents  map[string]int              // documentKey of each document a program requires → bit
	ageBands   []int                       // the ages at which some program's age limit starts or ends
	sizes      int                         // household sizes are counted in 0..sizes-1

	warm byte // readAhead's results, kept only so that its reads are made
	// waiting has a bit set for each active index whose candidate is not matched yet.
	waiting []uint64
	// The candidates by what a program's rules read of them, a bit per active index as in
	// waiting: by household number, by population (its populationBit's position), by age band + 1
	// (0 for an unknown age) and by document bit on file. A program judges 64 candidates at once
	// from these (see judgeWord).
	householdSet, populationSet, bandSet, documentSet [][]uint64
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
	band        int   // the age band, -1 for an unknown age
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
	r := &run{snap: s, households: map[cas.HouseholdType]int32{}, documents: map[string]int{}, declinedBy: map[string][]int32{}}
	if s.Ranked {
		r.order = make([]int32, len(s.Candidates))
		for i := range r.order {
			r.order[i] = int32(i)
		}
	} else {
		r.order = rankOrder(s.Scheme, s.Candidates)
	}
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

	// Judge each candidate once, in the snapshot's order, which reads memory in sequence; then
	// number the candidates no exclusion refuses by rank.
	n := len(s.Candidates)
	exclusion, cohortOf, cellOf := r.sortIntoCohorts(needAge)
	activeOf := make([]int32, n) // index in snap.Candidates → active index
	r.active, r.cohortOf, r.cellOf = make([]int32, 0, n), make([]int32, 0, n), make([]int32, 0, n)
	r.excludedBefore = make([]int32, 0, (n+1)*numExclusions)
	var seen [numExclusions]int32
	for pos, ci := range r.order {
		if why := exclusion[ci]; why != accepted {
			seen[why-1]++
			continue
		}
		activeOf[ci] = int32(len(r.active))
		r.active = append(r.active, int32(pos))
		r.cohortOf = append(r.cohortOf, cohortOf[ci])
		r.cellOf = append(r.cellOf, cellOf[ci])
		r.excludedBefore = append(r.excludedBefore, seen[:]...)
	}
	r.excludedBefore = append(r.excludedBefore, seen[:]...)
	for _, declined := range r.declinedBy {
		for k, ci := range declined {
			declined[k] = activeOf[ci]
		}
		slices.Sort(declined)
	}
	r.countCells()

	r.waiting = make([]uint64, (len(r.active)+63)/64)
	for i := range r.waiting {
		r.waiting[i] = ^uint64(0)
	}
	if tail := len(r.active) % 64; tail > 0 {
		r.waiting[len(r.waiting)-1] = 1<<tail - 1
	}
	r.matched = make(fenwick, len(r.active)+1)
	r.setsOfCandidates()
	return r
}

// setsOfCandidates fills the sets a program's rules read, from each active candidate's cohort.
func (r *run) setsOfCandidates() {
	sets := func(n int) [][]uint64 {
		all := make([]uint64, n*len(r.waiting))
		s := make([][]uint64, n)
		for k := range s {
			s[k] = all[k*len(r.waiting) : (k+1)*len(r.waiting)]
		}
		return s
	}
	r.householdSet, r.populationSet = sets(len(r.households)), sets(bits.Len8(popUnknown))
	r.bandSet, r.documentSet = sets(len(r.ageBands)+2), sets(len(r.documents))
	for i, k := range r.cohortOf {
		c, w, bit := &r.cohorts[k], i/64, uint64(1)<<(i%64)
		r.householdSet[c.household][w] |= bit
		for pops := c.populations; pops != 0; pops &= pops - 1 {
			r.populationSet[bits.TrailingZeros8(pops)][w] |= bit
		}
		r.bandSet[c.band+1][w] |= bit
		for d, set := range r.documentSet {
			if r.cohortDocs[int(k)*r.docWords+d/64]&(1<<(d%64)) != 0 {
				set[w] |= bit
			}
		}
	}
}

// sortIntoCohorts judges the exclusions of every candidate, by index in snap.Candidates, and
// puts each one no exclusion refuses into its cohort and histogram cell. declinedBy lists them
// by that index too.
func (r *run) sortIntoCohorts(needAge bool) (exclusion []refusal, cohortOf, cellOf []int32) {
	s := r.snap
	exclusion = make([]refusal, len(s.Candidates))
	cohortOf, cellOf = make([]int32, len(s.Candidates)), make([]int32, len(s.Candidates))
	cohorts := map[string]int32{}
	ages := newAgeOn(s.Today)
	bits := map[string]int{} // a document as spelled → its bit, or -1
	docs := make([]uint64, r.docWords)
	var key []byte
	for ci := range s.Candidates {
		if ci%readAheadBy == 0 {
			r.warm ^= readAhead(s.Candidates[ci:min(ci+readAheadBy, len(s.Candidates))])
		}
		c := &s.Candidates[ci]
		if exclusion[ci] = excluded(s.Today, c); exclusion[ci] != accepted {
			continue
		}
		h, ok := r.households[c.Client.HouseholdType]
		if !ok {
			h = int32(len(r.households))
			r.households[c.Client.HouseholdType] = h
		}
		age := 0
		if needAge {
			age = ages.of(&c.Client)
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
		band := -1 // an unknown age is a band of its own: no age limit accepts it
		if age != unknownAge {
			band, _ = slices.BinarySearch(r.ageBands, age+1) // the number of band starts at or below age
		}
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
			r.cohorts = append(r.cohorts, cohort{household: h, populations: pops, age: age, band: band})
			r.cohortDocs = append(r.cohortDocs, docs...)
		}
		cohortOf[ci], cellOf[ci] = k, r.cell(h, c.Client.NeedsAccessible, c.Client.HouseholdSize)

		for j, p := range c.NotReferredAgainBy {
			if !slices.Contains(c.NotReferredAgainBy[:j], p) {
				r.declinedBy[p] = append(r.declinedBy[p], int32(ci))
			}
		}
	}
	return exclusion, cohortOf, cellOf
}

// readAheadBy is how many candidates readAhead reads at a time: enough for the reads to overlap,
// few enough that what they fetch is still in the cache when it is used.
const readAheadBy = 256

// readAhead reads the first byte of each text of the candidates that sortIntoCohorts reads: the
// statuses, the birth date, the household type, the documents. Each text lies elsewhere in
// memory, often far from the candidate; this short loop has the processor fetch many at once,
// where the longer loop that judges a candidate waits for them one by one. Its result is kept
// only so that the reads are made.
func readAhead(candidates []Candidate) byte {
	var b byte
	first := func(s string) byte {
		if s == "" {
			return 0
		}
		return s[0]
	}
	for i := range candidates {
		c := &candidates[i]
		b |= first(string(c.Entry.Status)) | first(string(c.Entry.IntakeStatus)) | first(string(c.Client.BirthDate)) |
			first(string(c.Client.HouseholdType))
		for _, d := range c.Entry.Documents {
			b |= first(d)
		}
	}
	return b
}

// countCells counts each cohort's active candidates by histogram cell. A cohort has one household
// type, so its cells are among the 2*sizes of that household.
func (r *run) countCells() {
	width := 2 * r.sizes
	counts := make([]int32, len(r.cohorts)*width)
	for i, k := range r.cohortOf {
		counts[int(k)*width+int(r.cellOf[i])%width]++
	}
	for k := range r.cohorts {
		co := &r.cohorts[k]
		for c, n := range counts[k*width : (k+1)*width] {
			if n > 0 {
				co.cells = append(co.cells, cellCount{cell: co.household*int32(width) + int32(c), n: n})
			}
		}
	}
}

// cell numbers the histogram cell of candidates by what the unit rules read of them: household
// type, accessibility need and household size, counting every size too large for any unit as one.
// A cell's fit, household*2 + need, indexes the limits of a unit (see unitLimits).
func (r *run) cell(household int32, needsAccessible bool, size int) int32 {
	return int32((int(household)*2+int(flag(needsAccessible)))*r.sizes + min(max(size, 0), r.sizes-1))
}

func (r *run) splitCell(cell int32) (fit, size int) { return int(cell) / r.sizes, int(cell) % r.sizes }

func (r *run) candidate(i int) *Candidate { return &r.snap.Candidates[r.order[r.active[i]]] }

// match marks the candidate at active index i matched.
func (r *run) match(i int) { r.waiting[i/64] &^= 1 << (i % 64) }

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

// programRules are a program's requirements compiled against one run's numbering, and what they
// decide of the run's candidates.
type programRules struct {
	id          string
	households  []bool // by household number; nil when the program serves every household type
	populations []cas.Population
	popMask     uint8
	minAge      int
	maxAge      int
	docs        []uint64 // required documents; nil when none

	refusals []refusal // by cohort, the program's refusal but for the decline
	hist     []int32   // by histogram cell, the candidates the program accepts
	declined []int32   // the active indexes of the candidates it declined, ascending
	bands    []int     // with age limits, the age bands + 1 within them
	kinds    []refusal // the refusals judgeWord can give, and refusedDeclined
}

func (r *run) compileProgram(p *cas.Program) *programRules {
	req := &p.Requirements
	rules := &programRules{id: p.ID, populations: req.Populations, minAge: req.MinAge, maxAge: req.MaxAge}
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
	b.WriteString(strconv.Itoa(len(p.id)) + ":" + p.id + "|")
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

// cohortRefusal applies the program's rules, but for the decline, to a cohort, in the order refuse
// applies them.
func (r *run) cohortRefusal(p *programRules, k int32) refusal {
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
	if r := ageRefusal(c.age, p.minAge, p.maxAge); r != accepted {
		return r
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

// judgeWord applies the program's rules, but for the decline, to the candidates of word w of the
// sets that are in live, in the order cohortRefusal applies them: it sets in refused, for each of
// p.kinds, those the rule refuses, and returns those the program accepts.
func (r *run) judgeWord(p *programRules, w int, live uint64, refused *[numRefusals]uint64) uint64 {
	for _, k := range p.kinds {
		refused[k] = 0
	}
	if p.households != nil {
		served := uint64(0)
		for h, ok := range p.households {
			if ok {
				served |= r.householdSet[h][w]
			}
		}
		refused[refusedProgramHousehold] = live &^ served
		live &= served
	}
	for _, pop := range p.populations {
		in := r.populationSet[bits.TrailingZeros8(populationBit(pop))][w]
		refused[populationRefusal(pop)] |= live &^ in
		live &= in
	}
	if p.minAge != 0 || p.maxAge != 0 {
		unknown, within := r.bandSet[0][w], uint64(0)
		for _, b := range p.bands {
			within |= r.bandSet[b][w]
		}
		refused[refusedNoBirthDate] = live & unknown
		refused[refusedAge] = live &^ unknown &^ within
		live &= within
	}
	for k, need := range p.docs {
		for ; need != 0; need &= need - 1 {
			have := r.documentSet[k*64+bits.TrailingZeros64(need)][w]
			refused[refusedDocuments] |= live &^ have
			live &= have
		}
	}
	return live
}
