package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestHoldInvariants is a model-based test of who holds each unit. Random sequences of every
// inventory and referral action (check-in, check-out, reserve, release, offline, online, manual
// referral and over-referral, accept, decline, withdraw, expire, move-in, engine runs, proposals
// sent and dismissed) run against a small CoC, and after every step the invariants are checked
// against the raw tables: no unit has two holders; unit_holders says exactly who holds each unit;
// every open referral that is not an over-referral holds a unit; a waiting over-referral holds
// none; no client holds two units through referrals, is in two units, or has two open referrals to
// one facility; no housed client is still referred; and no free unit fits an over-referral that
// waits for its facility. Refusals (409, 400) are expected; anything else fails the test.
func TestHoldInvariants(t *testing.T) {
	steps := 1500
	switch {
	case testing.Short():
		steps = 300
	case raceDetector:
		steps = 1000 // still two thousand steps a database, in CI's time
	}
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				m := newHoldModel(t, db, seed)
				for i := range steps {
					what := m.step(t)
					if err := m.check(); err != nil {
						t.Fatalf("step %d (%s): %v", i, what, err)
					}
				}
				t.Logf("%d steps: %v", steps, m.counts)
			})
		})
	}
}

// holdModel is a small CoC: two agencies, three programs (one in review mode), four facilities with
// units of several kinds, and clients on the HPL.
type holdModel struct {
	db         *store.DB
	rnd        *rand.Rand
	clock      *storetest.Clock
	hmis       cas.User
	casAdmin   cas.User
	staff      map[string]*cas.User // by agency ID
	facilities []cas.Facility
	units      []cas.Unit
	clients    []cas.Client
	counts     map[string]int // outcomes, for the log: "check_in ok", "check_in conflict", …
}

func newHoldModel(t *testing.T, db *store.DB, seed uint64) *holdModel {
	t.Helper()
	m := &holdModel{db: db, rnd: rand.New(rand.NewPCG(seed, 1)), clock: storetest.NewClock(start), staff: map[string]*cas.User{},
		counts: map[string]int{}}
	db.Now = m.clock.Now
	tag := fmt.Sprintf("s%d", seed)
	m.hmis = MustUser(t, db, "hmis-"+tag+"@coc.test", cas.RoleHMISAdmin, "")
	m.casAdmin = MustUser(t, db, "cas-"+tag+"@coc.test", cas.RoleCASAdmin, "")
	programs := []struct {
		name  string
		mode  cas.ReferralMode
		types []cas.HouseholdType
	}{
		{"Singles PSH", cas.ReferralAuto, []cas.HouseholdType{cas.WithoutChildren}},
		{"Family RRH", cas.ReferralAuto, []cas.HouseholdType{cas.WithChildren}},
		{"Open TH", cas.ReferralReview, nil},
	}
	agencies := []cas.Agency{MustAgency(t, db, "Harbor"), MustAgency(t, db, "Riverside")}
	for i, p := range programs {
		agency := agencies[i%2]
		if _, ok := m.staff[agency.ID]; !ok {
			u := MustUser(t, db, fmt.Sprintf("staff%d-%s@coc.test", i, tag), cas.RoleAgencyUser, agency.ID)
			m.staff[agency.ID] = &u
		}
		program, err := db.CreateProgram(ctx, &m.hmis, cas.Program{AgencyID: agency.ID, Name: p.name + " " + tag, ProjectType: cas.ProjectPSH,
			ReferralMode: p.mode, Requirements: cas.Requirements{HouseholdTypes: p.types}})
		if err != nil {
			t.Fatal(err)
		}
		for f := range 1 + i%2 {
			facility, err := db.CreateFacility(ctx, &m.hmis, cas.Facility{ProgramID: program.ID, Name: fmt.Sprintf("%s site %d", p.name, f)})
			if err != nil {
				t.Fatal(err)
			}
			m.facilities = append(m.facilities, facility)
			for u := range 3 {
				types := p.types
				if types == nil {
					types = cas.HouseholdTypes[:2]
				}
				unit, err := db.CreateUnit(ctx, &m.hmis, cas.Unit{FacilityID: facility.ID, Label: fmt.Sprintf("%d%d", f, u), Bedrooms: u,
					HouseholdTypes: types, Accessible: u == 2})
				if err != nil {
					t.Fatal(err)
				}
				m.units = append(m.units, unit)
			}
		}
	}
	for range 14 {
		if err := m.join(); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// join adds a client to the HPL, as assessments do every day.
func (m *holdModel) join() error {
	i := len(m.clients)
	c := cas.Client{FirstName: fmt.Sprintf("Client%d", i), LastName: "Model", BirthDate: "1980-01-01", HouseholdSize: 1 + i%4,
		HouseholdType: cas.HouseholdTypes[i%2], NeedsAccessible: i%5 == 0, Consent: true}
	c, err := m.db.CreateClient(ctx, &m.casAdmin, c)
	if err != nil {
		return err
	}
	if _, err := m.db.AddToHPL(ctx, &m.casAdmin, cas.HPLEntry{ClientID: c.ID, Score: m.rnd.IntN(20), AssessedOn: "2026-01-05",
		DaysHomeless: m.rnd.IntN(900), IntakeStatus: cas.IntakeReady, Documents: []string{}}); err != nil {
		return err
	}
	m.clients = append(m.clients, c)
	return nil
}

func (m *holdModel) pickUnit() cas.Unit         { return m.units[m.rnd.IntN(len(m.units))] }
func (m *holdModel) pickClient() cas.Client     { return m.clients[m.rnd.IntN(len(m.clients))] }
func (m *holdModel) pickFacility() cas.Facility { return m.facilities[m.rnd.IntN(len(m.facilities))] }

// operator is who checks clients in and out of a unit: its agency's staff, or now and then the
// HMIS team correcting data.
func (m *holdModel) operator(u cas.Unit) *cas.User {
	if m.rnd.IntN(5) == 0 {
		return &m.hmis
	}
	return m.staff[u.AgencyID]
}

// openReferral picks an open referral, or ok false when there is none.
func (m *holdModel) openReferral() (cas.Referral, bool) {
	list, _, err := m.db.Referrals(ctx, cas.System, store.ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}},
		store.Page{Limit: 200})
	if err != nil || len(list) == 0 {
		return cas.Referral{}, false
	}
	return list[m.rnd.IntN(len(list))], true
}

// step takes one random action and records its outcome; it fails the test on an internal error.
func (m *holdModel) step(t *testing.T) string {
	t.Helper()
	u, c, f := m.pickUnit(), m.pickClient(), m.pickFacility()
	var name string
	var err error
	switch n := m.rnd.IntN(100); {
	case n < 10:
		name = "check_in"
		if m.rnd.IntN(2) == 0 {
			_, err = m.db.CheckIn(ctx, m.operator(u), u.ID, c.ID, "")
		} else {
			_, err = m.db.CheckIn(ctx, m.operator(u), u.ID, "", fmt.Sprintf("Walk-in %d", m.rnd.IntN(3)))
		}
	case n < 20:
		name = "check_out"
		_, err = m.db.CheckOut(ctx, m.operator(u), u.ID)
	case n < 27:
		name = "reserve"
		today := cas.DateOf(m.clock.Now(), m.db.Zone)
		_, err = m.db.CreateReservation(ctx, m.operator(u), cas.Reservation{UnitID: u.ID, ClientName: fmt.Sprintf("Walk-in %d", m.rnd.IntN(3)),
			StartsOn: today, ExpiresOn: today.AddDays(1 + m.rnd.IntN(3))})
	case n < 31:
		name = "release"
		list, _, lerr := m.db.Reservations(ctx, cas.System, store.ReservationFilter{Status: cas.ReservationOpen}, store.Page{})
		if lerr != nil || len(list) == 0 {
			return name + " (none open)"
		}
		r := list[m.rnd.IntN(len(list))]
		_, err = m.db.ReleaseReservation(ctx, m.staff[r.AgencyID], r.ID)
	case n < 37:
		name = "offline"
		reason := ""
		if m.rnd.IntN(3) == 0 {
			reason = "burst pipe"
		}
		_, err = m.db.TakeOffline(ctx, &m.hmis, u.ID, cas.OfflinePeriod{Reason: "repairs"}, reason)
	case n < 42:
		name = "online"
		_, err = m.db.BringOnline(ctx, &m.hmis, u.ID)
	case n < 52:
		name = "refer"
		_, err = m.db.CreateReferral(ctx, &m.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: f.ID})
	case n < 57:
		name = "over_refer"
		in := store.NewReferral{ClientID: c.ID, FacilityID: f.ID, OverRefer: true, Reason: "a unit turns over soon"}
		if m.rnd.IntN(3) == 0 {
			in.EligibilityOverrideReason = "the program agreed"
		}
		_, err = m.db.CreateReferral(ctx, &m.casAdmin, in)
	case n < 64:
		name = "accept"
		if r, ok := m.openReferral(); ok {
			_, err = m.db.AcceptReferral(ctx, m.staff[r.AgencyID], r.ID, "")
		}
	case n < 70:
		name = "decline"
		if r, ok := m.openReferral(); ok {
			reason := cas.DeclineRules[m.rnd.IntN(len(cas.DeclineRules))].Reason
			_, err = m.db.DeclineReferral(ctx, m.staff[r.AgencyID], r.ID, reason, "a note")
		}
	case n < 74:
		name = "withdraw"
		if r, ok := m.openReferral(); ok {
			_, err = m.db.WithdrawReferral(ctx, &m.casAdmin, r.ID, "changed plans")
		}
	case n < 80:
		name = "move_in"
		if r, ok := m.openReferral(); ok {
			unit := r.UnitID
			if unit == "" || m.rnd.IntN(3) == 0 {
				unit = m.pickUnit().ID
			}
			_, err = m.db.MoveIn(ctx, m.staff[r.AgencyID], r.ID, unit)
		}
	case n < 84:
		name = "expire"
		m.clock.Advance(time.Duration(12+m.rnd.IntN(48)) * time.Hour)
		if _, err = m.db.ExpireReferrals(ctx); err == nil {
			_, err = m.db.ExpireReservations(ctx)
		}
	case n < 88:
		name = "join"
		err = m.join()
	case n < 94:
		name = "engine"
		_, err = m.db.RunMatch(ctx, false)
	default:
		name = "proposal"
		list, lerr := m.db.Proposals(ctx, &m.casAdmin)
		if lerr != nil || len(list) == 0 {
			return name + " (none open)"
		}
		p := list[m.rnd.IntN(len(list))]
		if m.rnd.IntN(2) == 0 {
			_, err = m.db.SendProposal(ctx, &m.casAdmin, p.ID)
		} else {
			err = m.db.DismissProposal(ctx, &m.casAdmin, p.ID)
		}
	}
	code := cas.ErrorCode(err)
	switch code {
	case "":
		m.counts[name+" ok"]++
	case cas.EConflict, cas.EInvalid:
		m.counts[name+" "+code]++
	default:
		t.Fatalf("%s: %v", name, err)
	}
	return fmt.Sprintf("%s: %v", name, err)
}

// check reads the raw tables and reports the first broken invariant.
func (m *holdModel) check() error {
	q := func(query string) ([]string, error) {
		rows, err := m.db.SQL().QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, rows.Err()
	}
	// Every holder of every unit, from the tables that record them.
	holders := `SELECT unit_id, 'offline_period' AS kind, id FROM offline_periods WHERE ended_at IS NULL
		UNION ALL SELECT unit_id, 'occupancy', id FROM occupancies WHERE ended_at IS NULL
		UNION ALL SELECT unit_id, 'reservation', id FROM reservations WHERE status = 'open'
		UNION ALL SELECT unit_id, 'referral', id FROM referrals WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL
		UNION ALL SELECT unit_id, 'proposal', id FROM match_proposals WHERE status = 'open'`
	checks := []struct{ what, query string }{
		{"units with two holders", `SELECT unit_id FROM (` + holders + `) h GROUP BY unit_id HAVING COUNT(*) > 1`},
		{"holders missing from unit_holders", `SELECT h.unit_id || ' ' || h.kind FROM (` + holders + `) h
			LEFT JOIN unit_holders u ON u.unit_id = h.unit_id AND u.kind = h.kind AND u.holder_id = h.id WHERE u.unit_id IS NULL`},
		{"unit_holders rows with no holder", `SELECT u.unit_id FROM unit_holders u LEFT JOIN (` + holders + `) h
			ON u.unit_id = h.unit_id AND u.kind = h.kind AND u.holder_id = h.id WHERE h.unit_id IS NULL`},
		{"open plain referrals holding no unit", `SELECT id FROM referrals WHERE status IN ('pending', 'accepted') AND unit_id IS NULL AND NOT over_refer`},
		{"clients holding two units through referrals", `SELECT client_id FROM referrals WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL
			GROUP BY client_id HAVING COUNT(*) > 1`},
		{"clients in two units", `SELECT client_id FROM occupancies WHERE ended_at IS NULL AND client_id IS NOT NULL GROUP BY client_id HAVING COUNT(*) > 1`},
		{"clients with two open referrals to one facility", `SELECT client_id FROM referrals WHERE status IN ('pending', 'accepted')
			GROUP BY client_id, facility_id HAVING COUNT(*) > 1`},
		{"housed clients still referred", `SELECT r.id FROM referrals r JOIN hpl_entries e ON e.id = r.hpl_entry_id
			WHERE r.status IN ('pending', 'accepted') AND e.status IN ('housed', 'inactive')`},
		{"waiting over-referrals with a deadline due", `SELECT id FROM referrals WHERE status = 'expired' AND unit_id IS NULL`},
	}
	for _, c := range checks {
		bad, err := q(c.query)
		if err != nil {
			return fmt.Errorf("%s: %w", c.what, err)
		}
		if len(bad) > 0 {
			return fmt.Errorf("%s: %s", c.what, strings.Join(bad, ", "))
		}
	}
	return m.checkQueue()
}

// checkQueue: no unit is left free that fits an over-referral waiting for its facility whose
// client holds no unit, so the engine can never refer someone else to it.
func (m *holdModel) checkQueue() error {
	waiting, _, err := m.db.Referrals(ctx, cas.System, store.ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}},
		store.Page{Limit: 200})
	if err != nil {
		return err
	}
	holding := map[string]bool{}
	for _, r := range waiting {
		holding[r.ClientID] = holding[r.ClientID] || r.UnitID != ""
	}
	waiting = slices.DeleteFunc(waiting, func(r cas.Referral) bool { return !r.Waiting() || holding[r.ClientID] })
	for _, r := range waiting {
		units, _, err := m.db.Units(ctx, cas.System, store.UnitFilter{FacilityID: r.FacilityID}, store.Page{})
		if err != nil {
			return err
		}
		c, err := m.db.Client(ctx, cas.System, r.ClientID)
		if err != nil {
			return err
		}
		for _, u := range units {
			if fits, _ := match.FitsUnit(c, u); u.Free() && (r.EligibilityOverride || fits) {
				return fmt.Errorf("unit %s is free while over-referral %s waits for it", u.Label, r.ID)
			}
		}
	}
	return nil
}

// TestOverReferralQueueUnderParallelCheckOuts: units of a full facility freed at the same moment
// each go to one waiting over-referral, oldest first, without a deadlock or a unit given twice.
func TestOverReferralQueueUnderParallelCheckOuts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		const n = 6
		units := []cas.Unit{inv.unit}
		for i := 1; i < n; i++ {
			units = append(units, inv.mustUnit(t, fmt.Sprintf("Apt %d", 200+i), 2))
		}
		for i, u := range units {
			if _, err := db.CheckIn(ctx, &inv.staff, u.ID, "", fmt.Sprintf("Tenant %d", i)); err != nil {
				t.Fatal(err)
			}
		}
		var waiting []string
		for i := range n {
			c, _ := inv.mustClientOnHPL(t, fmt.Sprintf("Waiting%d", i), 10, nil)
			r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: inv.facility.ID, OverRefer: true, Reason: "turnover"})
			if err != nil || !r.Waiting() {
				t.Fatalf("over-referral %d: %+v %v", i, r, err)
			}
			waiting = append(waiting, r.ID)
			inv.clock.Advance(time.Second)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, u := range units {
			wg.Go(func() { _, errs[i] = db.CheckOut(ctx, &inv.staff, u.ID) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("check-out %d: %v", i, err)
			}
		}
		if _, err := db.RunMatch(ctx, false); err != nil { // the sweep gives any unit a skipped lock left free
			t.Fatal(err)
		}
		held := map[string]string{}
		for _, id := range waiting {
			r, _, err := db.Referral(ctx, cas.System, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.UnitID == "" {
				t.Errorf("over-referral %s still waits with %d units freed", id, n)
				continue
			}
			if other, dup := held[r.UnitID]; dup {
				t.Errorf("unit %s given to %s and %s", r.UnitID, other, id)
			}
			held[r.UnitID] = id
		}
	})
}
