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
)

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
