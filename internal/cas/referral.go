package cas

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReferralStatus is where a referral stands in its lifecycle.
type ReferralStatus string

const (
	ReferralPending   ReferralStatus = "pending"   // sent; the agency has not answered
	ReferralAccepted  ReferralStatus = "accepted"  // the agency will house the client
	ReferralDeclined  ReferralStatus = "declined"  // refused, with a coded reason
	ReferralWithdrawn ReferralStatus = "withdrawn" // taken back by a CAS admin
	ReferralExpired   ReferralStatus = "expired"   // no answer by the response deadline
	ReferralHoused    ReferralStatus = "housed"    // the client moved in
)

// ReferralStatuses lists every status, in lifecycle order.
var ReferralStatuses = []ReferralStatus{ReferralPending, ReferralAccepted, ReferralDeclined, ReferralWithdrawn, ReferralExpired, ReferralHoused}

// Open reports whether the referral still holds its unit and its client.
func (s ReferralStatus) Open() bool { return s == ReferralPending || s == ReferralAccepted }

// ReferralAction is something done to a referral.
type ReferralAction string

const (
	ActionAccept   ReferralAction = "accept"
	ActionDecline  ReferralAction = "decline"
	ActionWithdraw ReferralAction = "withdraw"
	ActionMoveIn   ReferralAction = "move_in"
	ActionExpire   ReferralAction = "expire"
)

// ReferralActions lists every action.
var ReferralActions = []ReferralAction{ActionAccept, ActionDecline, ActionWithdraw, ActionMoveIn, ActionExpire}

// referralTransitions is the lifecycle: from a status, what each action leads to. Any pair not
// listed is refused with a conflict. An accepted referral no longer expires: the agency answered.
var referralTransitions = map[ReferralStatus]map[ReferralAction]ReferralStatus{
	ReferralPending: {
		ActionAccept: ReferralAccepted, ActionDecline: ReferralDeclined, ActionWithdraw: ReferralWithdrawn, ActionExpire: ReferralExpired,
	},
	ReferralAccepted: {
		ActionMoveIn: ReferralHoused, ActionDecline: ReferralDeclined, ActionWithdraw: ReferralWithdrawn,
	},
}

// NextReferralStatus returns the status an action leads to, or a conflict naming why not.
func NextReferralStatus(from ReferralStatus, action ReferralAction) (ReferralStatus, error) {
	if to, ok := referralTransitions[from][action]; ok {
		return to, nil
	}
	return "", Errorf(EConflict, "a referral that is %s cannot be %s", from, pastTense[action])
}

var pastTense = map[ReferralAction]string{
	ActionAccept: "accepted", ActionDecline: "declined", ActionWithdraw: "withdrawn", ActionMoveIn: "moved in", ActionExpire: "expired",
}

// Party is how a user stands to a referral, which decides what they may do with it.
type Party string

const (
	// PartyNone is anyone else: to them the referral answers as a missing one.
	PartyNone Party = ""
	// PartyCAS is the CAS admins, who refer and withdraw (CanManageReferrals).
	PartyCAS Party = "cas"
	// PartyHMIS is the HMIS team (and the command line), who may do what an agency may, to
	// correct data.
	PartyHMIS Party = "hmis"
	// PartyAgency is the receiving agency's users.
	PartyAgency Party = "agency"
	// PartyNavigator is the client's navigator, a user of another agency: they follow the client,
	// never answer for the receiving agency.
	PartyNavigator Party = "navigator"
)

// ReferralRight is something a party may do with a referral.
type ReferralRight string

const (
	// RightSee reads the referral, its timeline and notes, and its client's record with their
	// contact details.
	RightSee ReferralRight = "see"
	// RightNote adds a note to the referral's timeline.
	RightNote ReferralRight = "note"
	// RightRespond accepts, declines and moves in: the receiving agency's answer.
	RightRespond ReferralRight = "respond"
)

// referralAccess is the one table of who may do what with a referral, by party. Withdrawing is the
// CAS admins' (CanManageReferrals). A navigator sees their client's referrals to any agency and adds
// notes, and nothing else of the receiving agency.
var referralAccess = map[Party][]ReferralRight{
	PartyCAS:       {RightSee, RightNote},
	PartyHMIS:      {RightSee, RightNote, RightRespond},
	PartyAgency:    {RightSee, RightNote, RightRespond},
	PartyNavigator: {RightSee, RightNote},
}

// PartyTo says how u stands to a referral to an agency of a client whose navigator is navigatorID
// ("" for none). A navigator who works at the receiving agency is that agency's user.
func PartyTo(u *User, agencyID, navigatorID string) Party {
	switch {
	case CanManageAgencies(u):
		return PartyHMIS
	case u.Role == RoleCASAdmin:
		return PartyCAS
	case u.Role == RoleAgencyUser && u.AgencyID == agencyID:
		return PartyAgency
	case u.Role == RoleAgencyUser && navigatorID != "" && u.ID == navigatorID:
		return PartyNavigator
	}
	return PartyNone
}

// May reports whether the party may do something with a referral.
func (p Party) May(right ReferralRight) bool { return slices.Contains(referralAccess[p], right) }

// CanSeeReferral reports whether u may see a referral to an agency of a client whose navigator is
// navigatorID; to anyone else it is not found.
func CanSeeReferral(u *User, agencyID, navigatorID string) bool {
	return PartyTo(u, agencyID, navigatorID).May(RightSee)
}

// CanRespondToReferral reports whether u may accept, decline or move in a referral to an agency:
// the agency's users, and the HMIS team to correct data; never a navigator from elsewhere.
func CanRespondToReferral(u *User, agencyID string) bool {
	return PartyTo(u, agencyID, "").May(RightRespond)
}

// MaxNoteLength is the longest note on a referral, in characters.
const MaxNoteLength = 2000

// ValidateNote checks a note added to a referral's timeline and returns it trimmed.
func ValidateNote(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", Invalid("text", "a note needs some text")
	}
	if utf8.RuneCountInString(text) > MaxNoteLength {
		return "", Invalid("text", "a note must be at most %d characters", MaxNoteLength)
	}
	return text, nil
}

// CanManageReferrals reports whether u may refer, over-refer and withdraw: CAS admins.
func CanManageReferrals(u *User) bool { return u.IsSystem() || u.Role == RoleCASAdmin }

// HUD 4.20 ReferralResult codes.
const (
	ResultClientAccepted   = 1 // Successful referral: client accepted
	ResultClientRejected   = 2 // Unsuccessful referral: client rejected
	ResultProviderRejected = 3 // Unsuccessful referral: provider rejected
)

// DeclineReason is a coded reason for declining a referral.
type DeclineReason string

const (
	DeclineClientRefused         DeclineReason = "client_refused"
	DeclineClientUnreachable     DeclineReason = "client_unreachable"
	DeclineClientHousedElsewhere DeclineReason = "client_housed_elsewhere"
	DeclineIneligible            DeclineReason = "ineligible"
	DeclineNoUnitAvailable       DeclineReason = "no_unit_available"
	DeclineSafetyConcern         DeclineReason = "safety_concern"
	DeclineOther                 DeclineReason = "other"
)

// DeclineRule says what a decline reason means: the HUD result it is reported as, and what becomes
// of the client's place on the HPL.
type DeclineRule struct {
	Reason DeclineReason
	Label  string
	// Result is the HUD 4.20 ReferralResult: client rejected (2) or provider rejected (3).
	Result int
	// ParkDays sets the client aside for a few days; 0 returns them to the list at once. A client's
	// own decline never parks them (CPD-17-01: no penalty for refusing a referral).
	ParkDays int
	// Leaves says the client no longer needs the list.
	Leaves bool
}

// DeclineRules lists the decline reasons in the order they are offered.
var DeclineRules = []DeclineRule{
	{Reason: DeclineClientRefused, Label: "The client declined this housing", Result: ResultClientRejected},
	{Reason: DeclineClientUnreachable, Label: "The client could not be reached", Result: ResultClientRejected, ParkDays: 14},
	{Reason: DeclineClientHousedElsewhere, Label: "The client is already housed elsewhere", Result: ResultClientRejected, Leaves: true},
	{Reason: DeclineIneligible, Label: "The client is not eligible for this program", Result: ResultProviderRejected},
	{Reason: DeclineNoUnitAvailable, Label: "No unit is actually available", Result: ResultProviderRejected},
	{Reason: DeclineSafetyConcern, Label: "Safety concern", Result: ResultProviderRejected},
	{Reason: DeclineOther, Label: "Other (explain in the note)", Result: ResultProviderRejected},
}

// DeclineRuleOf returns the rule of a reason code.
func DeclineRuleOf(reason DeclineReason) (DeclineRule, bool) {
	i := slices.IndexFunc(DeclineRules, func(r DeclineRule) bool { return r.Reason == reason })
	if i < 0 {
		return DeclineRule{}, false
	}
	return DeclineRules[i], true
}

// ValidateDecline checks a decline's reason code and note.
func ValidateDecline(reason DeclineReason, note string) error {
	if reason == "" {
		return Invalid("reason_code", "reason_code is required")
	}
	if _, ok := DeclineRuleOf(reason); !ok {
		codes := make([]string, len(DeclineRules))
		for i, r := range DeclineRules {
			codes[i] = string(r.Reason)
		}
		return Invalid("reason_code", "unknown reason_code %q: want one of %s", reason, strings.Join(codes, ", "))
	}
	if reason == DeclineOther && strings.TrimSpace(note) == "" {
		return Invalid("note", "a note is required when the reason is other")
	}
	return nil
}

// ReferralSource says who made a referral.
type ReferralSource string

const (
	SourceEngine ReferralSource = "engine"
	SourceManual ReferralSource = "manual"
)

// Referral sends a client on the HPL to a program's facility; an open referral holds one of the
// facility's free units, unless it is an over-referral to a full facility.
type Referral struct {
	ID         string
	ClientID   string
	HPLEntryID string
	ProgramID  string
	FacilityID string
	AgencyID   string
	UnitID     string // the unit held (or moved into); empty for an over-referral
	Status     ReferralStatus
	Source     ReferralSource
	// OverRefer marks a referral beyond the facility's free units, made by a CAS admin because a unit
	// will open soon.
	OverRefer       bool
	OverReferReason string
	ExpectedVacancy Date
	// UnitAssignedAt is when an over-referral, having waited in line, took a unit that freed;
	// its response deadline counts from then.
	UnitAssignedAt *time.Time
	// EligibilityOverride marks a CAS admin's referral of a client the engine's rules refuse, made
	// anyway with a reason.
	EligibilityOverride       bool
	EligibilityOverrideReason string
	Rank                      int    // the client's HPL rank when referred
	SchemeVersion             int    // the prioritization scheme that ranked them
	MatchReason               string // why this client, in words
	Deadline                  time.Time
	ReasonCode                DeclineReason // when declined
	Note                      string
	CreatedBy                 string
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
}

// Waiting reports whether the referral is an open over-referral still in line for a unit of its
// facility: it holds none until one frees.
func (r *Referral) Waiting() bool { return r.Status.Open() && r.UnitID == "" }

// ReReferralRule says whether one way a referral or a proposal ended keeps the client from being
// proposed or referred to the same program again, for the CoC's no-re-referral period.
type ReReferralRule struct {
	Record string // "referral" or "proposal"
	Status string // how it ended
	Blocks bool
}

// ReReferralRules is the one table of re-referral rules. A decline, an unanswered referral and a
// dismissed proposal each say this program is not the place for this client now; a CAS admin's
// withdrawal, a move-in and a proposal lapsed because the provider used the unit say nothing of
// the kind.
var ReReferralRules = []ReReferralRule{
	{Record: "referral", Status: string(ReferralDeclined), Blocks: true},
	{Record: "referral", Status: string(ReferralExpired), Blocks: true},
	{Record: "referral", Status: string(ReferralWithdrawn), Blocks: false},
	{Record: "referral", Status: string(ReferralHoused), Blocks: false},
	{Record: "proposal", Status: ProposalDismissed, Blocks: true},
	{Record: "proposal", Status: ProposalSent, Blocks: false},
	{Record: "proposal", Status: ProposalLapsed, Blocks: false},
}

// BlockingStatuses lists the endings of a kind of record that block re-referral.
func BlockingStatuses(record string) []string {
	var list []string
	for _, r := range ReReferralRules {
		if r.Record == record && r.Blocks {
			list = append(list, r.Status)
		}
	}
	return list
}

// How a proposal of the engine's ends.
const (
	ProposalOpen      = "open"
	ProposalSent      = "sent"      // a CAS admin sent it as a referral
	ProposalDismissed = "dismissed" // a CAS admin decided against it
	ProposalLapsed    = "lapsed"    // the unit was checked into, reserved or taken offline first
)

// ReferralEvent is one entry of a referral's timeline.
type ReferralEvent struct {
	At     time.Time
	Status ReferralStatus
	Action string // "created", or a ReferralAction
	ByID   string
	ByName string
	Note   string
}
