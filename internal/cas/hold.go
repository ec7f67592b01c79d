package cas

import (
	"fmt"
	"strings"
	"time"
)

// HoldKind is what holds a unit: the one thing a unit is for at any instant.
type HoldKind string

const (
	HoldOffline     HoldKind = "offline_period" // the HMIS team took it offline
	HoldOccupancy   HoldKind = "occupancy"      // a client is checked in
	HoldReservation HoldKind = "reservation"    // kept for a client not referred through CAS
	HoldReferral    HoldKind = "referral"       // an open (pending or accepted) referral
	// HoldProposal is a proposal of the engine's that waits for a CAS admin (programs in review
	// mode). It is the softest hold: the agency does not know of it, so any inventory action on
	// the unit lapses it rather than being refused.
	HoldProposal HoldKind = "proposal"
)

// Hold says who a unit is for, and since when. A unit has at most one holder at any instant; the
// database keeps one row per held unit (unit_holders) and refuses a second.
type Hold struct {
	Kind  HoldKind
	ID    string // the offline period, occupancy, reservation, referral or proposal
	Since time.Time
	// ClientID is the Doorway client an occupancy, referral or proposal is for; empty otherwise.
	ClientID string
	// ClientName is the person an occupancy or a reservation is for, as it was typed.
	ClientName string
}

// UnitClaim is an action that would make someone a unit's holder.
type UnitClaim string

const (
	ClaimCheckIn UnitClaim = "check_in"
	ClaimReserve UnitClaim = "reserve"
	ClaimOffline UnitClaim = "take_offline"
	ClaimRefer   UnitClaim = "refer" // a referral, manual or the engine's, or a proposal
)

// ClaimEffect is what a claim does to the unit's current holder before it takes the unit.
type ClaimEffect string

const (
	// TakeFree: nobody holds the unit.
	TakeFree ClaimEffect = "take_free"
	// ConvertReservation: the person the reservation was made for checks in.
	ConvertReservation ClaimEffect = "convert_reservation"
	// MoveInReferral: the referred client checks into the unit their referral holds; that is the
	// referral's move-in.
	MoveInReferral ClaimEffect = "move_in_referral"
	// WithdrawReferral: in an emergency the HMIS team or a CAS admin takes a held unit offline,
	// giving a reason to withdraw the referral that holds it.
	WithdrawReferral ClaimEffect = "withdraw_referral"
	// LapseProposal: an inventory action wins over a proposal no one has sent yet.
	LapseProposal ClaimEffect = "lapse_proposal"
)

// Claim is one attempt to take a unit: the action, and who it is for.
type Claim struct {
	Action     UnitClaim
	ClientID   string // the Doorway client it is for, if any
	ClientName string // the person it is for, as typed (check-in, reservation)
	// WithdrawReferralReason, on take-offline, withdraws a referral that holds the unit.
	WithdrawReferralReason string
}

// claimRule is one row of the hold rule: an action meeting a kind of holder.
type claimRule struct {
	effect ClaimEffect
	// when narrows the row: the claim must be for the holder's own person, or give a reason.
	when func(h *Hold, c Claim) bool
}

// unitClaims is the hold rule: for each action that would take a unit, what it does to each kind
// of holder. A free unit ("" holder) is taken by any action. A pair not listed, or whose condition
// does not hold, is refused with a conflict naming the holder.
var unitClaims = map[UnitClaim]map[HoldKind]claimRule{
	ClaimCheckIn: {
		"":              {effect: TakeFree},
		HoldReservation: {effect: ConvertReservation, when: samePerson},
		HoldReferral:    {effect: MoveInReferral, when: sameClient},
		HoldProposal:    {effect: LapseProposal},
	},
	ClaimReserve: {
		"":           {effect: TakeFree},
		HoldProposal: {effect: LapseProposal},
	},
	ClaimOffline: {
		"":           {effect: TakeFree},
		HoldReferral: {effect: WithdrawReferral, when: func(_ *Hold, c Claim) bool { return strings.TrimSpace(c.WithdrawReferralReason) != "" }},
		HoldProposal: {effect: LapseProposal},
	},
	ClaimRefer: {
		"": {effect: TakeFree},
	},
}

func sameClient(h *Hold, c Claim) bool { return c.ClientID != "" && c.ClientID == h.ClientID }

func samePerson(h *Hold, c Claim) bool {
	return c.ClientName != "" && SamePersonName(c.ClientName, h.ClientName)
}

// SamePersonName reports whether two typed names are the same person's: letters compared without
// case, runs of spaces as one.
func SamePersonName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// ClaimUnit applies the hold rule: whether a claim may take a unit with holder h (nil when the
// unit is free), and what it must first do to the holder. A refusal is a conflict that names the
// holder and says what would free the unit.
func ClaimUnit(label string, h *Hold, c Claim) (ClaimEffect, error) {
	var kind HoldKind
	if h != nil {
		kind = h.Kind
	}
	rule, ok := unitClaims[c.Action][kind]
	if ok && (rule.when == nil || rule.when(h, c)) {
		return rule.effect, nil
	}
	return "", &Error{Code: EConflict, Field: "unit_id", Message: fmt.Sprintf("cannot %s unit %s: %s", claimVerb[c.Action], label, h.explain(c))}
}

var claimVerb = map[UnitClaim]string{
	ClaimCheckIn: "check a client into", ClaimReserve: "reserve", ClaimOffline: "take offline", ClaimRefer: "refer a client to",
}

// explain says who holds a unit, since when, and how it can be freed, for a refused claim.
func (h *Hold) explain(c Claim) string {
	since := h.Since.Format(time.RFC3339)
	switch h.Kind {
	case HoldOffline:
		return fmt.Sprintf("it is offline since %s (offline period %s); the HMIS team brings it back online", since, h.ID)
	case HoldOccupancy:
		return fmt.Sprintf("it is occupied since %s (occupancy %s); check the client out first", since, h.ID)
	case HoldReservation:
		if c.Action == ClaimCheckIn {
			return fmt.Sprintf("it is reserved since %s for someone else (reservation %s); only the person it was made for can be checked in, or release the reservation first", since, h.ID)
		}
		return fmt.Sprintf("it is reserved since %s (reservation %s); release the reservation first", since, h.ID)
	case HoldReferral:
		msg := fmt.Sprintf("it is held by referral %s since %s; the referral must be declined, withdrawn or expire first", h.ID, since)
		switch c.Action {
		case ClaimCheckIn:
			msg += ", or check in the referred client (by client_id), which is the referral's move-in"
		case ClaimOffline:
			msg += ", or give withdraw_referral_reason to withdraw it in the same step"
		}
		return msg
	case HoldProposal:
		return fmt.Sprintf("it is held by proposal %s since %s, waiting for a CAS admin", h.ID, since)
	}
	return "it is held"
}
