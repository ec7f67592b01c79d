// Package match is Doorway's matching engine: given a snapshot of the Housing Priority List and the
// free units, it decides which client to refer to which unit, and says why. It is pure and in
// memory: no database, no clock, no I/O; the store builds the snapshot and acts on the result.
package match

import "github.com/doorway-cas/doorway/internal/cas"

// Candidate is an HPL entry with its client, as the engine sees it.
type Candidate struct {
	Entry  cas.HPLEntry
	Client cas.Client
	// OpenReferral says the client already has an open referral or an open proposal.
	OpenReferral bool
	// NotReferredAgainBy lists the IDs of programs the client is not proposed or referred to again
	// yet: within the CoC's no-re-referral period the program declined them, let a referral of
	// theirs expire unanswered, or a CAS admin dismissed a proposal of them to it
	// (cas.ReReferralRules).
	NotReferredAgainBy []string
}

// Facility is a facility that has free units, with its program's rules.
type Facility struct {
	Facility cas.Facility
	Program  cas.Program
	// FreeUnits are available and held by no open referral or proposal.
	FreeUnits []cas.Unit
}

// Snapshot is everything one matching run reads.
type Snapshot struct {
	Today      cas.Date // the CoC's calendar day: ages and parking are judged on it
	Scheme     cas.PriorityScheme
	Candidates []Candidate
	Facilities []Facility
	// Ranked says Candidates are already in rank order under Scheme (a candidate's position + 1 is
	// its rank); Match does not sort them.
	Ranked bool
}

// Ranked is a candidate with its place on the HPL (1 is the highest priority).
type Ranked struct {
	Candidate
	Rank int
}

// Proposal is one referral the engine would make.
type Proposal struct {
	ClientID      string
	HPLEntryID    string
	FacilityID    string
	ProgramID     string
	AgencyID      string
	UnitID        string
	Mode          cas.ReferralMode // auto: send it; review: a CAS admin sends it
	Rank          int
	SchemeVersion int
	Reason        string // why this client for this unit, in words a CAS admin reads
}

// Unfilled is a free unit for which no eligible client was found, with why.
type Unfilled struct {
	FacilityID string
	UnitID     string
	Reason     string
}

// Result is what a matching run decided.
type Result struct {
	Proposals []Proposal
	Unfilled  []Unfilled
}
