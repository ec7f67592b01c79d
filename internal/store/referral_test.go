package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// mustClientOnHPL adds a ready, consenting single adult to the HPL with the given score.
func (inv *inventory) mustClientOnHPL(t *testing.T, name string, score int, change func(*cas.Client)) (cas.Client, cas.HPLEntry) {
	t.Helper()
	c := cas.Client{FirstName: name, LastName: "Test", BirthDate: "1980-05-01", HouseholdSize: 3, HouseholdType: cas.WithChildren, Consent: true}
	if change != nil {
		change(&c)
	}
	c, err := inv.db.CreateClient(ctx, &inv.casAdmin, c)
	if err != nil {
		t.Fatal(err)
	}
	e, err := inv.db.AddToHPL(ctx, &inv.casAdmin, cas.HPLEntry{ClientID: c.ID, Score: score, AssessedOn: "2026-01-15", DaysHomeless: 100, IntakeStatus: cas.IntakeReady})
	if err != nil {
		t.Fatal(err)
	}
	return c, e
}

func (inv *inventory) runMatch(t *testing.T) store.MatchRun {
	t.Helper()
	run, err := inv.db.RunMatch(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestHPLRankAndScheme(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		low, _ := inv.mustClientOnHPL(t, "Low", 5, nil)
		high, _ := inv.mustClientOnHPL(t, "High", 12, nil)
		long, longEntry := inv.mustClientOnHPL(t, "Long", 8, nil)
		if _, err := db.UpdateHPLEntry(ctx, &inv.casAdmin, longEntry.ID, func(e *cas.HPLEntry) { e.DaysHomeless = 2000 }); err != nil {
			t.Fatal(err)
		}
		order := func() []string {
			items, _, _, err := db.HPL(ctx, &inv.casAdmin, store.HPLFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i, it := range items {
				if it.Rank != i+1 {
					t.Errorf("item %d has rank %d", i, it.Rank)
				}
				ids = append(ids, it.Client.ID)
			}
			return ids
		}
		if got := order(); fmt.Sprint(got) != fmt.Sprint([]string{high.ID, long.ID, low.ID}) {
			t.Errorf("default scheme order %v, want high, long, low", got)
		}
		scheme, err := db.SetPriorityScheme(ctx, &inv.casAdmin, []cas.Criterion{{Factor: cas.FactorDaysHomeless}, {Factor: cas.FactorScore}})
		if err != nil {
			t.Fatal(err)
		}
		if scheme.Version != 2 {
			t.Errorf("new scheme version %d, want 2", scheme.Version)
		}
		if got := order(); got[0] != long.ID {
			t.Errorf("days-homeless-first order %v, want long first", got)
		}
		_, err = db.SetPriorityScheme(ctx, &inv.casAdmin, []cas.Criterion{{Factor: "diagnosis"}})
		if e := cas.ErrorOf(err); e == nil || e.Field != "criteria[0].factor" {
			t.Errorf("diagnosis as a criterion: err = %v, want invalid criteria[0].factor", err)
		}
		if _, _, _, err := db.HPL(ctx, &inv.staff, store.HPLFilter{}, store.Page{}); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("an agency user read the HPL: %v", err)
		}
		t.Run("a client is on the list once", func(t *testing.T) {
			_, err := db.AddToHPL(ctx, &inv.casAdmin, cas.HPLEntry{ClientID: low.ID, Score: 1, AssessedOn: "2026-01-01"})
			if cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("err = %v, want conflict", err)
			}
		})
	})
}

func TestEngineRefersTheBestEligibleClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db) // one free 2-bedroom family unit, Apt 101
		_, _ = inv.mustClientOnHPL(t, "Single", 20, func(c *cas.Client) { c.HouseholdType, c.HouseholdSize = cas.WithoutChildren, 1 })
		_, _ = inv.mustClientOnHPL(t, "NoConsent", 19, func(c *cas.Client) { c.Consent = false })
		best, _ := inv.mustClientOnHPL(t, "Best", 15, nil)
		second, _ := inv.mustClientOnHPL(t, "Second", 10, nil)

		run := inv.runMatch(t)
		if len(run.Referrals) != 1 || run.Referrals[0].ClientID != best.ID {
			t.Fatalf("referrals %+v, want one to Best", run.Referrals)
		}
		r := run.Referrals[0]
		if r.UnitID != inv.unit.ID || r.Source != cas.SourceEngine || r.SchemeVersion != 1 || r.Rank != 3 || r.MatchReason == "" {
			t.Errorf("referral %+v", r)
		}
		if want := start.Add(3 * 24 * time.Hour); !r.Deadline.Equal(want) {
			t.Errorf("deadline %s, want %s (3 response days)", r.Deadline, want)
		}
		if again := inv.runMatch(t); len(again.Referrals) != 0 {
			t.Errorf("a second run referred again: %+v", again.Referrals)
		}
		if _, err := db.DeclineReferral(ctx, &inv.staff, r.ID, cas.DeclineNoUnitAvailable, ""); err != nil {
			t.Fatal(err)
		}
		run = inv.runMatch(t)
		if len(run.Referrals) != 1 || run.Referrals[0].ClientID != second.ID {
			t.Fatalf("after the decline: %+v, want one to Second", run.Referrals)
		}
		t.Run("a declined client is not referred to that program again", func(t *testing.T) {
			if _, err := db.WithdrawReferral(ctx, &inv.casAdmin, run.Referrals[0].ID, "test"); err != nil {
				t.Fatal(err)
			}
			again := inv.runMatch(t)
			if len(again.Referrals) != 1 || again.Referrals[0].ClientID != second.ID {
				t.Errorf("after the withdrawal: %+v, want Second again (withdrawal is not a decline)", again.Referrals)
			}
			for _, r := range again.Referrals {
				if r.ClientID == best.ID {
					t.Error("Best was referred again to the program that declined them")
				}
			}
		})
	})
}

func TestReviewModeProposes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		if _, err := db.UpdateProgram(ctx, &inv.hmis, inv.program.ID, func(p *cas.Program) { p.ReferralMode = cas.ReferralReview }); err != nil {
			t.Fatal(err)
		}
		c, _ := inv.mustClientOnHPL(t, "Pat", 10, nil)
		run := inv.runMatch(t)
		if len(run.Referrals) != 0 || len(run.Proposals) != 1 {
			t.Fatalf("run %+v, want one proposal and no referral", run)
		}
		if again := inv.runMatch(t); len(again.Proposals) != 0 {
			t.Errorf("the engine proposed the held unit again")
		}
		r, err := db.SendProposal(ctx, &inv.casAdmin, run.Proposals[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.ClientID != c.ID || r.Status != cas.ReferralPending || r.UnitID != inv.unit.ID {
			t.Errorf("referral from the proposal: %+v", r)
		}
		if _, err := db.SendProposal(ctx, &inv.casAdmin, run.Proposals[0].ID); cas.ErrorCode(err) != cas.EConflict {
			t.Errorf("sending twice: %v", err)
		}
	})
}

// lifecycle builds a referral in a given state.
func (inv *inventory) referralIn(t *testing.T, status cas.ReferralStatus, n int) cas.Referral {
	t.Helper()
	u := inv.mustUnit(t, fmt.Sprintf("L%d", n), 2)
	c, _ := inv.mustClientOnHPL(t, fmt.Sprintf("Client%d", n), 10, nil)
	r, err := inv.db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: inv.facility.ID})
	if err != nil {
		t.Fatal(err)
	}
	var steps []func() (cas.Referral, error)
	accept := func() (cas.Referral, error) { return inv.db.AcceptReferral(ctx, &inv.staff, r.ID, "") }
	switch status {
	case cas.ReferralAccepted:
		steps = append(steps, accept)
	case cas.ReferralDeclined:
		steps = append(steps, func() (cas.Referral, error) {
			return inv.db.DeclineReferral(ctx, &inv.staff, r.ID, cas.DeclineClientRefused, "")
		})
	case cas.ReferralWithdrawn:
		steps = append(steps, func() (cas.Referral, error) { return inv.db.WithdrawReferral(ctx, &inv.casAdmin, r.ID, "duplicate") })
	case cas.ReferralHoused:
		steps = append(steps, accept, func() (cas.Referral, error) { return inv.db.MoveIn(ctx, &inv.staff, r.ID, u.ID) })
	case cas.ReferralExpired:
		steps = append(steps, func() (cas.Referral, error) {
			inv.clock.Advance(4 * 24 * time.Hour)
			if _, err := inv.db.ExpireReferrals(ctx); err != nil {
				return r, err
			}
			got, _, err := inv.db.Referral(ctx, cas.System, r.ID)
			return got, err
		})
	}
	for _, step := range steps {
		if r, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	if r.Status != status {
		t.Fatalf("built a %s referral, want %s", r.Status, status)
	}
	return r
}

func TestEveryLifecyclePair(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		// The lifecycle as the design draws it: "" means 409 and nothing changes.
		want := map[cas.ReferralStatus]map[cas.ReferralAction]cas.ReferralStatus{
			cas.ReferralPending:  {cas.ActionAccept: cas.ReferralAccepted, cas.ActionDecline: cas.ReferralDeclined, cas.ActionWithdraw: cas.ReferralWithdrawn, cas.ActionExpire: cas.ReferralExpired},
			cas.ReferralAccepted: {cas.ActionDecline: cas.ReferralDeclined, cas.ActionWithdraw: cas.ReferralWithdrawn, cas.ActionMoveIn: cas.ReferralHoused},
		}
		n := 0
		for _, from := range cas.ReferralStatuses {
			for _, action := range cas.ReferralActions {
				n++
				t.Run(fmt.Sprintf("%s then %s", from, action), func(t *testing.T) {
					r := inv.referralIn(t, from, n)
					audits := countAudit(t, db, "referral.%")
					var err error
					switch action {
					case cas.ActionAccept:
						_, err = db.AcceptReferral(ctx, &inv.staff, r.ID, "")
					case cas.ActionDecline:
						_, err = db.DeclineReferral(ctx, &inv.staff, r.ID, cas.DeclineSafetyConcern, "")
					case cas.ActionWithdraw:
						_, err = db.WithdrawReferral(ctx, &inv.casAdmin, r.ID, "test")
					case cas.ActionMoveIn:
						_, err = db.MoveIn(ctx, &inv.staff, r.ID, inv.mustUnit(t, fmt.Sprintf("M%d", n), 2).ID)
					case cas.ActionExpire:
						inv.clock.Advance(4 * 24 * time.Hour)
						_, err = db.ExpireReferrals(ctx)
					}
					got, timeline, gerr := db.Referral(ctx, cas.System, r.ID)
					if gerr != nil {
						t.Fatal(gerr)
					}
					to, allowed := want[from][action]
					switch {
					case allowed && (err != nil || got.Status != to):
						t.Errorf("got %s (%v), want %s", got.Status, err, to)
					case !allowed && action != cas.ActionExpire && cas.ErrorCode(err) != cas.EConflict:
						t.Errorf("err = %v, want conflict", err)
					case !allowed && got.Status != from:
						t.Errorf("status changed to %s on a refused action", got.Status)
					case !allowed && countAudit(t, db, "referral.%") != audits:
						t.Error("a refused action wrote an audit event")
					}
					if allowed && timeline[len(timeline)-1].Status != to {
						t.Errorf("the timeline ends with %+v", timeline[len(timeline)-1])
					}
				})
			}
		}
	})
}

func TestLastUnitRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db) // exactly one free unit
		clients := make([]cas.Client, 20)
		for i := range clients {
			clients[i], _ = inv.mustClientOnHPL(t, fmt.Sprintf("C%02d", i), 10, nil)
		}
		errs := make([]error, len(clients))
		refs := make([]cas.Referral, len(clients))
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				admin := inv.casAdmin
				in := store.NewReferral{ClientID: clients[i].ID, FacilityID: inv.facility.ID}
				if i%4 == 0 {
					in.OverRefer, in.Reason = true, "a tenant moves out on Friday"
				}
				refs[i], errs[i] = db.CreateReferral(ctx, &admin, in)
			})
		}
		wg.Wait()
		plain, over := 0, 0
		for i, err := range errs {
			switch {
			case err == nil && !refs[i].OverRefer:
				plain++
			case err == nil && refs[i].OverRefer:
				over++
				if i%4 != 0 {
					t.Errorf("request %d over-referred without asking", i)
				}
			case cas.ErrorCode(err) == cas.EConflict && i%4 != 0:
			default:
				t.Errorf("request %d: %v", i, err)
			}
		}
		if plain != 1 {
			t.Errorf("%d plain referrals, want exactly 1", plain)
		}
		for i := 0; i < len(clients); i += 4 {
			if errs[i] != nil {
				t.Errorf("request %d asked to over-refer and was refused: %v", i, errs[i])
			}
		}
		if over < len(clients)/4-1 {
			t.Errorf("%d over-referrals, want every asker but a possible winner of the unit", over)
		}
	})
}

func TestReferralRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		t.Run("over-referral needs a reason and only happens when full", func(t *testing.T) {
			a, _ := inv.mustClientOnHPL(t, "A", 10, nil)
			b, _ := inv.mustClientOnHPL(t, "B", 10, nil)
			r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: a.ID, FacilityID: inv.facility.ID, OverRefer: true, Reason: "x"})
			if err != nil || r.OverRefer || r.UnitID != inv.unit.ID {
				t.Fatalf("over-referral to a facility with a free unit: %+v %v, want a plain referral", r, err)
			}
			if free, err := db.FreeCapacity(ctx, &inv.casAdmin, inv.facility.ID); err != nil || len(free) != 0 {
				t.Errorf("free capacity with the only unit held by a referral: %+v (%v), want none", free, err)
			}
			_, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: b.ID, FacilityID: inv.facility.ID})
			if cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("plain referral to a full facility: %v, want conflict", err)
			}
			_, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: b.ID, FacilityID: inv.facility.ID, OverRefer: true})
			if e := cas.ErrorOf(err); e == nil || e.Field != "reason" {
				t.Errorf("over-referral without a reason: %v", err)
			}
			o, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: b.ID, FacilityID: inv.facility.ID, OverRefer: true,
				Reason: "Apt 101 turns over on the 1st", ExpectedVacancy: "2026-12-01"})
			if err != nil || !o.OverRefer || o.UnitID != "" || o.ExpectedVacancy != "2026-12-01" {
				t.Errorf("over-referral: %+v %v", o, err)
			}
			if _, err := db.CreateReferral(ctx, &inv.staff, store.NewReferral{ClientID: b.ID, FacilityID: inv.facility.ID}); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("an agency user referred: %v", err)
			}
			// A waiting over-referral would take the next unit that frees; the next test adds units.
			if _, err := db.WithdrawReferral(ctx, &inv.casAdmin, o.ID, "test done"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("decline reasons decide the client's place", func(t *testing.T) {
			for _, c := range []struct {
				reason cas.DeclineReason
				status cas.HPLStatus
				parked bool
			}{
				{cas.DeclineClientRefused, cas.HPLActive, false},
				{cas.DeclineClientUnreachable, cas.HPLActive, true},
				{cas.DeclineClientHousedElsewhere, cas.HPLInactive, false},
				{cas.DeclineNoUnitAvailable, cas.HPLActive, false},
			} {
				inv.mustUnit(t, "D-"+string(c.reason), 2)
				cl, entry := inv.mustClientOnHPL(t, string(c.reason), 10, nil)
				r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: cl.ID, FacilityID: inv.facility.ID})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.DeclineReferral(ctx, &inv.staff, r.ID, c.reason, ""); err != nil {
					t.Fatal(err)
				}
				e, err := db.HPLEntry(ctx, &inv.casAdmin, entry.ID)
				if err != nil {
					t.Fatal(err)
				}
				if e.Status != c.status || e.Parked(cas.DateOf(inv.clock.Now(), time.UTC)) != c.parked {
					t.Errorf("%s: entry %s parked until %q; want %s, parked %v", c.reason, e.Status, e.ParkedUntil, c.status, c.parked)
				}
			}
			_, err := db.DeclineReferral(ctx, &inv.staff, "x", cas.DeclineOther, "")
			if e := cas.ErrorOf(err); e == nil || e.Field != "note" {
				t.Errorf("other without a note: %v", err)
			}
			_, err = db.DeclineReferral(ctx, &inv.staff, "x", "tired", "")
			if e := cas.ErrorOf(err); e == nil || e.Field != "reason_code" {
				t.Errorf("unknown reason: %v", err)
			}
		})
		t.Run("move-in checks the client into a unit of the facility", func(t *testing.T) {
			u := inv.mustUnit(t, "Home", 2)
			cl, entry := inv.mustClientOnHPL(t, "Mover", 10, nil)
			r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: cl.ID, FacilityID: inv.facility.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AcceptReferral(ctx, &inv.staff, r.ID, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.MoveIn(ctx, &inv.staff, r.ID, "nope"); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "unit_id" {
				t.Errorf("move into an unknown unit: %v", err)
			}
			r, err = db.MoveIn(ctx, &inv.staff, r.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := inv.status(t, u.ID); got.Status != cas.UnitOccupied {
				t.Errorf("unit is %s after move-in", got.Status)
			}
			if e, _ := db.HPLEntry(ctx, &inv.casAdmin, entry.ID); e.Status != cas.HPLHoused {
				t.Errorf("HPL entry is %s after move-in", e.Status)
			}
		})
		t.Run("another agency sees none of it", func(t *testing.T) {
			list, _, err := db.Referrals(ctx, &inv.otherStaff, store.ReferralFilter{}, store.Page{})
			if err != nil || len(list) != 0 {
				t.Errorf("listed %d referrals of another agency (%v)", len(list), err)
			}
			all, _, _ := db.Referrals(ctx, cas.System, store.ReferralFilter{}, store.Page{})
			for _, r := range all {
				if _, _, err := db.Referral(ctx, &inv.otherStaff, r.ID); cas.ErrorCode(err) != cas.ENotFound {
					t.Errorf("read another agency's referral: %v", err)
				}
				if _, err := db.AcceptReferral(ctx, &inv.otherStaff, r.ID, ""); cas.ErrorCode(err) != cas.ENotFound {
					t.Errorf("accepted another agency's referral: %v", err)
				}
				if _, err := db.Client(ctx, &inv.otherStaff, r.ClientID); cas.ErrorCode(err) != cas.ENotFound {
					t.Errorf("read a client referred to another agency: %v", err)
				}
			}
			if len(all) > 0 {
				if _, err := db.Client(ctx, &inv.staff, all[0].ClientID); err != nil {
					t.Errorf("the agency cannot read its referred client: %v", err)
				}
			}
		})
	})
}

func TestReferralDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, entry := inv.mustClientOnHPL(t, "Waiting", 10, nil)
		r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: inv.facility.ID})
		if err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(3*24*time.Hour - time.Second)
		if n, _ := db.ExpireReferrals(ctx); n != 0 {
			t.Fatalf("expired %d a second before the deadline", n)
		}
		jobs := inv.matchJobs(t)
		inv.clock.Advance(time.Second)
		if n, err := db.ExpireReferrals(ctx); n != 1 || err != nil {
			t.Fatalf("at the deadline: %d expired (%v)", n, err)
		}
		got, _, _ := db.Referral(ctx, cas.System, r.ID)
		if got.Status != cas.ReferralExpired {
			t.Errorf("status %s", got.Status)
		}
		if e, _ := db.HPLEntry(ctx, &inv.casAdmin, entry.ID); e.Status != cas.HPLActive {
			t.Errorf("HPL entry %s after expiry, want active", e.Status)
		}
		if n := inv.matchJobs(t) - jobs; n != 1 {
			t.Errorf("%d match jobs enqueued by the expiry, want 1", n)
		}
	})
}

func TestHPLShowsHousedAndRemovedWhenAsked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		_, kept := inv.mustClientOnHPL(t, "Kept", 10, nil)
		_, gone := inv.mustClientOnHPL(t, "Gone", 12, nil)
		if _, err := db.RemoveFromHPL(ctx, &inv.casAdmin, gone.ID, cas.RemovalMovedAway, "to another state"); err != nil {
			t.Fatal(err)
		}
		items, _, _, err := db.HPL(ctx, &inv.casAdmin, store.HPLFilter{}, store.Page{})
		if err != nil || len(items) != 1 || items[0].Entry.ID != kept.ID || items[0].Rank != 1 {
			t.Fatalf("default list: %+v (%v), want only Kept at rank 1", items, err)
		}
		items, _, _, err = db.HPL(ctx, &inv.casAdmin, store.HPLFilter{Status: []cas.HPLStatus{cas.HPLInactive}}, store.Page{})
		if err != nil || len(items) != 1 || items[0].Entry.ID != gone.ID || items[0].Rank != 0 || items[0].Entry.RemovalReason == "" {
			t.Errorf("removed entries: %+v (%v), want Gone without a rank, with the reason", items, err)
		}
	})
}

func TestCheckInAClientInDoorway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, _ := inv.mustClientOnHPL(t, "Known", 10, nil)
		if _, err := db.CheckIn(ctx, &inv.staff, inv.unit.ID, c.ID, ""); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "client_id" {
			t.Errorf("an agency user checked in a client never referred to them: %v", err)
		}
		occ, err := db.CheckIn(ctx, &inv.hmis, inv.unit.ID, c.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if occ.ClientID != c.ID || occ.ClientName != "Known Test" {
			t.Errorf("occupancy %+v", occ)
		}
		if _, err := db.CheckIn(ctx, &inv.staff, inv.unit.ID, "", " "); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "client_name" {
			t.Errorf("check-in with nobody: %v", err)
		}
	})
}
