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
// its own agency's rows and no ready clients: the HPL is the CoC's list, not an agency's. All but
// the ready clients are read in one transaction, so the packet's sections agree; those come from
// the maintained ranking, as the HPL page's do.
func (db *DB) PacketInputs(ctx context.Context, actor *cas.User, th report.Thresholds, topReady int) (report.PacketInputs, error) {
	if topReady <= 0 {
		topReady = report.DefaultTopReady
	}
	if topReady > maxPageLimit {
		return report.PacketInputs{}, cas.Invalid("top", "top must be between 1 and %d", maxPageLimit)
	}
	var in report.PacketInputs
	err := db.inView(ctx, actor, false, func(tx *Tx) (err error) {
		in, err = tx.packetInputs(th.OrDefault(), topReady)
		return err
	})
	if err != nil || !canReadHPL(actor) {
		return in, err
	}
	ready, _, _, err := db.HPL(ctx, actor, HPLFilter{Status: []cas.HPLStatus{cas.HPLActive}, IntakeStatus: cas.IntakeReady}, Page{Limit: topReady})
	if err != nil {
		return in, fmt.Errorf("hpl packet ready clients: %w", err)
	}
	for _, it := range ready {
		in.Ready = append(in.Ready, report.ReadyClient{ClientID: it.Client.ID, Name: strings.TrimSpace(it.Client.FirstName + " " + it.Client.LastName),
			Rank: it.Rank, Score: it.Entry.Score, HouseholdType: it.Client.HouseholdType, HouseholdSize: it.Client.HouseholdSize})
	}
	return in, nil
}

// packetInputs reads the packet's records in the transaction: a dozen queries however large the CoC.
func (tx *Tx) packetInputs(th report.Thresholds, topReady int) (report.PacketInputs, error) {
	ctx, actor, db, now := tx.ctx, tx.actor, tx.db, tx.now
	in := report.PacketInputs{Now: now, Today: cas.DateOf(now, db.Zone), Thresholds: th, TopReady: topReady, Free: map[string]int{}}
	wrap := func(what string, err error) error { return fmt.Errorf("hpl packet %s: %w", what, err) }

	agencies, err := All(func(p Page) ([]cas.Agency, string, error) { return listAgencies(ctx, tx, actor, p) })
	if err != nil {
		return in, wrap("agencies", err)
	}
	agencyName := map[string]string{}
	for _, a := range agencies {
		agencyName[a.ID] = a.Name
	}
	programs, err := All(func(p Page) ([]cas.Program, string, error) { return listPrograms(ctx, tx, actor, ProgramFilter{}, p) })
	if err != nil {
		return in, wrap("programs", err)
	}
	for _, p := range programs {
		in.Programs = append(in.Programs, report.PacketProgram{ID: p.ID, Name: p.Name, AgencyName: agencyName[p.AgencyID]})
	}
	facilities, err := All(func(p Page) ([]cas.Facility, string, error) {
		return listFacilities(ctx, tx, actor, FacilityFilter{}, p)
	})
	if err != nil {
		return in, wrap("facilities", err)
	}
	facilityName := map[string]string{}
	for _, f := range facilities {
		facilityName[f.ID] = f.Name
		in.Facilities = append(in.Facilities, report.PacketFacility{ID: f.ID, ProgramID: f.ProgramID, Name: f.Name, RosterConfirmedAt: f.InventoryConfirmedAt})
	}
	free, err := freeCapacity(ctx, tx, actor, "")
	if err != nil {
		return in, wrap("free units", err)
	}
	for _, f := range free {
		in.Free[f.FacilityID] += f.Free
	}
	in.Referrals, err = All(func(p Page) ([]cas.Referral, string, error) {
		return listReferrals(ctx, tx, actor, ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}}, p)
	})
	if err != nil {
		return in, wrap("referrals", err)
	}
	if in.Evidence, err = underReferralEvidence(ctx, tx, actor, th.Window, now); err != nil {
		return in, wrap("under-referral evidence", err)
	}
	if in.LastWeek, _, err = suspectWeek(ctx, tx, actor, db.WeekOf(now).AddDays(-7)); err != nil {
		return in, wrap("last week's suspects", err)
	}
	open, err := All(func(p Page) ([]cas.Discrepancy, string, error) {
		return db.listDiscrepancies(ctx, tx, actor, DiscrepancyFilter{Status: cas.DiscrepancyOpen}, p)
	})
	if err != nil {
		return in, wrap("discrepancy reports", err)
	}
	for _, d := range open {
		in.Discrepancies = append(in.Discrepancies, report.PacketDiscrepancy{ID: d.ID, FacilityID: d.FacilityID,
			FacilityName: facilityName[d.FacilityID], Note: d.Note, Units: len(d.UnitIDs), CreatedAt: d.CreatedAt})
	}
	if in.Offline, err = openOfflineUnits(ctx, tx, actor); err != nil {
		return in, wrap("offline units", err)
	}
	return in, nil
}

// openOfflineUnits lists the units in an open offline period the actor may see, with the reason,
// since when, and the expected return date, by facility and label.
func openOfflineUnits(ctx context.Context, q querier, actor *cas.User) ([]report.OfflineUnit, error) {
	list := []report.OfflineUnit{}
	err := eachRow(ctx, q, `SELECT u.id, u.label, f.id, f.name, f.program_id, o.reason, COALESCE(o.expected_return, ''), o.started_at
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
