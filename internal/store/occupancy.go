package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// CheckIn records that a client moved into a unit: a client in Doorway by clientID (one the actor
// may see), or anyone else by name. The unit must be free, or reserved for this very person (the
// check-in converts the reservation). A client with an open referral to the unit's facility moves
// in through the referral, so checking them in is that referral's move-in (accepting it first if
// it was pending). The unit's agency and the HMIS team may.
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
			clientName = c.Name()
			referral, found, err := tx.openReferralTo(clientID, u.FacilityID)
			if err != nil {
				return err
			}
			if found {
				occ, err = tx.checkInReferred(&referral, u)
				return err
			}
		}
		if clientID != "" {
			// A person is in one unit at a time.
			if in, err := tx.occupiedBy(clientID); err != nil || in != "" {
				if err == nil {
					err = &cas.Error{Code: cas.EConflict, Field: "client_id", Message: "the client is checked into another unit; they must be checked out of it first"}
				}
				return err
			}
		}
		occ, err = tx.openOccupancy(u, cas.Claim{Action: cas.ClaimCheckIn, ClientID: clientID, ClientName: clientName})
		return err
	})
	return occ, err
}

// openReferralTo finds a client's open referral to a facility, locked.
func (tx *Tx) openReferralTo(clientID, facilityID string) (cas.Referral, bool, error) {
	r, err := scanReferral(tx.queryRow(`SELECT `+referralColumns+` FROM referrals WHERE client_id = $1 AND facility_id = $2
		AND status IN ('pending', 'accepted')`+tx.db.dialect.forUpdate, clientID, facilityID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("open referral of %s to %s: %w", clientID, facilityID, err)
	}
	return r, true, nil
}

// checkInReferred records the move-in of a referred client checked into a unit (locked) of the
// referral's facility: the referral is accepted first if it was pending, then moved in. A unit the
// referral held and did not move into goes back to waiting over-referrals or the engine.
func (tx *Tx) checkInReferred(r *cas.Referral, u cas.Unit) (cas.Occupancy, error) {
	if r.Status == cas.ReferralPending {
		if _, err := tx.step(r, cas.ActionAccept, "accepted by checking the client in", nil, nil); err != nil {
			return cas.Occupancy{}, err
		}
	}
	var occ cas.Occupancy
	released, err := tx.step(r, cas.ActionMoveIn, "checked in to unit "+u.Label, nil, func(tx *Tx, r *cas.Referral) (err error) {
		occ, err = tx.moveInto(r, u)
		return err
	})
	if err != nil {
		return occ, err
	}
	return occ, tx.afterStep(*r, released)
}

// openOccupancy applies the hold rule to a check-in on a unit locked by lockUnit, converting the
// reservation of the person checked in, and opens the occupancy.
func (tx *Tx) openOccupancy(u cas.Unit, c cas.Claim) (cas.Occupancy, error) {
	occ := cas.Occupancy{ID: newID(), UnitID: u.ID, ClientID: c.ClientID, ClientName: c.ClientName, StartedAt: tx.now}
	effect, h, err := tx.claim(u, c)
	if err != nil {
		return occ, err
	}
	switch effect {
	case cas.ConvertReservation:
		if occ.ReservationID, err = tx.endReservation(u.ID, cas.ReservationConverted); err != nil {
			return occ, err
		}
	case cas.MoveInReferral:
		return occ, cas.Errorf(cas.EConflict, "unit %s is held by referral %s for this client: record the move-in on the referral", u.Label, h.ID)
	}
	if _, err := tx.exec(`INSERT INTO occupancies (id, unit_id, client_id, client_name, reservation_id, started_at, started_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, occ.ID, u.ID, nullString(c.ClientID), c.ClientName, nullString(occ.ReservationID), tx.now, tx.actor.ID); err != nil {
		return occ, fmt.Errorf("check in to %s: %w", u.ID, err)
	}
	return occ, tx.audit("unit.check_in", "unit", u.ID, map[string]any{"status": u.Status, "held_by": u.HeldBy}, occ)
}

// CheckOut records that the client in a unit moved out. The unit is free again: an over-referral
// waiting for the facility takes it, or the matching engine is asked to look for a referral.
func (db *DB) CheckOut(ctx context.Context, actor *cas.User, unitID string) (cas.Occupancy, error) {
	var occ cas.Occupancy
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := tx.lockUnit(unitID, cas.CanOperateUnits, "check a client out of")
		if err != nil {
			return err
		}
		occ, err = tx.checkOut(u, "")
		return err
	})
	return occ, err
}

// checkOut ends the occupancy of a unit the transaction has locked, with why when the system does
// it, and frees the unit.
func (tx *Tx) checkOut(u cas.Unit, why string) (cas.Occupancy, error) {
	var occ cas.Occupancy
	if u.Status != cas.UnitOccupied {
		return occ, unitConflict(u, "check a client out of")
	}
	var reservation *string
	if err := tx.queryRow(`SELECT id, client_name, started_at, reservation_id FROM occupancies WHERE unit_id = $1 AND ended_at IS NULL`, u.ID).
		Scan(&occ.ID, &occ.ClientName, &occ.StartedAt, &reservation); err != nil {
		return occ, fmt.Errorf("open occupancy of %s: %w", u.ID, err)
	}
	if reservation != nil {
		occ.ReservationID = *reservation
	}
	occ.UnitID, occ.StartedAt, occ.EndedAt = u.ID, occ.StartedAt.UTC(), &tx.now
	if _, err := tx.exec(`UPDATE occupancies SET ended_at = $1, ended_by = $2 WHERE id = $3`, tx.now, tx.actor.ID, occ.ID); err != nil {
		return occ, fmt.Errorf("check out of %s: %w", u.ID, err)
	}
	before := map[string]any{"status": u.Status}
	if why != "" {
		before["why"] = why
	}
	if err := tx.audit("unit.check_out", "unit", u.ID, before, occ); err != nil {
		return occ, err
	}
	return occ, tx.unitFreed(u.ID, "unit_checked_out")
}

// occupiedBy returns the unit a client is checked into, if any.
func (tx *Tx) occupiedBy(clientID string) (string, error) {
	var unitID string
	err := tx.queryRow(`SELECT COALESCE(MAX(unit_id), '') FROM occupancies WHERE client_id = $1 AND ended_at IS NULL`, clientID).Scan(&unitID)
	return unitID, err
}
