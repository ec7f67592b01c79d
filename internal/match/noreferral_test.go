package match

import (
	"slices"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

func TestNoReferral(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Candidate, programs []ProgramUnits)
		why    []string
	}{
		{"nothing stops a client a program fits", func(c *Candidate, _ []ProgramUnits) {}, nil},
		{"no consent", func(c *Candidate, _ []ProgramUnits) { c.Client.Consent = false },
			[]string{"no consent on file: record the release of information"}},
		{"consent expired, with the day", func(c *Candidate, _ []ProgramUnits) { c.Client.ConsentExpiresOn = "2026-05-31" },
			[]string{"consent expired on 2026-05-31: renew it"}},
		{"not ready, with the intake status", func(c *Candidate, _ []ProgramUnits) { c.Entry.IntakeStatus = cas.IntakeIncompleteDocuments },
			[]string{"not ready: intake status is incomplete documents"}},
		{"parked until a day, with the reason", func(c *Candidate, _ []ProgramUnits) {
			c.Entry.ParkedUntil, c.Entry.ParkReason = "2026-07-01", "In hospital"
		}, []string{"parked until 2026-07-01: In hospital"}},
		{"every reason of the client's own, in order", func(c *Candidate, _ []ProgramUnits) {
			c.Client.Consent, c.Entry.IntakeStatus = false, cas.IntakePending
		}, []string{"no consent on file: record the release of information", "not ready: intake status is pending"}},
		{"already referred says only that", func(c *Candidate, _ []ProgramUnits) { c.Entry.Status, c.Client.Consent = cas.HPLReferred, false },
			[]string{"already referred: see the referrals below"}},
		{"already housed", func(c *Candidate, _ []ProgramUnits) { c.Entry.Status = cas.HPLHoused }, []string{"already housed"}},
		{"removed, with the reason in words", func(c *Candidate, _ []ProgramUnits) {
			c.Entry.Status, c.Entry.RemovalReason = cas.HPLInactive, "moved_away"
		}, []string{"removed from the HPL: Moved away from the CoC"}},
		{"documents missing for every program that fits, by program", func(c *Candidate, p []ProgramUnits) {
			p[0].Program.Requirements.RequiredDocuments = []string{"Birth certificate", "Photo ID"}
			p[1].Program.Requirements.RequiredDocuments = []string{"Income proof"}
		}, []string{"documents missing for every program that fits: Harbor PSH (Birth certificate); Vets RRH (Income proof)"}},
		{"one program fits once documents are in, the other never does", func(c *Candidate, p []ProgramUnits) {
			p[0].Program.Requirements.RequiredDocuments = []string{"Birth certificate"}
			p[1].Program.Requirements.Populations = []cas.Population{cas.Veteran}
		}, []string{"documents missing for every program that fits: Harbor PSH (Birth certificate)"}},
		{"birth date missing for a program with age limits", func(c *Candidate, p []ProgramUnits) {
			c.Client.BirthDate = ""
			p[0].Program.Requirements.MinAge = 55
			p[1].Program.Requirements.Populations = []cas.Population{cas.Veteran}
		}, []string{"birth date missing: Harbor PSH need it for their age limits"}},
		{"no fitting program", func(c *Candidate, p []ProgramUnits) {
			c.Client.HouseholdSize, c.Client.HouseholdType = 4, cas.WithChildren
			p[0].Units[0].HouseholdTypes = []cas.HouseholdType{cas.WithoutChildren}
			p[1].Program.Requirements.Populations = []cas.Population{cas.Veteran}
		}, []string{"no fitting program: no program's rules and units fit this household"}},
		{"no program at all", func(c *Candidate, p []ProgramUnits) { p[0].Units, p[1].Units = nil, nil },
			[]string{"no fitting program: no program's rules and units fit this household"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f, u := eligiblePair()
			vets := cas.Program{ID: "prog-2", Name: "Vets RRH"}
			programs := []ProgramUnits{{Program: f.Program, Units: []cas.Unit{u}}, {Program: vets, Units: []cas.Unit{{ID: "unit-2", Bedrooms: 1,
				HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}}}}
			tt.change(&c, programs)
			if got := NoReferral(today, c, programs); !slices.Equal(got, tt.why) {
				t.Errorf("NoReferral = %q, want %q", got, tt.why)
			}
		})
	}
}
