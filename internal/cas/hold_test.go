package cas

import (
	"strings"
	"testing"
	"time"
)

func TestClaimUnit(t *testing.T) {
	since := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hold := func(kind HoldKind) *Hold {
		return &Hold{Kind: kind, ID: "holder-1", Since: since, ClientID: "client-1", ClientName: "Lee Poe"}
	}
	for _, c := range []struct {
		name  string
		hold  *Hold
		claim Claim
		want  ClaimEffect // "" means refused
	}{
		{"anyone takes a free unit", nil, Claim{Action: ClaimReserve, ClientName: "Pat Doe"}, TakeFree},
		{"the engine refers to a free unit", nil, Claim{Action: ClaimRefer}, TakeFree},
		{"the reserved person checks in", hold(HoldReservation), Claim{Action: ClaimCheckIn, ClientName: " lee  POE"}, ConvertReservation},
		{"someone else cannot check into a reservation", hold(HoldReservation), Claim{Action: ClaimCheckIn, ClientName: "Pat Doe"}, ""},
		{"a second reservation is refused", hold(HoldReservation), Claim{Action: ClaimReserve, ClientName: "Lee Poe"}, ""},
		{"the referred client's check-in is the move-in", hold(HoldReferral), Claim{Action: ClaimCheckIn, ClientID: "client-1"}, MoveInReferral},
		{"another client cannot check into a referral's unit", hold(HoldReferral), Claim{Action: ClaimCheckIn, ClientID: "client-2"}, ""},
		{"a name cannot check into a referral's unit", hold(HoldReferral), Claim{Action: ClaimCheckIn, ClientName: "Lee Poe"}, ""},
		{"a referral's unit cannot be reserved", hold(HoldReferral), Claim{Action: ClaimReserve, ClientName: "Lee Poe"}, ""},
		{"a referral's unit goes offline only with a reason to withdraw", hold(HoldReferral), Claim{Action: ClaimOffline}, ""},
		{"in an emergency the referral is withdrawn", hold(HoldReferral), Claim{Action: ClaimOffline, WithdrawReferralReason: "flood"}, WithdrawReferral},
		{"a blank reason is no reason", hold(HoldReferral), Claim{Action: ClaimOffline, WithdrawReferralReason: "  "}, ""},
		{"a referral's unit is not referred again", hold(HoldReferral), Claim{Action: ClaimRefer}, ""},
		{"a check-in lapses a proposal", hold(HoldProposal), Claim{Action: ClaimCheckIn, ClientName: "Pat Doe"}, LapseProposal},
		{"a reservation lapses a proposal", hold(HoldProposal), Claim{Action: ClaimReserve, ClientName: "Pat Doe"}, LapseProposal},
		{"a proposal's unit is not referred again", hold(HoldProposal), Claim{Action: ClaimRefer}, ""},
		{"an occupied unit refuses a check-in", hold(HoldOccupancy), Claim{Action: ClaimCheckIn, ClientID: "client-1"}, ""},
		{"an occupied unit does not go offline", hold(HoldOccupancy), Claim{Action: ClaimOffline, WithdrawReferralReason: "flood"}, ""},
		{"an offline unit refuses everything", hold(HoldOffline), Claim{Action: ClaimReserve, ClientName: "Lee Poe"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ClaimUnit("Apt 1", c.hold, c.claim)
			if got != c.want {
				t.Fatalf("effect %q (%v), want %q", got, err, c.want)
			}
			if c.want != "" {
				return
			}
			e := ErrorOf(err)
			if e == nil || e.Code != EConflict || !strings.Contains(e.Message, "holder-1") || !strings.Contains(e.Message, "Apt 1") {
				t.Errorf("refusal %v does not name the unit and its holder", err)
			}
		})
	}
}
