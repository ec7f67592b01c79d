package cas

import (
	"fmt"
	"strings"
	"time"
)

// FacilityRequestKind is what a facility-setup request asks for.
type FacilityRequestKind string

const (
	NewFacilityRequest FacilityRequestKind = "new_facility"
	ChangeUnitsRequest FacilityRequestKind = "change_units"
)

// FacilityRequestStatus is where a facility-setup request stands: pending until the HMIS team
// approves or rejects it, once.
type FacilityRequestStatus string

const (
	RequestPending  FacilityRequestStatus = "pending"
	RequestApproved FacilityRequestStatus = "approved"
	RequestRejected FacilityRequestStatus = "rejected"
)

// RemovedUnitReason is the offline reason of a unit removed by an approved facility-setup request.
// Units keep their history, so removing one takes it offline for good rather than deleting it.
const RemovedUnitReason = "removed by facility-setup request"

// UnitSpec is a unit as a facility-setup request describes it, before it exists.
type UnitSpec struct {
	Label          string          `json:"label"`
	Bedrooms       int             `json:"bedrooms"`
	HouseholdTypes []HouseholdType `json:"household_types"`
	Accessible     bool            `json:"accessible"`
}

// Unit returns the unit the spec describes, in a facility.
func (s UnitSpec) Unit(facilityID string) Unit {
	return Unit{FacilityID: facilityID, Label: s.Label, Bedrooms: s.Bedrooms, HouseholdTypes: s.HouseholdTypes, Accessible: s.Accessible}
}

// FacilityRequestDetails is what a request asks for. A new_facility request names the facility and
// its units; a change_units request names a facility of the program, the units to add and the
// units to remove. Each kind leaves the other's fields empty.
type FacilityRequestDetails struct {
	Name          string     `json:"name,omitempty"`
	Address       string     `json:"address,omitempty"`
	Units         []UnitSpec `json:"units,omitempty"`
	FacilityID    string     `json:"facility_id,omitempty"`
	Add           []UnitSpec `json:"add,omitempty"`
	RemoveUnitIDs []string   `json:"remove_unit_ids,omitempty"`
}

// FacilityRequest is an agency's request to set up a new facility or change a facility's units,
// applied only when the HMIS team approves it.
type FacilityRequest struct {
	ID         string
	AgencyID   string // the program's agency
	ProgramID  string
	Kind       FacilityRequestKind
	Details    FacilityRequestDetails
	Status     FacilityRequestStatus
	Reason     string // why it was rejected
	FacilityID string // the facility changed, or created once approved
	CreatedAt  time.Time
	CreatedBy  string
	DecidedAt  *time.Time
	DecidedBy  string
}

// Validate checks a new request with the rules of the facility and units it would make, naming
// the field at fault inside details (details.units[1].bedrooms).
func (r *FacilityRequest) Validate() error {
	if r.ProgramID == "" {
		return Invalid("program_id", "program_id is required")
	}
	d := &r.Details
	switch r.Kind {
	case NewFacilityRequest:
		if err := unused(r.Kind, map[string]bool{"details.facility_id": d.FacilityID != "", "details.add": d.Add != nil,
			"details.remove_unit_ids": d.RemoveUnitIDs != nil}); err != nil {
			return err
		}
		f := Facility{ProgramID: r.ProgramID, Name: d.Name, Address: d.Address}
		if err := f.Validate(); err != nil {
			return InDetails(err, "details")
		}
		d.Name, d.Address = f.Name, f.Address
		if len(d.Units) == 0 {
			return Invalid("details.units", "a new facility needs at least one unit")
		}
		// The facility does not exist yet; its units are checked as if it did.
		return validateUnitSpecs("details.units", d.Units, "new facility")
	case ChangeUnitsRequest:
		if err := unused(r.Kind, map[string]bool{"details.name": d.Name != "", "details.address": d.Address != "",
			"details.units": d.Units != nil}); err != nil {
			return err
		}
		d.FacilityID = strings.TrimSpace(d.FacilityID)
		if d.FacilityID == "" {
			return Invalid("details.facility_id", "details.facility_id is required")
		}
		if len(d.Add) == 0 && len(d.RemoveUnitIDs) == 0 {
			return Invalid("details.add", "a change_units request adds or removes at least one unit")
		}
		if err := validateUnitSpecs("details.add", d.Add, d.FacilityID); err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, id := range d.RemoveUnitIDs {
			field := fmt.Sprintf("details.remove_unit_ids[%d]", i)
			if id == "" {
				return Invalid(field, "a unit ID is required")
			}
			if seen[id] {
				return Invalid(field, "unit %s is listed twice", id)
			}
			seen[id] = true
		}
		return nil
	}
	return Invalid("kind", "kind must be new_facility or change_units")
}

// unused refuses the fields of the other kind of request.
func unused(kind FacilityRequestKind, present map[string]bool) error {
	for _, field := range []string{"details.facility_id", "details.add", "details.remove_unit_ids", "details.name", "details.address", "details.units"} {
		if present[field] {
			return Invalid(field, "a %s request has no %s", kind, strings.TrimPrefix(field, "details."))
		}
	}
	return nil
}

func validateUnitSpecs(field string, specs []UnitSpec, facilityID string) error {
	labels := map[string]bool{}
	for i := range specs {
		at := fmt.Sprintf("%s[%d]", field, i)
		u := specs[i].Unit(facilityID)
		if err := u.Validate(); err != nil {
			return InDetails(err, at)
		}
		if labels[u.Label] {
			return Invalid(at+".label", "the label %q is listed twice", u.Label)
		}
		labels[u.Label] = true
		specs[i].Label = u.Label
	}
	return nil
}

// InDetails places a domain error's field under a path of a larger document: the error of a unit's
// bedrooms becomes the error of details.units[1].bedrooms, and an error about the unit as a whole
// the error of details.units[1].
func InDetails(err error, path string) error {
	e := ErrorOf(err)
	if e == nil {
		return err
	}
	field := path
	if e.Field != "" {
		field += "." + e.Field
	}
	return &Error{Code: e.Code, Message: e.Message, Field: field}
}

// Decide records the HMIS team's decision on a pending request. A rejection needs a reason;
// deciding twice is a conflict.
func (r *FacilityRequest) Decide(status FacilityRequestStatus, reason, by string, at time.Time) error {
	if r.Status != RequestPending {
		return Errorf(EConflict, "the facility-setup request was already %s", r.Status)
	}
	reason = strings.TrimSpace(reason)
	if status == RequestRejected && reason == "" {
		return Invalid("reason", "a reason is required to reject a facility-setup request")
	}
	r.Status, r.Reason, r.DecidedBy, r.DecidedAt = status, reason, by, &at
	return nil
}
