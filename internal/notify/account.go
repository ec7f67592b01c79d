package notify

import (
	"slices"

	"github.com/doorway-cas/doorway/internal/cas"
)

// PasswordReset renders the email that carries a one-time password reset link to an account's
// owner: their name, the link, and until when it works (already formatted). It is not a
// notification: it has no place in the inbox, and its body is blanked in the outbox once sent.
func PasswordReset(name, link, expires string) (Message, error) {
	d := struct{ Name, Link, Expires string }{name, link, expires}
	return renderBodies(Message{Subject: "Doorway: choose a new password"}, "password_reset", d)
}

// descriptions say in words what each kind of notification tells, for the account page where
// people choose how each reaches them by email.
var descriptions = map[Kind]string{
	NewReferral:            "A new referral to your agency",
	OverReferralUnit:       "A unit opened for an over-referral waiting for your agency",
	DeadlineApproaching:    "A referral's answer is due within a day",
	ReferralWithdrawn:      "A referral to your agency was withdrawn",
	ReferralNoteAdded:      "A note was added to a referral to your agency",
	UnitOffline:            "A unit was taken offline",
	UnitOnline:             "A unit is back online",
	UnitsOffline:           "Several units were taken offline at once",
	ConfirmUnitsAsked:      "You are asked to confirm units",
	ReservationExpiring:    "A reservation ends today",
	FacilityRequestDecided: "Your facility-setup request was decided",
	DiscrepancyResolved:    "Your discrepancy report was resolved",
	NavigatedReferral:      "News of the referrals of a client you navigate",
	ReferralAccepted:       "A referral was accepted",
	ReferralDeclined:       "A referral was declined",
	ReferralMovedIn:        "A client moved in",
	ReferralExpired:        "A referral expired without an answer",
	DiscrepancyFiled:       "An agency reported a discrepancy",
	HeldUnitOffline:        "A held unit was taken offline in an emergency",
	NoCASContact:           "A referral reached no CAS Contact",
	SuspectsRecorded:       "The week's under-referral suspects",
}

// Describe says what a kind of notification tells, in words.
func Describe(k Kind) string {
	if d, ok := descriptions[k]; ok {
		return d
	}
	return string(k)
}

// audienceRoles is the role whose users each audience reaches.
var audienceRoles = map[Audience]cas.Role{
	AgencyContacts: cas.RoleAgencyUser,
	Navigator:      cas.RoleAgencyUser,
	CASAdmins:      cas.RoleCASAdmin,
	HMISTeam:       cas.RoleHMISAdmin,
}

// KindsFor lists the kinds of notification a user of a role may receive: those that ask for an
// answer first, then the others, each group by code.
func KindsFor(role cas.Role) []Kind {
	var list []Kind
	for _, k := range Kinds() {
		if audienceRoles[AudienceOf(k)] == role {
			list = append(list, k)
		}
	}
	slices.SortStableFunc(list, func(a, b Kind) int { return order(a) - order(b) })
	return list
}

// order ranks the kinds that ask for an answer first.
func order(k Kind) int {
	if NeedsAnswer(k) {
		return 0
	}
	return 1
}
