package store

import (
	"context"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// MetricsInputs gathers what the dashboards' metrics need for the window [from, to), a query for
// each kind of row: the programs; the units that existed before to, with every interval they were
// busy (occupied, reserved or offline) that started before to; the referrals made before to and
// still open at from, with when they were accepted; and the clients of those referrals, in their
// equity groups. An agency user gets their agency's units and the referrals to their agency's
// programs, and not the HPL: the list of people waiting is the CoC's, not theirs. CAS admins and
// the HMIS team see the whole CoC, with the entries that may still have been on the list at to.
// The queries run in one read transaction, so the figures agree with each other.
func (db *DB) MetricsInputs(ctx context.Context, actor *cas.User, from, to time.Time) (report.MetricsInputs, error) {
	if !from.Before(to) {
		return report.MetricsInputs{}, cas.Invalid("to", "the window must end after it starts")
	}
	var in report.MetricsInputs
	err := db.inView(ctx, actor, false, func(tx *Tx) (err error) {
		in, err = metricsInputs(ctx, tx, actor, from, to, tx.now)
		return err
	})
	return in, err
}

func metricsInputs(ctx context.Context, q querier, actor *cas.User, from, to, now time.Time) (report.MetricsInputs, error) {
	scope := agencyScope(actor)
	in := report.MetricsInputs{From: from, To: to, Now: now, WholeList: canReadHPL(actor)}
	wrap := func(what string, err error) error { return fmt.Errorf("metrics %s: %w", what, err) }

	err := eachRow(ctx, q, `SELECT p.id, p.name, a.name FROM programs p JOIN agencies a ON a.id = p.agency_id
		WHERE $1 = '' OR p.agency_id = $1`, []any{scope}, func(row scanner) error {
		var p report.MetricsProgram
		err := row.Scan(&p.ID, &p.Name, &p.AgencyName)
		in.Programs = append(in.Programs, p)
		return err
	})
	if err != nil {
		return in, wrap("programs", err)
	}

	unitAt := map[string]int{} // unit ID → index in in.Units
	err = eachRow(ctx, q, `SELECT u.id, f.program_id, u.created_at FROM units u JOIN facilities f ON f.id = u.facility_id
		WHERE ($1 = '' OR u.agency_id = $1) AND u.created_at < $2`, []any{scope, to}, func(row scanner) error {
		var u report.MetricsUnit
		var created anyTime
		if err := row.Scan(&u.ID, &u.ProgramID, &created); err != nil {
			return err
		}
		u.CreatedAt = created.Time
		unitAt[u.ID] = len(in.Units)
		in.Units = append(in.Units, u)
		return nil
	})
	if err != nil {
		return in, wrap("units", err)
	}
	err = eachRow(ctx, q, `SELECT i.unit_id, i.started_at, i.ended_at FROM (
			SELECT unit_id, started_at, ended_at FROM occupancies
			UNION ALL SELECT unit_id, created_at, ended_at FROM reservations
			UNION ALL SELECT unit_id, started_at, ended_at FROM offline_periods) i
		JOIN units u ON u.id = i.unit_id
		WHERE ($1 = '' OR u.agency_id = $1) AND i.started_at < $2`, []any{scope, to}, func(row scanner) error {
		var unitID string
		var start, end anyTime
		if err := row.Scan(&unitID, &start, &end); err != nil {
			return err
		}
		if i, ok := unitAt[unitID]; ok {
			in.Units[i].Busy = append(in.Units[i].Busy, report.Interval{Start: start.Time, End: end.ptr()})
		}
		return nil
	})
	if err != nil {
		return in, wrap("unit intervals", err)
	}

	// Each client's equity groups come with their referrals and HPL entries, kept once.
	seen := map[string]bool{}
	keep := func(g clientGroups) {
		if !seen[g.id] {
			seen[g.id] = true
			in.Clients = append(in.Clients, g.client())
		}
	}
	err = eachRow(ctx, q, `SELECT r.id, r.program_id, r.status, COALESCE(r.reason_code, ''), r.created_at,
			(SELECT MIN(e.at) FROM referral_events e WHERE e.referral_id = r.id AND e.action = $4), r.closed_at, h.created_at, `+clientGroupColumns+`
		FROM referrals r JOIN hpl_entries h ON h.id = r.hpl_entry_id JOIN clients c ON c.id = r.client_id
		WHERE ($1 = '' OR r.agency_id = $1) AND r.created_at < $2 AND (r.closed_at IS NULL OR r.closed_at >= $3)`,
		[]any{scope, to, from, string(cas.ActionAccept)}, func(row scanner) error {
			var r report.MetricsReferral
			var g clientGroups
			var created, accepted, closed, added anyTime
			if err := row.Scan(append([]any{&r.ID, &r.ProgramID, &r.Status, &r.ReasonCode, &created, &accepted, &closed, &added}, g.fields()...)...); err != nil {
				return err
			}
			r.ClientID, r.CreatedAt, r.AcceptedAt, r.ClosedAt, r.HPLAddedAt = g.id, created.Time, accepted.ptr(), closed.ptr(), added.Time
			in.Referrals = append(in.Referrals, r)
			keep(g)
			return nil
		})
	if err != nil {
		return in, wrap("referrals", err)
	}
	if !in.WholeList {
		return in, nil
	}

	// A client leaves the list when housed (at the move-in) or removed (the entry's last change,
	// which the removal was), so an entry last changed before to had left the list by then. The
	// move-in is found through the client's referrals, which are indexed by client.
	err = eachRow(ctx, q, `SELECT added_at, left_at, `+clientGroupColumns+` FROM (
			SELECT h.created_at AS added_at,
				CASE h.status WHEN 'housed' THEN COALESCE((SELECT MAX(r.closed_at) FROM referrals r
						WHERE r.client_id = h.client_id AND r.hpl_entry_id = h.id AND r.status = 'housed'), h.updated_at)
					WHEN 'inactive' THEN h.updated_at END AS left_at,
				c.id, c.household_type, c.race, c.gender, c.sex
			FROM hpl_entries h JOIN clients c ON c.id = h.client_id
			WHERE h.created_at < $1 AND (h.status IN ('active', 'referred') OR h.updated_at >= $1)) c
		WHERE left_at IS NULL OR left_at >= $1`, []any{to}, func(row scanner) error {
		var g clientGroups
		var added, left anyTime
		if err := row.Scan(append([]any{&added, &left}, g.fields()...)...); err != nil {
			return err
		}
		in.HPL = append(in.HPL, report.MetricsHPLEntry{ClientID: g.id, AddedAt: added.Time, LeftAt: left.ptr()})
		keep(g)
		return nil
	})
	if err != nil {
		return in, wrap("HPL entries", err)
	}
	return in, nil
}

// clientGroupColumns are what the equity review reads of a client (aliased c): the household type
// and HUD's demographic elements, no name.
const clientGroupColumns = `c.id, c.household_type, c.race, c.gender, c.sex`

// clientGroups scans clientGroupColumns.
type clientGroups struct {
	id, race, gender string
	household        cas.HouseholdType
	sex              cas.Sex
}

func (g *clientGroups) fields() []any { return []any{&g.id, &g.household, &g.race, &g.gender, &g.sex} }

func (g clientGroups) client() report.MetricsClient {
	return report.MetricsClientOf(cas.Client{ID: g.id, HouseholdType: g.household, Race: splitOptions[cas.Race](g.race),
		Gender: splitOptions[cas.Gender](g.gender), Sex: g.sex})
}
