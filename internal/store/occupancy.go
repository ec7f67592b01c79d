package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// CheckIn records that a client moved into a unit: a client in Doorway by clientID (one the actor
// may see), or anyone else by name. The unit must be available, or reserved: the check-in then
// converts the reservation. The unit's agency and the HMIS team may. A client referred to the unit's
// facility moves in through the referral instead, so the referral records it.
func (db *DB) CheckIn(ctx context.Context, actor *cas.User, unitID, clientID, clientName string) (cas.Occupancy, error) {
	clientName = strings.TrimSpace(clientName)
	if clientID == "" && clientName == "" {
		return cas.Occupancy{}, cas.Invalid("client_name", "client_id or client_name is required")
	}
	var occ cas.Occupancy
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := tx.lockUnit(unitID, cas.CanOperateUnits, "check a client into")
		if err != nil {
			return err
		}
		if clientID != "" {
			c, err := tx.client(clientID, "")
			if err != nil {
				return cas.Invalid("client_id", "no client has ID %q", clientID)
			}
			clientName = c.FirstName + " " + c.LastName
		}
		occ, err = tx.checkIn(u, clientID, clientName)
		return err
	})
	return occ, err
}

// checkIn opens an occupancy of a unit locked by lockUnit, converting its open reservation if any.
func (tx *Tx) checkIn(u cas.Unit, clientID, clientName string) (cas.Occupancy, error) {
	occ := cas.Occupancy{ID: newID(), UnitID: u.ID, ClientID: clientID, ClientName: clientName, StartedAt: tx.now}
	switch u.Status {
	case cas.UnitAvailable:
	case cas.UnitReserved:
		var err error
		if occ.ReservationID, err = tx.endReservation(u.ID, cas.ReservationConverted); err != nil {
			return occ, err
		}
	default:
		return occ, unitConflict(u, "check a client into")
	}
	if _, err := tx.exec(`INSERT INTO occupancies (id, unit_id, client_id, client_name, reservation_id, started_at, started_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, occ.ID, u.ID, nullString(clientID), clientName, nullString(occ.ReservationID), tx.now, tx.actor.ID); err != nil {
		return occ, fmt.Errorf("check in to %s: %w", u.ID, err)
	}
	return occ, tx.audit("unit.check_in", "unit", u.ID, map[string]any{"status": u.Status}, occ)
}

// CheckOut records that the client in a unit moved out. The unit becomes available, so the
// matching engine is asked to look for a referral.
func (db *DB) CheckOut(ctx context.Context, actor *cas.User, unitID string) (cas.Occupancy, error) {
	var occ cas.Occupancy
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := tx.lockUnit(unitID, cas.CanOperateUnits, "check a client out of")
		if err != nil {
			return err
		}
		if u.Status != cas.UnitOccupied {
			return unitConflict(u, "check a client out of")
		}
		var reservation *string
		if err := tx.queryRow(`SELECT id, client_name, started_at, reservation_id FROM occupancies WHERE unit_id = $1 AND ended_at IS NULL`, unitID).
			Scan(&occ.ID, &occ.ClientName, &occ.StartedAt, &reservation); err != nil {
			return fmt.Errorf("open occupancy of %s: %w", unitID, err)
		}
		if reservation != nil {
			occ.ReservationID = *reservation
		}
		occ.UnitID, occ.StartedAt, occ.EndedAt = unitID, occ.StartedAt.UTC(), &tx.now
		if _, err := tx.exec(`UPDATE occupancies SET ended_at = $1, ended_by = $2 WHERE id = $3`, tx.now, actor.ID, occ.ID); err != nil {
			return fmt.Errorf("check out of %s: %w", unitID, err)
		}
		if err := tx.audit("unit.check_out", "unit", unitID, map[string]any{"status": u.Status}, occ); err != nil {
			return err
		}
		return tx.enqueue(JobMatch, matchReason{Reason: "unit_checked_out", FacilityID: u.FacilityID, UnitID: unitID})
	})
	return occ, err
}
