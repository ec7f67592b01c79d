package hmiscsv

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

func TestEventCodeAndResult(t *testing.T) {
	for pt, want := range map[cas.ProjectType]int{cas.ProjectESEntryExit: 10, cas.ProjectTH: 11, cas.ProjectRRH: 13, cas.ProjectPSH: 14,
		cas.ProjectPHHousingOnly: 15, cas.ProjectPHWithServices: 15} {
		if got := EventCode(pt); got != want {
			t.Errorf("EventCode(%s) = %d, want %d", pt, got, want)
		}
	}
	for _, c := range []struct {
		r    cas.Referral
		want int
		ok   bool
	}{
		{cas.Referral{Status: cas.ReferralHoused}, 1, true},
		{cas.Referral{Status: cas.ReferralDeclined, ReasonCode: cas.DeclineClientRefused}, 2, true},
		{cas.Referral{Status: cas.ReferralDeclined, ReasonCode: cas.DeclineNoUnitAvailable}, 3, true},
		{cas.Referral{Status: cas.ReferralPending}, 0, false},
		{cas.Referral{Status: cas.ReferralExpired}, 0, false},
	} {
		if got, ok := ReferralResult(c.r); got != c.want || ok != c.ok {
			t.Errorf("ReferralResult(%s %s) = %d %v, want %d %v", c.r.Status, c.r.ReasonCode, got, ok, c.want, c.ok)
		}
	}
}
