package match

import (
	"math/rand/v2"
	"slices"
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
