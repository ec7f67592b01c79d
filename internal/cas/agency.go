package cas

import (
	"strings"
	"time"
)

// Agency is an organization of the CoC (an HMIS Organization) with users, CAS Contacts and programs.
type Agency struct {
	ID                 string
	Name               string
	HMISOrganizationID string // the OrganizationID in the CoC's HMIS; empty when not linked
	CASContacts        []CASContact
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// CASContact is an agency user designated to receive the agency's referral notifications.
type CASContact struct {
	UserID string
	Name   string
	Email  string
}

// AgencyPatch is a partial update of an agency; nil fields are left as they are.
type AgencyPatch struct {
	Name               *string
	HMISOrganizationID *string
}

// Apply returns a copy of a with the patch applied.
func (p AgencyPatch) Apply(a Agency) Agency {
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.HMISOrganizationID != nil {
		a.HMISOrganizationID = *p.HMISOrganizationID
	}
	return a
}

// Validate checks an agency before it is stored.
func (a *Agency) Validate() error {
	a.Name = strings.TrimSpace(a.Name)
	a.HMISOrganizationID = strings.TrimSpace(a.HMISOrganizationID)
	if a.Name == "" {
		return Invalid("name", "name is required")
	}
	if len(a.Name) > 200 {
		return Invalid("name", "name must be at most 200 characters")
	}
	if len(a.HMISOrganizationID) > 32 {
		return Invalid("hmis_organization_id", "hmis_organization_id must be at most 32 characters (HMIS CSV String(32))")
	}
	return nil
}
