package cas

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ProjectType is the HUD HMIS project type of a program (HMIS CSV Project.csv ProjectType, 2.02.6).
type ProjectType int

// The HUD project types (FY2024 data standards).
const (
	ProjectESEntryExit    ProjectType = 0
	ProjectESNightByNight ProjectType = 1
	ProjectTH             ProjectType = 2
	ProjectPSH            ProjectType = 3
	ProjectStreetOutreach ProjectType = 4
	ProjectServicesOnly   ProjectType = 6
	ProjectOther          ProjectType = 7
	ProjectSafeHaven      ProjectType = 8
	ProjectPHHousingOnly  ProjectType = 9
	ProjectPHWithServices ProjectType = 10
	ProjectDayShelter     ProjectType = 11
	ProjectPrevention     ProjectType = 12
	ProjectRRH            ProjectType = 13
	ProjectCE             ProjectType = 14
)

var projectTypeNames = map[ProjectType]string{
	ProjectESNightByNight: "Emergency Shelter – Night-by-Night", ProjectESEntryExit: "Emergency Shelter – Entry Exit",
	ProjectTH: "Transitional Housing", ProjectPSH: "PH – Permanent Supportive Housing", ProjectStreetOutreach: "Street Outreach",
	ProjectServicesOnly: "Services Only", ProjectOther: "Other", ProjectSafeHaven: "Safe Haven",
	ProjectPHHousingOnly: "PH – Housing Only", ProjectPHWithServices: "PH – Housing with Services",
	ProjectDayShelter: "Day Shelter", ProjectPrevention: "Homelessness Prevention", ProjectRRH: "PH – Rapid Re-Housing",
	ProjectCE: "Coordinated Entry",
}

// Valid reports whether t is a HUD project type code.
func (t ProjectType) Valid() bool { _, ok := projectTypeNames[t]; return ok }

// String returns HUD's name for the project type.
func (t ProjectType) String() string {
	if n, ok := projectTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("project type %d", int(t))
}

// HouseholdType is who a unit or program serves (HUD's household types).
type HouseholdType string

const (
	WithoutChildren HouseholdType = "without_children"
	WithChildren    HouseholdType = "with_children"
	OnlyChildren    HouseholdType = "only_children"
)

// HouseholdTypes lists the household types in the order they are shown.
var HouseholdTypes = []HouseholdType{WithoutChildren, WithChildren, OnlyChildren}

func validateHouseholdTypes(field string, types []HouseholdType, required bool) error {
	if required && len(types) == 0 {
		return Invalid(field, "%s needs at least one of without_children, with_children, only_children", field)
	}
	for _, t := range types {
		if !slices.Contains(HouseholdTypes, t) {
			return Invalid(field, "unknown household type %q: want without_children, with_children or only_children", t)
		}
	}
	return nil
}

// Population is a group a program may be limited to.
type Population string

const (
	Veteran             Population = "veteran"
	ChronicallyHomeless Population = "chronically_homeless"
	Youth               Population = "youth"
	DVSurvivor          Population = "dv_survivor"
)

// Populations lists the populations a program may require.
var Populations = []Population{Veteran, ChronicallyHomeless, Youth, DVSurvivor}

// Requirements are a program's eligibility rules. Empty lists mean "no limit".
type Requirements struct {
	HouseholdTypes    []HouseholdType `json:"household_types"`
	Populations       []Population    `json:"populations"`
	MinAge            int             `json:"min_age,omitempty"`
	MaxAge            int             `json:"max_age,omitempty"`
	RequiredDocuments []string        `json:"required_documents"`
}

// Validate checks a program's requirements.
func (r *Requirements) Validate() error {
	if err := validateHouseholdTypes("requirements.household_types", r.HouseholdTypes, false); err != nil {
		return err
	}
	for _, p := range r.Populations {
		if !slices.Contains(Populations, p) {
			return Invalid("requirements.populations", "unknown population %q: want veteran, chronically_homeless, youth or dv_survivor", p)
		}
	}
	if r.MinAge < 0 || r.MinAge > 120 {
		return Invalid("requirements.min_age", "min_age must be between 0 and 120")
	}
	if r.MaxAge < 0 || r.MaxAge > 120 {
		return Invalid("requirements.max_age", "max_age must be between 0 and 120")
	}
	if r.MaxAge != 0 && r.MaxAge < r.MinAge {
		return Invalid("requirements.max_age", "max_age must not be below min_age")
	}
	for i, d := range r.RequiredDocuments {
		r.RequiredDocuments[i] = strings.TrimSpace(d)
		if r.RequiredDocuments[i] == "" {
			return Invalid("requirements.required_documents", "a required document needs a name")
		}
	}
	if r.HouseholdTypes == nil {
		r.HouseholdTypes = []HouseholdType{}
	}
	if r.Populations == nil {
		r.Populations = []Population{}
	}
	if r.RequiredDocuments == nil {
		r.RequiredDocuments = []string{}
	}
	return nil
}

// ReferralMode says whether the matching engine sends referrals itself or proposes them to a CAS
// admin.
type ReferralMode string

const (
	ReferralAuto   ReferralMode = "auto"
	ReferralReview ReferralMode = "review"
)

// Program is a housing program of an agency (an HMIS Project).
type Program struct {
	ID            string
	AgencyID      string
	Name          string
	HMISProjectID string
	ProjectType   ProjectType
	Requirements  Requirements
	ResponseDays  int // days the agency has to answer a referral
	ReferralMode  ReferralMode
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// DefaultResponseDays is a program's response deadline when none is set.
const DefaultResponseDays = 3

// Validate checks a program before it is stored, filling in defaults.
func (p *Program) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.AgencyID == "" {
		return Invalid("agency_id", "agency_id is required")
	}
	if p.Name == "" {
		return Invalid("name", "name is required")
	}
	if !p.ProjectType.Valid() {
		return Invalid("project_type", "project_type %d is not a HUD project type (e.g. 3 PSH, 13 RRH, 2 TH, 1 ES)", int(p.ProjectType))
	}
	if p.ResponseDays == 0 {
		p.ResponseDays = DefaultResponseDays
	}
	if p.ResponseDays < 1 || p.ResponseDays > 60 {
		return Invalid("response_days", "response_days must be between 1 and 60")
	}
	if p.ReferralMode == "" {
		p.ReferralMode = ReferralAuto
	}
	if p.ReferralMode != ReferralAuto && p.ReferralMode != ReferralReview {
		return Invalid("referral_mode", "referral_mode must be auto or review")
	}
	return p.Requirements.Validate()
}

// Facility is a housing site of a program; it has units.
type Facility struct {
	ID                   string
	ProgramID            string
	AgencyID             string // the program's agency
	Name                 string
	Address              string
	InventoryConfirmedAt *time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Validate checks a facility before it is stored.
func (f *Facility) Validate() error {
	f.Name = strings.TrimSpace(f.Name)
	f.Address = strings.TrimSpace(f.Address)
	if f.ProgramID == "" {
		return Invalid("program_id", "program_id is required")
	}
	if f.Name == "" {
		return Invalid("name", "name is required")
	}
	return nil
}

// UnitStatus is a unit's state, derived from its open intervals, never stored.
type UnitStatus string

const (
	UnitAvailable UnitStatus = "available"
	UnitReserved  UnitStatus = "reserved"
	UnitOccupied  UnitStatus = "occupied"
	UnitOffline   UnitStatus = "offline"
)

// Unit is one housing unit of a facility.
type Unit struct {
	ID             string
	FacilityID     string
	AgencyID       string
	Label          string
	Bedrooms       int
	HouseholdTypes []HouseholdType
	Accessible     bool
	Status         UnitStatus
	StatusSince    time.Time
	// HeldBy is who the unit is for now, and since when; nil when it is free for the next referral.
	// A unit whose status is available may still be held, by a referral or a proposal.
	HeldBy    *Hold
	CreatedAt time.Time
}

// Free reports whether the unit can take a new referral: available and held by no one.
func (u *Unit) Free() bool { return u.Status == UnitAvailable && u.HeldBy == nil }

// Validate checks a unit before it is stored.
func (u *Unit) Validate() error {
	u.Label = strings.TrimSpace(u.Label)
	if u.FacilityID == "" {
		return Invalid("facility_id", "facility_id is required")
	}
	if u.Label == "" {
		return Invalid("label", "label is required")
	}
	if u.Bedrooms < 0 || u.Bedrooms > 20 {
		return Invalid("bedrooms", "bedrooms must be between 0 (a studio or a bed) and 20")
	}
	return validateHouseholdTypes("household_types", u.HouseholdTypes, true)
}

// Occupancy is a client's stay in a unit, from check-in to check-out.
type Occupancy struct {
	ID            string
	UnitID        string
	ClientID      string // empty when the client is not in Doorway
	ClientName    string
	ReservationID string // the reservation this check-in converted, if any
	StartedAt     time.Time
	EndedAt       *time.Time
}

// ReservationStatus is where a reservation stands.
type ReservationStatus string

const (
	ReservationOpen      ReservationStatus = "open"
	ReservationReleased  ReservationStatus = "released"
	ReservationExpired   ReservationStatus = "expired"
	ReservationConverted ReservationStatus = "converted"
)

// Reservation holds a unit for a client who is not referred through CAS, so that CAS does not
// refer someone else to it.
type Reservation struct {
	ID         string
	UnitID     string
	AgencyID   string
	ClientName string
	StartsOn   Date
	ExpiresOn  Date
	Status     ReservationStatus
	CreatedAt  time.Time
	EndedAt    *time.Time
}

// MaxReservationDays bounds how long a reservation may hold a unit.
const MaxReservationDays = 90

// Validate checks a new reservation.
func (r *Reservation) Validate() error {
	r.ClientName = strings.TrimSpace(r.ClientName)
	if r.UnitID == "" {
		return Invalid("unit_id", "unit_id is required")
	}
	if r.ClientName == "" {
		return Invalid("client_name", "client_name is required")
	}
	if _, err := ParseDate("starts_on", string(r.StartsOn)); err != nil {
		return err
	}
	if _, err := ParseDate("expires_on", string(r.ExpiresOn)); err != nil {
		return err
	}
	if r.ExpiresOn < r.StartsOn {
		return Invalid("expires_on", "expires_on must not be before starts_on")
	}
	if r.ExpiresOn > r.StartsOn.AddDays(MaxReservationDays) {
		return Invalid("expires_on", "a reservation can hold a unit for at most %d days", MaxReservationDays)
	}
	return nil
}

// OfflinePeriod is a time a unit cannot be used (repairs, not really available), set by the HMIS
// team with a reason.
type OfflinePeriod struct {
	ID             string
	UnitID         string
	Reason         string
	ExpectedReturn Date // may be empty
	StartedAt      time.Time
	EndedAt        *time.Time
}

// MaxOfflineReason bounds an offline period's reason.
const MaxOfflineReason = 500

// Validate checks a new offline period.
func (o *OfflinePeriod) Validate() error {
	o.Reason = strings.TrimSpace(o.Reason)
	if o.Reason == "" {
		return Invalid("reason", "a reason is required to take a unit offline")
	}
	if utf8.RuneCountInString(o.Reason) > MaxOfflineReason {
		return Invalid("reason", "the reason must be at most %d characters", MaxOfflineReason)
	}
	if o.ExpectedReturn != "" {
		if _, err := ParseDate("expected_return", string(o.ExpectedReturn)); err != nil {
			return err
		}
	}
	return nil
}

// CanOperateUnits reports whether u may check clients in and out, reserve and confirm the roster of
// an agency's units: the agency's own users, and the HMIS team to correct data.
func CanOperateUnits(u *User, agencyID string) bool {
	return CanManageAgencies(u) || (u.Role == RoleAgencyUser && u.AgencyID == agencyID)
}
