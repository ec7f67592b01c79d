package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// PatOverLee makes the policy lab's smallest history at an agency: on 2 March 2026 Pat Doe (score
// 12, 100 days homeless) and Lee Doe (score 4, 900 days homeless) join the HPL; on the 3rd a unit
// of Harbor Commons (Harbor PSH) opens and the engine refers Pat, as the default scheme ranks
// score first. A scheme ranking days homeless first refers Lee instead. It returns the clock,
// standing a minute after the referral.
func PatOverLee(tb testing.TB, db *store.DB, agencyID string) *Clock {
	tb.Helper()
	ctx := context.Background()
	clock := NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: agencyID, Name: "Harbor PSH", ProjectType: cas.ProjectPSH})
	must(err)
	f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Harbor Commons"})
	must(err)
	for _, person := range []struct {
		name        string
		score, days int
	}{{"Pat", 12, 100}, {"Lee", 4, 900}} {
		client, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: person.name, LastName: "Doe", BirthDate: "1970-01-01",
			HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true})
		must(err)
		_, err = db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: client.ID, Score: person.score, DaysHomeless: person.days,
			AssessedOn: "2026-01-01", IntakeStatus: cas.IntakeReady})
		must(err)
	}
	clock.Advance(24 * time.Hour)
	_, err = db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: "Apt 7", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
	must(err)
	clock.Advance(time.Minute)
	run, err := db.RunMatch(ctx, false)
	must(err)
	if len(run.Referrals) != 1 {
		tb.Fatalf("the engine made %d referrals, want 1", len(run.Referrals))
	}
	return clock
}
