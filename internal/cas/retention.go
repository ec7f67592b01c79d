package cas

import "time"

// Retention: a client record with no activity for the CoC's retention period (seven years unless
// configured) is de-identified. Activity is anything done on the client's behalf: the record
// created or changed, consent signed, an HPL entry added or changed, a referral made, answered or
// noted, a document recorded, a check-in or check-out. A client with something still open (an
// active or referred HPL entry, an open referral, an occupancy) is never due, however old.

// DefaultRetentionYears is the retention period when none is configured: HUD's HMIS privacy
// standard (2004) has a CoC dispose of, or remove identifiers from, personal information not in
// current use seven years after it was created or last changed.
const DefaultRetentionYears = 7

// RetentionCutoff is the moment before which a client's last activity makes the record due for
// de-identification, with a retention period of years.
func RetentionCutoff(now time.Time, years int) time.Time { return now.AddDate(-years, 0, 0) }

// CanRunRetention reports whether u may list and de-identify records due under the retention
// policy: the HMIS team and the operator (the command line and the worker).
func CanRunRetention(u *User) bool { return u.IsSystem() || u.Role == RoleHMISAdmin }

// Deidentify removes from the record what identifies the person or says where to find them, as
// of at: name, birth date, HMIS PersonalID, contact details, navigator. What the CoC's statistics
// need stays: household, populations, consent dates, HUD demographics, and the dates of the record.
func (c *Client) Deidentify(at time.Time) {
	c.FirstName, c.LastName, c.BirthDate, c.HMISPersonalID = "", "", "", ""
	c.Phone, c.Email, c.ContactNotes, c.NavigatorUserID = "", "", "", ""
	c.DeidentifiedAt = &at
}
