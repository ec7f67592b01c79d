package cas

import (
	"slices"
	"strings"
	"time"
)

// DiscrepancyStatus is where a discrepancy report stands.
type DiscrepancyStatus string

const (
	DiscrepancyOpen     DiscrepancyStatus = "open"     // filed; no admin has acted on it
	DiscrepancyResolved DiscrepancyStatus = "resolved" // an admin recorded what was done about it
)

// ResolutionAction is what an admin did about a discrepancy report.
type ResolutionAction string

const (
	// ResolveOffline takes the reported units offline, in the same transaction as the resolution.
	ResolveOffline ResolutionAction = "offline"
	// ResolveCheckIn records that the missing check-ins were (or will be) made through the units.
	ResolveCheckIn ResolutionAction = "check_in"
	// ResolveCorrection records that the units' data was corrected through the unit endpoints.
	ResolveCorrection ResolutionAction = "correction"
	// ResolveNone closes the report without a change; the note gives the reason.
	ResolveNone ResolutionAction = "none"
)

// ResolutionActions lists every action, in the order they are offered.
var ResolutionActions = []ResolutionAction{ResolveOffline, ResolveCheckIn, ResolveCorrection, ResolveNone}

// resolutionWords say what an action did, in words fit for a notification: fixed text, so that no
// free-text note, which may name a client, leaves Doorway by email.
var resolutionWords = map[ResolutionAction]string{
	ResolveOffline:    "the units were taken offline",
	ResolveCheckIn:    "the occupancy was recorded with a check-in",
	ResolveCorrection: "the unit records were corrected",
	ResolveNone:       "no change was made",
}

// Words says what the action did, in a phrase.
func (a ResolutionAction) Words() string { return resolutionWords[a] }

// MaxDiscrepancyNote bounds a report's and a resolution's note.
const MaxDiscrepancyNote = 2000

// Resolution is what an admin did about a discrepancy report, and why.
type Resolution struct {
	Action ResolutionAction
	Note   string
}

// Validate checks a resolution: a known action, and a note giving the reason when nothing was done.
func (r *Resolution) Validate() error {
	r.Note = strings.TrimSpace(r.Note)
	if r.Action == "" {
		return Invalid("action", "action is required")
	}
	if !slices.Contains(ResolutionActions, r.Action) {
		return Invalid("action", "unknown action %q: want offline, check_in, correction or none", r.Action)
	}
	if r.Action == ResolveNone && r.Note == "" {
		return Invalid("note", "a note giving the reason is required when no action is taken")
	}
	if len(r.Note) > MaxDiscrepancyNote {
		return Invalid("note", "note must be at most %d characters", MaxDiscrepancyNote)
	}
	return nil
}

// Discrepancy is an agency's report that the inventory Doorway shows for some of its units is
// wrong, with what is true; CAS admins and the HMIS team resolve it on the record.
type Discrepancy struct {
	ID         string
	FacilityID string
	AgencyID   string // the facility's agency
	UnitIDs    []string
	Note       string // what is true, and since when
	Status     DiscrepancyStatus
	Resolution *Resolution // nil while open
	CreatedAt  time.Time
	CreatedBy  string
	ResolvedAt *time.Time
	ResolvedBy string
}

// Validate checks a new report: a facility, at least one unit named once, and a note.
func (d *Discrepancy) Validate() error {
	d.Note = strings.TrimSpace(d.Note)
	if d.FacilityID == "" {
		return Invalid("facility_id", "facility_id is required")
	}
	if len(d.UnitIDs) == 0 {
		return Invalid("unit_ids", "unit_ids needs at least one unit whose inventory is wrong")
	}
	for i, id := range d.UnitIDs {
		if id == "" {
			return Invalid("unit_ids", "unit_ids must not contain an empty ID")
		}
		if slices.Contains(d.UnitIDs[:i], id) {
			return Invalid("unit_ids", "unit %q is listed twice", id)
		}
	}
	if d.Note == "" {
		return Invalid("note", "a note saying what is true is required")
	}
	if len(d.Note) > MaxDiscrepancyNote {
		return Invalid("note", "note must be at most %d characters", MaxDiscrepancyNote)
	}
	return nil
}

// CanFileDiscrepancy reports whether u may report that an agency's inventory is wrong: the
// agency's own users, and the HMIS team.
func CanFileDiscrepancy(u *User, agencyID string) bool { return CanOperateUnits(u, agencyID) }

// CanResolveDiscrepancy reports whether u may resolve discrepancy reports: CAS admins and the HMIS
// team.
func CanResolveDiscrepancy(u *User) bool {
	return u.IsSystem() || u.Role == RoleCASAdmin || u.Role == RoleHMISAdmin
}
