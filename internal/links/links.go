// Package links names the page of Doorway's web UI where each kind of record is read. The store
// builds the links of notifications and emails with it, and the web sends browsers to the same
// pages, so a link always leads to a page the web serves.
package links

import "net/url"

const (
	// Inbox is the in-app inbox.
	Inbox = "/inbox"
	// UnderReferral is the under-referral report.
	UnderReferral = "/reports/under-referral"
)

// Referral is a referral's page.
func Referral(id string) string { return "/referrals/" + url.PathEscape(id) }

// Discrepancy is a discrepancy report's page.
func Discrepancy(id string) string { return "/discrepancies/" + url.PathEscape(id) }

// FacilityRequest is a facility-setup request's page.
func FacilityRequest(id string) string { return "/facility-requests/" + url.PathEscape(id) }

// Roster is the units page of one facility, where its agency keeps its units.
func Roster(facilityID string) string {
	return "/units?" + url.Values{"facility_id": {facilityID}}.Encode()
}

// Unit is a unit's row on its facility's roster: a unit has no page of its own.
func Unit(facilityID, unitID string) string {
	return Roster(facilityID) + "#unit-" + url.PathEscape(unitID)
}

// Account is the signed-in user's own account page.
const Account = "/account"

// PasswordReset is the page of a one-time password reset link; secret is the link's secret.
func PasswordReset(secret string) string { return "/reset/" + url.PathEscape(secret) }
