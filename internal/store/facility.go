package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

const facilityColumns = `id, program_id, agency_id, name, address, inventory_confirmed_at, created_at, updated_at`

func scanFacility(row scanner) (cas.Facility, error) {
	var f cas.Facility
	var confirmed sql.NullTime
	err := row.Scan(&f.ID, &f.ProgramID, &f.AgencyID, &f.Name, &f.Address, &confirmed, &f.CreatedAt, &f.UpdatedAt)
	f.InventoryConfirmedAt = timePtr(confirmed)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return f, err
}

// FacilityFilter narrows a facility list.
type FacilityFilter struct {
	AgencyID  string
	ProgramID string
}

// Facilities lists the facilities the actor may see, by name.
func (db *DB) Facilities(ctx context.Context, actor *cas.User, f FacilityFilter, page Page) ([]cas.Facility, string, error) {
	return listFacilities(ctx, db.sql, actor, f, page)
}

func listFacilities(ctx context.Context, q querier, actor *cas.User, f FacilityFilter, page Page) ([]cas.Facility, string, error) {
	list, next, err := listPage(page, 2, func(after []string, limit int) (*sql.Rows, error) {
		return q.QueryContext(ctx, `SELECT `+facilityColumns+` FROM facilities
			WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR program_id = $3)
			AND (name, id) > ($4, $5) ORDER BY name, id LIMIT $6`, agencyScope(actor), f.AgencyID, f.ProgramID, after[0], after[1], limit)
	}, scanFacility, func(f cas.Facility) []string { return []string{f.Name, f.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list facilities: %w", err)
	}
	return list, next, nil
}

// Facility returns one facility, or not_found when the actor may not see it.
func (db *DB) Facility(ctx context.Context, actor *cas.User, id string) (cas.Facility, error) {
	f, err := db.facility(ctx, db.sql, id, "")
	if err == nil && !cas.CanSeeAgency(actor, f.AgencyID) {
		return cas.Facility{}, cas.NotFound("facility")
	}
	return f, err
}

// facility reads a facility; lock is the dialect's FOR UPDATE inside transactions that change it.
func (db *DB) facility(ctx context.Context, q querier, id, lock string) (cas.Facility, error) {
	f, err := scanFacility(q.QueryRowContext(ctx, `SELECT `+facilityColumns+` FROM facilities WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Facility{}, cas.NotFound("facility")
	}
	if err != nil {
		return cas.Facility{}, fmt.Errorf("facility %s: %w", id, err)
	}
	return f, nil
}

// CreateFacility adds a facility to a program. Only the HMIS team may.
func (db *DB) CreateFacility(ctx context.Context, actor *cas.User, f cas.Facility) (cas.Facility, error) {
	if !cas.CanManageAgencies(actor) {
		return cas.Facility{}, cas.Errorf(cas.EForbidden, "only the HMIS team can add facilities")
	}
	if err := f.Validate(); err != nil {
		return cas.Facility{}, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error { return tx.createFacility(&f) })
	return f, err
}

// createFacility inserts a validated facility into its program, with its audit event, filling in
// its ID and agency.
func (tx *Tx) createFacility(f *cas.Facility) error {
	p, err := tx.db.program(tx.ctx, tx, f.ProgramID)
	if err != nil {
		return cas.Invalid("program_id", "no program has ID %q", f.ProgramID)
	}
	f.ID, f.AgencyID, f.CreatedAt, f.UpdatedAt = newID(), p.AgencyID, tx.now, tx.now
	if _, err := tx.exec(`INSERT INTO facilities (id, program_id, agency_id, name, address, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.ID, f.ProgramID, f.AgencyID, f.Name, f.Address, f.CreatedAt, f.UpdatedAt); err != nil {
		return fmt.Errorf("insert facility: %w", err)
	}
	return tx.audit("facility.create", "facility", f.ID, nil, f)
}

// UpdateFacility changes a facility's name or address. Only the HMIS team may; a facility cannot
// move to another program.
func (db *DB) UpdateFacility(ctx context.Context, actor *cas.User, id string, change func(*cas.Facility)) (cas.Facility, error) {
	var after cas.Facility
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := db.facility(ctx, tx, id, db.dialect.forUpdate)
		if err != nil {
			return err
		}
		if !cas.CanManageAgencies(actor) {
			if cas.CanSeeAgency(actor, before.AgencyID) {
				return cas.Errorf(cas.EForbidden, "only the HMIS team can change facilities")
			}
			return cas.NotFound("facility")
		}
		after = before
		change(&after)
		if after.ProgramID != before.ProgramID {
			return cas.Invalid("program_id", "a facility cannot move to another program")
		}
		if err := after.Validate(); err != nil {
			return err
		}
		after.UpdatedAt = tx.now
		if _, err := tx.exec(`UPDATE facilities SET name = $1, address = $2, updated_at = $3 WHERE id = $4`,
			after.Name, after.Address, after.UpdatedAt, id); err != nil {
			return fmt.Errorf("update facility %s: %w", id, err)
		}
		return tx.audit("facility.update", "facility", id, before, after)
	})
	return after, err
}

// ConfirmInventory records that the agency checked the facility's unit roster and found it true.
// The facility's agency and the HMIS team may.
func (db *DB) ConfirmInventory(ctx context.Context, actor *cas.User, facilityID string) (cas.Facility, error) {
	var f cas.Facility
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var err error
		if f, err = db.facility(ctx, tx, facilityID, db.dialect.forUpdate); err != nil {
			return err
		}
		if !cas.CanOperateUnits(actor, f.AgencyID) {
			if cas.CanSeeAgency(actor, f.AgencyID) {
				return cas.Errorf(cas.EForbidden, "only the facility's agency and the HMIS team confirm its inventory")
			}
			return cas.NotFound("facility")
		}
		before := f.InventoryConfirmedAt
		f.InventoryConfirmedAt, f.UpdatedAt = &tx.now, tx.now
		if _, err := tx.exec(`UPDATE facilities SET inventory_confirmed_at = $1, updated_at = $1 WHERE id = $2`, tx.now, f.ID); err != nil {
			return fmt.Errorf("confirm inventory of %s: %w", f.ID, err)
		}
		if _, err := tx.exec(`INSERT INTO inventory_confirmations (id, facility_id, confirmed_at, confirmed_by) VALUES ($1, $2, $3, $4)`,
			newID(), f.ID, tx.now, actor.ID); err != nil {
			return fmt.Errorf("record confirmation of %s: %w", f.ID, err)
		}
		return tx.audit("facility.confirm_inventory", "facility", f.ID,
			map[string]any{"inventory_confirmed_at": before}, map[string]any{"inventory_confirmed_at": tx.now})
	})
	return f, err
}

// InventoryConfirmations lists when a facility's roster was confirmed, newest first.
func (db *DB) InventoryConfirmations(ctx context.Context, actor *cas.User, facilityID string) ([]Confirmation, error) {
	if _, err := db.Facility(ctx, actor, facilityID); err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT c.confirmed_at, c.confirmed_by, COALESCE(u.name, c.confirmed_by)
		FROM inventory_confirmations c LEFT JOIN users u ON u.id = c.confirmed_by
		WHERE c.facility_id = $1 ORDER BY c.confirmed_at DESC`, facilityID)
	if err != nil {
		return nil, fmt.Errorf("confirmations of %s: %w", facilityID, err)
	}
	defer rows.Close()
	list := []Confirmation{}
	for rows.Next() {
		var c Confirmation
		if err := rows.Scan(&c.At, &c.ByID, &c.ByName); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		list = append(list, c)
	}
	return list, rows.Err()
}

// Confirmation is one "this roster is accurate" from an agency.
type Confirmation struct {
	At     time.Time
	ByID   string
	ByName string
}
