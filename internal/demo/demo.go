// Package demo loads a small, realistic, entirely fictional Continuum of Care into an empty
// database, so that a newcomer can try Doorway with one command.
package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
	"github.com/doorway-cas/doorway/internal/store"
)

// Password is the password of every demo account. Demo databases are for trying Doorway only.
const Password = "doorway-demo-password"

// Account is a demo account to sign in with.
type Account struct {
	Email, Name string
	Role        cas.Role
	Agency      string // agency name, empty for admins
	CASContact  bool
}

// CASAdminEmail and HMISAdminEmail are the demo's admins; serve --demo prints API tokens for them.
const (
	CASAdminEmail  = "cas.admin@demo.doorway.test"
	HMISAdminEmail = "hmis.admin@demo.doorway.test"
)

var agencies = []cas.Agency{
	{Name: "Harbor Family Services", HMISOrganizationID: "101"},
	{Name: "Riverside Housing Partners", HMISOrganizationID: "102"},
	{Name: "Eastside Veterans Alliance", HMISOrganizationID: "103"},
}

// Accounts lists the demo accounts, admins first.
var Accounts = []Account{
	{Email: CASAdminEmail, Name: "Casey Alvarez", Role: cas.RoleCASAdmin},
	{Email: HMISAdminEmail, Name: "Morgan Lee", Role: cas.RoleHMISAdmin},
	{Email: "intake@harbor.demo.doorway.test", Name: "Dana Whitfield", Role: cas.RoleAgencyUser, Agency: "Harbor Family Services", CASContact: true},
	{Email: "casemanager@harbor.demo.doorway.test", Name: "Jordan Price", Role: cas.RoleAgencyUser, Agency: "Harbor Family Services"},
	{Email: "housing@riverside.demo.doorway.test", Name: "Sam Okafor", Role: cas.RoleAgencyUser, Agency: "Riverside Housing Partners", CASContact: true},
	{Email: "director@riverside.demo.doorway.test", Name: "Riley Chen", Role: cas.RoleAgencyUser, Agency: "Riverside Housing Partners", CASContact: true},
	{Email: "outreach@eastside.demo.doorway.test", Name: "Avery Brooks", Role: cas.RoleAgencyUser, Agency: "Eastside Veterans Alliance", CASContact: true},
}

// unit is a demo unit and the state it is put in: available (State empty), occupied or reserved
// by Client, or offline for Reason. Days is how long from today a reservation lasts or when an
// offline unit is expected back.
type unit struct {
	Label      string
	Bedrooms   int
	Accessible bool
	State      cas.UnitStatus
	Client     string
	Reason     string
	Days       int
}

// setupAgo is how long before now the demo's inventory was set up.
const setupAgo = 60 * 24 * time.Hour

// program is a demo program with its one facility. Confirmed facilities have had their roster
// confirmed; the others show as stale.
type program struct {
	Agency    string
	Program   cas.Program
	Facility  cas.Facility
	Confirmed bool
	Units     []unit
}

var (
	families = []cas.HouseholdType{cas.WithChildren}
	singles  = []cas.HouseholdType{cas.WithoutChildren}
)

var programs = []program{
	{
		Agency: "Harbor Family Services",
		Program: cas.Program{Name: "Harbor Family Permanent Supportive Housing", HMISProjectID: "1011", ProjectType: cas.ProjectPSH,
			Requirements: cas.Requirements{HouseholdTypes: families, Populations: []cas.Population{cas.ChronicallyHomeless},
				RequiredDocuments: []string{"Disability verification", "Homelessness verification"}}},
		Facility:  cas.Facility{Name: harborCommons, Address: "412 Harbor Street, Port Alder"},
		Confirmed: true,
		Units: []unit{
			{Label: "Apt 101", Bedrooms: 2, Accessible: true, State: cas.UnitOccupied, Client: "Maria Santos"},
			{Label: "Apt 102", Bedrooms: 2},
			{Label: "Apt 201", Bedrooms: 3, State: cas.UnitOccupied, Client: "Terrence Hale"},
			{Label: "Apt 202", Bedrooms: 2},
			{Label: "Apt 203", Bedrooms: 3, State: cas.UnitReserved, Client: "Keisha Monroe", Days: 14},
		},
	},
	{
		Agency: "Harbor Family Services",
		Program: cas.Program{Name: "Harbor Family Rapid Re-Housing", HMISProjectID: "1012", ProjectType: cas.ProjectRRH, ResponseDays: 5,
			Requirements: cas.Requirements{HouseholdTypes: families, RequiredDocuments: []string{"Photo ID"}}},
		Facility: cas.Facility{Name: bayview, Address: "88 Bayview Lane, Port Alder"},
		Units: []unit{
			{Label: "Unit A", Bedrooms: 2, Accessible: true},
			{Label: "Unit B", Bedrooms: 3, State: cas.UnitOccupied, Client: "Ana Ortega"},
			{Label: "Unit C", Bedrooms: 2, State: cas.UnitOffline, Reason: "Water damage repair", Days: 21},
		},
	},
	{
		Agency: "Riverside Housing Partners",
		Program: cas.Program{Name: "Riverside Permanent Supportive Housing", HMISProjectID: "1021", ProjectType: cas.ProjectPSH,
			Requirements: cas.Requirements{HouseholdTypes: singles, Populations: []cas.Population{cas.ChronicallyHomeless},
				RequiredDocuments: []string{"Disability verification", "Homelessness verification"}}},
		Facility:  cas.Facility{Name: riverside, Address: "1500 River Road, Port Alder"},
		Confirmed: true,
		Units: []unit{
			{Label: "Apt 101", Bedrooms: 0, Accessible: true, State: cas.UnitOccupied, Client: "Gerald Fitch"},
			{Label: "Apt 102", Bedrooms: 0},
			{Label: "Apt 103", Bedrooms: 1, State: cas.UnitOccupied, Client: "Denise Carver"},
			{Label: "Apt 104", Bedrooms: 1, Accessible: true},
			{Label: "Apt 201", Bedrooms: 0, State: cas.UnitOffline, Reason: "Pest treatment", Days: 7},
			{Label: "Apt 202", Bedrooms: 1, State: cas.UnitOccupied, Client: "Walter Kim"},
		},
	},
	{
		Agency: "Riverside Housing Partners",
		Program: cas.Program{Name: "Next Step Youth Transitional Housing", HMISProjectID: "1022", ProjectType: cas.ProjectTH,
			Requirements: cas.Requirements{HouseholdTypes: singles, Populations: []cas.Population{cas.Youth}, MinAge: 18, MaxAge: 24,
				RequiredDocuments: []string{"Photo ID"}}},
		Facility: cas.Facility{Name: nextStep, Address: "27 Willow Court, Port Alder"},
		Units: []unit{
			{Label: "Room 1", Bedrooms: 0, State: cas.UnitOccupied, Client: "Jaylen Moore"},
			{Label: "Room 2", Bedrooms: 0},
			{Label: "Room 3", Bedrooms: 0, State: cas.UnitReserved, Client: "Tyler Nguyen", Days: 10},
			{Label: "Room 4", Bedrooms: 0, Accessible: true},
		},
	},
	{
		Agency: "Eastside Veterans Alliance",
		Program: cas.Program{Name: "Liberty Place Veterans PSH", HMISProjectID: "1031", ProjectType: cas.ProjectPSH,
			Requirements: cas.Requirements{HouseholdTypes: singles, Populations: []cas.Population{cas.Veteran},
				RequiredDocuments: []string{"DD-214", "Disability verification"}}},
		Facility:  cas.Facility{Name: libertyPlace, Address: "300 Eastgate Avenue, Port Alder"},
		Confirmed: true,
		Units: []unit{
			{Label: "Apt 1A", Bedrooms: 1, Accessible: true, State: cas.UnitOccupied, Client: "Raymond Ellis"},
			{Label: "Apt 1B", Bedrooms: 1},
			{Label: "Apt 2A", Bedrooms: 0, State: cas.UnitOccupied, Client: "Frank Delgado"},
			{Label: "Apt 2B", Bedrooms: 1, State: cas.UnitOffline, Reason: "Flooring replacement", Days: 30},
			{Label: "Apt 2C", Bedrooms: 0, Accessible: true},
		},
	},
	{
		Agency: "Eastside Veterans Alliance",
		Program: cas.Program{Name: "Eastside Veteran Family Rapid Re-Housing", HMISProjectID: "1032", ProjectType: cas.ProjectRRH,
			ReferralMode: cas.ReferralReview,
			Requirements: cas.Requirements{HouseholdTypes: families, Populations: []cas.Population{cas.Veteran},
				RequiredDocuments: []string{"DD-214"}}},
		Facility: cas.Facility{Name: eastgate, Address: "315 Eastgate Avenue, Port Alder"},
		Units: []unit{
			{Label: "Apt 101", Bedrooms: 2},
			{Label: "Apt 102", Bedrooms: 3, State: cas.UnitReserved, Client: "Monica Reyes", Days: 21},
			{Label: "Apt 103", Bedrooms: 2, Accessible: true, State: cas.UnitOccupied, Client: "Darnell Wright"},
		},
	},
}

// settle puts a newly created, available unit into the demo state u asks for.
func (u unit) settle(ctx context.Context, db *store.DB, unitID string, today cas.Date) error {
	var err error
	switch u.State {
	case cas.UnitOccupied:
		_, err = db.CheckIn(ctx, cas.System, unitID, "", u.Client)
	case cas.UnitReserved:
		r := cas.Reservation{UnitID: unitID, ClientName: u.Client, StartsOn: today, ExpiresOn: today.AddDays(u.Days)}
		_, err = db.CreateReservation(ctx, cas.System, r)
	case cas.UnitOffline:
		o := cas.OfflinePeriod{Reason: u.Reason, ExpectedReturn: today.AddDays(u.Days)}
		_, err = db.TakeOffline(ctx, cas.System, unitID, o, "")
	}
	return err
}

// Load fills an empty database with the demo CoC and reports true: agencies, accounts, programs
// with a facility each whose units are available, occupied, reserved or offline, and a Housing
// Priority List of about 300 clients with a month of referrals in every status (see hpl.go). A
// database that already holds agencies or accounts is left alone and Load reports false.
func Load(ctx context.Context, db *store.DB) (bool, error) {
	empty, err := db.Empty(ctx)
	if err != nil || !empty {
		return false, err
	}
	ids := map[string]string{}
	for _, a := range agencies {
		created, err := db.CreateAgency(ctx, cas.System, a)
		if err != nil {
			return false, fmt.Errorf("demo agency %s: %w", a.Name, err)
		}
		ids[a.Name] = created.ID
	}
	for _, a := range Accounts {
		u := cas.User{Email: a.Email, Name: a.Name, Role: a.Role, AgencyID: ids[a.Agency], CASContact: a.CASContact}
		if _, err := db.CreateUser(ctx, cas.System, u, Password); err != nil {
			return false, fmt.Errorf("demo account %s: %w", a.Email, err)
		}
	}
	now := db.Now()
	today := cas.DateOf(now, db.Zone)
	sites := map[string]match.Facility{}
	for _, d := range programs {
		var p cas.Program
		var f cas.Facility
		// The inventory has been in Doorway since setup, two months ago, with its long-standing
		// tenants; reservations and offline periods are this week's.
		err := at(db, now.Add(-setupAgo), func() error {
			var err error
			p = d.Program
			p.AgencyID = ids[d.Agency]
			p.Requirements.RequiredDocuments = slices.Clone(p.Requirements.RequiredDocuments) // Validate trims in place
			if p, err = db.CreateProgram(ctx, cas.System, p); err != nil {
				return fmt.Errorf("demo program %s: %w", d.Program.Name, err)
			}
			f = d.Facility
			f.ProgramID = p.ID
			if f, err = db.CreateFacility(ctx, cas.System, f); err != nil {
				return fmt.Errorf("demo facility %s: %w", d.Facility.Name, err)
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		for _, u := range d.Units {
			var created cas.Unit
			err := at(db, now.Add(-setupAgo), func() error {
				var err error
				created, err = db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: u.Label, Bedrooms: u.Bedrooms,
					HouseholdTypes: p.Requirements.HouseholdTypes, Accessible: u.Accessible})
				if err == nil && u.State == cas.UnitOccupied {
					err = u.settle(ctx, db, created.ID, today)
				}
				return err
			})
			if err != nil {
				return false, fmt.Errorf("demo unit %s %s: %w", f.Name, u.Label, err)
			}
			if u.State == cas.UnitOccupied {
				continue
			}
			if err := u.settle(ctx, db, created.ID, today); err != nil {
				return false, fmt.Errorf("demo unit %s %s %s: %w", f.Name, u.Label, u.State, err)
			}
		}
		sites[f.Name] = match.Facility{Facility: f, Program: p}
		if d.Confirmed {
			if _, err := db.ConfirmInventory(ctx, cas.System, f.ID); err != nil {
				return false, fmt.Errorf("demo inventory of %s: %w", f.Name, err)
			}
		}
	}
	if err := loadHPL(ctx, db, sites); err != nil {
		return false, err
	}
	if err := recordWeeks(ctx, db); err != nil {
		return false, err
	}
	// The demo's made-up history is in everyone's inbox; emailing it all at first start would
	// bury the email a newcomer's own first action sends.
	if _, err := db.SkipPendingEmail(ctx, "demo history: not emailed"); err != nil {
		return false, fmt.Errorf("demo outbox: %w", err)
	}
	return true, nil
}

// recordWeeks records last week's and this week's under-referral suspects, as the worker would
// have on each Monday morning, so the demo's packet can show the programs consistently
// under-referred.
func recordWeeks(ctx context.Context, db *store.DB) error {
	now := db.Now()
	monday := db.WeekOf(now).Start(db.Zone).Add(8 * time.Hour)
	if monday.After(now) {
		monday = now
	}
	for _, t := range []time.Time{db.WeekOf(now).AddDays(-7).Start(db.Zone).Add(8 * time.Hour), monday} {
		if err := at(db, t, func() error { _, err := db.RecordSuspectWeek(ctx); return err }); err != nil {
			return fmt.Errorf("demo weekly record: %w", err)
		}
	}
	return nil
}
