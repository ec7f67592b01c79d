package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/google/go-cmp/cmp"
)

// randomSnapshot is a small generated CoC, often short of clients or of units, with a random
// scheme and some odd data: households larger than any unit, repeated declines, unusual age
// limits, clients without a birth date.
func randomSnapshot(seed uint64) Snapshot {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := generateSnapshot(seed, rng.IntN(80), 1+rng.IntN(8), rng.IntN(30))
	factors := slices.Clone(cas.Factors)
	rng.Shuffle(len(factors), func(i, j int) { factors[i], factors[j] = factors[j], factors[i] })
	s.Scheme = cas.PriorityScheme{Version: 1 + rng.IntN(9)}
	for _, f := range factors[:rng.IntN(len(factors)+1)] {
		s.Scheme.Criteria = append(s.Scheme.Criteria, cas.Criterion{Factor: f, Ascending: rng.IntN(2) == 0})
	}
	for i := range s.Candidates {
		c := &s.Candidates[i]
		switch rng.IntN(10) {
		case 0:
			c.Client.HouseholdSize = rng.IntN(9)
		case 1:
			c.NotReferredAgainBy = append(c.NotReferredAgainBy, c.NotReferredAgainBy...)
		case 2:
			c.Client.BirthDate = s.Today.AddDays(-365*(17+rng.IntN(10)) - rng.IntN(3))
		case 3:
			c.Client.BirthDate, c.Client.Youth = "", rng.IntN(2) == 0 // unknown age
		}
	}
	for i := range s.Facilities {
		f := &s.Facilities[i]
		if rng.IntN(4) == 0 {
			f.Program.Requirements.MinAge, f.Program.Requirements.MaxAge = 18+rng.IntN(10), 0
			if rng.IntN(2) == 0 {
				f.Program.Requirements.MaxAge = f.Program.Requirements.MinAge + rng.IntN(5)
			}
		}
		for j := range f.FreeUnits {
			if rng.IntN(5) == 0 {
				f.FreeUnits[j].Bedrooms = rng.IntN(5)
			}
		}
	}
	return s
}

func TestMatchProperties(t *testing.T) {
	for seed := range uint64(300) {
		s := randomSnapshot(seed)
		res := Match(s)
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) { checkMatch(t, s, res) })
	}
}

// checkMatch checks what must hold of any run's result.
func checkMatch(t *testing.T, s Snapshot, res Result) {
	t.Helper()
	rank := map[string]int{}
	byRank := Rank(s.Scheme, s.Candidates)
	for _, r := range byRank {
		rank[r.Entry.ID] = r.Rank
	}
	type freeUnit struct {
		f *Facility
		u *cas.Unit
	}
	units := map[string]freeUnit{}
	for i := range s.Facilities {
		for j := range s.Facilities[i].FreeUnits {
			units[s.Facilities[i].FreeUnits[j].ID] = freeUnit{&s.Facilities[i], &s.Facilities[i].FreeUnits[j]}
		}
	}
	decided := map[string]bool{} // units proposed or unfilled
	placed := map[string]bool{}  // HPL entries proposed
	clients := map[string]bool{}
	for _, p := range res.Proposals {
		if clients[p.ClientID] || placed[p.HPLEntryID] {
			t.Errorf("client %s (entry %s) is proposed twice", p.ClientID, p.HPLEntryID)
		}
		clients[p.ClientID], placed[p.HPLEntryID] = true, true
	}
	for _, p := range res.Proposals {
		fu, ok := units[p.UnitID]
		switch {
		case !ok:
			t.Fatalf("proposal for unit %s, which is not free", p.UnitID)
		case decided[p.UnitID]:
			t.Errorf("unit %s is proposed twice", p.UnitID)
		case fu.f.Facility.ID != p.FacilityID || fu.f.Program.ID != p.ProgramID || fu.f.Facility.AgencyID != p.AgencyID:
			t.Errorf("proposal %+v does not name the unit's facility, program and agency", p)
		case p.Mode != fu.f.Program.ReferralMode && !(p.Mode == cas.ReferralAuto && fu.f.Program.ReferralMode == ""),
			p.SchemeVersion != s.Scheme.Version:
			t.Errorf("proposal %+v: wrong mode or scheme version", p)
		case p.Rank != rank[p.HPLEntryID]:
			t.Errorf("proposal for %s has rank %d, want %d", p.HPLEntryID, p.Rank, rank[p.HPLEntryID])
		}
		decided[p.UnitID] = true
		c := byRank[p.Rank-1].Candidate
		if ok, why := Eligible(s.Today, c, *fu.f, *fu.u); !ok {
			t.Errorf("%s is proposed for %s but not eligible: %s", p.HPLEntryID, p.UnitID, why)
		}
		// No higher-ranked client eligible for the unit is left without a unit.
		for _, above := range byRank[:p.Rank-1] {
			if ok, _ := Eligible(s.Today, above.Candidate, *fu.f, *fu.u); ok && !placed[above.Entry.ID] {
				t.Errorf("%s (rank %d) got %s over %s (rank %d), eligible and not matched", p.HPLEntryID, p.Rank, p.UnitID, above.Entry.ID, above.Rank)
			}
		}
		counts := checkCounts(t, p.Reason, "Higher-ranked clients passed over: ", p.Rank-1)
		checkExclusions(t, p.Reason, counts, s.Today, byRank[:p.Rank-1], *fu.f, *fu.u)
	}
	for _, u := range res.Unfilled {
		fu, ok := units[u.UnitID]
		switch {
		case !ok || fu.f.Facility.ID != u.FacilityID:
			t.Fatalf("unfilled %+v is not a free unit of the facility", u)
		case decided[u.UnitID]:
			t.Errorf("unit %s is both proposed and unfilled, or unfilled twice", u.UnitID)
		}
		decided[u.UnitID] = true
		for _, c := range byRank {
			if ok, _ := Eligible(s.Today, c.Candidate, *fu.f, *fu.u); ok && !placed[c.Entry.ID] {
				t.Errorf("%s is unfilled though %s is eligible and not matched", u.UnitID, c.Entry.ID)
			}
		}
		if len(byRank) > 0 {
			counts := checkCounts(t, u.Reason, "on the HPL: ", len(byRank))
			checkExclusions(t, u.Reason, counts, s.Today, byRank, *fu.f, *fu.u)
		}
	}
	for id := range units {
		if !decided[id] {
			t.Errorf("unit %s is neither proposed nor unfilled", id)
		}
	}
}

// checkCounts reads the counts of a reason, after its prefix, and checks they account for every
// candidate they should.
func checkCounts(t *testing.T, reason, prefix string, want int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	if want == 0 {
		return counts
	}
	_, list, ok := strings.Cut(reason, prefix)
	if !ok {
		t.Errorf("reason %q has no %q", reason, prefix)
		return counts
	}
	total := 0
	for item := range strings.SplitSeq(strings.TrimSuffix(list, "."), ", ") {
		n, why, _ := strings.Cut(item, " ")
		count, err := strconv.Atoi(n)
		if err != nil {
			t.Errorf("reason %q: %q is not a count", reason, item)
		}
		counts[why] += count
		total += count
	}
	if total != want {
		t.Errorf("reason %q counts %d candidates, want %d", reason, total, want)
	}
	return counts
}

// checkExclusions checks a reason's count of each exclusion, which depends on the client alone.
func checkExclusions(t *testing.T, reason string, counts map[string]int, today cas.Date, cands []Ranked, f Facility, u cas.Unit) {
	t.Helper()
	want := map[string]int{}
	for _, c := range cands {
		if why := excluded(today, &c.Candidate); why != accepted {
			want[why.String()]++
		}
	}
	for why := refusal(1); int(why) <= numExclusions; why++ {
		if counts[why.String()] != want[why.String()] {
			t.Errorf("reason %q counts %d %q, want %d", reason, counts[why.String()], why, want[why.String()])
		}
	}
}

func TestMatchIgnoresInputOrder(t *testing.T) {
	for seed := range uint64(50) {
		s := randomSnapshot(seed)
		want := Match(s)
		rng := rand.New(rand.NewPCG(seed, 2))
		shuffled := s
		shuffled.Candidates = slices.Clone(s.Candidates)
		shuffle(rng, shuffled.Candidates)
		shuffled.Facilities = slices.Clone(s.Facilities)
		shuffle(rng, shuffled.Facilities)
		for i := range shuffled.Facilities {
			shuffled.Facilities[i].FreeUnits = slices.Clone(shuffled.Facilities[i].FreeUnits)
			shuffle(rng, shuffled.Facilities[i].FreeUnits)
		}
		if diff := cmp.Diff(want, Match(shuffled)); diff != "" {
			t.Fatalf("seed %d: the result depends on the snapshot's order:\n%s", seed, diff)
		}
	}
}

// A snapshot handed over ranked, as the store's maintained HPL hands it, must match as it does
// when the engine ranks it.
func TestMatchRankedInputAsRankedByTheEngine(t *testing.T) {
	for seed := range uint64(300) {
		s := randomSnapshot(seed)
		if diff := cmp.Diff(Match(s), Match(ranked(s))); diff != "" {
			t.Fatalf("seed %d: the result differs when the candidates come ranked:\n%s", seed, diff)
		}
	}
}

// With one free unit and ranked candidates, Match walks the candidates from the top to the first
// eligible one; it must decide what the full run decides, and what it decides when it ranks.
func TestMatchOneFreeUnitAsTheFullRun(t *testing.T) {
	tested := 0
	for seed := range uint64(400) {
		s, ok := oneFreeUnit(randomSnapshot(seed), rand.New(rand.NewPCG(seed, 4)))
		if !ok {
			continue
		}
		tested++
		rs := ranked(s)
		got := Match(rs)
		if diff := cmp.Diff(matchAll(&rs), got); diff != "" {
			t.Fatalf("seed %d: the one-unit run differs from the full run:\n%s", seed, diff)
		}
		if diff := cmp.Diff(Match(s), got); diff != "" {
			t.Fatalf("seed %d: the one-unit run differs from the run that ranks:\n%s", seed, diff)
		}
	}
	if tested < 300 {
		t.Errorf("only %d snapshots had a free unit", tested)
	}
}

// oneFreeUnit keeps one of the snapshot's free units, chosen at random, and frees no other.
func oneFreeUnit(s Snapshot, rng *rand.Rand) (Snapshot, bool) {
	var all [][2]int
	for i, f := range s.Facilities {
		for j := range f.FreeUnits {
			all = append(all, [2]int{i, j})
		}
	}
	if len(all) == 0 {
		return s, false
	}
	keep := all[rng.IntN(len(all))]
	s.Facilities = slices.Clone(s.Facilities)
	for i := range s.Facilities {
		f := &s.Facilities[i]
		if i == keep[0] {
			f.FreeUnits = []cas.Unit{f.FreeUnits[keep[1]]}
		} else {
			f.FreeUnits = nil
		}
	}
	return s, true
}

// ranked is the snapshot with its candidates in rank order, saying so.
func ranked(s Snapshot) Snapshot {
	byRank := Rank(s.Scheme, s.Candidates)
	s.Candidates = make([]Candidate, len(byRank))
	for i, r := range byRank {
		s.Candidates[i] = r.Candidate
	}
	s.Ranked = true
	return s
}

func shuffle[T any](rng *rand.Rand, s []T) {
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

// The engine judges program rules per cohort and unit rules per histogram cell; both must agree
// with Eligible, and so must the counts that order facilities and units.
func TestCompiledRulesAgreeWithEligible(t *testing.T) {
	for seed := range uint64(100) {
		s := randomSnapshot(seed)
		r := newRun(&s)
		for _, p := range r.plans() {
			facilityWant, unitWant := 0, make([]int, len(p.units))
			for pos, ci := range r.order {
				c := s.Candidates[ci]
				i, active := slices.BinarySearch(r.active, int32(pos))
				fitsSome := false
				for k := range p.units {
					sl := &p.units[k]
					got := excluded(s.Today, &c)
					if active {
						if got = programRefusal(r, p.rules, i); got == accepted {
							got = r.cellRefusal(r.cellOf[i], sl)
						}
					}
					ok, why := Eligible(s.Today, c, *p.facility, *sl.unit)
					want, _, _ := strings.Cut(why, ":")
					if ok {
						want = accepted.String()
					}
					if got.String() != want {
						t.Errorf("seed %d: %s for %s: the engine says %q, Eligible %q", seed, c.Entry.ID, sl.unit.ID, got, why)
					}
					if ok {
						unitWant[k]++
						fitsSome = true
					}
				}
				if fitsSome {
					facilityWant++
				}
			}
			if p.eligible != facilityWant {
				t.Errorf("seed %d: %s counts %d eligible candidates, want %d", seed, p.facility.Facility.ID, p.eligible, facilityWant)
			}
			for k, sl := range p.units {
				if sl.eligible != unitWant[k] {
					t.Errorf("seed %d: %s counts %d eligible candidates, want %d", seed, sl.unit.ID, sl.eligible, unitWant[k])
				}
			}
		}
	}
}

// The walk judges 64 candidates at once from sets of them; its verdicts must be the program's
// verdicts by cohort, including for programs that list a population twice or one no client is in.
func TestWordVerdictsAgreeWithCohortVerdicts(t *testing.T) {
	for seed := range uint64(200) {
		s := randomSnapshot(seed)
		rng := rand.New(rand.NewPCG(seed, 5))
		for i := range s.Facilities {
			req := &s.Facilities[i].Program.Requirements
			switch rng.IntN(6) {
			case 0:
				req.Populations = append(req.Populations, cas.Veteran, cas.Youth, cas.Veteran)
			case 1:
				req.Populations = append(req.Populations, cas.Population("refugee"))
			}
		}
		r := newRun(&s)
		for _, p := range r.plans() {
			var refused [numRefusals]uint64
			for w, live := range r.waiting {
				eligible := r.judgeWord(p.rules, w, live, &refused)
				for i := w * 64; i < min(len(r.active), (w+1)*64); i++ {
					var verdicts []refusal
					if eligible&(1<<(i%64)) != 0 {
						verdicts = append(verdicts, accepted)
					}
					for _, k := range p.rules.kinds {
						if refused[k]&(1<<(i%64)) != 0 {
							verdicts = append(verdicts, k)
						}
					}
					if want := p.rules.refusals[r.cohortOf[i]]; len(verdicts) != 1 || verdicts[0] != want {
						t.Fatalf("seed %d: %s, candidate %d: the word's verdicts %v, the cohort's %q", seed, p.facility.Facility.ID, i, verdicts, want)
					}
				}
			}
		}
	}
}

// programRefusal is the refusal of a program for the candidate at active index i, as the walk
// reads it from the compiled rules.
func programRefusal(r *run, p *programRules, i int) refusal {
	if _, ok := slices.BinarySearch(p.declined, int32(i)); ok {
		return refusedDeclined
	}
	return p.refusals[r.cohortOf[i]]
}

// Refusals, which a CAS admin reads before a manual referral, must agree with Eligible: for a
// candidate no exclusion refuses, no refusal when a unit of the facility fits, and otherwise each
// unit's reason among the refusals.
func TestRefusalsAgreeWithEligible(t *testing.T) {
	for seed := range uint64(100) {
		s := randomSnapshot(seed)
		for _, c := range s.Candidates {
			c.Entry.Status, c.OpenReferral, c.Client.Consent = cas.HPLActive, false, true
			for _, f := range s.Facilities {
				refusals := Refusals(s.Today, c, f.Program, f.FreeUnits)
				var reasons []string
				for _, r := range refusals {
					code, _, _ := strings.Cut(r, ":")
					reasons = append(reasons, code)
				}
				fits, whys := false, []string{}
				for _, u := range f.FreeUnits {
					ok, why := Eligible(s.Today, c, f, u)
					fits, whys = fits || ok, append(whys, why)
				}
				if fits {
					if len(refusals) > 0 {
						t.Errorf("seed %d: %s fits a unit of %s, yet Refusals says %q", seed, c.Entry.ID, f.Facility.ID, refusals)
					}
					continue
				}
				for _, why := range whys {
					if code, _, _ := strings.Cut(why, ":"); !slices.Contains(reasons, code) {
						t.Errorf("seed %d: %s at %s: Eligible says %q, Refusals %q", seed, c.Entry.ID, f.Facility.ID, why, refusals)
					}
				}
			}
		}
	}
}
