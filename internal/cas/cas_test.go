package cas

import (
	"testing"
	"time"
)

func TestNextReferralStatus(t *testing.T) {
	open := map[ReferralStatus]bool{ReferralPending: true, ReferralAccepted: true}
	for _, from := range ReferralStatuses {
		for _, action := range ReferralActions {
			to, err := NextReferralStatus(from, action)
			switch {
			case err == nil && !open[from]:
				t.Errorf("%s then %s → %s: a closed referral changed", from, action, to)
			case err != nil && ErrorCode(err) != EConflict:
				t.Errorf("%s then %s: %v, want a conflict", from, action, err)
			}
		}
	}
	if to, _ := NextReferralStatus(ReferralAccepted, ActionMoveIn); to != ReferralHoused {
		t.Errorf("accepted then move-in → %s", to)
	}
	if _, err := NextReferralStatus(ReferralPending, ActionMoveIn); err == nil {
		t.Error("a pending referral moved in without being accepted")
	}
}

func TestDeclineRules(t *testing.T) {
	for _, r := range DeclineRules {
		if r.Result != ResultClientRejected && r.Result != ResultProviderRejected {
			t.Errorf("%s maps to ReferralResult %d", r.Reason, r.Result)
		}
		if r.Reason == DeclineClientRefused && (r.ParkDays > 0 || r.Leaves) {
			t.Error("a client's own refusal costs them their place (CPD-17-01)")
		}
	}
	if err := ValidateDecline(DeclineOther, " "); err == nil || ErrorOf(err).Field != "note" {
		t.Errorf("other without a note: %v", err)
	}
	if err := ValidateDecline("bored", ""); err == nil || ErrorOf(err).Field != "reason_code" {
		t.Errorf("unknown reason: %v", err)
	}
}

func TestPrioritySchemeRefusesDiagnosis(t *testing.T) {
	for _, factor := range []Factor{"diagnosis", "Disability_Type", "hiv_aids"} {
		s := PriorityScheme{Criteria: []Criterion{{Factor: FactorScore}, {Factor: factor}}}
		if err := s.Validate(); err == nil || ErrorOf(err).Field != "criteria[1].factor" {
			t.Errorf("%s accepted: %v", factor, err)
		}
	}
	dup := PriorityScheme{Criteria: []Criterion{{Factor: FactorScore}, {Factor: FactorScore}}}
	if err := dup.Validate(); err == nil {
		t.Error("a factor listed twice was accepted")
	}
	def := PriorityScheme{Criteria: DefaultCriteria}
	if err := def.Validate(); err != nil {
		t.Errorf("the default scheme: %v", err)
	}
}

func TestDatesAndAges(t *testing.T) {
	c := Client{BirthDate: "2000-02-29"}
	for on, want := range map[Date]int{"2018-02-28": 17, "2018-03-01": 18, "2024-02-29": 24, "2026-11-24": 26} {
		if got := c.Age(on); got != want {
			t.Errorf("age on %s = %d, want %d", on, got, want)
		}
	}
	if _, err := ParseDate("starts_on", "2026-02-30"); err == nil || ErrorOf(err).Field != "starts_on" {
		t.Errorf("Feb 30 accepted: %v", err)
	}
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip(err)
	}
	late := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) // 21:00 the evening before in Chicago
	if got := DateOf(late, chicago); got != "2026-11-30" {
		t.Errorf("DateOf in Chicago = %s", got)
	}
	if got := Date("2026-12-31").AddDays(1); got != "2027-01-01" {
		t.Errorf("AddDays across a year = %s", got)
	}
}

func TestUserValidation(t *testing.T) {
	u := User{Email: "a@b.test", Name: "A", Role: RoleAgencyUser, AgencyID: "x", EmailMode: "weekly"}
	if err := u.Validate(); err == nil || ErrorOf(err).Field != "email_mode" {
		t.Errorf("unknown email mode: %v", err)
	}
	if System.Role.Valid() {
		t.Error("an account could hold the command line's role")
	}
}
