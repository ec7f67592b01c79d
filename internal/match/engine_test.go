package match

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ready is a single adult, active on the HPL, ready and consenting, ranked by score.
func ready(id string, score int, change func(*Candidate)) Candidate {
	return entrant(id, func(c *Candidate) {
		c.Entry.Score, c.Entry.IntakeStatus, c.Entry.Status = score, cas.IntakeReady, cas.HPLActive
		c.Client.Consent, c.Client.HouseholdType, c.Client.BirthDate = true, cas.WithoutChildren, "1980-01-01"
		if change != nil {
			change(c)
		}
	})
}

func program(id string, change func(*cas.Program)) cas.Program {
	p := cas.Program{ID: id, AgencyID: "agency-1", Name: id, ReferralMode: cas.ReferralAuto}
	if change != nil {
		change(&p)
	}
	return p
}

func site(id string, p cas.Program, units ...cas.Unit) Facility {
	for i := range units {
		units[i].FacilityID = id
	}
	return Facility{Facility: cas.Facility{ID: id, ProgramID: p.ID, AgencyID: p.AgencyID, Name: id}, Program: p, FreeUnits: units}
}

// unit is a unit for any household without children, unless changed.
func unit(id string, bedrooms int, change func(*cas.Unit)) cas.Unit {
	u := cas.Unit{ID: id, Label: id, Bedrooms: bedrooms, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren, cas.WithChildren}}
	if change != nil {
		change(&u)
	}
	return u
}

// placements maps each proposal's HPL entry to its unit.
func placements(res Result) map[string]string {
	m := map[string]string{}
	for _, p := range res.Proposals {
		m[p.HPLEntryID] = p.UnitID
	}
	return m
}

func TestMatchTheHighestRankedEligibleClientWins(t *testing.T) {
	family := func(size int) func(*Candidate) {
		return func(c *Candidate) { c.Client.HouseholdType, c.Client.HouseholdSize = cas.WithChildren, size }
	}
	harbor := program("prog-harbor", func(p *cas.Program) { p.AgencyID = "agency-7" })
	f := site("fac-harbor", harbor, unit("unit-101", 2, func(u *cas.Unit) {
		u.Label, u.HouseholdTypes = "Apt 101", []cas.HouseholdType{cas.WithChildren}
	}))
	f.Facility.Name = "Harbor Commons"
	s := Snapshot{
		Today:  today,
		Scheme: cas.PriorityScheme{Version: 3, Criteria: cas.DefaultCriteria},
		Candidates: []Candidate{
			ready("hpl-d", 13, family(2)),
			ready("hpl-c", 14, func(c *Candidate) {
				family(3)(c)
				c.Client.Chronic, c.Entry.DaysHomeless, c.Entry.AssessedOn = true, 730, "2026-05-02"
			}),
			ready("hpl-b", 15, func(c *Candidate) { family(3)(c); c.Client.NeedsAccessible = true }),
			ready("hpl-a", 16, nil),
			ready("hpl-e", 17, func(c *Candidate) { family(3)(c); c.Entry.IntakeStatus = cas.IntakePending }),
		},
		Facilities: []Facility{f},
	}
	want := Result{Proposals: []Proposal{{
		ClientID: "client-hpl-c", HPLEntryID: "hpl-c", FacilityID: "fac-harbor", ProgramID: "prog-harbor", AgencyID: "agency-7",
		UnitID: "unit-101", Mode: cas.ReferralAuto, Rank: 4, SchemeVersion: 3,
		Reason: "Rank 4 of 5 (score 14, chronic, 730 days homeless, assessed 2026-05-02): the highest-ranked client eligible for " +
			"Harbor Commons Apt 101 (2 bedrooms, with_children). Higher-ranked clients passed over: 1 not ready, " +
			"1 household type not served by the unit, 1 needs an accessible unit.",
	}}}
	if diff := cmp.Diff(want, Match(s), cmpopts.EquateEmpty()); diff != "" {
		t.Error(diff)
	}
}

func TestMatchEachClientOnceEachUnitOnce(t *testing.T) {
	s := Snapshot{
		Today:      today,
		Scheme:     scheme(cas.DefaultCriteria...),
		Candidates: []Candidate{ready("first", 15, nil), ready("second", 10, nil)},
		Facilities: []Facility{
			site("fac-1", program("prog-1", nil), unit("unit-a", 0, nil), unit("unit-b", 0, nil), unit("unit-c", 0, nil)),
		},
	}
	res := Match(s)
	if diff := cmp.Diff(map[string]string{"first": "unit-a", "second": "unit-b"}, placements(res)); diff != "" {
		t.Error(diff)
	}
	if got, want := res.Proposals[1].Reason, "Rank 2 of 2 (score 10, not chronic, 100 days homeless, assessed 2026-01-01): "+
		"the highest-ranked client eligible for fac-1 unit-b (studio, without_children, with_children). "+
		"Higher-ranked clients passed over: 1 already matched this run."; got != want {
		t.Errorf("reason\n got %s\nwant %s", got, want)
	}
	want := []Unfilled{{FacilityID: "fac-1", UnitID: "unit-c", Reason: "No eligible client among the 2 on the HPL: 2 already matched this run."}}
	if diff := cmp.Diff(want, res.Unfilled); diff != "" {
		t.Error(diff)
	}
}

func TestMatchScarcestFacilityFirst(t *testing.T) {
	// The veteran ranks first and fits both facilities; the other client fits only the open
	// program. Filling by ID would give the veteran fac-open and leave the veterans' unit empty.
	s := Snapshot{
		Today:  today,
		Scheme: scheme(cas.DefaultCriteria...),
		Candidates: []Candidate{
			ready("veteran", 15, func(c *Candidate) { c.Client.Veteran = true }),
			ready("civilian", 10, nil),
		},
		Facilities: []Facility{
			site("fac-open", program("prog-open", nil), unit("unit-open", 0, nil)),
			site("fac-veterans", program("prog-veterans", func(p *cas.Program) {
				p.Requirements.Populations = []cas.Population{cas.Veteran}
			}), unit("unit-veterans", 0, nil)),
		},
	}
	res := Match(s)
	if diff := cmp.Diff(map[string]string{"veteran": "unit-veterans", "civilian": "unit-open"}, placements(res)); diff != "" {
		t.Error(diff)
	}
	if len(res.Unfilled) != 0 {
		t.Errorf("unfilled: %v", res.Unfilled)
	}
	if res.Proposals[0].FacilityID != "fac-veterans" {
		t.Errorf("first decided %s, want the scarcer fac-veterans", res.Proposals[0].FacilityID)
	}
}

func TestMatchMostConstrainedUnitFirst(t *testing.T) {
	t.Run("the single adult takes the studio, leaving three bedrooms for the family", func(t *testing.T) {
		s := Snapshot{
			Today:  today,
			Scheme: scheme(cas.DefaultCriteria...),
			Candidates: []Candidate{
				ready("single", 15, nil),
				ready("family", 10, func(c *Candidate) { c.Client.HouseholdType, c.Client.HouseholdSize = cas.WithChildren, 5 }),
			},
			Facilities: []Facility{site("fac-1", program("prog-1", nil), unit("three-bedroom", 3, nil), unit("studio", 0, nil))},
		}
		if diff := cmp.Diff(map[string]string{"single": "studio", "family": "three-bedroom"}, placements(Match(s))); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("the accessible unit is kept for the client who needs it", func(t *testing.T) {
		s := Snapshot{
			Today:  today,
			Scheme: scheme(cas.DefaultCriteria...),
			Candidates: []Candidate{
				ready("walks", 15, nil),
				ready("wheelchair", 10, func(c *Candidate) { c.Client.NeedsAccessible = true }),
			},
			Facilities: []Facility{site("fac-1", program("prog-1", nil),
				unit("accessible", 0, func(u *cas.Unit) { u.Accessible = true }), unit("stairs", 0, nil))},
		}
		if diff := cmp.Diff(map[string]string{"walks": "stairs", "wheelchair": "accessible"}, placements(Match(s))); diff != "" {
			t.Error(diff)
		}
	})
}

func TestMatchReferralMode(t *testing.T) {
	for _, tt := range []struct {
		name       string
		mode, want cas.ReferralMode
	}{
		{"a review program's proposals wait for a CAS admin", cas.ReferralReview, cas.ReferralReview},
		{"an auto program's are sent", cas.ReferralAuto, cas.ReferralAuto},
		{"a program without a mode is auto", "", cas.ReferralAuto},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Snapshot{
				Today:      today,
				Scheme:     scheme(cas.DefaultCriteria...),
				Candidates: []Candidate{ready("a", 10, nil)},
				Facilities: []Facility{site("fac-1", program("prog-1", func(p *cas.Program) { p.ReferralMode = tt.mode }), unit("u", 0, nil))},
			}
			res := Match(s)
			if len(res.Proposals) != 1 || res.Proposals[0].Mode != tt.want {
				t.Errorf("proposals %+v, want one in mode %s", res.Proposals, tt.want)
			}
		})
	}
}

func TestMatchUnfilled(t *testing.T) {
	t.Run("counts why each client was refused", func(t *testing.T) {
		s := Snapshot{
			Today:  today,
			Scheme: scheme(cas.DefaultCriteria...),
			Candidates: []Candidate{
				ready("civilian", 15, nil),
				ready("pending", 14, func(c *Candidate) { c.Entry.IntakeStatus = cas.IntakePending; c.Client.Veteran = true }),
				ready("parked", 13, func(c *Candidate) { c.Entry.ParkedUntil = today.AddDays(10); c.Client.Veteran = true }),
				ready("civilian-2", 12, nil),
			},
			Facilities: []Facility{site("fac-vets", program("prog-vets", func(p *cas.Program) {
				p.Requirements.Populations = []cas.Population{cas.Veteran}
			}), unit("unit-1", 0, nil))},
		}
		want := Result{Unfilled: []Unfilled{{FacilityID: "fac-vets", UnitID: "unit-1",
			Reason: "No eligible client among the 4 on the HPL: 2 not a veteran, 1 not ready, 1 parked."}}}
		if diff := cmp.Diff(want, Match(s), cmpopts.EquateEmpty()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("with nobody on the HPL", func(t *testing.T) {
		s := Snapshot{Today: today, Scheme: scheme(cas.DefaultCriteria...),
			Facilities: []Facility{site("fac-1", program("prog-1", nil), unit("unit-1", 0, nil))}}
		want := Result{Unfilled: []Unfilled{{FacilityID: "fac-1", UnitID: "unit-1", Reason: "No clients on the HPL."}}}
		if diff := cmp.Diff(want, Match(s), cmpopts.EquateEmpty()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("a facility without free units is left alone", func(t *testing.T) {
		s := Snapshot{Today: today, Scheme: scheme(cas.DefaultCriteria...), Candidates: []Candidate{ready("a", 1, nil)},
			Facilities: []Facility{site("fac-full", program("prog-1", nil))}}
		if diff := cmp.Diff(Result{}, Match(s), cmpopts.EquateEmpty()); diff != "" {
			t.Error(diff)
		}
	})
}
