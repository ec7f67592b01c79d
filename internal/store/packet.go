package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// PacketInputs gathers what the weekly HPL meeting packet needs: programs with their agencies,
// facilities with roster confirmations, free units, open referrals, under-referral evidence and
// last week's record of suspects, open discrepancy reports, open offline periods, and the first
// topReady clients waiting on the HPL, intake ready, with no open referral. An agency user gets
// its own agency's rows and no ready clients: the HPL is the CoC's list, not an agency's.
func (db *DB) PacketInputs(ctx context.Context, actor *cas.User, th report.Thresholds, topReady int) (report.PacketInputs, error) {
	if topReady <= 0 {
		topReady = report.DefaultTopReady
	}
	if topReady > maxPageLimit {
		return report.PacketInputs{}, cas.Invalid("top", "top must be between 1 and %d", maxPageLimit)
	}
	th = th.OrDefault()
	now := db.now()
	in := report.PacketInputs{Now: now, Today: cas.DateOf(now, db.Zone), Thresholds: th, TopReady: topReady, Free: map[string]int{}}
	wrap := func(what string, err error) error { return fmt.Errorf("hpl packet %s: %w", what, err) }

	agencies, err := All(func(p Page) ([]cas.Agency, string, error) { return db.Agencies(ctx, actor, p) })
	if err != nil {
		return in, wrap("agencies", err)
	}
	agencyName := map[string]string{}
	for _, a := range agencies {
		agencyName[a.ID] = a.Name
	}
	programs, err := All(func(p Page) ([]cas.Program, string, error) { return db.Programs(ctx, actor, ProgramFilter{}, p) })
	if err != nil {
		return in, wrap("programs", err)
	}
	for _, p := range programs {
		in.Programs = append(in.Programs, report.PacketProgram{ID: p.ID, Name: p.Name, AgencyName: agencyName[p.AgencyID]})
	}
	facilities, err := All(func(p Page) ([]cas.Facility, string, error) { return db.Facilities(ctx, actor, FacilityFilter{}, p) })
	if err != nil {
		return in, wrap("facilities", err)
	}
	facilityName := map[string]string{}
	for _, f := range facilities {
		facilityName[f.ID] = f.Name
		in.Facilities = append(in.Facilities, report.PacketFacility{ID: f.ID, ProgramID: f.ProgramID, Name: f.Name, RosterConfirmedAt: f.InventoryConfirmedAt})
	}
	free, err := db.FreeCapacity(ctx, actor, "")
	if err != nil {
		return in, wrap("free units", err)
	}
	for _, f := range free {
		in.Free[f.FacilityID] += f.Free
	}
	in.Referrals, err = All(func(p Page) ([]cas.Referral, string, error) {
		return db.Referrals(ctx, actor, ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}}, p)
	})
	if err != nil {
		return in, wrap("referrals", err)
	}
	if in.Evidence, err = db.UnderReferralEvidence(ctx, actor, th.Window); err != nil {
		return in, wrap("under-referral evidence", err)
	}
	if in.LastWeek, _, err = db.SuspectWeek(ctx, actor, db.WeekOf(now).AddDays(-7)); err != nil {
		return in, wrap("last week's suspects", err)
	}
	open, err := All(func(p Page) ([]cas.Discrepancy, string, error) {
		return db.Discrepancies(ctx, actor, DiscrepancyFilter{Status: cas.DiscrepancyOpen}, p)
	})
	if err != nil {
		return in, wrap("discrepancy reports", err)
	}
	for _, d := range open {
		in.Discrepancies = append(in.Discrepancies, report.PacketDiscrepancy{ID: d.ID, FacilityID: d.FacilityID,
			FacilityName: facilityName[d.FacilityID], Note: d.Note, Units: len(d.UnitIDs), CreatedAt: d.CreatedAt})
	}
	if in.Offline, err = db.openOfflineUnits(ctx, actor); err != nil {
		return in, wrap("offline units", err)
	}
	if !canReadHPL(actor) {
		return in, nil
	}
	ready, _, _, err := db.HPL(ctx, actor, HPLFilter{Status: []cas.HPLStatus{cas.HPLActive}, IntakeStatus: cas.IntakeReady}, Page{Limit: topReady})
	if err != nil {
		return in, wrap("ready clients", err)
	}
	for _, it := range ready {
		in.Ready = append(in.Ready, report.ReadyClient{ClientID: it.Client.ID, Name: strings.TrimSpace(it.Client.FirstName + " " + it.Client.LastName),
			Rank: it.Rank, Score: it.Entry.Score, HouseholdType: it.Client.HouseholdType, HouseholdSize: it.Client.HouseholdSize})
	}
	return in, nil
}

// openOfflineUnits lists the units in an open offline period the actor may see, with the reason,
// since when, and the expected return date, by facility and label.
func (db *DB) openOfflineUnits(ctx context.Context, actor *cas.User) ([]report.OfflineUnit, error) {
	list := []report.OfflineUnit{}
	err := eachRow(ctx, db.sql, `SELECT u.id, u.label, f.id, f.name, f.program_id, o.reason, COALESCE(o.expected_return, ''), o.started_at
		FROM offline_periods o JOIN units u ON u.id = o.unit_id JOIN facilities f ON f.id = u.facility_id JOIN programs p ON p.id = f.program_id
		WHERE o.ended_at IS NULL AND ($1 = '' OR p.agency_id = $1)
		ORDER BY f.name, u.label, u.id`, []any{agencyScope(actor)}, func(row scanner) error {
		var o report.OfflineUnit
		var since anyTime
		if err := row.Scan(&o.UnitID, &o.UnitLabel, &o.FacilityID, &o.FacilityName, &o.ProgramID, &o.Reason, &o.ExpectedReturn, &since); err != nil {
			return err
		}
		o.Since = since.Time
		list = append(list, o)
		return nil
	})
	return list, err
}
