package main

import (
	"context"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestMatchDryRun(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	db := storetest.Open(t, dbURL)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor"})
	must(err)
	p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: a.ID, Name: "PSH", ProjectType: cas.ProjectPSH})
	must(err)
	f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Harbor Commons"})
	must(err)
	_, err = db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: "Apt 7", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
	must(err)
	c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Pat", LastName: "Doe", BirthDate: "1970-01-01", HouseholdSize: 1,
		HouseholdType: cas.WithoutChildren, Consent: true})
	must(err)
	_, err = db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: c.ID, Score: 10, AssessedOn: "2026-01-01", IntakeStatus: cas.IntakeReady})
	must(err)

	out, err := run(t, map[string]string{"DOORWAY_DB": dbURL}, "", "match", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Would refer HPL rank 1", "Harbor Commons", "Apt 7", "Why:"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Pat") || strings.Contains(out, "Doe") {
		t.Errorf("dry run output names the client:\n%s", out)
	}
	list, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{}, store.Page{})
	must(err)
	if len(list) != 0 {
		t.Errorf("the dry run made %d referrals", len(list))
	}
	if _, err := run(t, map[string]string{"DOORWAY_DB": dbURL}, "", "match"); err == nil {
		t.Error("match without --dry-run succeeded")
	}
}
