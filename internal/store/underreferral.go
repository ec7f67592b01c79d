package store

import (
	"context"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// UnderReferralEvidence gathers, for every available unit the actor may see that no open referral
// holds (a held unit is being referred, so never a suspect), what report.Suspects needs to judge
// whether it is really free: since when it has been available, its facility's roster
// confirmation, and how many referrals to its facility closed within the window before now
// declined because no unit was available or expired unanswered, counted once per facility. Units
// come by facility name and label.
func (db *DB) UnderReferralEvidence(ctx context.Context, actor *cas.User, window time.Duration) ([]report.UnitEvidence, error) {
	return underReferralEvidence(ctx, db.sql, actor, window, db.now())
}

func underReferralEvidence(ctx context.Context, q querier, actor *cas.User, window time.Duration, now time.Time) ([]report.UnitEvidence, error) {
	if window <= 0 {
		return nil, cas.Invalid("window", "the window must be positive")
	}
	// The unit columns are read through a derived table so that scanUnit can read them unqualified
	// next to the facility's and program's.
	query := `SELECT ` + unitColumns + `, program_id, facility_name, program_name, inventory_confirmed_at, held, no_unit_declines, unanswered_expiries
		FROM (SELECT s.*, f.program_id, f.name AS facility_name, p.name AS program_name, f.inventory_confirmed_at,
			COALESCE(s.held_by_kind = 'referral', FALSE) AS held,
			COALESCE(c.no_unit_declines, 0) AS no_unit_declines, COALESCE(c.unanswered_expiries, 0) AS unanswered_expiries
			FROM unit_states s JOIN facilities f ON f.id = s.facility_id JOIN programs p ON p.id = f.program_id
			LEFT JOIN (SELECT facility_id,
					SUM(CASE WHEN status = 'declined' AND reason_code = $2 THEN 1 ELSE 0 END) AS no_unit_declines,
					SUM(CASE WHEN status = 'expired' THEN 1 ELSE 0 END) AS unanswered_expiries
				FROM referrals WHERE status IN ('declined', 'expired') AND closed_at > $3 AND closed_at <= $4 GROUP BY facility_id) c
				ON c.facility_id = s.facility_id
			WHERE s.status = 'available' AND (s.held_by_kind IS NULL OR s.held_by_kind <> 'referral') AND ($1 = '' OR s.agency_id = $1)) e
		ORDER BY facility_name, label, id`
	list := []report.UnitEvidence{}
	err := eachRow(ctx, q, query, []any{agencyScope(actor), string(cas.DeclineNoUnitAvailable), now.Add(-window), now},
		func(row scanner) error {
			var e report.UnitEvidence
			var confirmed anyTime
			u, err := scanUnit(extraColumns{row, []any{&e.ProgramID, &e.FacilityName, &e.ProgramName, &confirmed,
				&e.HeldByOpenReferral, &e.NoUnitDeclines, &e.UnansweredExpiries}})
			if err != nil {
				return err
			}
			e.UnitID, e.FacilityID, e.AgencyID, e.UnitLabel, e.AvailableSince = u.ID, u.FacilityID, u.AgencyID, u.Label, u.StatusSince
			e.RosterConfirmedAt = confirmed.ptr()
			list = append(list, e)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("under-referral evidence: %w", err)
	}
	return list, nil
}

// extraColumns scans a row whose columns go on after the ones its reader knows, into extra.
type extraColumns struct {
	row   scanner
	extra []any
}

func (x extraColumns) Scan(dest ...any) error { return x.row.Scan(append(dest, x.extra...)...) }
