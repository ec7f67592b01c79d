package match

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/google/go-cmp/cmp"
)

var joined = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// entrant is a candidate equal to every other on every factor until a test changes one.
func entrant(id string, change func(*Candidate)) Candidate {
	c := Candidate{
		Entry:  cas.HPLEntry{ID: id, ClientID: "client-" + id, Score: 5, AssessedOn: "2026-01-01", DaysHomeless: 100, CreatedAt: joined},
		Client: cas.Client{ID: "client-" + id, HouseholdSize: 1},
	}
	if change != nil {
		change(&c)
	}
	return c
}

func rankedIDs(scheme cas.PriorityScheme, cands []Candidate) []string {
	var ids []string
	for i, r := range Rank(scheme, cands) {
		if r.Rank != i+1 {
			panic("ranks are not 1, 2, 3, …")
		}
		ids = append(ids, r.Entry.ID)
	}
	return ids
}

func scheme(criteria ...cas.Criterion) cas.PriorityScheme {
	return cas.PriorityScheme{Version: 1, Criteria: criteria}
}

func TestRankByEachFactor(t *testing.T) {
	// Each factor gives "high" the higher value; the one that would lose the tie-break joined the
	// HPL later, so winning is the factor's doing.
	later := func(c *Candidate) { c.Entry.CreatedAt = joined.Add(time.Hour) }
	tests := []struct {
		factor cas.Factor
		higher func(*Candidate)
	}{
		{cas.FactorScore, func(c *Candidate) { c.Entry.Score = 12 }},
		{cas.FactorChronic, func(c *Candidate) { c.Client.Chronic = true }},
		{cas.FactorDaysHomeless, func(c *Candidate) { c.Entry.DaysHomeless = 900 }},
		{cas.FactorAssessedOn, func(c *Candidate) { c.Entry.AssessedOn = "2026-02-01" }},
		{cas.FactorVeteran, func(c *Candidate) { c.Client.Veteran = true }},
		{cas.FactorDVSurvivor, func(c *Candidate) { c.Client.DVSurvivor = true }},
		{cas.FactorYouth, func(c *Candidate) { c.Client.Youth = true }},
		{cas.FactorHouseholdSize, func(c *Candidate) { c.Client.HouseholdSize = 4 }},
	}
	for _, tt := range tests {
		t.Run(string(tt.factor)+" descending puts the higher value first", func(t *testing.T) {
			cands := []Candidate{entrant("low", nil), entrant("high", func(c *Candidate) { tt.higher(c); later(c) })}
			if diff := cmp.Diff([]string{"high", "low"}, rankedIDs(scheme(cas.Criterion{Factor: tt.factor}), cands)); diff != "" {
				t.Error(diff)
			}
		})
		t.Run(string(tt.factor)+" ascending puts the lower value first", func(t *testing.T) {
			cands := []Candidate{entrant("low", later), entrant("high", tt.higher)}
			if diff := cmp.Diff([]string{"low", "high"}, rankedIDs(scheme(cas.Criterion{Factor: tt.factor, Ascending: true}), cands)); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestRankDefaultScheme(t *testing.T) {
	cands := []Candidate{
		entrant("low-score", func(c *Candidate) { c.Entry.Score = 3 }),
		entrant("not-chronic", func(c *Candidate) { c.Entry.Score = 14 }),
		entrant("chronic-short", func(c *Candidate) { c.Entry.Score, c.Client.Chronic, c.Entry.DaysHomeless = 14, true, 200 }),
		entrant("chronic-long-recent", func(c *Candidate) {
			c.Entry.Score, c.Client.Chronic, c.Entry.DaysHomeless, c.Entry.AssessedOn = 14, true, 730, "2026-05-02"
		}),
		entrant("chronic-long-early", func(c *Candidate) {
			c.Entry.Score, c.Client.Chronic, c.Entry.DaysHomeless, c.Entry.AssessedOn = 14, true, 730, "2025-11-20"
		}),
	}
	want := []string{"chronic-long-early", "chronic-long-recent", "chronic-short", "not-chronic", "low-score"}
	if diff := cmp.Diff(want, rankedIDs(scheme(cas.DefaultCriteria...), cands)); diff != "" {
		t.Error(diff)
	}
}

func TestRankCustomScheme(t *testing.T) {
	t.Run("days homeless first, then score", func(t *testing.T) {
		cands := []Candidate{
			entrant("high-score", func(c *Candidate) { c.Entry.Score, c.Entry.DaysHomeless = 17, 30 }),
			entrant("long-low", func(c *Candidate) { c.Entry.Score, c.Entry.DaysHomeless = 2, 2000 }),
			entrant("long-high", func(c *Candidate) { c.Entry.Score, c.Entry.DaysHomeless = 9, 2000 }),
		}
		s := scheme(cas.Criterion{Factor: cas.FactorDaysHomeless}, cas.Criterion{Factor: cas.FactorScore})
		if diff := cmp.Diff([]string{"long-high", "long-low", "high-score"}, rankedIDs(s, cands)); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("veterans first, then the smallest household", func(t *testing.T) {
		cands := []Candidate{
			entrant("family", func(c *Candidate) { c.Client.HouseholdSize = 4 }),
			entrant("veteran-family", func(c *Candidate) { c.Client.Veteran, c.Client.HouseholdSize = true, 3 }),
			entrant("veteran-single", func(c *Candidate) { c.Client.Veteran = true }),
			entrant("single", nil),
		}
		s := scheme(cas.Criterion{Factor: cas.FactorVeteran}, cas.Criterion{Factor: cas.FactorHouseholdSize, Ascending: true})
		if diff := cmp.Diff([]string{"veteran-single", "veteran-family", "single", "family"}, rankedIDs(s, cands)); diff != "" {
			t.Error(diff)
		}
	})
}

func TestRankTieBreaks(t *testing.T) {
	t.Run("equal on every criterion, the one who joined first", func(t *testing.T) {
		cands := []Candidate{
			entrant("a", func(c *Candidate) { c.Entry.CreatedAt = joined.Add(2 * time.Minute) }),
			entrant("b", func(c *Candidate) { c.Entry.CreatedAt = joined.Add(time.Minute) }),
			entrant("c", nil),
		}
		if diff := cmp.Diff([]string{"c", "b", "a"}, rankedIDs(scheme(cas.DefaultCriteria...), cands)); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("joined at the same moment, by entry ID", func(t *testing.T) {
		cands := []Candidate{entrant("hpl-3", nil), entrant("hpl-1", nil), entrant("hpl-2", nil)}
		if diff := cmp.Diff([]string{"hpl-1", "hpl-2", "hpl-3"}, rankedIDs(scheme(cas.DefaultCriteria...), cands)); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("a scheme without criteria orders by joining", func(t *testing.T) {
		cands := []Candidate{entrant("b", func(c *Candidate) { c.Entry.Score = 17 }), entrant("a", nil)}
		if diff := cmp.Diff([]string{"a", "b"}, rankedIDs(scheme(), cands)); diff != "" {
			t.Error(diff)
		}
	})
}

func TestRankIsDeterministic(t *testing.T) {
	s := generateSnapshot(7, 500, 1, 1)
	want := rankedIDs(s.Scheme, s.Candidates)
	rng := rand.New(rand.NewPCG(7, 7))
	for range 5 {
		shuffled := slices.Clone(s.Candidates)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if diff := cmp.Diff(want, rankedIDs(s.Scheme, shuffled)); diff != "" {
			t.Fatalf("the order depends on the input's order:\n%s", diff)
		}
	}
	if want[0] != Rank(s.Scheme, s.Candidates)[0].Entry.ID {
		t.Error("two calls disagree")
	}
}

// Rank packs each candidate's criteria into one or a few integers; it must order candidates as
// comparing them criterion by criterion does, whatever the values' range, including ranges wide
// enough that the criteria take more than one word, and dates that are not valid.
func TestRankAgreesWithComparingCriterionByCriterion(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 3))
		s := randomSnapshot(seed)
		wide := rng.IntN(3) // 0: as generated; 1: scores wider than a word's half; 2: scores and days as wide as they go
		for i := range s.Candidates {
			e := &s.Candidates[i].Entry
			switch wide {
			case 1:
				e.Score = int(rng.Int64N(1<<40)) - 1<<39
			case 2:
				e.Score, e.DaysHomeless = int(rng.Int64()-1<<62), int(rng.Int64()-1<<62)
			}
			if wide > 0 && rng.IntN(10) == 0 { // dates that are not valid YYYY-MM-DD still compare as text
				e.AssessedOn = []cas.Date{"", "2026-02-30", "2026-1-05", "2026-10-01x", "unknown"}[rng.IntN(5)]
			}
			if rng.IntN(4) == 0 { // ties on every criterion
				*e = s.Candidates[rng.IntN(i+1)].Entry
				e.ID = fmt.Sprintf("tie-%d", i)
			}
		}
		want := slices.Clone(s.Candidates)
		slices.SortStableFunc(want, func(a, b Candidate) int {
			for _, cr := range s.Scheme.Criteria {
				c := compareFactor(cr.Factor, &a, &b)
				if !cr.Ascending {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			if c := a.Entry.CreatedAt.Compare(b.Entry.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.Entry.ID, b.Entry.ID)
		})
		var wantIDs []string
		for _, c := range want {
			wantIDs = append(wantIDs, c.Entry.ID)
		}
		if diff := cmp.Diff(wantIDs, rankedIDs(s.Scheme, s.Candidates)); diff != "" {
			t.Fatalf("seed %d, scheme %v:\n%s", seed, s.Scheme.Criteria, diff)
		}
	}
}

// compareFactor compares two candidates' values of a factor, the higher value greater.
func compareFactor(f cas.Factor, a, b *Candidate) int {
	if f == cas.FactorAssessedOn {
		return strings.Compare(string(a.Entry.AssessedOn), string(b.Entry.AssessedOn))
	}
	switch x, y := factorValue(f, a), factorValue(f, b); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// FuzzPriorityScheme reads any text as a prioritization scheme's criteria, as the store reads a
// stored scheme and the API a new one, and ranks a list of candidates drawn from seed under it.
// Reading and checking never panic, a refused scheme names the criterion at fault, and Rank, whatever
// the scheme, gives each candidate once, ranks 1 to n, in the order of SortKey with ties kept in
// the order the entries joined the HPL. Seeds: testdata/fuzz/FuzzPriorityScheme.
func FuzzPriorityScheme(f *testing.F) {
	for _, seed := range []string{
		`[{"factor": "score"}, {"factor": "chronic"}, {"factor": "days_homeless"}, {"factor": "assessed_on", "ascending": true}]`,
		`[{"factor": "veteran"}, {"factor": "household_size", "ascending": true}, {"factor": "youth"}, {"factor": "dv_survivor"}]`,
		`[{"factor": "diagnosis"}]`, `[{"factor": "score"}, {"factor": "score"}]`, `[]`, `[{"factor": "unknown"}]`, `null`,
	} {
		f.Add([]byte(seed), uint64(1), uint8(20))
	}
	f.Fuzz(func(t *testing.T, text []byte, seed uint64, n uint8) {
		var criteria []cas.Criterion
		if json.Unmarshal(text, &criteria) != nil {
			return
		}
		scheme := cas.PriorityScheme{Version: 1, Criteria: criteria}
		if err := scheme.Validate(); err != nil {
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || !strings.HasPrefix(e.Field, "criteria") {
				t.Fatalf("%s refused with %v, want an invalid error naming the criterion", text, err)
			}
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		cands := make([]Candidate, int(n)%64)
		for i := range cands {
			day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(400))
			cands[i] = Candidate{
				Entry: cas.HPLEntry{ID: fmt.Sprintf("e%02d", i), Score: rng.IntN(30) - 5, DaysHomeless: rng.IntN(3000),
					AssessedOn: cas.Date(day.Format(time.DateOnly)), CreatedAt: joined.Add(time.Duration(rng.IntN(5)) * time.Hour)},
				Client: cas.Client{Chronic: rng.IntN(2) == 0, Veteran: rng.IntN(3) == 0, DVSurvivor: rng.IntN(4) == 0,
					Youth: rng.IntN(5) == 0, HouseholdSize: 1 + rng.IntN(6)},
			}
		}
		ranked := Rank(scheme, cands)
		seen := map[string]bool{}
		for i, r := range ranked {
			if r.Rank != i+1 || seen[r.Entry.ID] {
				t.Fatalf("place %d: rank %d, entry %s (seen before: %v)", i, r.Rank, r.Entry.ID, seen[r.Entry.ID])
			}
			seen[r.Entry.ID] = true
			if i == 0 {
				continue
			}
			prev := ranked[i-1]
			c := slices.Compare(SortKey(scheme, &prev.Candidate), SortKey(scheme, &r.Candidate))
			if c == 0 {
				c = prev.Entry.CreatedAt.Compare(r.Entry.CreatedAt)
			}
			if c == 0 {
				c = strings.Compare(prev.Entry.ID, r.Entry.ID)
			}
			if c > 0 {
				t.Fatalf("under %s, %+v ranks before %+v", text, prev.Candidate, r.Candidate)
			}
		}
		if len(seen) != len(cands) {
			t.Fatalf("%d candidates ranked of %d", len(seen), len(cands))
		}
	})
}
