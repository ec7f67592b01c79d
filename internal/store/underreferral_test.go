package store_test

import (
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/google/go-cmp/cmp"
)

func TestUnderReferralEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const day = 24 * time.Hour
		th := report.DefaultThresholds()
		inv := newInventory(t, db)
		spare := inv.mustUnit(t, "Apt 102", 2)

		// Riverside has a facility of its own, whose roster it confirms today, with one unit.
		riverProgram, err := db.CreateProgram(ctx, &inv.hmis, cas.Program{AgencyID: inv.riverside.ID, Name: "Riverside PSH",
			ProjectType: cas.ProjectPSH, Requirements: cas.Requirements{HouseholdTypes: []cas.HouseholdType{cas.WithChildren}}})
		if err != nil {
			t.Fatal(err)
		}
		river, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: riverProgram.ID, Name: "Riverside Lofts", Address: "3 Mill Rd"})
		if err != nil {
			t.Fatal(err)
		}
		loft, err := db.CreateUnit(ctx, &inv.hmis, cas.Unit{FacilityID: river.ID, Label: "Loft 1", Bedrooms: 2,
			HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmInventory(ctx, &inv.otherStaff, river.ID); err != nil {
			t.Fatal(err)
		}

		refer := func(name, facilityID string) cas.Referral {
			t.Helper()
			c, _ := inv.mustClientOnHPL(t, name, 10, nil)
			r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: facilityID})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Harbor declines one referral because no unit is really available, and accepts another,
		// which holds a unit; the referral to Riverside goes unanswered.
		declined := refer("Declined", inv.facility.ID)
		if _, err := db.DeclineReferral(ctx, &inv.staff, declined.ID, cas.DeclineNoUnitAvailable, ""); err != nil {
			t.Fatal(err)
		}
		held := refer("Held", inv.facility.ID)
		if _, err := db.AcceptReferral(ctx, &inv.staff, held.ID, ""); err != nil {
			t.Fatal(err)
		}
		unanswered := refer("Unanswered", river.ID)
		if unanswered.UnitID != loft.ID {
			t.Fatalf("the Riverside referral holds %q, want the loft", unanswered.UnitID)
		}
		inv.clock.Advance(20 * day)
		if n, err := db.ExpireReferrals(ctx); n != 1 || err != nil {
			t.Fatalf("expired %d referrals (%v), want the unanswered one", n, err)
		}
		if held.UnitID != inv.unit.ID && held.UnitID != spare.ID {
			t.Fatalf("the accepted referral holds %q, want a Harbor unit", held.UnitID)
		}
		free := spare
		if held.UnitID == spare.ID {
			free = inv.unit
		}

		harborUnit := func(u cas.Unit, isHeld bool) report.UnitEvidence {
			return report.UnitEvidence{UnitID: u.ID, FacilityID: inv.facility.ID, ProgramID: inv.program.ID, AgencyID: inv.harbor.ID,
				UnitLabel: u.Label, FacilityName: "Harbor Commons", ProgramName: "Harbor Family PSH", AvailableSince: start,
				NoUnitDeclines: 1, HeldByOpenReferral: isHeld}
		}
		confirmed := start
		riverUnit := report.UnitEvidence{UnitID: loft.ID, FacilityID: river.ID, ProgramID: riverProgram.ID, AgencyID: inv.riverside.ID,
			UnitLabel: "Loft 1", FacilityName: "Riverside Lofts", ProgramName: "Riverside PSH", AvailableSince: start,
			UnansweredExpiries: 1, RosterConfirmedAt: &confirmed}
		// The unit the accepted referral holds is being referred: it is no suspect, and not read.
		harbor := []report.UnitEvidence{harborUnit(free, false)}

		evidence := func(t *testing.T, actor *cas.User) []report.UnitEvidence {
			t.Helper()
			got, err := db.UnderReferralEvidence(ctx, actor, th.Window)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}

		t.Run("the HMIS team sees every available unheld unit's evidence", func(t *testing.T) {
			if diff := cmp.Diff(append(harbor, riverUnit), evidence(t, &inv.hmis)); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		})
		t.Run("a unit declined as unavailable and never confirmed is a suspect; the held one is not", func(t *testing.T) {
			got := map[string][]string{}
			for _, s := range report.Suspects(inv.clock.Now(), th, evidence(t, &inv.casAdmin)) {
				got[s.UnitLabel] = s.Reasons
			}
			want := map[string][]string{
				free.Label: {"available for 20 days", "1 referral declined: no unit available", "roster never confirmed"},
				"Loft 1":   {"available for 20 days", "1 referral expired unanswered"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("suspects' reasons (-want +got):\n%s", diff)
			}
		})
		t.Run("an agency user sees only their agency's units", func(t *testing.T) {
			if diff := cmp.Diff(harbor, evidence(t, &inv.staff)); diff != "" {
				t.Errorf("Harbor's evidence (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]report.UnitEvidence{riverUnit}, evidence(t, &inv.otherStaff)); diff != "" {
				t.Errorf("Riverside's evidence (-want +got):\n%s", diff)
			}
		})
		t.Run("a unit that is not available gives no evidence", func(t *testing.T) {
			if _, err := db.CheckIn(ctx, &inv.staff, free.ID, "", "Pat Doe"); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if _, err := db.CheckOut(ctx, &inv.staff, free.ID); err != nil {
					t.Fatal(err)
				}
			}()
			for _, e := range evidence(t, &inv.staff) {
				if e.UnitID == free.ID {
					t.Errorf("an occupied unit's evidence: %+v", e)
				}
			}
		})
		t.Run("declines and expiries count only within the window", func(t *testing.T) {
			inv.clock.Advance(11 * day)
			got := evidence(t, &inv.hmis)
			if len(got) != 2 {
				t.Fatalf("%d units, want 2 (the free Harbor unit and the loft)", len(got))
			}
			if got[0].NoUnitDeclines != 0 {
				t.Errorf("%s: %d no-unit declines 31 days on, want 0", got[0].UnitLabel, got[0].NoUnitDeclines)
			}
			if got[1].UnansweredExpiries != 1 {
				t.Errorf("the loft: %d unanswered expiries 11 days on, want 1", got[2].UnansweredExpiries)
			}
			if _, err := db.UnderReferralEvidence(ctx, &inv.hmis, 0); cas.ErrorCode(err) != cas.EInvalid {
				t.Errorf("a zero window: %v, want invalid", err)
			}
		})
	})
}
