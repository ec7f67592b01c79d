// Package policylab replays a CoC's recorded history under another prioritization scheme: at each
// moment the engine ran in reality, the engine chooses again as it would under the scheme being
// tested, from the HPL as it stood then in the replayed world, and what its referrals lead to is
// modelled from what really happened (docs/policy-lab.md). Replaying under the scheme in force
// must give back the engine's real referrals (fidelity); then the outcomes of the two schemes, by
// group, and the people whose outcome changes are compared. Like the engine, it is pure: the
// store reads the history, this package only computes, and the same history gives the same
// report.
package policylab

import (
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// History is what a replay reads of the CoC's records: everything that happened to units, HPL
// entries and referrals that bears on the period [From, To).
type History struct {
	From, To time.Time
	Zone     *time.Location // the CoC's time zone: days (parking, consent, ages) are judged in it
	// NoRereferral is the CoC's no-re-referral period (cas.ReReferralRules).
	NoRereferral time.Duration
	// Schemes are every version of the prioritization scheme, oldest first; each is in force from
	// its CreatedAt (the first from the beginning) until the next.
	Schemes    []cas.PriorityScheme
	Programs   []cas.Program
	Facilities []cas.Facility
	Units      []Unit
	People     []Person
	// Referrals are the real referrals open in the period or closed within the no-re-referral
	// period before it, engine's and CAS admins'.
	Referrals []Referral
	// Runs are the recorded moments the engine ran with a free unit. The moments of the engine's
	// referrals are moments it ran too, so history from before runs were recorded still replays.
	Runs []time.Time
}

// Unit is a unit with its real holds other than referrals: stays, reservations and offline
// periods, the ones overlapping the period.
type Unit struct {
	Unit  cas.Unit
	Holds []Hold
}

// HoldKind is what held a unit.
type HoldKind string

const (
	HoldOccupancy   HoldKind = "occupancy"
	HoldReservation HoldKind = "reservation"
	HoldOffline     HoldKind = "offline"
	HoldReferral    HoldKind = "referral"
)

// Hold is an interval in which a unit was held in reality.
type Hold struct {
	Kind     HoldKind
	ID       string
	ClientID string // for a stay: the client checked in, when they are a Doorway client
	From     time.Time
	To       *time.Time // nil: still open
}

// Person is one HPL entry: a client's time on the list.
type Person struct {
	EntryID, ClientID string
	Name              string
	Joined            time.Time // the entry's creation
	// Versions are the entry and its client as they stood from At on, oldest first; the first
	// holds from Joined whatever its At. Their entry statuses say when the client left the list
	// other than through a referral; what referrals did to the entry is replayed instead.
	Versions []Version
	Groups   Groups
}

// Version is an entry and its client from a moment on.
type Version struct {
	At     time.Time
	Entry  cas.HPLEntry
	Client cas.Client
}

// Groups are a person's groups for the equity comparison, as their record says today.
type Groups struct {
	Race, Ethnicity, Gender string
	HouseholdType           cas.HouseholdType
	Veteran, Chronic        bool
}

// GroupsOf gives a client's groups.
func GroupsOf(c *cas.Client) Groups {
	return Groups{Race: c.RaceGroup(), Ethnicity: c.EthnicityGroup(), Gender: c.GenderGroup(), HouseholdType: c.HouseholdType,
		Veteran: c.Veteran, Chronic: c.Chronic}
}

// Referral is a real referral.
type Referral struct {
	ID, ClientID, EntryID, ProgramID, FacilityID, UnitID string
	Source                                               cas.ReferralSource
	Created                                              time.Time
	UnitAssigned                                         *time.Time // when an over-referral that waited got its unit
	Closed                                               *time.Time // nil: open; for housed, the move-in
	Status                                               cas.ReferralStatus
	ReasonCode                                           string
}

// held is when the referral began to hold its unit.
func (r *Referral) held() time.Time {
	if r.UnitAssigned != nil {
		return *r.UnitAssigned
	}
	return r.Created
}
