package match

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

const today = cas.Date("2026-06-01")

// eligiblePair is a ready single adult and a studio of a program with no requirements: a pair
// every rule accepts, for the tests to change one thing at a time.
func eligiblePair() (Candidate, Facility, cas.Unit) {
	c := Candidate{
		Entry: cas.HPLEntry{ID: "hpl-1", ClientID: "client-1", Score: 10, AssessedOn: "2026-01-15", DaysHomeless: 400,
			Documents: []string{"Photo ID"}, IntakeStatus: cas.IntakeReady, Status: cas.HPLActive},
		Client: cas.Client{ID: "client-1", FirstName: "Ada", LastName: "Lee", BirthDate: "1980-06-01", HouseholdSize: 1,
			HouseholdType: cas.WithoutChildren, Consent: true},
	}
	f := Facility{
		Facility: cas.Facility{ID: "fac-1", ProgramID: "prog-1", AgencyID: "agency-1", Name: "Harbor Commons"},
		Program:  cas.Program{ID: "prog-1", AgencyID: "agency-1", Name: "Harbor PSH", ReferralMode: cas.ReferralAuto},
	}
	u := cas.Unit{ID: "unit-1", FacilityID: "fac-1", Label: "Apt 101", Bedrooms: 0,
		HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren, cas.WithChildren}}
	f.FreeUnits = []cas.Unit{u}
	return c, f, u
}

func TestEligible(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Candidate, f *Facility, u *cas.Unit)
		why    string // empty when eligible
	}{
		{"a ready, active, consenting client fits", func(c *Candidate, f *Facility, u *cas.Unit) {}, ""},

		{"a referred client is excluded", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.Status = cas.HPLReferred }, "already referred"},
		{"a housed client is excluded", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.Status = cas.HPLHoused }, "already housed"},
		{"an inactive client is excluded", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.Status = cas.HPLInactive }, "not active on the HPL"},

		{"a pending intake is not ready", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.IntakeStatus = cas.IntakePending }, "not ready"},
		{"incomplete documents are not ready", func(c *Candidate, f *Facility, u *cas.Unit) {
			c.Entry.IntakeStatus = cas.IntakeIncompleteDocuments
		}, "not ready"},

		{"parked until tomorrow is parked", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.ParkedUntil = today.AddDays(1) }, "parked"},
		{"parked until today is back on the list", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.ParkedUntil = today }, ""},
		{"parked until last week is back on the list", func(c *Candidate, f *Facility, u *cas.Unit) { c.Entry.ParkedUntil = today.AddDays(-7) }, ""},

		{"a client with an open referral is excluded", func(c *Candidate, f *Facility, u *cas.Unit) { c.OpenReferral = true }, "open referral"},

		{"declined by this program", func(c *Candidate, f *Facility, u *cas.Unit) { c.NotReferredAgainBy = []string{"prog-9", "prog-1"} }, "not referred to this program again yet"},
		{"declined by another program only", func(c *Candidate, f *Facility, u *cas.Unit) { c.NotReferredAgainBy = []string{"prog-9"} }, ""},

		{"no release of information", func(c *Candidate, f *Facility, u *cas.Unit) { c.Client.Consent = false }, "no consent on file"},

		{"the first rule that refuses is the reason", func(c *Candidate, f *Facility, u *cas.Unit) {
			c.Entry.IntakeStatus, c.Entry.ParkedUntil, c.Client.Consent = cas.IntakePending, today.AddDays(3), false
		}, "not ready"},

		{"a unit not for the household type", func(c *Candidate, f *Facility, u *cas.Unit) {
			u.HouseholdTypes = []cas.HouseholdType{cas.WithChildren}
		}, "household type not served by the unit"},
		{"a program not for the household type", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.HouseholdTypes = []cas.HouseholdType{cas.WithChildren}
		}, "household type not served by the program"},
		{"a program for the household type", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.HouseholdTypes = []cas.HouseholdType{cas.OnlyChildren, cas.WithoutChildren}
		}, ""},

		{"two people fit a studio", func(c *Candidate, f *Facility, u *cas.Unit) { c.Client.HouseholdSize = 2 }, ""},
		{"three people do not fit a studio", func(c *Candidate, f *Facility, u *cas.Unit) { c.Client.HouseholdSize = 3 }, "household too large for the unit"},
		{"three people do not fit one bedroom", func(c *Candidate, f *Facility, u *cas.Unit) {
			c.Client.HouseholdSize, u.Bedrooms = 3, 1
		}, "household too large for the unit"},
		{"four people fit two bedrooms", func(c *Candidate, f *Facility, u *cas.Unit) { c.Client.HouseholdSize, u.Bedrooms = 4, 2 }, ""},
		{"five people do not fit two bedrooms", func(c *Candidate, f *Facility, u *cas.Unit) {
			c.Client.HouseholdSize, u.Bedrooms = 5, 2
		}, "household too large for the unit"},
		{"six people fit three bedrooms", func(c *Candidate, f *Facility, u *cas.Unit) { c.Client.HouseholdSize, u.Bedrooms = 6, 3 }, ""},

		{"a veteran in a veterans' program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.Veteran = []cas.Population{cas.Veteran}, true
		}, ""},
		{"a non-veteran in a veterans' program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations = []cas.Population{cas.Veteran}
		}, "not a veteran"},
		{"a chronically homeless client in a chronic program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.Chronic = []cas.Population{cas.ChronicallyHomeless}, true
		}, ""},
		{"a client not chronically homeless in a chronic program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations = []cas.Population{cas.ChronicallyHomeless}
		}, "not chronically homeless"},
		{"a DV survivor in a DV program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.DVSurvivor = []cas.Population{cas.DVSurvivor}, true
		}, ""},
		{"a client who is not a DV survivor in a DV program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations = []cas.Population{cas.DVSurvivor}
		}, "not a DV survivor"},
		{"a client flagged youth in a youth program", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.Youth = []cas.Population{cas.Youth}, true
		}, ""},
		{"a client who turned 24 today counts as youth", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.BirthDate = []cas.Population{cas.Youth}, "2002-06-01"
		}, ""},
		{"a client of 25 is not youth", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.BirthDate = []cas.Population{cas.Youth}, "2001-06-01"
		}, "not a youth (18 to 24)"},
		{"a client of 17 is not youth unless flagged", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.BirthDate = []cas.Population{cas.Youth}, "2008-06-02"
		}, "not a youth (18 to 24)"},
		{"the first population missing is the reason", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations = []cas.Population{cas.Veteran, cas.Youth}
		}, "not a veteran"},
		{"a population the engine does not know", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations = []cas.Population{"pet_owner"}
		}, "not in the program's population"},

		{"55 today meets a minimum age of 55", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.MinAge, c.Client.BirthDate = 55, "1971-06-01"
		}, ""},
		{"55 tomorrow does not", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.MinAge, c.Client.BirthDate = 55, "1971-06-02"
		}, "outside the program's age range"},
		{"24 meets a maximum age of 24", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.MaxAge, c.Client.BirthDate = 24, "2001-06-02"
		}, ""},
		{"25 today does not", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.MaxAge, c.Client.BirthDate = 24, "2001-06-01"
		}, "outside the program's age range"},

		{"without a birth date, no minimum age is met", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.MinAge, c.Client.BirthDate = 18, ""
		}, "birth date missing"},
		{"without a birth date, no maximum age is met", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.MaxAge, c.Client.BirthDate = 24, ""
		}, "birth date missing"},
		{"without a birth date, a program without age rules fits", func(c *Candidate, f *Facility, u *cas.Unit) { c.Client.BirthDate = "" }, ""},
		{"without a birth date, a client is not youth unless flagged", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.BirthDate = []cas.Population{cas.Youth}, ""
		}, "not a youth (18 to 24)"},
		{"without a birth date, a client flagged youth is youth", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.BirthDate, c.Client.Youth = []cas.Population{cas.Youth}, "", true
		}, ""},
		{"without a birth date, a youth program's age limits are not met, flagged or not", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.Populations, c.Client.BirthDate, c.Client.Youth = []cas.Population{cas.Youth}, "", true
			f.Program.Requirements.MinAge, f.Program.Requirements.MaxAge = 18, 24
		}, "birth date missing"},

		{"a client who needs an accessible unit fits one", func(c *Candidate, f *Facility, u *cas.Unit) {
			c.Client.NeedsAccessible, u.Accessible = true, true
		}, ""},
		{"a client who needs an accessible unit does not fit another", func(c *Candidate, f *Facility, u *cas.Unit) {
			c.Client.NeedsAccessible = true
		}, "needs an accessible unit"},
		{"anyone fits an accessible unit", func(c *Candidate, f *Facility, u *cas.Unit) { u.Accessible = true }, ""},

		{"required documents compare without case", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.RequiredDocuments, c.Entry.Documents = []string{"PHOTO id"}, []string{"SSN card", "photo ID"}
		}, ""},
		{"a missing document is named", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.RequiredDocuments, c.Entry.Documents = []string{"Photo ID"}, nil
		}, "missing documents: Photo ID"},
		{"every missing document is named, as the program spells it", func(c *Candidate, f *Facility, u *cas.Unit) {
			f.Program.Requirements.RequiredDocuments = []string{"Photo ID", "Birth certificate", "SSN card"}
			c.Entry.Documents = []string{"photo id"}
		}, "missing documents: Birth certificate, SSN card"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f, u := eligiblePair()
			tt.change(&c, &f, &u)
			ok, why := Eligible(today, c, f, u)
			if ok != (tt.why == "") || why != tt.why {
				t.Errorf("Eligible = %v, %q; want %v, %q", ok, why, tt.why == "", tt.why)
			}
		})
	}
}

// A run reads birth dates' digits instead of parsing them; the ages must be ageOf's, for every
// date time.Parse takes or refuses.
func TestAgeOnAgreesWithAgeOf(t *testing.T) {
	days := []cas.Date{"2026-06-01", "2026-05-31", "2026-06-02", "1980-06-01", "2024-02-29", "2023-02-29", "2000-02-29",
		"1900-02-29", "2026-04-31", "2026-04-30", "2026-12-31", "0000-01-01", "9999-12-31", "", "2026-6-01", "2026-06-1x",
		"+026-06-01", "2026/06/01", "2026-13-01", "2026-00-10", "2026-06-00", "2026-06-01 ", " 2026-06-01"}
	for _, today := range days {
		ages := newAgeOn(today)
		for _, birth := range days {
			c := cas.Client{BirthDate: birth}
			if got, want := ages.of(&c), ageOf(&c, today); got != want {
				t.Errorf("born %q, on %q: age %d, want %d", birth, today, got, want)
			}
		}
	}
}
