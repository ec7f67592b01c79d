package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

const unitColumns = `id, facility_id, agency_id, label, bedrooms, household_types, accessible, created_at, status,
	offline_since, occupied_since, reserved_since, last_occupancy_end, last_reservation_end, last_offline_end,
	held_by_kind, held_by_id, held_since`

func scanUnit(row scanner) (cas.Unit, error) {
	var u cas.Unit
	var types string
	var created, offline, occupied, reserved, occEnd, resEnd, offEnd, heldSince anyTime
	var holdKind, holdID sql.NullString
	err := row.Scan(&u.ID, &u.FacilityID, &u.AgencyID, &u.Label, &u.Bedrooms, &types, &u.Accessible, &created, &u.Status,
		&offline, &occupied, &reserved, &occEnd, &resEnd, &offEnd, &holdKind, &holdID, &heldSince)
	if err != nil {
		return u, err
	}
	u.CreatedAt = created.Time
	if holdKind.Valid {
		u.HeldBy = &cas.Hold{Kind: cas.HoldKind(holdKind.String), ID: holdID.String, Since: heldSince.Time}
	}
	if err := json.Unmarshal([]byte(types), &u.HouseholdTypes); err != nil {
		return u, fmt.Errorf("unit %s household types: %w", u.ID, err)
	}
	switch u.Status {
	case cas.UnitOffline:
		u.StatusSince = offline.Time
	case cas.UnitOccupied:
		u.StatusSince = occupied.Time
	case cas.UnitReserved:
		u.StatusSince = reserved.Time
	default:
		// Available since the unit was created or since its last interval ended, whichever is later.
		u.StatusSince = u.CreatedAt
		for _, t := range []anyTime{occEnd, resEnd, offEnd} {
			if t.Valid && t.Time.After(u.StatusSince) {
				u.StatusSince = t.Time
			}
		}
	}
	return u, nil
}

// UnitFilter narrows a unit list.
type UnitFilter struct {
	AgencyID   string
	FacilityID string
	Status     cas.UnitStatus
	// Free keeps the units nobody holds: available and not held for a referral or a proposal.
	Free bool
}

// flagInt passes a boolean as 0 or 1, which both databases compare the same way.
func flagInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Units lists the units the actor may see, by facility and label.
func (db *DB) Units(ctx context.Context, actor *cas.User, f UnitFilter, page Page) ([]cas.Unit, string, error) {
	return listUnits(ctx, db.sql, actor, f, page)
}

func listUnits(ctx context.Context, q querier, actor *cas.User, f UnitFilter, page Page) ([]cas.Unit, string, error) {
	if f.Status != "" && !slices.Contains([]cas.UnitStatus{cas.UnitAvailable, cas.UnitReserved, cas.UnitOccupied, cas.UnitOffline}, f.Status) {
		return nil, "", cas.Invalid("status", "status must be available, reserved, occupied or offline")
	}
	list, next, err := listPage(page, 3, func(after []string, limit int) (*sql.Rows, error) {
		return q.QueryContext(ctx, `SELECT `+unitColumns+` FROM unit_states
			WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR facility_id = $3) AND ($4 = '' OR status = $4)
			AND ($9 = 0 OR held_by_kind IS NULL)
			AND (facility_id, label, id) > ($5, $6, $7) ORDER BY facility_id, label, id LIMIT $8`,
			agencyScope(actor), f.AgencyID, f.FacilityID, string(f.Status), after[0], after[1], after[2], limit, flagInt(f.Free))
	}, scanUnit, func(u cas.Unit) []string { return []string{u.FacilityID, u.Label, u.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list units: %w", err)
	}
	return list, next, nil
}

// Unit returns one unit with its derived status, or not_found when the actor may not see it.
func (db *DB) Unit(ctx context.Context, actor *cas.User, id string) (cas.Unit, error) {
	u, err := db.unit(ctx, db.sql, id)
	if err == nil && !cas.CanSeeAgency(actor, u.AgencyID) {
		return cas.Unit{}, cas.NotFound("unit")
	}
	return u, err
}

func (db *DB) unit(ctx context.Context, q querier, id string) (cas.Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM unit_states WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Unit{}, cas.NotFound("unit")
	}
	if err != nil {
		return cas.Unit{}, fmt.Errorf("unit %s: %w", id, err)
	}
	return u, nil
}

// lockUnit reads a unit for a state change, holding its row until the transaction ends so that
// two changes to one unit run one after the other. It answers not_found outside the actor's scope
// and forbidden when the actor sees the unit but may not do this to it.
func (tx *Tx) lockUnit(id string, allowed func(actor *cas.User, agencyID string) bool, what string) (cas.Unit, error) {
	var agencyID string
	err := tx.queryRow(`SELECT agency_id FROM units WHERE id = $1`+tx.db.dialect.forUpdate, id).Scan(&agencyID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !cas.CanSeeAgency(tx.actor, agencyID)) {
		return cas.Unit{}, cas.NotFound("unit")
	}
	if err != nil {
		return cas.Unit{}, fmt.Errorf("lock unit %s: %w", id, err)
	}
	if !allowed(tx.actor, agencyID) {
		return cas.Unit{}, cas.Errorf(cas.EForbidden, "your role cannot %s this unit", what)
	}
	return tx.db.unit(tx.ctx, tx, id)
}

// unitConflict explains why a unit's state refuses an action.
func unitConflict(u cas.Unit, action string) error {
	return cas.Errorf(cas.EConflict, "cannot %s unit %s: it is %s since %s", action, u.Label, u.Status, u.StatusSince.Format(time.RFC3339))
}

// CreateUnit adds a unit to a facility. Only the HMIS team may. A new unit is free: an
// over-referral waiting for the facility takes it, or the matching engine is asked to look.
func (db *DB) CreateUnit(ctx context.Context, actor *cas.User, u cas.Unit) (cas.Unit, error) {
	if !cas.CanManageAgencies(actor) {
		return cas.Unit{}, cas.Errorf(cas.EForbidden, "only the HMIS team can add units")
	}
	if err := u.Validate(); err != nil {
		return cas.Unit{}, err
	}
	var created cas.Unit
	err := db.inTx(ctx, actor, func(tx *Tx) (err error) {
		created, err = tx.createUnit(u)
		return err
	})
	return created, err
}

// createUnit inserts a validated unit into its facility, with its audit event, and asks the
// matching engine to look for a referral to it.
func (tx *Tx) createUnit(u cas.Unit) (cas.Unit, error) {
	f, err := tx.db.facility(tx.ctx, tx, u.FacilityID, "")
	if err != nil {
		return cas.Unit{}, cas.Invalid("facility_id", "no facility has ID %q", u.FacilityID)
	}
	if err := tx.checkUnitLabel(u); err != nil {
		return cas.Unit{}, err
	}
	u.ID, u.AgencyID = newID(), f.AgencyID
	types, _ := json.Marshal(u.HouseholdTypes)
	if _, err := tx.exec(`INSERT INTO units (id, facility_id, agency_id, label, bedrooms, household_types, accessible, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, u.ID, u.FacilityID, u.AgencyID, u.Label, u.Bedrooms, string(types), u.Accessible, tx.now); err != nil {
		return cas.Unit{}, fmt.Errorf("insert unit: %w", err)
	}
	created, err := tx.db.unit(tx.ctx, tx, u.ID)
	if err != nil {
		return cas.Unit{}, err
	}
	if err := tx.audit("unit.create", "unit", u.ID, nil, created); err != nil {
		return cas.Unit{}, err
	}
	return created, tx.unitFreed(u.ID, "unit_created")
}

func (tx *Tx) checkUnitLabel(u cas.Unit) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM units WHERE facility_id = $1 AND label = $2 AND id <> $3`, u.FacilityID, u.Label, u.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "label", Message: fmt.Sprintf("the facility already has a unit labelled %q", u.Label)}
	}
	return nil
}

// UpdateUnit changes a unit's label, bedrooms, household types or accessibility. Only the HMIS team
// may; a unit cannot move to another facility.
func (db *DB) UpdateUnit(ctx context.Context, actor *cas.User, id string, change func(*cas.Unit)) (cas.Unit, error) {
	var after cas.Unit
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := tx.lockUnit(id, func(u *cas.User, _ string) bool { return cas.CanManageAgencies(u) }, "change")
		if err != nil {
			return err
		}
		after = before
		after.HouseholdTypes = slices.Clone(before.HouseholdTypes)
		change(&after)
		if after.FacilityID != before.FacilityID {
			return cas.Invalid("facility_id", "a unit cannot move to another facility")
		}
		if err := after.Validate(); err != nil {
			return err
		}
		if err := tx.checkUnitLabel(after); err != nil {
			return err
		}
		types, _ := json.Marshal(after.HouseholdTypes)
		if _, err := tx.exec(`UPDATE units SET label = $1, bedrooms = $2, household_types = $3, accessible = $4, updated_at = $5 WHERE id = $6`,
			after.Label, after.Bedrooms, string(types), after.Accessible, tx.now, id); err != nil {
			return fmt.Errorf("update unit %s: %w", id, err)
		}
		if err := tx.audit("unit.update", "unit", id, before, after); err != nil {
			return err
		}
		// A free unit that now serves other households may fit someone it did not before.
		return tx.unitFreed(id, "unit_changed")
	})
	return after, err
}
