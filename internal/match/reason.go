package match

import (
	"cmp"
	"strconv"

	"github.com/doorway-cas/doorway/internal/cas"
)

// propose refers candidate c, at rank, to unit u of facility f, saying why: the candidate's rank
// and ranking factors, the unit, and the refusals of everyone ranked above.
func propose(s *Snapshot, f *Facility, u *cas.Unit, c *Candidate, rank int, passed *[numRefusals]int32) Proposal {
	mode := f.Program.ReferralMode
	if mode == "" {
		mode = cas.ReferralAuto
	}
	b := make([]byte, 0, 1024) // a reason is rarely longer
	b = append(b, "Rank "...)
	b = strconv.AppendInt(b, int64(rank), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(len(s.Candidates)), 10)
	for k, cr := range s.Scheme.Criteria {
		if k == 0 {
			b = append(b, " ("...)
		} else {
			b = append(b, ", "...)
		}
		b = appendFactor(b, cr.Factor, c)
	}
	if len(s.Scheme.Criteria) > 0 {
		b = append(b, ')')
	}
	b = append(b, ": the highest-ranked client eligible for "...)
	b = appendUnit(b, &f.Facility, u)
	b = append(b, '.')
	if rank > 1 {
		b = append(b, " Higher-ranked clients passed over: "...)
		b = append(appendCounts(b, passed), '.')
	}
	return Proposal{
		ClientID:      c.Client.ID,
		HPLEntryID:    c.Entry.ID,
		FacilityID:    f.Facility.ID,
		ProgramID:     f.Program.ID,
		AgencyID:      f.Facility.AgencyID,
		UnitID:        u.ID,
		Mode:          mode,
		Rank:          rank,
		SchemeVersion: s.Scheme.Version,
		Reason:        string(b),
	}
}

// unfilled says why no client was found for unit u of facility f: the refusals of all onHPL
// candidates.
func unfilled(f *Facility, u *cas.Unit, onHPL int, counts *[numRefusals]int32) Unfilled {
	reason := "No clients on the HPL."
	if onHPL > 0 {
		b := make([]byte, 0, 256)
		b = append(b, "No eligible client among the "...)
		b = strconv.AppendInt(b, int64(onHPL), 10)
		b = append(b, " on the HPL: "...)
		reason = string(append(appendCounts(b, counts), '.'))
	}
	return Unfilled{FacilityID: f.Facility.ID, UnitID: u.ID, Reason: reason}
}

// appendCounts writes counts of refusals, the most frequent first: "3 not ready, 1 parked".
func appendCounts(b []byte, counts *[numRefusals]int32) []byte {
	reasons := make([]refusal, 0, numRefusals)
	for why, n := range counts {
		if n > 0 {
			reasons = append(reasons, refusal(why))
		}
	}
	for k := 1; k < len(reasons); k++ { // an insertion sort: there are few, and it keeps ties in rule order
		for j := k; j > 0 && counts[reasons[j]] > counts[reasons[j-1]]; j-- {
			reasons[j], reasons[j-1] = reasons[j-1], reasons[j]
		}
	}
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
		return append(append(b, "assessed "...), c.Entry.AssessedOn...)
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
	b = append(b, cmp.Or(f.Name, f.ID)...)
	b = append(b, ' ')
	b = append(b, cmp.Or(u.Label, u.ID)...)
	b = append(b, " ("...)
	switch u.Bedrooms {
	case 0:
		b = append(b, "studio"...)
	case 1:
		b = append(b, "1 bedroom"...)
	default:
		b = append(strconv.AppendInt(b, int64(u.Bedrooms), 10), " bedrooms"...)
	}
	for _, t := range u.HouseholdTypes {
		b = append(append(b, ", "...), t...)
	}
	if u.Accessible {
		b = append(b, ", accessible"...)
	}
	return append(b, ')')
}
