package match

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Rank orders candidates by the scheme: each criterion breaks the ties of the ones before it,
// highest first unless the criterion is ascending (true before false for yes-or-no factors, the
// latest date for assessed_on). Candidates equal on every criterion keep the order they joined the
// HPL (Entry.CreatedAt), then their entry ID. Criteria with a factor Rank does not know are ignored;
// cas.PriorityScheme.Validate refuses them before a scheme is stored.
func Rank(scheme cas.PriorityScheme, candidates []Candidate) []Ranked {
	order := rankOrder(scheme, candidates)
	ranked := make([]Ranked, len(order))
	for pos, i := range order {
		ranked[pos] = Ranked{Candidate: candidates[i], Rank: pos + 1}
	}
	return ranked
}

// rankOrder returns the candidates' indexes in rank order. Each candidate's criteria are first
// turned into integers that sort ascending and packed, each in the bits its range needs, into a
// key of one word or a few. A radix sort orders the candidates by the first word; only those
// equal in it are compared further.
func rankOrder(scheme cas.PriorityScheme, candidates []Candidate) []int32 {
	keys := packKeys(scheme, candidates)
	order := make([]sortKey, len(candidates))
	for i := range order {
		order[i] = sortKey{first: keys.word(i, 0), i: int32(i)}
	}
	order = radixSort(order, keys.firstFree)
	// Candidates equal in the first word are still in index order.
	tie := func(a, b sortKey) int {
		for w := 1; w < keys.words; w++ {
			if c := cmp.Compare(keys.word(int(a.i), w), keys.word(int(b.i), w)); c != 0 {
				return c
			}
		}
		ea, eb := &candidates[a.i].Entry, &candidates[b.i].Entry
		if c := ea.CreatedAt.Compare(eb.CreatedAt); c != 0 {
			return c
		}
		if c := strings.Compare(ea.ID, eb.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	}
	ranked := make([]int32, len(order))
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && order[end].first == order[start].first {
			end++
		}
		if end-start > 1 {
			slices.SortFunc(order[start:end], tie)
		}
		for pos := start; pos < end; pos++ {
			ranked[pos] = order[pos].i
		}
		start = end
	}
	return ranked
}

// sortKey is a candidate's index and the first word of its packed criteria.
type sortKey struct {
	first uint64
	i     int32
}

// radixSort sorts keys by first, keeping the order of equal keys, reading first eleven bits at a
// time from bit low up: the bits below low are zero.
func radixSort(keys []sortKey, low int) []sortKey {
	const digit = 11
	spare := make([]sortKey, len(keys))
	for shift := low; shift < 64; shift += digit {
		var next [1 << digit]int32 // where the next key of each digit goes
		for _, k := range keys {
			next[(k.first>>shift)&(1<<digit-1)]++
		}
		at := int32(0)
		for d, n := range next {
			next[d], at = at, at+n
		}
		for _, k := range keys {
			d := (k.first >> shift) & (1<<digit - 1)
			spare[next[d]] = k
			next[d]++
		}
		keys, spare = spare, keys
	}
	return keys
}

// packedKeys hold words words per candidate; candidates compare as their words do, in order. The
// lowest firstFree bits of the first word are zero.
type packedKeys struct {
	words     int
	firstFree int
	key       []uint64
}

func (k *packedKeys) word(i, w int) uint64 {
	if w >= k.words {
		return 0
	}
	return k.key[i*k.words+w]
}

// packKeys packs the candidates' criteria, the first in the highest bits. A criterion takes the
// bits of its range among these candidates, offset by its least value; one that does not fit in
// what is left of a word starts the next.
func packKeys(scheme cas.PriorityScheme, candidates []Candidate) packedKeys {
	n := len(candidates)
	keys := packedKeys{firstFree: 64}
	if n == 0 {
		return keys
	}
	// Read each candidate once, which reads memory in sequence; keep the values criterion by
	// criterion.
	k := len(scheme.Criteria)
	values := make([]int64, n*k)
	for i := range candidates {
		for j, cr := range scheme.Criteria {
			values[j*n+i] = factorValue(cr.Factor, &candidates[i])
		}
	}
	type field struct {
		low         int64
		word, shift int
	}
	fields := make([]field, k)
	free := 0 // the bits left in the last word
	for j, cr := range scheme.Criteria {
		column := values[j*n : (j+1)*n]
		if cr.Factor == cas.FactorAssessedOn && slices.Contains(column, -1) {
			days := dateOrder(candidates)
			for i := range candidates {
				column[i] = days[candidates[i].Entry.AssessedOn]
			}
		}
		if !cr.Ascending {
			for i, v := range column {
				column[i] = -v
			}
		}
		low := slices.Min(column)
		width := bits.Len64(uint64(slices.Max(column) - low))
		if keys.words == 0 || width > free {
			keys.words, free = keys.words+1, 64
		}
		free -= width
		if keys.words == 1 {
			keys.firstFree = free
		}
		fields[j] = field{low: low, word: keys.words - 1, shift: free}
	}
	keys.key = make([]uint64, n*keys.words)
	for j, f := range fields {
		for i, v := range values[j*n : (j+1)*n] {
			keys.key[i*keys.words+f.word] |= uint64(v-f.low) << f.shift
		}
	}
	return keys
}

// factorValue is a candidate's value of a factor, the higher the greater; for assessed_on, a valid
// date's digits as a number, which orders dates as their text does, or -1.
func factorValue(f cas.Factor, c *Candidate) int64 {
	switch f {
	case cas.FactorScore:
		return int64(c.Entry.Score)
	case cas.FactorChronic:
		return flag(c.Client.Chronic)
	case cas.FactorDaysHomeless:
		return int64(c.Entry.DaysHomeless)
	case cas.FactorAssessedOn:
		year, monthDay, valid := splitDate(c.Entry.AssessedOn)
		if !valid {
			return -1
		}
		return int64(year*10000 + monthDay)
	case cas.FactorVeteran:
		return flag(c.Client.Veteran)
	case cas.FactorDVSurvivor:
		return flag(c.Client.DVSurvivor)
	case cas.FactorYouth:
		return flag(c.Client.Youth)
	case cas.FactorHouseholdSize:
		return int64(c.Client.HouseholdSize)
	}
	return 0
}

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// dateOrder numbers the assessment dates in the order they compare as strings, which for
// "YYYY-MM-DD" is the calendar's; it serves when some date is not valid.
func dateOrder(candidates []Candidate) map[cas.Date]int64 {
	days := map[cas.Date]int64{}
	for i := range candidates {
		days[candidates[i].Entry.AssessedOn] = 0
	}
	sorted := make([]cas.Date, 0, len(days))
	for d := range days {
		sorted = append(sorted, d)
	}
	slices.Sort(sorted)
	for i, d := range sorted {
		days[d] = int64(i)
	}
	return days
}

// SortKey is a candidate's criteria under a scheme as integers that sort ascending in rank order;
// candidates with equal keys are ordered as Rank orders them, by when their entry joined the HPL,
// then by its ID. It lets a caller keep a list ranked as entries change, without ranking it all
// again.
func SortKey(scheme cas.PriorityScheme, c *Candidate) []int64 {
	key := make([]int64, len(scheme.Criteria))
	for j, cr := range scheme.Criteria {
		v := factorValue(cr.Factor, c)
		if !cr.Ascending {
			v = -v
		}
		key[j] = v
	}
	return key
}
