package store_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestParallelReferrals: CAS admins making referrals at the same time, the same clients to
// several facilities and several clients to the same facility, get each a referral or a
// conflict or refusal that says why, never an internal error (a deadlock reaching the user), and
// no unit is held twice nor a client given two units.
func TestParallelReferrals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		inv.casContact(t)
		facilities := []cas.Facility{inv.facility}
		for i := range 2 {
			f, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: inv.program.ID, Name: fmt.Sprintf("Harbor Annex %d", i), Address: "1 Pier Rd"})
			if err != nil {
				t.Fatal(err)
			}
			facilities = append(facilities, f)
		}
		for i, f := range facilities {
			inv.facility = f
			for j := range 3 {
				inv.mustUnit(t, fmt.Sprintf("F%d-%d", i, j), 2)
			}
		}
		clients := make([]cas.Client, 12)
		for i := range clients {
			clients[i], _ = inv.mustClientOnHPL(t, fmt.Sprintf("C%02d", i), 10+i, nil)
		}
		const workers, each = 8, 25
		var mu sync.Mutex
		made := 0
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range each {
					admin := inv.casAdmin
					in := store.NewReferral{ClientID: clients[rng.IntN(len(clients))].ID, FacilityID: facilities[rng.IntN(len(facilities))].ID}
					if rng.IntN(3) == 0 {
						in.OverRefer, in.Reason = true, "a tenant moves out on Friday"
					}
					_, err := db.CreateReferral(ctx, &admin, in)
					if code := cas.ErrorCode(err); code == cas.EInternal {
						t.Errorf("referral of %s to %s: %v", in.ClientID, in.FacilityID, err)
					}
					mu.Lock()
					if err == nil {
						made++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		retried, gaveUp := db.Retries()
		t.Logf("%d referrals made of %d asked; %d transactions retried, %d gave up", made, workers*each, retried, gaveUp)
		if made == 0 {
			t.Error("no referral was made")
		}
		held := map[string]string{}
		for _, c := range clients {
			refs, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: c.ID}, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			units := 0
			for _, r := range refs {
				if r.UnitID == "" {
					continue
				}
				units++
				if other, dup := held[r.UnitID]; dup {
					t.Errorf("unit %s is held by referrals %s and %s", r.UnitID, other, r.ID)
				}
				held[r.UnitID] = r.ID
			}
			if units > 1 {
				t.Errorf("client %s holds %d units through referrals", c.FirstName, units)
			}
		}
	})
}

// TestReferralsBesideMatching: a CAS admin's referrals and the matching engine's runs at the same
// time, over the same clients and units, lock in the same order (facility, HPL entry with its
// client, unit), so PostgreSQL never has to break a deadlock between them; a run that found a
// unit taken meanwhile leaves it.
func TestReferralsBesideMatching(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		for i := range 5 {
			inv.mustUnit(t, fmt.Sprintf("B%d", i), 2)
		}
		clients := make([]cas.Client, 10)
		for i := range clients {
			clients[i], _ = inv.mustClientOnHPL(t, fmt.Sprintf("C%02d", i), 50-i, nil)
		}
		for round := range 6 {
			var wg sync.WaitGroup
			wg.Go(func() {
				if _, err := db.RunMatch(ctx, false); err != nil {
					t.Errorf("round %d: matching: %v", round, err)
				}
			})
			for i := range clients {
				wg.Go(func() {
					admin := inv.casAdmin
					_, err := db.CreateReferral(ctx, &admin, store.NewReferral{ClientID: clients[i].ID, FacilityID: inv.facility.ID})
					if cas.ErrorCode(err) == cas.EInternal {
						t.Errorf("round %d: referral of client %d: %v", round, i, err)
					}
				})
			}
			wg.Wait()
			open, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending}}, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range open {
				if _, err := db.WithdrawReferral(ctx, &inv.casAdmin, r.ID, "next round"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if retried, _ := db.Retries(); retried > 0 {
			t.Errorf("%d transactions were retried: referrals and matching collided", retried)
		}
	})
}

// TestDeadlockRetried: two transactions that lock the same rows in opposite orders deadlock on
// PostgreSQL, which ends one of them; the store runs that one again, so both succeed and the user
// sees no error. (On SQLite write transactions run one at a time and never deadlock.)
func TestDeadlockRetried(t *testing.T) {
	db := storetest.Open(t, storetest.PostgresURL(t))
	a, b := MustAgency(t, db, "Harbor Family Services"), MustAgency(t, db, "Riverside Housing Partners")
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	between := func() { bothLocked.Done(); bothLocked.Wait() }
	runs, errs := make([]int, 2), make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { runs[0], errs[0] = db.LockBoth(ctx, a.ID, b.ID, between) })
	wg.Go(func() { runs[1], errs[1] = db.LockBoth(ctx, b.ID, a.ID, between) })
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors %v, %v: want both transactions to succeed", errs[0], errs[1])
	}
	if runs[0]+runs[1] != 3 {
		t.Errorf("the transactions ran %d and %d times, want one of them twice", runs[0], runs[1])
	}
	if retried, gaveUp := db.Retries(); retried != 1 || gaveUp != 0 {
		t.Errorf("%d retried, %d gave up; want 1 and 0", retried, gaveUp)
	}
}
