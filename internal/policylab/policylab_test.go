package policylab

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/google/go-cmp/cmp"
)

var (
	from = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	day  = 24 * time.Hour
	// byDaysHomeless favours the longest homeless, where the default scheme favours the score.
	byDaysHomeless = cas.PriorityScheme{Version: 99, Criteria: []cas.Criterion{{Factor: cas.FactorDaysHomeless}}}
)

// lab is a hand-built history: one program, one facility, one unit free from before the period.
type lab struct{ h History }

func newLab() *lab {
	program := cas.Program{ID: "p1", Name: "Harbor PSH"}
	return &lab{h: History{From: from, To: to, Zone: time.UTC, NoRereferral: 90 * day,
		Schemes:    []cas.PriorityScheme{{Version: 1, Criteria: cas.DefaultCriteria}},
		Programs:   []cas.Program{program},
		Facilities: []cas.Facility{{ID: "f1", ProgramID: "p1", Name: "Harbor House"}},
		Units: []Unit{{Unit: cas.Unit{ID: "u1", FacilityID: "f1", Label: "1", Bedrooms: 1,
			HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}, CreatedAt: from.Add(-30 * day)}}},
	}}
}

// person adds someone who joined the HPL on joined, ready and consented.
func (l *lab) person(id string, score, daysHomeless int, joined time.Time, g Groups) {
	g.HouseholdType = cas.WithoutChildren
	l.h.People = append(l.h.People, Person{EntryID: "e" + id, ClientID: "c" + id, Name: "Client " + id, Joined: joined, Groups: g,
		Versions: []Version{{At: joined,
			Entry: cas.HPLEntry{ID: "e" + id, ClientID: "c" + id, Score: score, DaysHomeless: daysHomeless, AssessedOn: "2025-06-01",
				IntakeStatus: cas.IntakeReady, Status: cas.HPLActive, CreatedAt: joined},
			Client: cas.Client{ID: "c" + id, HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true}}}})
}

// referral adds a real referral of the engine's to the unit, closed after some days with a status.
func (l *lab) referral(id, person string, at time.Time, days int, status cas.ReferralStatus, reason string) {
	closed := at.Add(time.Duration(days) * day)
	l.h.Referrals = append(l.h.Referrals, Referral{ID: id, ClientID: "c" + person, EntryID: "e" + person, ProgramID: "p1",
		FacilityID: "f1", UnitID: "u1", Source: cas.SourceEngine, Created: at, Closed: &closed, Status: status, ReasonCode: reason})
	l.h.Runs = append(l.h.Runs, at)
}

func ptr[T any](v T) *T { return &v }

func TestTwoClientsOneUnit(t *testing.T) {
	t1 := from.Add(2 * day)
	joinedA, joinedB := from.Add(-10*day), from.Add(-40*day)
	l := newLab()
	l.person("A", 10, 100, joinedA, Groups{})
	l.person("B", 5, 300, joinedB, Groups{})
	// In reality the default scheme referred A, who moved in 10 days later.
	l.referral("r1", "A", t1, 10, cas.ReferralHoused, "")

	t.Run("the scheme in force replays to what happened", func(t *testing.T) {
		r := Compare(&l.h, cas.PriorityScheme{Criteria: cas.DefaultCriteria})
		if r.Fidelity == nil || *r.Fidelity != 1 || r.EngineReferrals != 1 || r.Reproduced != 1 {
			t.Fatalf("fidelity %v (%d of %d), want 1 (1 of 1)", r.Fidelity, r.Reproduced, r.EngineReferrals)
		}
		if len(r.Changed) != 0 {
			t.Errorf("the same scheme changes %v", r.Changed)
		}
		if diff := cmp.Diff(r.Baseline.Figures, r.Alternative.Figures); diff != "" {
			t.Errorf("the same scheme gives other figures (-baseline +alternative):\n%s", diff)
		}
	})

	t.Run("a scheme favouring the other client refers them instead", func(t *testing.T) {
		r := Compare(&l.h, byDaysHomeless)
		if *r.Fidelity != 1 {
			t.Errorf("fidelity %v, want 1: the baseline does not depend on the alternative", *r.Fidelity)
		}
		toA, toB := t1.Sub(joinedA).Hours()/24, t1.Sub(joinedB).Hours()/24
		inA, inB := toA+10, toB+10
		want := func(toReferral, toMoveIn float64) Figures {
			return Figures{People: 2, Referrals: 1, Referred: 1, MoveIns: 1, StillWaiting: 1,
				DaysToReferral: Stat{Median: &toReferral, P90: &toReferral}, DaysToMoveIn: Stat{Median: &toMoveIn, P90: &toMoveIn}}
		}
		if diff := cmp.Diff(want(toA, inA), r.Baseline.Figures); diff != "" {
			t.Errorf("baseline (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want(toB, inB), r.Alternative.Figures); diff != "" {
			t.Errorf("alternative (-want +got):\n%s", diff)
		}
		wantChanged := []Change{
			{ClientID: "cB", Name: "Client B", BaselineRank: 2, AlternativeRank: 1, Change: ChangeNewlyReferred, AlternativeAt: &t1},
			{ClientID: "cA", Name: "Client A", BaselineRank: 1, AlternativeRank: 2, Change: ChangeNotReferred, BaselineAt: &t1},
		}
		if diff := cmp.Diff(wantChanged, r.Changed); diff != "" {
			t.Errorf("changed (-want +got):\n%s", diff)
		}
		if r.Alternative.WaitToReferral[1] != (Bucket{Label: "31 to 90 days", Count: 1}) {
			t.Errorf("B waited %v days, in the 31 to 90 bucket; got %v", toB, r.Alternative.WaitToReferral)
		}
	})
}

func TestDeclinedInRealityDeclinesAgain(t *testing.T) {
	t1, t2 := from.Add(2*day), from.Add(5*day)
	l := newLab()
	l.person("A", 10, 100, from.Add(-10*day), Groups{})
	l.person("B", 5, 300, from.Add(-40*day), Groups{})
	// In reality A declined after three days, then B was referred and moved in after twenty.
	l.referral("r1", "A", t1, 3, cas.ReferralDeclined, string(cas.DeclineClientRefused))
	l.referral("r2", "B", t2, 20, cas.ReferralHoused, "")

	r := Compare(&l.h, cas.PriorityScheme{Criteria: cas.DefaultCriteria})
	if *r.Fidelity != 1 {
		t.Fatalf("fidelity %v, want 1", *r.Fidelity)
	}
	if want := []ReasonCount{{Reason: "client_refused", Count: 1}}; !cmp.Equal(want, r.Baseline.Declines) {
		t.Errorf("baseline declines %v, want %v", r.Baseline.Declines, want)
	}
	if r.Baseline.Referrals != 2 || r.Baseline.Referred != 2 || r.Baseline.MoveIns != 1 || r.Baseline.StillWaiting != 1 {
		t.Errorf("baseline %+v: want two referrals, one move-in, A still waiting", r.Baseline.Figures)
	}

	// Favouring B: B is referred at once and accepts, moving in after the program's median (20
	// days); the unit is B's, so A is never referred and nobody declines.
	r = Compare(&l.h, byDaysHomeless)
	if len(r.Alternative.Declines) != 0 || r.Alternative.Referrals != 1 || r.Alternative.MoveIns != 1 {
		t.Errorf("alternative %+v, declines %v: want one referral, one move-in, no decline", r.Alternative.Figures, r.Alternative.Declines)
	}
	wantIn := t1.Sub(from.Add(-40*day)).Hours()/24 + 20
	if got := r.Alternative.DaysToMoveIn.Median; got == nil || *got != wantIn {
		t.Errorf("B moves in %v days after joining, want %v", got, wantIn)
	}
	if len(r.Changed) != 2 || r.Changed[0].Change != ChangeEarlier || *r.Changed[0].Days != -3 || r.Changed[1].Change != ChangeNotReferred {
		t.Errorf("changed %+v: want B three days earlier, A not referred", r.Changed)
	}
}

func TestSmallGroupsAreSuppressed(t *testing.T) {
	l := newLab()
	// Six Black clients and two white ones; one unit, referred to the first.
	for i := range 6 {
		l.person(fmt.Sprint("b", i), 10+i, 100, from.Add(-10*day), Groups{Race: "Black, African American, or African"})
	}
	l.person("w0", 1, 100, from.Add(-10*day), Groups{Race: "White"})
	l.person("w1", 2, 100, from.Add(-10*day), Groups{Race: "White"})
	l.referral("r1", "b5", from.Add(day), 10, cas.ReferralHoused, "")
	r := Compare(&l.h, cas.PriorityScheme{Criteria: cas.DefaultCriteria})
	group := func(dimension, name string) GroupOutcomes {
		for _, g := range r.Baseline.ByGroup {
			if g.Dimension == dimension && g.Group == name {
				return g
			}
		}
		t.Fatalf("no group %s %q in %+v", dimension, name, r.Baseline.ByGroup)
		return GroupOutcomes{}
	}
	black := group("race", "Black, African American, or African")
	want := GroupOutcomes{Dimension: "race", Group: "Black, African American, or African", People: ptr(6), Referred: nil, MoveIns: nil,
		StillWaiting: ptr(5), Suppressed: true}
	if diff := cmp.Diff(want, black); diff != "" {
		t.Errorf("six people, one referred: the one is suppressed, and the days measured of one (-want +got):\n%s", diff)
	}
	white := group("race", "White")
	if white.People != nil || white.StillWaiting != nil || !white.Suppressed {
		t.Errorf("two people are fewer than five: %+v", white)
	}
	if g := group("veteran", "not a veteran"); *g.People != 8 || *g.StillWaiting != 7 || g.Referred != nil {
		t.Errorf("not a veteran: %+v", g)
	}
	b, _ := json.Marshal(white)
	if string(b) != `{"dimension":"race","group":"White","people":null,"referred":null,"move_ins":null,"still_waiting":null,`+
		`"days_to_referral":{"median":null,"p90":null},"days_to_move_in":{"median":null,"p90":null},"suppressed":true}` {
		t.Errorf("JSON of a suppressed group: %s", b)
	}
}

func TestDeterministic(t *testing.T) {
	l := newLab()
	for i := range 30 {
		l.person(fmt.Sprint(i), i%7, 100+i%5, from.Add(-time.Duration(i)*day), Groups{Race: []string{"White", "Asian or Asian American"}[i%2]})
	}
	for i := range 10 {
		l.referral(fmt.Sprint("r", i), fmt.Sprint(29-i), from.Add(time.Duration(1+i*15)*day), 10, cas.ReferralHoused, "")
	}
	first, _ := json.Marshal(Compare(&l.h, byDaysHomeless))
	for range 5 {
		again, _ := json.Marshal(Compare(&l.h, byDaysHomeless))
		if string(again) != string(first) {
			t.Fatalf("the same history gave two reports:\n%s\n%s", first, again)
		}
	}
}

// TestTheUnitFreesAtItsRealNextVacancy: the unit frees twice in reality. Under either scheme the
// first tenant leaves when the real tenant checked out, and the other client gets the unit then:
// the one the candidate favours is referred earlier, the other later.
func TestTheUnitFreesAtItsRealNextVacancy(t *testing.T) {
	t1, t2 := from.Add(2*day), from.Add(60*day)
	l := newLab()
	l.person("A", 10, 100, from.Add(-10*day), Groups{})
	l.person("B", 5, 300, from.Add(-40*day), Groups{})
	// In reality A was referred, moved in ten days later and checked out on t2; B was referred then.
	l.referral("r1", "A", t1, 10, cas.ReferralHoused, "")
	out := t2
	l.h.Units[0].Holds = []Hold{{Kind: HoldOccupancy, ID: "o1", ClientID: "cA", From: t1.Add(10 * day), To: &out}}
	l.referral("r2", "B", t2.Add(time.Minute), 10, cas.ReferralHoused, "")

	r := Compare(&l.h, byDaysHomeless)
	if *r.Fidelity != 1 || r.Baseline.Referrals != 2 || r.Alternative.Referrals != 2 {
		t.Fatalf("fidelity %v, referrals %d and %d: want 1, 2 and 2", *r.Fidelity, r.Baseline.Referrals, r.Alternative.Referrals)
	}
	gap := t2.Add(time.Minute).Sub(t1).Hours() / 24
	want := []Change{
		{ClientID: "cB", Name: "Client B", BaselineRank: 2, AlternativeRank: 1, Change: ChangeEarlier, BaselineAt: ptr(t2.Add(time.Minute)),
			AlternativeAt: &t1, Days: ptr(-gap)},
		{ClientID: "cA", Name: "Client A", BaselineRank: 1, AlternativeRank: 2, Change: ChangeLater, BaselineAt: &t1,
			AlternativeAt: ptr(t2.Add(time.Minute)), Days: ptr(gap)},
	}
	if diff := cmp.Diff(want, r.Changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	// Both moved in, ten days after each referral: the days to move-in are the days to referral
	// plus ten, and the 90th percentile of two is the larger.
	toA, toB := t1.Sub(from.Add(-10*day)).Hours()/24, t2.Add(time.Minute).Sub(from.Add(-40*day)).Hours()/24
	if got := r.Baseline.DaysToMoveIn; *got.Median != (toA+toB)/2+10 || *got.P90 != toB+10 {
		t.Errorf("baseline days to move-in %v and %v, want %v and %v", *got.Median, *got.P90, (toA+toB)/2+10, toB+10)
	}
	if r.Baseline.MoveIns != 2 || r.Baseline.StillWaiting != 0 {
		t.Errorf("baseline %+v: both moved in", r.Baseline.Figures)
	}
}
