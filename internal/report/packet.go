package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// PacketProgram is a program as the packet names it.
type PacketProgram struct {
	ID, Name, AgencyName string
}

// PacketFacility is a facility with its program and its roster's last confirmation (nil if never).
type PacketFacility struct {
	ID, ProgramID, Name string
	RosterConfirmedAt   *time.Time
}

// PacketDiscrepancy is an open discrepancy report: an agency says the inventory shown is wrong.
type PacketDiscrepancy struct {
	ID, FacilityID, FacilityName, Note string
	Units                              int
	CreatedAt                          time.Time
}

// OfflineUnit is a unit in an open offline period, with the reason and the expected return date
// (empty when none was given).
type OfflineUnit struct {
	UnitID, UnitLabel, FacilityID, FacilityName, ProgramID string
	Reason                                                 string
	Since                                                  time.Time
	ExpectedReturn                                         cas.Date
	// Overdue says the expected return date has passed and the unit is still offline.
	Overdue bool
}

// ReadyClient is a client waiting on the HPL, intake ready, with no open referral.
type ReadyClient struct {
	ClientID, Name string
	Rank, Score    int
	HouseholdType  cas.HouseholdType
	HouseholdSize  int
}

// PacketInputs is everything the store gathers for the packet.
type PacketInputs struct {
	Now        time.Time
	Today      cas.Date // the CoC's date at Now
	Thresholds Thresholds
	Programs   []PacketProgram
	Facilities []PacketFacility
	// Free counts, per facility ID, the units that can take a referral now.
	Free          map[string]int
	Referrals     []cas.Referral // the open ones: pending and accepted
	Evidence      []UnitEvidence // for Suspects
	Discrepancies []PacketDiscrepancy
	Offline       []OfflineUnit
	// LastWeek is last week's record of suspects (see store.SuspectWeek), to find the programs
	// consistently under-referred.
	LastWeek []Suspect
	Ready    []ReadyClient // in rank order; empty for an agency user
	// TopReady is how many ready clients the packet lists; zero means DefaultTopReady.
	TopReady int
}

// DefaultTopReady is how many ready clients without a referral the packet lists by default.
const DefaultTopReady = 10

// OpenReferral is a pending or accepted referral with its age and whether its deadline has passed.
type OpenReferral struct {
	ID, ClientID, FacilityID, FacilityName string
	UnitID                                 string // the unit it holds; empty while an over-referral waits
	Status                                 cas.ReferralStatus
	Rank                                   int
	CreatedAt, Deadline                    time.Time
	AgeDays                                int
	PastDeadline                           bool
	// EligibilityOverride marks a referral a CAS admin made though the client fails the program's
	// rules; the meeting reviews these, with the reason given.
	EligibilityOverride       bool
	EligibilityOverrideReason string
}

// OverReferral is an open referral to a full facility, made because a unit should open by
// ExpectedVacancy; Overdue says that date has passed. Waiting says it is still in line for a unit;
// once one frees for it, it holds that unit from UnitAssignedAt.
type OverReferral struct {
	OpenReferral
	Reason          string
	ExpectedVacancy cas.Date
	Overdue         bool
	Waiting         bool
	UnitAssignedAt  *time.Time
}

// StaleRoster is a facility whose roster was never confirmed or not within the threshold.
type StaleRoster struct {
	FacilityID, FacilityName string
	ConfirmedAt              *time.Time
}

// ProgramSection is one program's part of the packet. Every program is listed, even with nothing
// to report, so the meeting sees its free units.
type ProgramSection struct {
	ProgramID, ProgramName, AgencyName string
	FreeUnits                          int
	OpenReferrals                      []OpenReferral // not over-referrals, which are listed apart
	OverReferrals                      []OverReferral
	Suspects                           []Suspect
	// ConsistentlyUnderReferred says the program had suspects last week and has them this week.
	ConsistentlyUnderReferred bool
	Discrepancies             []PacketDiscrepancy
	StaleRosters              []StaleRoster
	OfflineUnits              []OfflineUnit
}

// Packet is the weekly HPL meeting packet.
type Packet struct {
	GeneratedAt time.Time
	Today       cas.Date
	Thresholds  Thresholds
	Programs    []ProgramSection
	TopReady    []ReadyClient
}

// BuildPacket assembles the packet: per program (by name), its free units, open referrals oldest
// first, over-referrals by expected vacancy (overdue ones flagged), under-referral suspects, open
// discrepancy reports, stale rosters and offline units; then the first ready clients without a
// referral.
func BuildPacket(in PacketInputs) Packet {
	th := in.Thresholds.OrDefault()
	p := Packet{GeneratedAt: in.Now, Today: in.Today, Thresholds: th, Programs: []ProgramSection{}, TopReady: []ReadyClient{}}
	at := map[string]int{}
	programs := slices.Clone(in.Programs)
	slices.SortStableFunc(programs, func(a, b PacketProgram) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	for _, pr := range programs {
		at[pr.ID] = len(p.Programs)
		p.Programs = append(p.Programs, ProgramSection{ProgramID: pr.ID, ProgramName: pr.Name, AgencyName: pr.AgencyName,
			OpenReferrals: []OpenReferral{}, OverReferrals: []OverReferral{}, Suspects: []Suspect{},
			Discrepancies: []PacketDiscrepancy{}, StaleRosters: []StaleRoster{}, OfflineUnits: []OfflineUnit{}})
	}
	section := func(programID string) *ProgramSection {
		if i, ok := at[programID]; ok {
			return &p.Programs[i]
		}
		return nil
	}
	facilities := map[string]PacketFacility{}
	for _, f := range in.Facilities {
		facilities[f.ID] = f
		s := section(f.ProgramID)
		if s == nil {
			continue
		}
		s.FreeUnits += in.Free[f.ID]
		if th.RosterStale(f.RosterConfirmedAt, in.Now) {
			s.StaleRosters = append(s.StaleRosters, StaleRoster{FacilityID: f.ID, FacilityName: f.Name, ConfirmedAt: f.RosterConfirmedAt})
		}
	}
	for _, r := range in.Referrals {
		s := section(r.ProgramID)
		if s == nil || (r.Status != cas.ReferralPending && r.Status != cas.ReferralAccepted) {
			continue
		}
		// A waiting over-referral's deadline starts only when a unit is assigned to it.
		o := OpenReferral{ID: r.ID, ClientID: r.ClientID, FacilityID: r.FacilityID, FacilityName: facilities[r.FacilityID].Name, UnitID: r.UnitID,
			Status: r.Status, Rank: r.Rank, CreatedAt: r.CreatedAt, Deadline: r.Deadline, AgeDays: int(in.Now.Sub(r.CreatedAt) / day),
			PastDeadline:        r.Status == cas.ReferralPending && !r.Waiting() && in.Now.After(r.Deadline),
			EligibilityOverride: r.EligibilityOverride, EligibilityOverrideReason: r.EligibilityOverrideReason}
		if !r.OverRefer {
			s.OpenReferrals = append(s.OpenReferrals, o)
			continue
		}
		s.OverReferrals = append(s.OverReferrals, OverReferral{OpenReferral: o, Reason: r.OverReferReason, ExpectedVacancy: r.ExpectedVacancy,
			Overdue: r.ExpectedVacancy != "" && r.ExpectedVacancy < in.Today, Waiting: r.Waiting(), UnitAssignedAt: r.UnitAssignedAt})
	}
	suspects := Suspects(in.Now, th, in.Evidence)
	MarkRepeats(suspects, in.LastWeek)
	for _, sp := range suspects {
		if s := section(sp.ProgramID); s != nil {
			s.Suspects = append(s.Suspects, sp)
		}
	}
	for _, id := range ConsistentlyUnderReferred(suspects, in.LastWeek) {
		if s := section(id); s != nil {
			s.ConsistentlyUnderReferred = true
		}
	}
	for _, d := range in.Discrepancies {
		if s := section(facilities[d.FacilityID].ProgramID); s != nil {
			if d.FacilityName == "" {
				d.FacilityName = facilities[d.FacilityID].Name
			}
			s.Discrepancies = append(s.Discrepancies, d)
		}
	}
	for _, u := range in.Offline {
		if u.ProgramID == "" {
			u.ProgramID = facilities[u.FacilityID].ProgramID
		}
		if s := section(u.ProgramID); s != nil {
			u.Overdue = u.ExpectedReturn != "" && u.ExpectedReturn < in.Today
			s.OfflineUnits = append(s.OfflineUnits, u)
		}
	}
	for i := range p.Programs {
		s := &p.Programs[i]
		slices.SortStableFunc(s.OpenReferrals, func(a, b OpenReferral) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		slices.SortStableFunc(s.OverReferrals, func(a, b OverReferral) int {
			return cmp.Or(cmp.Compare(a.ExpectedVacancy, b.ExpectedVacancy), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		slices.SortStableFunc(s.Discrepancies, func(a, b PacketDiscrepancy) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		slices.SortStableFunc(s.StaleRosters, func(a, b StaleRoster) int { return cmp.Compare(a.FacilityName, b.FacilityName) })
		slices.SortStableFunc(s.OfflineUnits, func(a, b OfflineUnit) int {
			return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.FacilityName, b.FacilityName), cmp.Compare(a.UnitLabel, b.UnitLabel))
		})
	}
	top := in.TopReady
	if top <= 0 {
		top = DefaultTopReady
	}
	p.TopReady = append(p.TopReady, in.Ready[:min(top, len(in.Ready))]...)
	return p
}
