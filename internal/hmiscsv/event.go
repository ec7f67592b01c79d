package hmiscsv

import (
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

// HUD 4.20.2 Event codes for referrals to housing (the CE Events Doorway writes).
const (
	EventReferralES         = 10 // Referral to emergency shelter bed opening
	EventReferralTH         = 11 // Referral to transitional housing bed/unit opening
	EventReferralJointTHRRH = 12 // Referral to joint TH-RRH project/unit/resource opening
	EventReferralRRH        = 13 // Referral to RRH project resource opening
	EventReferralPSH        = 14 // Referral to PSH project resource opening
	EventReferralOtherPH    = 15 // Referral to other PH project/unit/resource opening
)

// EventCode is the CE Event a referral to a program of this HUD project type is reported as.
func EventCode(t cas.ProjectType) int {
	switch t {
	case cas.ProjectESEntryExit, cas.ProjectESNightByNight, cas.ProjectSafeHaven:
		return EventReferralES
	case cas.ProjectTH:
		return EventReferralTH
	case cas.ProjectRRH:
		return EventReferralRRH
	case cas.ProjectPSH:
		return EventReferralPSH
	}
	return EventReferralOtherPH
}

// ReferralResult is the HUD 4.20.D result of a referral, and whether it has one yet: housed is a
// successful referral (1); a decline is client (2) or provider (3) rejected, as its coded reason
// says. Pending, accepted, withdrawn and expired referrals have no result to report.
func ReferralResult(r cas.Referral) (int, bool) {
	switch r.Status {
	case cas.ReferralHoused:
		return cas.ResultClientAccepted, true
	case cas.ReferralDeclined:
		rule, ok := cas.DeclineRuleOf(r.ReasonCode)
		return rule.Result, ok
	}
	return 0, false
}

// LocationOf is 4.20.C LocationCrisisOrPHHousing for a referral: the receiving project's name and
// its ProjectID, as HMIS vendors write it.
func LocationOf(programName, projectID string) string {
	loc := fmt.Sprintf("%s [%s]", programName, projectID)
	if len(loc) > 250 {
		loc = loc[:250]
	}
	return loc
}
