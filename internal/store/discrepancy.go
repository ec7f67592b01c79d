package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/notify"
)

const discrepancyColumns = `id, facility_id, agency_id, note, status, resolution_action, resolution_note, created_at, created_by, resolved_at, resolved_by`

func scanDiscrepancy(row scanner) (cas.Discrepancy, error) {
	var d cas.Discrepancy
	var action, resolvedBy sql.NullString
	var resolutionNote string
	var resolved sql.NullTime
	err := row.Scan(&d.ID, &d.FacilityID, &d.AgencyID, &d.Note, &d.Status, &action, &resolutionNote, &d.CreatedAt, &d.CreatedBy, &resolved, &resolvedBy)
	d.CreatedAt, d.ResolvedAt, d.ResolvedBy = d.CreatedAt.UTC(), timePtr(resolved), resolvedBy.String
	if action.Valid {
		d.Resolution = &cas.Resolution{Action: cas.ResolutionAction(action.String), Note: resolutionNote}
	}
	return d, err
}

// withUnits fills in the units each report names, in the order the agency listed them.
func (db *DB) withUnits(ctx context.Context, q querier, list []cas.Discrepancy) error {
	if len(list) == 0 {
		return nil
	}
	at := make(map[string]int, len(list))
	ids := make([]string, len(list))
	for i := range list {
		at[list[i].ID], list[i].UnitIDs, ids[i] = i, []string{}, list[i].ID
	}
	return eachRow(ctx, q, `SELECT discrepancy_id, unit_id FROM discrepancy_units WHERE discrepancy_id IN (`+placeholders(1, len(ids))+`)
		ORDER BY discrepancy_id, position`, anys(ids), func(row scanner) error {
		var id, unitID string
		if err := row.Scan(&id, &unitID); err != nil {
			return fmt.Errorf("units of discrepancy report %s: %w", id, err)
		}
		list[at[id]].UnitIDs = append(list[at[id]].UnitIDs, unitID)
		return nil
	})
}

// DiscrepancyFilter narrows a list of discrepancy reports.
type DiscrepancyFilter struct {
	AgencyID   string
	FacilityID string
	Status     cas.DiscrepancyStatus
}

// Discrepancies lists the discrepancy reports the actor may see, newest first: an agency's users
// see their agency's, CoC staff see all.
func (db *DB) Discrepancies(ctx context.Context, actor *cas.User, f DiscrepancyFilter, page Page) ([]cas.Discrepancy, string, error) {
	return db.listDiscrepancies(ctx, db.sql, actor, f, page)
}

func (db *DB) listDiscrepancies(ctx context.Context, q querier, actor *cas.User, f DiscrepancyFilter, page Page) ([]cas.Discrepancy, string, error) {
	if f.Status != "" && f.Status != cas.DiscrepancyOpen && f.Status != cas.DiscrepancyResolved {
		return nil, "", cas.Invalid("status", "status must be open or resolved")
	}
	list, next, err := listPage(page, 1, func(after []string, limit int) (*sql.Rows, error) {
		if after[0] == "" {
			after[0] = "~" // sorts after every ID, so the first page starts at the newest
		}
		return q.QueryContext(ctx, `SELECT `+discrepancyColumns+` FROM discrepancies
			WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR facility_id = $3) AND ($4 = '' OR status = $4)
			AND id < $5 ORDER BY id DESC LIMIT $6`, agencyScope(actor), f.AgencyID, f.FacilityID, string(f.Status), after[0], limit)
	}, scanDiscrepancy, func(d cas.Discrepancy) []string { return []string{d.ID} })
	if err == nil {
		err = db.withUnits(ctx, q, list)
	}
	if err != nil {
		return nil, "", fmt.Errorf("list discrepancy reports: %w", err)
	}
	return list, next, nil
}

// Discrepancy returns one discrepancy report, or not_found when the actor may not see it.
func (db *DB) Discrepancy(ctx context.Context, actor *cas.User, id string) (cas.Discrepancy, error) {
	return db.discrepancy(ctx, db.sql, actor, id, "")
}

// discrepancy reads a report with its units; lock is the dialect's FOR UPDATE inside transactions
// that change it.
func (db *DB) discrepancy(ctx context.Context, q querier, actor *cas.User, id, lock string) (cas.Discrepancy, error) {
	d, err := scanDiscrepancy(q.QueryRowContext(ctx, `SELECT `+discrepancyColumns+` FROM discrepancies WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !cas.CanSeeAgency(actor, d.AgencyID)) {
		return cas.Discrepancy{}, cas.NotFound("discrepancy report")
	}
	if err != nil {
		return cas.Discrepancy{}, fmt.Errorf("discrepancy report %s: %w", id, err)
	}
	list := []cas.Discrepancy{d}
	if err := db.withUnits(ctx, q, list); err != nil {
		return cas.Discrepancy{}, err
	}
	return list[0], nil
}

// FileDiscrepancy records an agency's report that the inventory Doorway shows for some units of a
// facility is wrong, and what is true. The facility's agency and the HMIS team may; CAS admins are
// told.
func (db *DB) FileDiscrepancy(ctx context.Context, actor *cas.User, d cas.Discrepancy) (cas.Discrepancy, error) {
	if err := d.Validate(); err != nil {
		return cas.Discrepancy{}, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		f, err := db.facility(ctx, tx, d.FacilityID, "")
		if cas.ErrorCode(err) == cas.ENotFound || (err == nil && !cas.CanSeeAgency(actor, f.AgencyID)) {
			return cas.Invalid("facility_id", "no facility has ID %q", d.FacilityID)
		}
		if err != nil {
			return err
		}
		if !cas.CanFileDiscrepancy(actor, f.AgencyID) {
			return cas.Errorf(cas.EForbidden, "only the facility's agency and the HMIS team report its inventory as wrong")
		}
		for _, id := range d.UnitIDs {
			var facilityID string
			err := tx.queryRow(`SELECT facility_id FROM units WHERE id = $1`, id).Scan(&facilityID)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && facilityID != f.ID) {
				return cas.Invalid("unit_ids", "%q is not a unit of %s", id, f.Name)
			}
			if err != nil {
				return fmt.Errorf("unit %s: %w", id, err)
			}
		}
		d.ID, d.AgencyID, d.Status, d.CreatedAt, d.CreatedBy = newID(), f.AgencyID, cas.DiscrepancyOpen, tx.now, actor.ID
		if _, err := tx.exec(`INSERT INTO discrepancies (id, facility_id, agency_id, note, status, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.ID, d.FacilityID, d.AgencyID, d.Note, d.Status, tx.now, actor.ID); err != nil {
			return fmt.Errorf("file discrepancy report: %w", err)
		}
		for i, id := range d.UnitIDs {
			if _, err := tx.exec(`INSERT INTO discrepancy_units (discrepancy_id, unit_id, position) VALUES ($1, $2, $3)`, d.ID, id, i); err != nil {
				return fmt.Errorf("discrepancy report %s unit %s: %w", d.ID, id, err)
			}
		}
		if err := tx.audit("discrepancy.file", "discrepancy", d.ID, nil, d); err != nil {
			return err
		}
		return tx.notifyDiscrepancy(notify.DiscrepancyFiled, d, "")
	})
	return d, err
}

// ResolveDiscrepancy records what was done about an open report. The offline action takes the
// report's units offline in the same transaction, with the report's note as the reason, and fails
// whole when one of them is not available; check_in and correction record that the change was
// made through the units; none closes the report with the note as the reason. CAS admins and the
// HMIS team may; the agency's CAS Contacts are told.
func (db *DB) ResolveDiscrepancy(ctx context.Context, actor *cas.User, id string, r cas.Resolution) (cas.Discrepancy, error) {
	if err := r.Validate(); err != nil {
		return cas.Discrepancy{}, err
	}
	var d cas.Discrepancy
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var err error
		if d, err = db.discrepancy(ctx, tx, actor, id, db.dialect.forUpdate); err != nil {
			return err
		}
		if !cas.CanResolveDiscrepancy(actor) {
			return cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team resolve discrepancy reports")
		}
		if d.Status != cas.DiscrepancyOpen {
			return cas.Errorf(cas.EConflict, "the discrepancy report was already resolved: %s", d.Resolution.Action)
		}
		if r.Action == cas.ResolveOffline {
			if err := tx.takeUnitsOffline(d); err != nil {
				return err
			}
		}
		before := d
		d.Status, d.Resolution, d.ResolvedAt, d.ResolvedBy = cas.DiscrepancyResolved, &r, &tx.now, actor.ID
		if _, err := tx.exec(`UPDATE discrepancies SET status = $1, resolution_action = $2, resolution_note = $3, resolved_at = $4, resolved_by = $5
			WHERE id = $6`, d.Status, r.Action, r.Note, tx.now, actor.ID, id); err != nil {
			return fmt.Errorf("resolve discrepancy report %s: %w", id, err)
		}
		if err := tx.audit("discrepancy.resolve", "discrepancy", id, before, d); err != nil {
			return err
		}
		// The agency learns the action in fixed words; the note stays in Doorway.
		return tx.notifyDiscrepancy(notify.DiscrepancyResolved, d, r.Action.Words())
	})
	return d, err
}

// takeUnitsOffline opens an offline period on each unit a report names, locking them in ID order so
// that two resolutions naming the same units cannot deadlock.
func (tx *Tx) takeUnitsOffline(d cas.Discrepancy) error {
	mayResolve := func(u *cas.User, _ string) bool { return cas.CanResolveDiscrepancy(u) }
	for _, id := range slices.Sorted(slices.Values(d.UnitIDs)) {
		u, err := tx.lockUnit(id, mayResolve, "take offline")
		if err != nil {
			return err
		}
		if _, _, err := tx.takeOffline(u, cas.OfflinePeriod{Reason: d.Note}, ""); err != nil {
			return err
		}
	}
	return nil
}

// notifyDiscrepancy tells a report's audience about it: names of the agency, program and facility,
// the units' labels, and reason; never the notes, which may name a client.
func (tx *Tx) notifyDiscrepancy(kind notify.Kind, d cas.Discrepancy, reason string) error {
	data := notify.Data{Reason: reason}
	if err := tx.queryRow(`SELECT p.name, f.name, a.name FROM facilities f JOIN programs p ON p.id = f.program_id JOIN agencies a ON a.id = f.agency_id
		WHERE f.id = $1`, d.FacilityID).Scan(&data.Program, &data.Facility, &data.Agency); err != nil {
		return fmt.Errorf("discrepancy report %s names: %w", d.ID, err)
	}
	var labels []string
	if err := eachRow(tx.ctx, tx, `SELECT u.label FROM discrepancy_units du JOIN units u ON u.id = du.unit_id
		WHERE du.discrepancy_id = $1 ORDER BY du.position`, []any{d.ID}, func(row scanner) error {
		var label string
		if err := row.Scan(&label); err != nil {
			return err
		}
		labels = append(labels, label)
		return nil
	}); err != nil {
		return fmt.Errorf("discrepancy report %s units: %w", d.ID, err)
	}
	data.Unit = strings.Join(labels, ", ")
	return tx.notify(kind, d.AgencyID, data, about{path: links.Discrepancy(d.ID)})
}
