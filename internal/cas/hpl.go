package cas

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// IntakeStatus is how far a client's intake for housing has come; only ready clients are referred.
type IntakeStatus string

const (
	IntakePending             IntakeStatus = "pending"
	IntakeIncompleteDocuments IntakeStatus = "incomplete_documents"
	IntakeReady               IntakeStatus = "ready"
)

// HPLStatus is where a client stands on the Housing Priority List.
type HPLStatus string

const (
	HPLActive   HPLStatus = "active"   // waiting
	HPLReferred HPLStatus = "referred" // has an open referral
	HPLHoused   HPLStatus = "housed"   // moved in through a referral
	HPLInactive HPLStatus = "inactive" // removed, with a reason
)

// HPLEntry is a client's place on the Housing Priority List: the assessment and the factors the
// CoC's prioritization scheme ranks by.
type HPLEntry struct {
	ID         string
	ClientID   string
	Score      int  // the assessment's total score; higher is more vulnerable
	AssessedOn Date // the assessment's date
	// DaysHomeless is the length of time homeless at assessment, in days.
	DaysHomeless int
	// Documents lists the documents on file (e.g. "Photo ID"); programs may require some.
	Documents    []string
	IntakeStatus IntakeStatus
	Status       HPLStatus
	ParkedUntil  Date // empty when not parked
	ParkReason   string
	// RemovalReason says why an inactive entry left the list.
	RemovalReason string
	// HMISEnrollmentID is the HMIS CE enrollment the entry came from, reported with its referrals
	// in the HUD export; empty when the entry was made in Doorway.
	HMISEnrollmentID string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Validate checks an HPL entry before it is stored.
func (e *HPLEntry) Validate(today Date) error {
	if e.ClientID == "" {
		return Invalid("client_id", "client_id is required")
	}
	if e.Score < 0 || e.Score > 1000 {
		return Invalid("score", "score must be between 0 and 1000")
	}
	if _, err := ParseDate("assessed_on", string(e.AssessedOn)); err != nil {
		return err
	}
	if e.AssessedOn > today {
		return Invalid("assessed_on", "assessed_on is in the future")
	}
	if e.DaysHomeless < 0 || e.DaysHomeless > 365*80 {
		return Invalid("days_homeless", "days_homeless must be between 0 and %d", 365*80)
	}
	if e.IntakeStatus == "" {
		e.IntakeStatus = IntakePending
	}
	if !slices.Contains([]IntakeStatus{IntakePending, IntakeIncompleteDocuments, IntakeReady}, e.IntakeStatus) {
		return Invalid("intake_status", "intake_status must be pending, incomplete_documents or ready")
	}
	for i, d := range e.Documents {
		e.Documents[i] = strings.TrimSpace(d)
		if e.Documents[i] == "" {
			return Invalid("documents", "a document needs a name")
		}
	}
	if e.Documents == nil {
		e.Documents = []string{}
	}
	return nil
}

// Parked reports whether the entry is set aside on a day.
func (e *HPLEntry) Parked(today Date) bool { return e.ParkedUntil != "" && e.ParkedUntil > today }

// Criterion is one factor of a prioritization scheme, ranked high to low unless Ascending.
type Criterion struct {
	Factor    Factor `json:"factor"`
	Ascending bool   `json:"ascending,omitempty"`
}

// Factor is something a CoC may prioritize by. Diagnosis and disability type are not factors:
// HUD's Coordinated Entry notice (CPD-17-01) forbids prioritizing by them.
type Factor string

const (
	FactorScore         Factor = "score"
	FactorChronic       Factor = "chronic"
	FactorDaysHomeless  Factor = "days_homeless"
	FactorAssessedOn    Factor = "assessed_on"
	FactorVeteran       Factor = "veteran"
	FactorDVSurvivor    Factor = "dv_survivor"
	FactorYouth         Factor = "youth"
	FactorHouseholdSize Factor = "household_size"
)

// Factors lists the factors a scheme may use.
var Factors = []Factor{FactorScore, FactorChronic, FactorDaysHomeless, FactorAssessedOn, FactorVeteran, FactorDVSurvivor, FactorYouth, FactorHouseholdSize}

// forbiddenFactors are refused by name, with the reason, rather than as merely unknown.
var forbiddenFactors = []string{"diagnosis", "disability", "disability_type", "disabling_condition", "mental_health", "substance_use", "hiv_aids"}

// PriorityScheme is a version of the CoC's rule for ordering the HPL: criteria in order, each
// breaking the ties of the ones before; entries equal on all of them keep the order they joined.
type PriorityScheme struct {
	Version   int
	Criteria  []Criterion
	CreatedAt time.Time
	CreatedBy string
}

// DefaultCriteria is the scheme a new CoC starts with: assessment score, then chronic status, then
// time homeless, then the earliest assessment.
var DefaultCriteria = []Criterion{
	{Factor: FactorScore}, {Factor: FactorChronic}, {Factor: FactorDaysHomeless}, {Factor: FactorAssessedOn, Ascending: true},
}

// Validate checks a scheme's criteria.
func (s *PriorityScheme) Validate() error {
	if len(s.Criteria) == 0 {
		return Invalid("criteria", "a scheme needs at least one criterion")
	}
	seen := map[Factor]bool{}
	for i, c := range s.Criteria {
		field := fmt.Sprintf("criteria[%d].factor", i)
		if slices.Contains(forbiddenFactors, strings.ToLower(string(c.Factor))) {
			return Invalid(field, "%s cannot be a prioritization criterion: HUD forbids prioritizing by diagnosis or disability type (CPD-17-01)", c.Factor)
		}
		if !slices.Contains(Factors, c.Factor) {
			return Invalid(field, "unknown factor %q", c.Factor)
		}
		if seen[c.Factor] {
			return Invalid(field, "%s is listed twice", c.Factor)
		}
		seen[c.Factor] = true
	}
	return nil
}

// RemovalCode is a coded reason a client leaves the HPL: the CoC counts why people leave the list
// without a referral, so the reason is a code, with a note where the code is not enough.
type RemovalCode string

const (
	RemovalHousedElsewhere  RemovalCode = "housed_elsewhere"
	RemovalMovedAway        RemovalCode = "moved_away"
	RemovalDeclinedServices RemovalCode = "declined_services"
	RemovalDeceased         RemovalCode = "deceased"
	RemovalUnreachable      RemovalCode = "unreachable"
	RemovalOther            RemovalCode = "other"
)

// RemovalRule is a removal reason with its words and whether it needs a note.
type RemovalRule struct {
	Code      RemovalCode
	Label     string
	NeedsNote bool
}

// RemovalRules lists the removal reasons in the order they are offered.
var RemovalRules = []RemovalRule{
	{Code: RemovalHousedElsewhere, Label: "Housed elsewhere"},
	{Code: RemovalMovedAway, Label: "Moved away from the CoC"},
	{Code: RemovalDeclinedServices, Label: "Declined services"},
	{Code: RemovalDeceased, Label: "Deceased"},
	{Code: RemovalUnreachable, Label: "Could not be reached"},
	{Code: RemovalOther, Label: "Other", NeedsNote: true},
}

// RemovalRuleOf returns the rule of a removal code.
func RemovalRuleOf(code RemovalCode) (RemovalRule, bool) {
	i := slices.IndexFunc(RemovalRules, func(r RemovalRule) bool { return r.Code == code })
	if i < 0 {
		return RemovalRule{}, false
	}
	return RemovalRules[i], true
}

// RemovalReason is the reason stored on an entry that left the list: the code, then ": " and the
// note when there is one. Reasons written before codes existed, and those an HMIS import writes,
// are words without a code.
func RemovalReason(code RemovalCode, note string) (string, error) {
	note = strings.TrimSpace(note)
	rule, ok := RemovalRuleOf(code)
	if !ok {
		codes := make([]string, len(RemovalRules))
		for i, r := range RemovalRules {
			codes[i] = string(r.Code)
		}
		if code == "" {
			return "", Invalid("reason_code", "reason_code is required: one of %s", strings.Join(codes, ", "))
		}
		return "", Invalid("reason_code", "unknown reason_code %q: want one of %s", code, strings.Join(codes, ", "))
	}
	if rule.NeedsNote && note == "" {
		return "", Invalid("note", "a note is required when the reason is %s", code)
	}
	if note == "" {
		return string(code), nil
	}
	return string(code) + ": " + note, nil
}

// RemovalOf reads a stored removal reason back: its code (empty for words without one) and its
// note.
func RemovalOf(reason string) (RemovalCode, string) {
	code, note, _ := strings.Cut(reason, ":")
	if _, ok := RemovalRuleOf(RemovalCode(code)); ok {
		return RemovalCode(code), strings.TrimSpace(note)
	}
	return "", reason
}

// RemovalInWords says why the entry left the list, in words.
func (e HPLEntry) RemovalInWords() string { return RemovalWords(e.RemovalReason) }

// RemovalWords says a stored removal reason in words: the code's label and the note.
func RemovalWords(reason string) string {
	code, note := RemovalOf(reason)
	rule, ok := RemovalRuleOf(code)
	switch {
	case !ok:
		return note
	case note == "":
		return rule.Label
	}
	return rule.Label + ": " + note
}
