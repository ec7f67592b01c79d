package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zone below on any machine

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestWeekOf(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	db.Zone = la
	for _, tc := range []struct {
		at   time.Time
		want cas.Date
	}{
		{time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC), "2026-11-02"}, // Monday 07:00 in Los Angeles
		{time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC), "2026-10-26"},  // still Sunday night there
		{time.Date(2026, 11, 8, 20, 0, 0, 0, time.UTC), "2026-11-02"}, // Sunday noon there
		{time.Date(2026, 11, 9, 8, 0, 0, 0, time.UTC), "2026-11-09"},  // Monday 00:00 there
	} {
		if got := db.WeekOf(tc.at); got != tc.want {
			t.Errorf("WeekOf(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestRecordSuspectWeek(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const day = 24 * time.Hour
		inv := newInventory(t, db) // Monday 2 November; Harbor's roster is never confirmed
		inv.mustUnit(t, "Apt 102", 2)
		record := func(t *testing.T, want int) {
			t.Helper()
			if n, err := db.RecordSuspectWeek(ctx); n != want || err != nil {
				t.Fatalf("RecordSuspectWeek = %d, %v; want %d", n, err, want)
			}
		}
		week := func(t *testing.T, actor *cas.User, monday cas.Date) ([]string, bool) {
			t.Helper()
			list, recorded, err := db.SuspectWeek(ctx, actor, monday)
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, s := range list {
				labels = append(labels, s.UnitLabel)
			}
			return labels, recorded
		}

		t.Run("a week is recorded once, even with no suspect", func(t *testing.T) {
			record(t, 1)
			inv.clock.Advance(3 * day)
			record(t, 0)
			if labels, recorded := week(t, &inv.hmis, "2026-11-02"); !recorded || len(labels) != 0 {
				t.Errorf("week of 2 Nov: %v recorded=%v, want none and recorded (units new then)", labels, recorded)
			}
			if _, recorded := week(t, &inv.hmis, "2026-10-26"); recorded {
				t.Error("the week before was never recorded, but says so")
			}
		})
		inv.clock.Advance(13 * day) // Thursday 19 November: the units have shown available for 16 days
		t.Run("the suspects of the week are kept with their evidence", func(t *testing.T) {
			record(t, 1)
			list, recorded, err := db.SuspectWeek(ctx, &inv.casAdmin, "2026-11-16")
			if err != nil || !recorded || len(list) != 2 {
				t.Fatalf("week of 16 Nov: %+v recorded=%v %v, want two suspects", list, recorded, err)
			}
			s := list[0]
			if s.UnitLabel != "Apt 101" || s.ProgramID != inv.program.ID || s.AgencyID != inv.harbor.ID || s.FacilityName != "Harbor Commons" ||
				s.ProgramName != "Harbor Family PSH" || s.DaysAvailable != 16 || !slices.Equal(s.Reasons, []string{"available for 16 days", "roster never confirmed"}) {
				t.Errorf("recorded suspect %+v", s)
			}
		})
		t.Run("an agency user sees only its own units' record", func(t *testing.T) {
			if labels, _ := week(t, &inv.staff, "2026-11-16"); !slices.Equal(labels, []string{"Apt 101", "Apt 102"}) {
				t.Errorf("Harbor sees %v", labels)
			}
			if labels, recorded := week(t, &inv.otherStaff, "2026-11-16"); len(labels) != 0 || !recorded {
				t.Errorf("Riverside sees %v (recorded=%v), want nothing of Harbor's", labels, recorded)
			}
		})
		t.Run("a program flagged this week and last is consistently under-referred", func(t *testing.T) {
			inv.clock.Advance(7 * day)
			record(t, 1)
			last, _, err := db.SuspectWeek(ctx, &inv.hmis, db.WeekOf(inv.clock.Now()).AddDays(-7))
			if err != nil {
				t.Fatal(err)
			}
			evidence, err := db.UnderReferralEvidence(ctx, &inv.hmis, report.DefaultThresholds().Window)
			if err != nil {
				t.Fatal(err)
			}
			now := report.Suspects(inv.clock.Now(), report.Thresholds{}, evidence)
			if got := report.ConsistentlyUnderReferred(now, last); !slices.Equal(got, []string{inv.program.ID}) {
				t.Errorf("consistently under-referred %v, want Harbor's program", got)
			}
			// Once the roster is confirmed, the units are no longer suspects this week.
			if _, err := db.ConfirmInventory(ctx, &inv.staff, inv.facility.ID); err != nil {
				t.Fatal(err)
			}
			if evidence, err = db.UnderReferralEvidence(ctx, &inv.hmis, report.DefaultThresholds().Window); err != nil {
				t.Fatal(err)
			}
			now = report.Suspects(inv.clock.Now(), report.Thresholds{}, evidence)
			if got := report.ConsistentlyUnderReferred(now, last); len(got) != 0 {
				t.Errorf("after the roster is confirmed: %v, want none", got)
			}
		})
	})
}

func TestTakeUnitsOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		spare := inv.mustUnit(t, "Apt 102", 2)
		contact := inv.casContact(t)
		review := cas.OfflinePeriod{Reason: "under-referral review: not confirmed available", ExpectedReturn: "2026-12-01"}
		both := []string{spare.ID, inv.unit.ID}

		t.Run("only the HMIS team may", func(t *testing.T) {
			for _, u := range []*cas.User{&inv.staff, &inv.casAdmin} {
				if _, err := db.TakeUnitsOffline(ctx, u, both, review); cas.ErrorCode(err) != cas.EForbidden {
					t.Errorf("%s: %v, want forbidden", u.Role, err)
				}
			}
		})
		t.Run("bad input names the field", func(t *testing.T) {
			for field, call := range map[string]func() error{
				"unit_ids": func() error { _, err := db.TakeUnitsOffline(ctx, &inv.hmis, nil, review); return err },
				"reason":   func() error { _, err := db.TakeUnitsOffline(ctx, &inv.hmis, both, cas.OfflinePeriod{}); return err },
				"expected_return": func() error {
					_, err := db.TakeUnitsOffline(ctx, &inv.hmis, both, cas.OfflinePeriod{Reason: "x", ExpectedReturn: "next week"})
					return err
				},
			} {
				if e := cas.ErrorOf(call()); e == nil || e.Code != cas.EInvalid || e.Field != field {
					t.Errorf("%s: %v, want invalid naming it", field, e)
				}
			}
		})
		t.Run("a unit no longer available refuses the whole action", func(t *testing.T) {
			if _, err := db.CheckIn(ctx, &inv.staff, spare.ID, "", "Pat Doe"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.TakeUnitsOffline(ctx, &inv.hmis, both, review); cas.ErrorCode(err) != cas.EConflict {
				t.Fatalf("with Apt 102 occupied: %v, want conflict", err)
			}
			if got := inv.status(t, inv.unit.ID).Status; got != cas.UnitAvailable {
				t.Errorf("Apt 101 is %s after the refused action, want available", got)
			}
			if got := ofKind(inbox(t, db, &contact), notify.UnitsOffline); len(got) != 0 {
				t.Errorf("notified of a refused action: %+v", got)
			}
			if _, err := db.CheckOut(ctx, &inv.staff, spare.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("the units go offline together and the agency is told once per facility", func(t *testing.T) {
			periods, err := db.TakeUnitsOffline(ctx, &inv.hmis, append(both, inv.unit.ID), review)
			if err != nil {
				t.Fatal(err)
			}
			if len(periods) != 2 {
				t.Fatalf("%d offline periods, want 2 (a repeated unit counts once)", len(periods))
			}
			for _, id := range both {
				if u := inv.status(t, id); u.Status != cas.UnitOffline {
					t.Errorf("%s is %s, want offline", u.Label, u.Status)
				}
			}
			got := ofKind(inbox(t, db, &contact), notify.UnitsOffline)
			if len(got) != 1 || got[0].Subject != "Units taken offline at Harbor Commons: Apt 101, Apt 102" {
				t.Fatalf("CAS Contact's notifications %+v, want one naming both units", got)
			}
			if want := "/units?facility_id=" + inv.facility.ID; !slices.Contains([]string{db.BaseURL + want}, got[0].Link) {
				t.Errorf("link %q, want %q", got[0].Link, db.BaseURL+want)
			}
		})
	})
}

func TestAskToConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		spare := inv.mustUnit(t, "Apt 102", 2)
		contact := inv.casContact(t)
		both := []string{inv.unit.ID, spare.ID}
		asked := func(t *testing.T) []store.Notification {
			t.Helper()
			return ofKind(inbox(t, db, &contact), notify.ConfirmUnitsAsked)
		}

		if _, err := db.AskToConfirm(ctx, &inv.staff, both); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("an agency user asks: %v, want forbidden", err)
		}
		if _, err := db.AskToConfirm(ctx, &inv.casAdmin, nil); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "unit_ids" {
			t.Errorf("no units: %v, want invalid naming unit_ids", err)
		}
		if _, err := db.CheckIn(ctx, &inv.staff, spare.ID, "", "Pat Doe"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AskToConfirm(ctx, &inv.casAdmin, both); cas.ErrorCode(err) != cas.EConflict || len(asked(t)) != 0 {
			t.Errorf("asking about an occupied unit: %v, %d notifications; want conflict and none", err, len(asked(t)))
		}
		if _, err := db.CheckOut(ctx, &inv.staff, spare.ID); err != nil {
			t.Fatal(err)
		}
		for _, actor := range []*cas.User{&inv.casAdmin, &inv.hmis} { // the same question twice in a day
			if n, err := db.AskToConfirm(ctx, actor, both); n != 2 || err != nil {
				t.Fatalf("ask: %d %v", n, err)
			}
		}
		got := asked(t)
		if len(got) != 1 || got[0].Subject != "Please confirm units at Harbor Commons: Apt 101, Apt 102" {
			t.Fatalf("the CAS Contact was told %+v, want once naming both units", got)
		}
		inv.clock.Advance(24 * time.Hour)
		if _, err := db.AskToConfirm(ctx, &inv.casAdmin, both); err != nil || len(asked(t)) != 2 {
			t.Errorf("asking again the next day: %v, %d notifications; want a second", err, len(asked(t)))
		}
	})
}

// TestConcurrentActionsOnSuspects races the HMIS team taking overlapping sets of units offline,
// named in different orders, against an agency checking a client in: no deadlock, every unit in one
// state, and the agency told once per winning action.
func TestConcurrentActionsOnSuspects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		second, third := inv.mustUnit(t, "Apt 102", 2), inv.mustUnit(t, "Apt 103", 2)
		contact := inv.casContact(t)
		sets := [][]string{{inv.unit.ID, second.ID}, {second.ID, inv.unit.ID}, {third.ID, second.ID}, {inv.unit.ID, third.ID}}
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			wg.Go(func() {
				if i == len(errs)-1 {
					_, errs[i] = db.CheckIn(ctx, &inv.staff, second.ID, "", "Pat Doe")
					return
				}
				_, errs[i] = db.TakeUnitsOffline(ctx, &inv.hmis, sets[i%len(sets)], cas.OfflinePeriod{Reason: "review"})
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch cas.ErrorCode(err) {
			case "":
				if i < len(errs)-1 {
					won++
				}
			case cas.EConflict:
			default:
				t.Errorf("action %d: %v, want success or conflict", i, err)
			}
		}
		// Every two sets share a unit, so exactly one action wins.
		if won != 1 {
			t.Errorf("%d actions won, want exactly 1", won)
		}
		var periods int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM offline_periods WHERE ended_at IS NULL`).Scan(&periods); err != nil {
			t.Fatal(err)
		}
		busy := 0
		for _, u := range []cas.Unit{inv.unit, second, third} {
			if s := inv.status(t, u.ID).Status; s != cas.UnitAvailable {
				busy++
			}
		}
		if periods != 2*won || busy < periods {
			t.Errorf("%d open offline periods and %d units not available after %d winning actions", periods, busy, won)
		}
		if got := ofKind(inbox(t, db, &contact), notify.UnitsOffline); len(got) != won {
			t.Errorf("%d notifications for %d winning actions", len(got), won)
		}
	})
}
