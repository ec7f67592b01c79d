package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// inventory is a small CoC with one program, facility and unit at Harbor, and people of each role.
type inventory struct {
	db                                *store.DB
	clock                             *storetest.Clock
	harbor, riverside                 cas.Agency
	hmis, casAdmin, staff, otherStaff cas.User
	program                           cas.Program
	facility                          cas.Facility
	unit                              cas.Unit
}

var start = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

func newInventory(t *testing.T, db *store.DB) *inventory {
	t.Helper()
	inv := &inventory{db: db, clock: storetest.NewClock(start)}
	db.Now = inv.clock.Now
	inv.harbor = MustAgency(t, db, "Harbor Family Services")
	inv.riverside = MustAgency(t, db, "Riverside Housing Partners")
	inv.hmis = MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
	inv.casAdmin = MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
	inv.staff = MustUser(t, db, "staff@harbor.test", cas.RoleAgencyUser, inv.harbor.ID)
	inv.otherStaff = MustUser(t, db, "staff@riverside.test", cas.RoleAgencyUser, inv.riverside.ID)
	var err error
	inv.program, err = db.CreateProgram(ctx, &inv.hmis, cas.Program{AgencyID: inv.harbor.ID, Name: "Harbor Family PSH", ProjectType: cas.ProjectPSH,
		Requirements: cas.Requirements{HouseholdTypes: []cas.HouseholdType{cas.WithChildren}}})
	if err != nil {
		t.Fatal(err)
	}
	inv.facility, err = db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: inv.program.ID, Name: "Harbor Commons", Address: "12 Quay St"})
	if err != nil {
		t.Fatal(err)
	}
	inv.unit = inv.mustUnit(t, "Apt 101", 2)
	return inv
}

// casContact adds Harbor's CAS Contact, who receives the agency's notifications.
func (inv *inventory) casContact(t *testing.T) cas.User {
	t.Helper()
	contact, err := inv.db.CreateUser(ctx, cas.System, cas.User{Email: "intake@harbor.test", Name: "Dana Intake", Role: cas.RoleAgencyUser,
		AgencyID: inv.harbor.ID, CASContact: true}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	return contact
}

func (inv *inventory) mustUnit(t *testing.T, label string, bedrooms int) cas.Unit {
	t.Helper()
	u, err := inv.db.CreateUnit(ctx, &inv.hmis, cas.Unit{FacilityID: inv.facility.ID, Label: label, Bedrooms: bedrooms,
		HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (inv *inventory) status(t *testing.T, unitID string) cas.Unit {
	t.Helper()
	u, err := inv.db.Unit(ctx, cas.System, unitID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (inv *inventory) matchJobs(t *testing.T) int {
	t.Helper()
	n, err := inv.db.PendingJobs(ctx, store.JobMatch)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func reservationFor(unitID, name string, from cas.Date, days int) cas.Reservation {
	return cas.Reservation{UnitID: unitID, ClientName: name, StartsOn: from, ExpiresOn: from.AddDays(days)}
}

func TestUnitTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		staff, hmis, id := &inv.staff, &inv.hmis, inv.unit.ID
		today := cas.DateOf(start, time.UTC)
		var reservationID string

		// Each step acts on the unit and says what must follow: the unit's status, or a 409, and how
		// many match jobs the step enqueues (one per change that frees the unit, none otherwise).
		steps := []struct {
			name     string
			act      func() error
			conflict bool
			status   cas.UnitStatus
			jobs     int
		}{
			{"check out of an available unit", func() error { _, err := db.CheckOut(ctx, staff, id); return err }, true, cas.UnitAvailable, 0},
			{"bring an available unit online", func() error { _, err := db.BringOnline(ctx, hmis, id); return err }, true, cas.UnitAvailable, 0},
			{"check in", func() error { _, err := db.CheckIn(ctx, staff, id, "", "Pat Doe"); return err }, false, cas.UnitOccupied, 0},
			{"check into an occupied unit", func() error { _, err := db.CheckIn(ctx, staff, id, "", "Sam Roe"); return err }, true, cas.UnitOccupied, 0},
			{"reserve an occupied unit", func() error {
				_, err := db.CreateReservation(ctx, staff, reservationFor(id, "Sam Roe", today, 7))
				return err
			}, true, cas.UnitOccupied, 0},
			{"take an occupied unit offline", func() error {
				_, err := db.TakeOffline(ctx, hmis, id, cas.OfflinePeriod{Reason: "repairs"}, "")
				return err
			}, true, cas.UnitOccupied, 0},
			{"check out", func() error { _, err := db.CheckOut(ctx, staff, id); return err }, false, cas.UnitAvailable, 1},
			{"reserve", func() error {
				r, err := db.CreateReservation(ctx, staff, reservationFor(id, "Lee Poe", today, 7))
				reservationID = r.ID
				return err
			}, false, cas.UnitReserved, 0},
			{"reserve a reserved unit", func() error {
				_, err := db.CreateReservation(ctx, staff, reservationFor(id, "Kim Loe", today, 7))
				return err
			}, true, cas.UnitReserved, 0},
			{"take a reserved unit offline", func() error {
				_, err := db.TakeOffline(ctx, hmis, id, cas.OfflinePeriod{Reason: "repairs"}, "")
				return err
			}, true, cas.UnitReserved, 0},
			{"check the reserved client in", func() error { _, err := db.CheckIn(ctx, staff, id, "", "Lee Poe"); return err }, false, cas.UnitOccupied, 0},
			{"release a converted reservation", func() error { _, err := db.ReleaseReservation(ctx, staff, reservationID); return err }, true, cas.UnitOccupied, 0},
			{"check out again", func() error { _, err := db.CheckOut(ctx, staff, id); return err }, false, cas.UnitAvailable, 1},
			{"reserve again", func() error {
				r, err := db.CreateReservation(ctx, staff, reservationFor(id, "Kim Loe", today, 7))
				reservationID = r.ID
				return err
			}, false, cas.UnitReserved, 0},
			{"release", func() error { _, err := db.ReleaseReservation(ctx, staff, reservationID); return err }, false, cas.UnitAvailable, 1},
			{"release twice", func() error { _, err := db.ReleaseReservation(ctx, staff, reservationID); return err }, true, cas.UnitAvailable, 0},
			{"take offline", func() error {
				_, err := db.TakeOffline(ctx, hmis, id, cas.OfflinePeriod{Reason: "water damage", ExpectedReturn: today.AddDays(30)}, "")
				return err
			}, false, cas.UnitOffline, 0},
			{"check into an offline unit", func() error { _, err := db.CheckIn(ctx, staff, id, "", "Pat Doe"); return err }, true, cas.UnitOffline, 0},
			{"reserve an offline unit", func() error {
				_, err := db.CreateReservation(ctx, staff, reservationFor(id, "Sam Roe", today, 7))
				return err
			}, true, cas.UnitOffline, 0},
			{"take an offline unit offline", func() error {
				_, err := db.TakeOffline(ctx, hmis, id, cas.OfflinePeriod{Reason: "again"}, "")
				return err
			}, true, cas.UnitOffline, 0},
			{"check out of an offline unit", func() error { _, err := db.CheckOut(ctx, staff, id); return err }, true, cas.UnitOffline, 0},
			{"bring online", func() error { _, err := db.BringOnline(ctx, hmis, id); return err }, false, cas.UnitAvailable, 1},
		}
		for _, step := range steps {
			inv.clock.Advance(time.Hour)
			jobsBefore := inv.matchJobs(t)
			auditBefore := countAudit(t, db, "%")
			err := step.act()
			switch {
			case step.conflict && cas.ErrorCode(err) != cas.EConflict:
				t.Fatalf("%s: err = %v, want conflict", step.name, err)
			case !step.conflict && err != nil:
				t.Fatalf("%s: %v", step.name, err)
			}
			u := inv.status(t, id)
			if u.Status != step.status {
				t.Fatalf("%s: status %s, want %s", step.name, u.Status, step.status)
			}
			if !step.conflict && !u.StatusSince.Equal(inv.clock.Now()) {
				t.Errorf("%s: status since %s, want now (%s)", step.name, u.StatusSince, inv.clock.Now())
			}
			if got := inv.matchJobs(t) - jobsBefore; got != step.jobs {
				t.Errorf("%s: %d match jobs enqueued, want %d", step.name, got, step.jobs)
			}
			if got := countAudit(t, db, "%") - auditBefore; (got == 0) != step.conflict {
				t.Errorf("%s: %d audit events (conflict %v)", step.name, got, step.conflict)
			}
		}

		t.Run("the history holds every interval, nothing overwritten", func(t *testing.T) {
			history, err := db.UnitHistory(ctx, staff, id)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, e := range history {
				kinds[e.Kind+":"+e.Status]++
				if e.To == nil {
					t.Errorf("interval %s %s is still open", e.Kind, e.ID)
				}
			}
			want := map[string]int{"occupancy:": 2, "reservation:converted": 1, "reservation:released": 1, "offline:": 1}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("history has %d %s, want %d (all: %v)", kinds[k], k, n, kinds)
				}
			}
		})
	})
}

func TestConcurrentRequestsForOneUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		race := func(t *testing.T, act func(i int) error) {
			t.Helper()
			var wg sync.WaitGroup
			errs := make([]error, 20)
			for i := range errs {
				wg.Go(func() { errs[i] = act(i) })
			}
			wg.Wait()
			won := 0
			for i, err := range errs {
				switch cas.ErrorCode(err) {
				case "":
					won++
				case cas.EConflict:
				default:
					t.Errorf("request %d: %v, want success or conflict", i, err)
				}
			}
			if won != 1 {
				t.Errorf("%d requests won, want exactly 1", won)
			}
		}
		t.Run("check-ins", func(t *testing.T) {
			race(t, func(i int) error {
				_, err := db.CheckIn(ctx, &inv.staff, inv.unit.ID, "", "Client "+string(rune('A'+i)))
				return err
			})
			var open int
			db.SQL().QueryRow(`SELECT COUNT(*) FROM occupancies WHERE unit_id = $1 AND ended_at IS NULL`, inv.unit.ID).Scan(&open)
			if open != 1 {
				t.Errorf("%d open occupancies, want 1", open)
			}
		})
		t.Run("reservations", func(t *testing.T) {
			u := inv.mustUnit(t, "Apt 102", 2)
			today := cas.DateOf(start, time.UTC)
			race(t, func(i int) error {
				_, err := db.CreateReservation(ctx, &inv.staff, reservationFor(u.ID, "Client "+string(rune('A'+i)), today, 5))
				return err
			})
		})
		t.Run("reservations and offline at once", func(t *testing.T) {
			// A check-in may follow a reservation (it converts it), so the actions that all require
			// an available unit race here: one wins, and the unit has one open interval.
			u := inv.mustUnit(t, "Apt 103", 2)
			today := cas.DateOf(start, time.UTC)
			race(t, func(i int) error {
				if i%2 == 0 {
					_, err := db.CreateReservation(ctx, &inv.staff, reservationFor(u.ID, "Client", today, 5))
					return err
				}
				_, err := db.TakeOffline(ctx, &inv.hmis, u.ID, cas.OfflinePeriod{Reason: "inspection"}, "")
				return err
			})
			var open int
			db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM reservations WHERE unit_id = $1 AND status = 'open')
				+ (SELECT COUNT(*) FROM offline_periods WHERE unit_id = $1 AND ended_at IS NULL)`, u.ID).Scan(&open)
			if open != 1 {
				t.Errorf("%d open intervals, want 1", open)
			}
		})
	})
}

func TestReservationExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		today := cas.DateOf(start, time.UTC)
		r, err := db.CreateReservation(ctx, &inv.staff, reservationFor(inv.unit.ID, "Pat Doe", today, 2))
		if err != nil {
			t.Fatal(err)
		}
		jobs := inv.matchJobs(t)
		expire := func() int {
			n, err := db.ExpireReservations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		inv.clock.Advance(2 * 24 * time.Hour) // the expiry day itself: still held
		if n := expire(); n != 0 || inv.status(t, inv.unit.ID).Status != cas.UnitReserved {
			t.Fatalf("on its expiry day: %d expired, unit %s", n, inv.status(t, inv.unit.ID).Status)
		}
		inv.clock.Advance(9 * time.Hour) // past midnight UTC: the day after expiry
		if n := expire(); n != 1 {
			t.Fatalf("the day after: %d expired, want 1", n)
		}
		if n := expire(); n != 0 {
			t.Errorf("a second run expired %d more", n)
		}
		got, err := db.Reservation(ctx, &inv.staff, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != cas.ReservationExpired || got.EndedAt == nil {
			t.Errorf("reservation %+v, want expired", got)
		}
		if u := inv.status(t, inv.unit.ID); u.Status != cas.UnitAvailable {
			t.Errorf("unit is %s, want available", u.Status)
		}
		if n := inv.matchJobs(t) - jobs; n != 1 {
			t.Errorf("%d match jobs enqueued by the expiry, want exactly 1", n)
		}
		t.Run("the CoC's time zone decides when the day ends", func(t *testing.T) {
			chicago, err := time.LoadLocation("America/Chicago")
			if err != nil {
				t.Skip(err)
			}
			db.Zone = chicago
			defer func() { db.Zone = time.UTC }()
			day := cas.DateOf(inv.clock.Now(), chicago)
			if _, err := db.CreateReservation(ctx, &inv.staff, reservationFor(inv.unit.ID, "Pat Doe", day, 0)); err != nil {
				t.Fatal(err)
			}
			end := day.AddDays(1).Start(chicago)
			inv.clock.Advance(end.Sub(inv.clock.Now()) - time.Minute)
			if n := expire(); n != 0 {
				t.Errorf("a minute before midnight in Chicago: %d expired", n)
			}
			inv.clock.Advance(2 * time.Minute)
			if n := expire(); n != 1 {
				t.Errorf("a minute after midnight in Chicago: %d expired, want 1", n)
			}
		})
	})
}

func TestInventoryAgencyIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		other := &inv.otherStaff
		today := cas.DateOf(start, time.UTC)
		r, err := db.CreateReservation(ctx, &inv.staff, reservationFor(inv.unit.ID, "Pat Doe", today, 3))
		if err != nil {
			t.Fatal(err)
		}
		u2 := inv.mustUnit(t, "Apt 102", 1)
		notFound := map[string]error{}
		_, notFound["see the unit"] = db.Unit(ctx, other, inv.unit.ID)
		_, notFound["see its history"] = db.UnitHistory(ctx, other, inv.unit.ID)
		_, notFound["see the facility"] = db.Facility(ctx, other, inv.facility.ID)
		_, notFound["see the program"] = db.Program(ctx, other, inv.program.ID)
		_, notFound["see the reservation"] = db.Reservation(ctx, other, r.ID)
		_, notFound["check in"] = db.CheckIn(ctx, other, u2.ID, "", "Sneaky")
		_, notFound["check out"] = db.CheckOut(ctx, other, inv.unit.ID)
		_, notFound["release the reservation"] = db.ReleaseReservation(ctx, other, r.ID)
		_, notFound["confirm the inventory"] = db.ConfirmInventory(ctx, other, inv.facility.ID)
		for what, err := range notFound {
			if cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("another agency's user could %s: err = %v, want not_found", what, err)
			}
		}
		_, err = db.CreateReservation(ctx, other, reservationFor(u2.ID, "Sneaky", today, 3))
		if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != "unit_id" {
			t.Errorf("reserving another agency's unit: err = %v, want invalid unit_id, as for a unit that does not exist", err)
		}
		units, _, err := db.Units(ctx, other, store.UnitFilter{}, store.Page{})
		if err != nil || len(units) != 0 {
			t.Errorf("another agency listed %d units (%v)", len(units), err)
		}
		reservations, _, err := db.Reservations(ctx, other, store.ReservationFilter{}, store.Page{})
		if err != nil || len(reservations) != 0 {
			t.Errorf("another agency listed %d reservations (%v)", len(reservations), err)
		}
		free, err := db.FreeCapacity(ctx, other, "")
		if err != nil || len(free) != 0 {
			t.Errorf("another agency counted free units: %v (%v)", free, err)
		}
		t.Run("a CAS admin sees the units but does not operate them", func(t *testing.T) {
			if _, err := db.Unit(ctx, &inv.casAdmin, u2.ID); err != nil {
				t.Errorf("read: %v", err)
			}
			if _, err := db.CheckIn(ctx, &inv.casAdmin, u2.ID, "", "Pat"); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("check in: err = %v, want forbidden", err)
			}
		})
		t.Run("an agency user cannot take their own unit offline", func(t *testing.T) {
			if _, err := db.TakeOffline(ctx, &inv.staff, u2.ID, cas.OfflinePeriod{Reason: "x"}, ""); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("err = %v, want forbidden", err)
			}
		})
	})
}

func TestInventoryBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		hmis := &inv.hmis
		today := cas.DateOf(start, time.UTC)
		cases := []struct {
			name  string
			act   func() error
			field string
		}{
			{"negative bedrooms", func() error {
				_, err := db.CreateUnit(ctx, hmis, cas.Unit{FacilityID: inv.facility.ID, Label: "X", Bedrooms: -1, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
				return err
			}, "bedrooms"},
			{"unknown household type", func() error {
				_, err := db.CreateUnit(ctx, hmis, cas.Unit{FacilityID: inv.facility.ID, Label: "X", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{"family"}})
				return err
			}, "household_types"},
			{"no household type", func() error {
				_, err := db.CreateUnit(ctx, hmis, cas.Unit{FacilityID: inv.facility.ID, Label: "X", Bedrooms: 1})
				return err
			}, "household_types"},
			{"unknown facility", func() error {
				_, err := db.CreateUnit(ctx, hmis, cas.Unit{FacilityID: "nope", Label: "X", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
				return err
			}, "facility_id"},
			{"unknown program", func() error {
				_, err := db.CreateFacility(ctx, hmis, cas.Facility{ProgramID: "nope", Name: "X"})
				return err
			}, "program_id"},
			{"unknown project type", func() error {
				_, err := db.CreateProgram(ctx, hmis, cas.Program{AgencyID: inv.harbor.ID, Name: "X", ProjectType: 5})
				return err
			}, "project_type"},
			{"unknown population", func() error {
				_, err := db.CreateProgram(ctx, hmis, cas.Program{AgencyID: inv.harbor.ID, Name: "X", ProjectType: cas.ProjectRRH,
					Requirements: cas.Requirements{Populations: []cas.Population{"diagnosis"}}})
				return err
			}, "requirements.populations"},
			{"unknown referral mode", func() error {
				_, err := db.CreateProgram(ctx, hmis, cas.Program{AgencyID: inv.harbor.ID, Name: "X", ProjectType: cas.ProjectRRH, ReferralMode: "sometimes"})
				return err
			}, "referral_mode"},
			{"expiry before start", func() error {
				_, err := db.CreateReservation(ctx, &inv.staff, cas.Reservation{UnitID: inv.unit.ID, ClientName: "P", StartsOn: today, ExpiresOn: today.AddDays(-1)})
				return err
			}, "expires_on"},
			{"expiry already past", func() error {
				_, err := db.CreateReservation(ctx, &inv.staff, reservationFor(inv.unit.ID, "P", today.AddDays(-10), 3))
				return err
			}, "expires_on"},
			{"a date that is not a date", func() error {
				_, err := db.CreateReservation(ctx, &inv.staff, cas.Reservation{UnitID: inv.unit.ID, ClientName: "P", StartsOn: "2026-02-30", ExpiresOn: today})
				return err
			}, "starts_on"},
			{"unknown unit", func() error {
				_, err := db.CreateReservation(ctx, &inv.staff, reservationFor("nope", "P", today, 3))
				return err
			}, "unit_id"},
			{"offline without a reason", func() error {
				_, err := db.TakeOffline(ctx, hmis, inv.unit.ID, cas.OfflinePeriod{Reason: " "}, "")
				return err
			}, "reason"},
			{"duplicate unit label", func() error {
				_, err := db.CreateUnit(ctx, hmis, cas.Unit{FacilityID: inv.facility.ID, Label: "Apt 101", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
				return err
			}, "label"},
		}
		for _, c := range cases {
			err := c.act()
			if e := cas.ErrorOf(err); e == nil || e.Field != c.field {
				t.Errorf("%s: err = %v, want an error naming %s", c.name, err, c.field)
			}
		}
		if u := inv.status(t, inv.unit.ID); u.Status != cas.UnitAvailable {
			t.Errorf("after refused input the unit is %s", u.Status)
		}
	})
}

func TestConfirmInventoryKeepsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		first := inv.clock.Now()
		if _, err := db.ConfirmInventory(ctx, &inv.staff, inv.facility.ID); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(7 * 24 * time.Hour)
		f, err := db.ConfirmInventory(ctx, &inv.hmis, inv.facility.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.InventoryConfirmedAt == nil || !f.InventoryConfirmedAt.Equal(inv.clock.Now()) {
			t.Errorf("inventory_confirmed_at = %v, want %v", f.InventoryConfirmedAt, inv.clock.Now())
		}
		history, err := db.InventoryConfirmations(ctx, &inv.staff, inv.facility.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(history) != 2 || !history[1].At.Equal(first) || history[1].ByID != inv.staff.ID || history[0].ByID != inv.hmis.ID {
			t.Errorf("confirmations = %+v", history)
		}
		if _, err := db.ConfirmInventory(ctx, &inv.casAdmin, inv.facility.ID); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("CAS admin confirming: err = %v, want forbidden", err)
		}
	})
}

func TestCapacityQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db) // Apt 101, 2 bedrooms, created at start
		day := 24 * time.Hour
		apt102 := inv.mustUnit(t, "Apt 102", 2)
		inv.mustUnit(t, "Apt 103", 1)

		inv.clock.Advance(2 * day)
		if _, err := db.CheckIn(ctx, &inv.staff, inv.unit.ID, "", "Pat Doe"); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(3 * day)
		if _, err := db.CheckOut(ctx, &inv.staff, inv.unit.ID); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(day)
		if _, err := db.TakeOffline(ctx, &inv.hmis, inv.unit.ID, cas.OfflinePeriod{Reason: "paint"}, ""); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(2 * day)
		if _, err := db.BringOnline(ctx, &inv.hmis, inv.unit.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckIn(ctx, &inv.staff, apt102.ID, "", "Sam Roe"); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(2 * day) // now = start + 10 days

		t.Run("days vacant and offline over a period", func(t *testing.T) {
			use, err := db.UnitUsage(ctx, &inv.staff, inv.unit.ID, start, start.Add(10*day))
			if err != nil {
				t.Fatal(err)
			}
			if store.Days(use.Vacant) != 5 || store.Days(use.Occupied) != 3 || store.Days(use.Offline) != 2 || use.Reserved != 0 {
				t.Errorf("vacant %.1f occupied %.1f offline %.1f reserved %.1f days; want 5, 3, 2, 0",
					store.Days(use.Vacant), store.Days(use.Occupied), store.Days(use.Offline), store.Days(use.Reserved))
			}
			use, err = db.UnitUsage(ctx, &inv.staff, inv.unit.ID, start.Add(4*day), start.Add(7*day))
			if err != nil {
				t.Fatal(err)
			}
			if store.Days(use.Vacant) != 1 || store.Days(use.Occupied) != 1 || store.Days(use.Offline) != 1 {
				t.Errorf("clipped period: vacant %.1f occupied %.1f offline %.1f; want 1, 1, 1",
					store.Days(use.Vacant), store.Days(use.Occupied), store.Days(use.Offline))
			}
		})
		t.Run("available since", func(t *testing.T) {
			if u := inv.status(t, inv.unit.ID); !u.StatusSince.Equal(start.Add(8 * day)) {
				t.Errorf("Apt 101 available since %s, want when it came back online", u.StatusSince)
			}
		})
		t.Run("free units per facility and unit type", func(t *testing.T) {
			free, err := db.FreeCapacity(ctx, &inv.staff, inv.facility.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]int{}
			for _, f := range free {
				got[f.Bedrooms] += f.Free
			}
			if got[2] != 1 || got[1] != 1 || len(free) != 2 {
				t.Errorf("free capacity = %+v, want one 2-bedroom and one 1-bedroom", free)
			}
		})
	})
}
