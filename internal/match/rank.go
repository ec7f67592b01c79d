package match

import (
	"cmp"
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
// turned into integers that sort ascending, so that sorting compares integers rather than
// switching on factors.
func rankOrder(scheme cas.PriorityScheme, candidates []Candidate) []int32 {
	n, k := len(candidates), len(scheme.Criteria)
	keys := make([]int64, n*k)
	for j, cr := range scheme.Criteria {
		var days map[cas.Date]int64
		if cr.Factor == cas.FactorAssessedOn {
			days = dateOrder(candidates)
		}
		for i := range candidates {
			v := factorValue(cr.Factor, &candidates[i], days)
			if !cr.Ascending {
				v = -v
			}
			keys[i*k+j] = v
		}
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := slices.Compare(keys[int(a)*k:int(a)*k+k], keys[int(b)*k:int(b)*k+k]); c != 0 {
			return c
		}
		ea, eb := &candidates[a].Entry, &candidates[b].Entry
		if c := ea.CreatedAt.Compare(eb.CreatedAt); c != 0 {
			return c
		}
		if c := strings.Compare(ea.ID, eb.ID); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return order
}

func factorValue(f cas.Factor, c *Candidate, days map[cas.Date]int64) int64 {
	switch f {
	case cas.FactorScore:
		return int64(c.Entry.Score)
	case cas.FactorChronic:
		return flag(c.Client.Chronic)
	case cas.FactorDaysHomeless:
		return int64(c.Entry.DaysHomeless)
	case cas.FactorAssessedOn:
		return days[c.Entry.AssessedOn]
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
// "YYYY-MM-DD" is the calendar's.
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
