package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/policylab"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// engineHistory makes history the way the worker does: random vacancies, declines, move-ins,
// expiries, parks, new clients and a change of scheme, the engine running after each change.
type engineHistory struct {
	*inventory
	rng      *rand.Rand
	units    []cas.Unit
	occupied map[string]bool
	entries  []cas.HPLEntry
}

func newEngineHistory(t *testing.T, db *store.DB, seed uint64) *engineHistory {
	inv := newInventory(t, db)
	eh := &engineHistory{inventory: inv, rng: rand.New(rand.NewPCG(seed, 19)), units: []cas.Unit{inv.unit}, occupied: map[string]bool{}}
	veterans, err := db.CreateProgram(ctx, &inv.hmis, cas.Program{AgencyID: inv.riverside.ID, Name: "Riverside Veterans RRH",
		ProjectType: cas.ProjectRRH, Requirements: cas.Requirements{Populations: []cas.Population{cas.Veteran}, RequiredDocuments: []string{"DD-214"}}})
	if err != nil {
		t.Fatal(err)
	}
	site, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: veterans.ID, Name: "Riverside Court"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		eh.units = append(eh.units, inv.mustUnit(t, fmt.Sprint("Apt ", 102+i), 1+i%2))
		u, err := db.CreateUnit(ctx, &inv.hmis, cas.Unit{FacilityID: site.ID, Label: fmt.Sprint("Room ", i+1), Bedrooms: 1,
			HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren, cas.WithChildren}})
		if err != nil {
			t.Fatal(err)
		}
		eh.units = append(eh.units, u)
	}
	for range 12 {
		eh.newClient(t)
	}
	return eh
}

func (eh *engineHistory) newClient(t *testing.T) {
	t.Helper()
	c, e := eh.mustClientOnHPL(t, fmt.Sprint("Client", len(eh.entries)), eh.rng.IntN(20), func(c *cas.Client) {
		c.Veteran, c.Chronic = eh.rng.IntN(3) == 0, eh.rng.IntN(2) == 0
		c.HouseholdSize = 1 + eh.rng.IntN(3)
		if eh.rng.IntN(3) == 0 {
			c.HouseholdType, c.HouseholdSize = cas.WithoutChildren, 1
		}
	})
	if _, err := eh.db.UpdateHPLEntry(ctx, &eh.casAdmin, e.ID, func(e *cas.HPLEntry) {
		e.DaysHomeless = eh.rng.IntN(1000)
		if eh.rng.IntN(2) == 0 {
			e.Documents = []string{"DD-214"}
		}
	}); err != nil {
		t.Fatal(err)
	}
	_ = c
	eh.entries = append(eh.entries, e)
}

func (eh *engineHistory) open(t *testing.T, status cas.ReferralStatus) []cas.Referral {
	t.Helper()
	list, _, err := eh.db.Referrals(ctx, &eh.casAdmin, store.ReferralFilter{Status: []cas.ReferralStatus{status}}, store.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list, func(a, b cas.Referral) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return list
}

// step does one random thing, then runs what the worker runs.
func (eh *engineHistory) step(t *testing.T, i int) {
	t.Helper()
	db, rng := eh.db, eh.rng
	eh.clock.Advance(time.Duration(1+rng.IntN(36)) * time.Hour)
	pending, accepted := eh.open(t, cas.ReferralPending), eh.open(t, cas.ReferralAccepted)
	var err error
	switch k := rng.IntN(10); {
	case i == 40:
		_, err = db.SetPriorityScheme(ctx, &eh.casAdmin, []cas.Criterion{{Factor: cas.FactorDaysHomeless}, {Factor: cas.FactorScore}})
	case k < 2:
		eh.newClient(t)
	case k < 4 && len(pending) > 0:
		r := pending[rng.IntN(len(pending))]
		reasons := []cas.DeclineReason{cas.DeclineClientRefused, cas.DeclineClientUnreachable, cas.DeclineIneligible, cas.DeclineClientHousedElsewhere}
		_, err = db.DeclineReferral(ctx, &eh.hmis, r.ID, reasons[rng.IntN(len(reasons))], "")
	case k < 5 && len(pending) > 0:
		_, err = db.AcceptReferral(ctx, &eh.hmis, pending[rng.IntN(len(pending))].ID, "")
	case k < 7 && len(accepted) > 0:
		r := accepted[rng.IntN(len(accepted))]
		if _, err = db.MoveIn(ctx, &eh.hmis, r.ID, r.UnitID); err == nil {
			eh.occupied[r.UnitID] = true
		}
	case k < 8:
		for _, u := range eh.units {
			if eh.occupied[u.ID] {
				_, err = db.CheckOut(ctx, &eh.hmis, u.ID)
				delete(eh.occupied, u.ID)
				break
			}
		}
	case k < 9 && rng.IntN(2) == 0:
		// A veteran's DD-214 arrives: the checklist changes the entry the engine reads.
		e := eh.entries[rng.IntN(len(eh.entries))]
		_, err = db.AddClientDocument(ctx, &eh.casAdmin, e.ClientID, cas.ClientDocument{Name: "DD-214", ReceivedOn: cas.DateOf(eh.clock.Now(), time.UTC)})
		if cas.ErrorCode(err) == cas.EConflict || cas.ErrorCode(err) == cas.EInvalid {
			err = nil // already on file
		}
	case k < 9:
		e := eh.entries[rng.IntN(len(eh.entries))]
		if _, perr := db.ParkHPLEntry(ctx, &eh.casAdmin, e.ID, cas.DateOf(eh.clock.Now(), time.UTC).AddDays(1+rng.IntN(5)), "in hospital"); perr != nil && cas.ErrorCode(perr) != cas.EConflict {
			err = perr
		}
	default:
		e := eh.entries[rng.IntN(len(eh.entries))]
		if _, uerr := db.UpdateHPLEntry(ctx, &eh.casAdmin, e.ID, func(e *cas.HPLEntry) { e.Score = rng.IntN(20) }); uerr != nil && cas.ErrorCode(uerr) != cas.EConflict {
			err = uerr
		}
	}
	if err != nil {
		t.Fatalf("step %d: %v", i, err)
	}
	eh.clock.Advance(time.Minute)
	if _, err := db.ExpireReferrals(ctx); err != nil {
		t.Fatal(err)
	}
	eh.runMatch(t)
}

func TestPolicyLabReplaysTheEnginesHistory(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				eh := newEngineHistory(t, db, seed)
				from := eh.clock.Now()
				eh.runMatch(t)
				for i := range 120 {
					eh.step(t, i)
				}
				to := eh.clock.Now().Add(time.Hour)
				h, err := db.PolicyLabHistory(ctx, &eh.casAdmin, from, to)
				if err != nil {
					t.Fatal(err)
				}
				r := policylab.Compare(h, cas.PriorityScheme{Criteria: []cas.Criterion{{Factor: cas.FactorVeteran}, {Factor: cas.FactorScore}}})
				if r.EngineReferrals < 10 || r.Fidelity == nil {
					t.Fatalf("the engine made %d referrals; the history should have more", r.EngineReferrals)
				}
				t.Logf("fidelity %.3f: %d of %d", *r.Fidelity, r.Reproduced, r.EngineReferrals)
				if *r.Fidelity < 0.95 {
					t.Errorf("fidelity %.3f (%d of %d), want at least 0.95", *r.Fidelity, r.Reproduced, r.EngineReferrals)
				}
			})
		})
	}
}

func TestPolicyLabIsForCASAdminsAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		if _, err := db.PolicyLabHistory(ctx, &inv.hmis, start, start.Add(time.Hour)); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("the HMIS team: %v, want forbidden", err)
		}
		today := cas.DateOf(start, time.UTC)
		if _, err := db.PolicyLab(ctx, &inv.hmis, today, today, cas.DefaultCriteria); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("the HMIS team: %v, want forbidden", err)
		}
		if _, err := db.PolicyLab(ctx, &inv.casAdmin, today, today, cas.DefaultCriteria); err != nil {
			t.Fatal(err)
		}
		if n := countAudit(t, db, "report.policy_lab"); n != 1 {
			t.Errorf("%d report.policy_lab audit events, want 1", n)
		}
	})
}

// TestPolicyLabBeforeVersionsWereKept: entries and clients with no recorded state (from before
// migration 00021) stand as they are now from the day they joined, and still replay.
func TestPolicyLabBeforeVersionsWereKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		from := inv.clock.Now()
		inv.mustClientOnHPL(t, "First", 10, nil)
		inv.mustClientOnHPL(t, "Second", 5, nil)
		inv.clock.Advance(time.Hour)
		if run := inv.runMatch(t); len(run.Referrals) != 1 {
			t.Fatalf("%d referrals, want 1", len(run.Referrals))
		}
		for _, table := range []string{"hpl_entry_versions", "client_versions", "match_runs"} {
			if _, err := db.SQL().ExecContext(ctx, "DELETE FROM "+table); err != nil {
				t.Fatal(err)
			}
		}
		h, err := db.PolicyLabHistory(ctx, &inv.casAdmin, from, inv.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range h.People {
			if len(p.Versions) != 1 || !p.Versions[0].At.Equal(p.Joined) || p.Versions[0].Entry.Status != cas.HPLActive {
				t.Errorf("%s: versions %+v, want the entry as it is now, active from joining", p.Name, p.Versions)
			}
		}
		r := policylab.Compare(h, cas.PriorityScheme{Criteria: cas.DefaultCriteria})
		if r.Fidelity == nil || *r.Fidelity != 1 {
			t.Errorf("fidelity %v, want 1: the engine's referral is a moment it ran", r.Fidelity)
		}
	})
}
