package demo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestLoad(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		loaded, err := demo.Load(ctx, db)
		if err != nil || !loaded {
			t.Fatalf("Load on an empty database = %v, %v; want true, nil", loaded, err)
		}

		t.Run("units are in every state", func(t *testing.T) {
			want := map[cas.UnitStatus]int{cas.UnitAvailable: 2, cas.UnitOccupied: 2, cas.UnitReserved: 2, cas.UnitOffline: 2}
			for status, least := range want {
				units := listUnits(t, db, status)
				if len(units) < least {
					t.Errorf("%d %s units, want at least %d", len(units), status, least)
				}
				for _, u := range units {
					if u.Status != status {
						t.Errorf("unit %s listed as %s has status %s", u.Label, status, u.Status)
					}
				}
			}
		})

		t.Run("the packet names under-referred units and why", func(t *testing.T) {
			in, err := db.PacketInputs(ctx, cas.System, report.Thresholds{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			p := report.BuildPacket(in)
			suspects, consistently := 0, 0
			for _, s := range p.Programs {
				suspects += len(s.Suspects)
				for _, sp := range s.Suspects {
					t.Logf("%s, %s %s: %v (last week too: %v)", s.ProgramName, sp.FacilityName, sp.UnitLabel, sp.Reasons, sp.FlaggedLastWeek)
					if len(sp.Reasons) < 2 {
						t.Errorf("suspect %s %s has no evidence: %v", s.ProgramName, sp.UnitLabel, sp.Reasons)
					}
				}
				if s.ConsistentlyUnderReferred {
					consistently++
				}
			}
			if suspects == 0 || consistently == 0 {
				t.Errorf("%d suspects, %d programs consistently under-referred; want some of each", suspects, consistently)
			}
		})

		t.Run("the invented history is in the inboxes, not in the outbox", func(t *testing.T) {
			var pending int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM email_outbox WHERE status = 'pending'`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if pending != 0 {
				t.Errorf("%d demo emails would be sent at first start, want none", pending)
			}
			var weekly int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM notifications WHERE kind = 'suspects_recorded'`).Scan(&weekly); err != nil {
				t.Fatal(err)
			}
			if weekly == 0 {
				t.Error("the HMIS team has no weekly under-referral notification in the demo")
			}
		})

		t.Run("each agency has a program with a facility", func(t *testing.T) {
			agencies, _, err := db.Agencies(ctx, cas.System, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(agencies) != 3 {
				t.Errorf("%d agencies, want 3", len(agencies))
			}
			for _, a := range agencies {
				programs, _, err := db.Programs(ctx, cas.System, store.ProgramFilter{AgencyID: a.ID}, store.Page{})
				if err != nil {
					t.Fatal(err)
				}
				if len(programs) == 0 {
					t.Errorf("agency %s has no program", a.Name)
				}
				facilities, _, err := db.Facilities(ctx, cas.System, store.FacilityFilter{AgencyID: a.ID}, store.Page{})
				if err != nil {
					t.Fatal(err)
				}
				if len(facilities) != len(programs) {
					t.Errorf("agency %s has %d facilities for %d programs", a.Name, len(facilities), len(programs))
				}
			}
		})

		t.Run("some rosters are confirmed and some are stale", func(t *testing.T) {
			facilities, _, err := db.Facilities(ctx, cas.System, store.FacilityFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			confirmed := 0
			for _, f := range facilities {
				if f.InventoryConfirmedAt != nil {
					confirmed++
				}
			}
			if confirmed == 0 || confirmed == len(facilities) {
				t.Errorf("%d of %d facilities confirmed, want some but not all", confirmed, len(facilities))
			}
		})

		t.Run("referrals are in every status", func(t *testing.T) {
			for _, status := range cas.ReferralStatuses {
				list, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{Status: []cas.ReferralStatus{status}}, store.Page{Limit: 1})
				if err != nil {
					t.Fatal(err)
				}
				if len(list) == 0 {
					t.Errorf("no %s referral", status)
				}
			}
		})

		t.Run("a full facility is over-referred to", func(t *testing.T) {
			list, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{}, store.Page{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(list, func(r cas.Referral) bool { return r.OverRefer })
			if i < 0 {
				t.Fatalf("no over-referral among %d referrals", len(list))
			}
			if r := list[i]; r.UnitID != "" || r.OverReferReason == "" || r.ExpectedVacancy == "" {
				t.Errorf("over-referral holds unit %q, reason %q, expected vacancy %q; want no unit, a reason and a date",
					r.UnitID, r.OverReferReason, r.ExpectedVacancy)
			}
		})

		t.Run("the HPL has a few hundred clients", func(t *testing.T) {
			all := []cas.HPLStatus{cas.HPLActive, cas.HPLReferred, cas.HPLHoused, cas.HPLInactive}
			items, _, _, err := db.HPL(ctx, cas.System, store.HPLFilter{Status: all}, store.Page{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) < 250 {
				t.Errorf("%d HPL entries, want at least 250", len(items))
			}
		})

		t.Run("clients carry varied demographics for the equity review, and referrals reach several groups", func(t *testing.T) {
			clients, err := store.All(func(p store.Page) ([]cas.Client, string, error) {
				return db.Clients(ctx, cas.System, store.ClientFilter{}, p)
			})
			if err != nil {
				t.Fatal(err)
			}
			groups := map[string]int{}
			byID := map[string]cas.Client{}
			for _, c := range clients {
				byID[c.ID] = c
				groups["race: "+c.RaceGroup()]++
				groups["ethnicity: "+c.EthnicityGroup()]++
				groups["sex: "+c.SexGroup()]++
				for _, g := range c.Gender {
					groups["gender: "+g.Label()]++
				}
				if len(c.Gender) == 0 {
					groups["gender: "+cas.NotCollected]++
				}
			}
			for _, want := range []string{"race: White", "race: Black, African American, or African", "race: " + cas.GroupMultiracial,
				"race: " + cas.GroupHispanicOnly, "race: " + cas.NotCollected, "ethnicity: " + cas.GroupHispanic,
				"gender: Woman (Girl, if child)", "gender: Man (Boy, if child)", "gender: Non-Binary", "gender: Transgender",
				"gender: " + cas.NotCollected, "sex: Female", "sex: Male", "sex: " + cas.NotCollected} {
				if groups[want] == 0 {
					t.Errorf("no client in %q: %v", want, groups)
				}
			}
			referrals, err := store.All(func(p store.Page) ([]cas.Referral, string, error) {
				return db.Referrals(ctx, cas.System, store.ReferralFilter{}, p)
			})
			if err != nil {
				t.Fatal(err)
			}
			referred := map[string]bool{}
			for _, r := range referrals {
				c := byID[r.ClientID]
				referred[c.RaceGroup()] = true
			}
			if len(referred) < 2 {
				t.Errorf("referrals reach only race groups %v", referred)
			}
		})

		t.Run("a second Load adds nothing", func(t *testing.T) {
			before := len(listUnits(t, db, ""))
			loaded, err := demo.Load(ctx, db)
			if err != nil || loaded {
				t.Fatalf("second Load = %v, %v; want false, nil", loaded, err)
			}
			if after := len(listUnits(t, db, "")); after != before {
				t.Errorf("units went from %d to %d", before, after)
			}
		})
	})
}

func listUnits(t *testing.T, db *store.DB, status cas.UnitStatus) []cas.Unit {
	t.Helper()
	units, next, err := db.Units(context.Background(), cas.System, store.UnitFilter{Status: status}, store.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Fatal("more than one page of units")
	}
	return units
}
