package policylab

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// largeHistory is six months of a large CoC: 10,000 people on the HPL (7,000 at the start, 3,000
// joining), 2,000 units in 200 facilities of 10 programs, each unit vacated once in the period by
// a check-out and some a second time, 1,000 referrals that really were declined, expired or
// withdrawn, parks and removals, and the engine running after each change.
func largeHistory() *History {
	rng := rand.New(rand.NewPCG(19, 6))
	h := &History{From: from, To: to, Zone: time.UTC, NoRereferral: 90 * day,
		Schemes: []cas.PriorityScheme{{Version: 1, Criteria: cas.DefaultCriteria}}}
	span := to.Sub(from)
	at := func() time.Time { return from.Add(time.Duration(rng.Int64N(int64(span)))) }
	for p := range 10 {
		req := cas.Requirements{}
		switch p % 4 {
		case 1:
			req.Populations = []cas.Population{cas.Veteran}
		case 2:
			req.HouseholdTypes = []cas.HouseholdType{cas.WithChildren}
		case 3:
			req.Populations = []cas.Population{cas.ChronicallyHomeless}
		}
		h.Programs = append(h.Programs, cas.Program{ID: fmt.Sprintf("p%02d", p), Requirements: req})
	}
	for f := range 200 {
		h.Facilities = append(h.Facilities, cas.Facility{ID: fmt.Sprintf("f%03d", f), ProgramID: fmt.Sprintf("p%02d", f%10)})
		for u := range 10 {
			unit := Unit{Unit: cas.Unit{ID: fmt.Sprintf("u%03d-%d", f, u), FacilityID: fmt.Sprintf("f%03d", f), Bedrooms: u % 3,
				HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren, cas.WithChildren}, CreatedAt: from.Add(-365 * day)}}
			out := at()
			unit.Holds = append(unit.Holds, Hold{Kind: HoldOccupancy, ID: unit.Unit.ID + "-o", From: from.Add(-200 * day), To: &out})
			h.Runs = append(h.Runs, out.Add(time.Second))
			if u%3 == 0 {
				start, end := at(), at()
				if end.Before(start) {
					start, end = end, start
				}
				unit.Holds = append(unit.Holds, Hold{Kind: HoldOffline, ID: unit.Unit.ID + "-x", From: start, To: &end})
				h.Runs = append(h.Runs, end.Add(time.Second))
			}
			h.Units = append(h.Units, unit)
		}
	}
	for i := range 10000 {
		joined := from.Add(-time.Duration(rng.IntN(700)) * day)
		if i >= 7000 {
			joined = at()
			h.Runs = append(h.Runs, joined.Add(time.Second))
		}
		c := cas.Client{ID: fmt.Sprintf("c%05d", i), HouseholdSize: 1 + rng.IntN(4), HouseholdType: cas.WithoutChildren,
			Veteran: rng.IntN(8) == 0, Chronic: rng.IntN(3) == 0, Consent: rng.IntN(10) > 0, BirthDate: "1980-01-01"}
		if c.HouseholdSize > 1 {
			c.HouseholdType = cas.WithChildren
		} else {
			c.HouseholdSize = 1
		}
		e := cas.HPLEntry{ID: fmt.Sprintf("e%05d", i), ClientID: c.ID, Score: rng.IntN(17), DaysHomeless: rng.IntN(2000),
			AssessedOn: "2025-06-01", IntakeStatus: cas.IntakeReady, Status: cas.HPLActive, CreatedAt: joined}
		p := Person{EntryID: e.ID, ClientID: c.ID, Joined: joined, Groups: GroupsOf(&c), Versions: []Version{{At: joined, Entry: e, Client: c}}}
		switch rng.IntN(20) {
		case 0: // parked for two weeks in the period
			parked := e
			parked.ParkedUntil = cas.DateOf(at(), time.UTC)
			parked.ParkReason = "in hospital"
			p.Versions = append(p.Versions, Version{At: later(joined, from).Add(day), Entry: parked, Client: c})
		case 1: // removed from the list
			gone := e
			gone.Status = cas.HPLInactive
			p.Versions = append(p.Versions, Version{At: later(joined, from).Add(30 * day), Entry: gone, Client: c})
		}
		h.People = append(h.People, p)
	}
	endings := []cas.ReferralStatus{cas.ReferralDeclined, cas.ReferralExpired, cas.ReferralWithdrawn}
	for i := range 1000 {
		p := &h.People[rng.IntN(len(h.People))]
		created := later(at(), p.Joined)
		closed := created.Add(time.Duration(1+rng.IntN(10)) * day)
		f := h.Facilities[rng.IntN(len(h.Facilities))]
		h.Referrals = append(h.Referrals, Referral{ID: fmt.Sprintf("r%04d", i), ClientID: p.ClientID, EntryID: p.EntryID,
			ProgramID: f.ProgramID, FacilityID: f.ID, Source: cas.SourceEngine, Created: created, Closed: &closed,
			Status: endings[i%3], ReasonCode: string(cas.DeclineClientRefused)})
	}
	return h
}

func BenchmarkCompareSixMonths(b *testing.B) {
	h := largeHistory()
	alternative := cas.PriorityScheme{Criteria: []cas.Criterion{{Factor: cas.FactorDaysHomeless}, {Factor: cas.FactorScore}}}
	var r Report
	for b.Loop() {
		r = Compare(h, alternative)
	}
	b.ReportMetric(float64(r.Baseline.Referrals), "baseline-referrals")
	b.ReportMetric(float64(r.Alternative.Referrals), "alternative-referrals")
	b.ReportMetric(float64(len(r.Changed)), "changed")
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
