package report

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/google/go-cmp/cmp"
)

func TestBuildPacket(t *testing.T) {
	today := cas.Date("2026-11-02")
	in := PacketInputs{
		Now: now, Today: today,
		Programs: []PacketProgram{{ID: "p2", Name: "Quiet RRH", AgencyName: "Riverside"}, {ID: "p1", Name: "Harbor PSH", AgencyName: "Harbor"}},
		Facilities: []PacketFacility{
			{ID: "f1", ProgramID: "p1", Name: "Harbor Commons", RosterConfirmedAt: ptr(daysAgo(40))},
			{ID: "f2", ProgramID: "p2", Name: "Quiet House", RosterConfirmedAt: ptr(daysAgo(1))},
		},
		Free: map[string]int{"f1": 0, "f2": 3},
		Referrals: []cas.Referral{
			{ID: "r-open", ClientID: "c1", ProgramID: "p1", FacilityID: "f1", UnitID: "u2", Status: cas.ReferralPending, CreatedAt: daysAgo(5),
				Deadline: daysAgo(2), EligibilityOverride: true, EligibilityOverrideReason: "documents on their way"},
			// r-late waited, then took a unit that freed two days ago; r-soon still waits, its deadline not started.
			{ID: "r-late", ClientID: "c2", ProgramID: "p1", FacilityID: "f1", UnitID: "u3", Status: cas.ReferralAccepted, OverRefer: true,
				OverReferReason: "tenant leaving", ExpectedVacancy: "2026-10-30", UnitAssignedAt: ptr(daysAgo(2)), CreatedAt: daysAgo(20), Deadline: daysAgo(17)},
			{ID: "r-soon", ClientID: "c3", ProgramID: "p1", FacilityID: "f1", Status: cas.ReferralPending, OverRefer: true,
				ExpectedVacancy: "2026-11-10", CreatedAt: daysAgo(4), Deadline: daysAgo(1)},
			{ID: "r-closed", ClientID: "c4", ProgramID: "p1", FacilityID: "f1", Status: cas.ReferralDeclined, CreatedAt: daysAgo(1)},
		},
		Evidence: []UnitEvidence{unit("u9", 20, func(u *UnitEvidence) { u.ProgramID, u.FacilityID, u.NoUnitDeclines = "p1", "f1", 1 })},
		// Last week flagged u9 and a unit of Quiet RRH that is no longer a suspect.
		LastWeek:      []Suspect{{UnitEvidence: UnitEvidence{UnitID: "u9", ProgramID: "p1"}}, {UnitEvidence: UnitEvidence{UnitID: "u5", ProgramID: "p2"}}},
		Discrepancies: []PacketDiscrepancy{{ID: "d1", FacilityID: "f1", Note: "Apt 2 is occupied", Units: 1, CreatedAt: daysAgo(3)}},
		Offline: []OfflineUnit{{UnitID: "u1", UnitLabel: "Apt 1", FacilityID: "f1", FacilityName: "Harbor Commons", Reason: "repairs",
			Since: daysAgo(10), ExpectedReturn: "2026-11-01"}},
		Ready:    []ReadyClient{{ClientID: "c7", Rank: 1}, {ClientID: "c8", Rank: 2}, {ClientID: "c9", Rank: 3}},
		TopReady: 2,
	}
	p := BuildPacket(in)
	if got := []string{p.Programs[0].ProgramName, p.Programs[1].ProgramName}; !cmp.Equal(got, []string{"Harbor PSH", "Quiet RRH"}) {
		t.Fatalf("programs %v, want by name", got)
	}
	h, q := p.Programs[0], p.Programs[1]
	if len(h.OpenReferrals) != 1 || h.OpenReferrals[0].ID != "r-open" || h.OpenReferrals[0].AgeDays != 5 || !h.OpenReferrals[0].PastDeadline ||
		h.OpenReferrals[0].FacilityName != "Harbor Commons" {
		t.Errorf("open referrals %+v", h.OpenReferrals)
	}
	if o := h.OpenReferrals[0]; !o.EligibilityOverride || o.EligibilityOverrideReason != "documents on their way" || o.UnitID != "u2" {
		t.Errorf("the open referral made with an eligibility override is not flagged with its reason: %+v", o)
	}
	if len(h.OverReferrals) != 2 || h.OverReferrals[0].ID != "r-late" || !h.OverReferrals[0].Overdue ||
		h.OverReferrals[1].ID != "r-soon" || h.OverReferrals[1].Overdue || h.OverReferrals[0].Reason != "tenant leaving" {
		t.Errorf("over-referrals %+v", h.OverReferrals)
	}
	if late, soon := h.OverReferrals[0], h.OverReferrals[1]; late.Waiting || late.UnitID != "u3" || late.UnitAssignedAt == nil ||
		!soon.Waiting || soon.PastDeadline {
		t.Errorf("r-late should hold its unit, r-soon wait with no deadline due: %+v, %+v", late, soon)
	}
	if !h.ConsistentlyUnderReferred || q.ConsistentlyUnderReferred || len(h.Suspects) != 1 || !h.Suspects[0].FlaggedLastWeek {
		t.Errorf("Harbor consistently under-referred %v with suspects %+v, Quiet %v: want Harbor only, u9 flagged last week",
			h.ConsistentlyUnderReferred, h.Suspects, q.ConsistentlyUnderReferred)
	}
	if len(h.Suspects) != 1 || len(h.Discrepancies) != 1 || h.Discrepancies[0].FacilityName != "Harbor Commons" {
		t.Errorf("suspects %+v discrepancies %+v", h.Suspects, h.Discrepancies)
	}
	if len(h.StaleRosters) != 1 || h.StaleRosters[0].FacilityID != "f1" {
		t.Errorf("stale rosters %+v", h.StaleRosters)
	}
	if len(h.OfflineUnits) != 1 || !h.OfflineUnits[0].Overdue || h.OfflineUnits[0].Reason != "repairs" {
		t.Errorf("offline %+v", h.OfflineUnits)
	}
	// A program with nothing to report is listed with its free units and empty sections.
	want := ProgramSection{ProgramID: "p2", ProgramName: "Quiet RRH", AgencyName: "Riverside", FreeUnits: 3,
		OpenReferrals: []OpenReferral{}, OverReferrals: []OverReferral{}, Suspects: []Suspect{}, Discrepancies: []PacketDiscrepancy{},
		StaleRosters: []StaleRoster{}, OfflineUnits: []OfflineUnit{}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("quiet program (-want +got):\n%s", diff)
	}
	if len(p.TopReady) != 2 || p.TopReady[1].ClientID != "c8" {
		t.Errorf("top ready %+v, want the first 2", p.TopReady)
	}
	if got := BuildPacket(PacketInputs{Now: now, Today: today}); got.Programs == nil || got.TopReady == nil ||
		got.Thresholds != DefaultThresholds() || !got.GeneratedAt.Equal(now) {
		t.Errorf("empty packet %+v", got)
	}
}
