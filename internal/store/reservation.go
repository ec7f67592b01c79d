package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/doorway-cas/doorway/internal/cas"
)

const reservationColumns = `id, unit_id, agency_id, client_name, starts_on, expires_on, status, created_at, ended_at`

func scanReservation(row scanner) (cas.Reservation, error) {
	var r cas.Reservation
	var ended sql.NullTime
	err := row.Scan(&r.ID, &r.UnitID, &r.AgencyID, &r.ClientName, &r.StartsOn, &r.ExpiresOn, &r.Status, &r.CreatedAt, &ended)
	r.CreatedAt, r.EndedAt = r.CreatedAt.UTC(), timePtr(ended)
	return r, err
}

// ReservationFilter narrows a reservation list.
type ReservationFilter struct {
	AgencyID string
	UnitID   string
	Status   cas.ReservationStatus
}

// Reservations lists the reservations the actor may see, newest first.
func (db *DB) Reservations(ctx context.Context, actor *cas.User, f ReservationFilter, page Page) ([]cas.Reservation, string, error) {
	if f.Status != "" && !slices.Contains([]cas.ReservationStatus{cas.ReservationOpen, cas.ReservationReleased, cas.ReservationExpired, cas.ReservationConverted}, f.Status) {
		return nil, "", cas.Invalid("status", "status must be open, released, expired or converted")
	}
	list, next, err := listPage(page, 1, func(after []string, limit int) (*sql.Rows, error) {
		if after[0] == "" {
			after[0] = "~" // sorts after every ID, so the first page starts at the newest
		}
		return db.sql.QueryContext(ctx, `SELECT `+reservationColumns+` FROM reservations
			WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR unit_id = $3) AND ($4 = '' OR status = $4)
			AND id < $5 ORDER BY id DESC LIMIT $6`, agencyScope(actor), f.AgencyID, f.UnitID, string(f.Status), after[0], limit)
	}, scanReservation, func(r cas.Reservation) []string { return []string{r.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list reservations: %w", err)
	}
	return list, next, nil
}

// Reservation returns one reservation, or not_found when the actor may not see it.
func (db *DB) Reservation(ctx context.Context, actor *cas.User, id string) (cas.Reservation, error) {
	r, err := scanReservation(db.sql.QueryRowContext(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !cas.CanSeeAgency(actor, r.AgencyID)) {
		return cas.Reservation{}, cas.NotFound("reservation")
	}
	return r, err
}

// CreateReservation holds a free unit for a client who is not referred through CAS, so that CAS
// refers no one else to it; a unit anyone holds (a referral among them) is refused. The unit's
// agency and the HMIS team may.
func (db *DB) CreateReservation(ctx context.Context, actor *cas.User, r cas.Reservation) (cas.Reservation, error) {
	if err := r.Validate(); err != nil {
		return cas.Reservation{}, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		if today := cas.DateOf(tx.now, db.Zone); r.ExpiresOn < today {
			return cas.Invalid("expires_on", "expires_on %s has already passed (today is %s)", r.ExpiresOn, today)
		}
		u, err := tx.lockUnit(r.UnitID, cas.CanOperateUnits, "reserve")
		if cas.ErrorCode(err) == cas.ENotFound {
			return cas.Invalid("unit_id", "no unit has ID %q", r.UnitID)
		}
		if err != nil {
			return err
		}
		if _, _, err := tx.claim(u, cas.Claim{Action: cas.ClaimReserve, ClientName: r.ClientName}); err != nil {
			return err
		}
		r.ID, r.AgencyID, r.Status, r.CreatedAt = newID(), u.AgencyID, cas.ReservationOpen, tx.now
		if _, err := tx.exec(`INSERT INTO reservations (id, unit_id, agency_id, client_name, starts_on, expires_on, status, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, r.UnitID, r.AgencyID, r.ClientName, string(r.StartsOn), string(r.ExpiresOn), r.Status, tx.now, actor.ID); err != nil {
			return fmt.Errorf("reserve %s: %w", r.UnitID, err)
		}
		return tx.audit("reservation.create", "reservation", r.ID, nil, r)
	})
	return r, err
}

// ReleaseReservation ends an open reservation by hand; the unit becomes available and the matching
// engine is asked to look for a referral.
func (db *DB) ReleaseReservation(ctx context.Context, actor *cas.User, id string) (cas.Reservation, error) {
	var r cas.Reservation
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var err error
		r, err = scanReservation(tx.queryRow(`SELECT `+reservationColumns+` FROM reservations WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return cas.NotFound("reservation")
		}
		if err != nil {
			return err
		}
		_, err = tx.lockUnit(r.UnitID, cas.CanOperateUnits, "release the reservation of")
		if cas.ErrorCode(err) == cas.ENotFound {
			return cas.NotFound("reservation")
		}
		if err != nil {
			return err
		}
		// Read again under the unit's lock: a check-in or the expiry job may have ended it meanwhile.
		if r, err = scanReservation(tx.queryRow(`SELECT `+reservationColumns+` FROM reservations WHERE id = $1`, id)); err != nil {
			return err
		}
		if r.Status != cas.ReservationOpen {
			return cas.Errorf(cas.EConflict, "the reservation is already %s", r.Status)
		}
		if _, err := tx.endReservation(r.UnitID, cas.ReservationReleased); err != nil {
			return err
		}
		before := r
		r.Status, r.EndedAt = cas.ReservationReleased, &tx.now
		if err := tx.audit("reservation.release", "reservation", id, before, r); err != nil {
			return err
		}
		return tx.unitFreed(r.UnitID, "reservation_released")
	})
	return r, err
}

// endReservation closes the open reservation of a unit with the given outcome and returns its ID.
func (tx *Tx) endReservation(unitID string, status cas.ReservationStatus) (string, error) {
	var id string
	err := tx.queryRow(`UPDATE reservations SET status = $1, ended_at = $2, ended_by = $3
		WHERE unit_id = $4 AND status = 'open' RETURNING id`, status, tx.now, tx.actor.ID, unitID).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("end reservation of %s: %w", unitID, err)
	}
	return id, nil
}

// ExpireReservations ends every open reservation whose expiry day has passed in the CoC's time
// zone, and asks the matching engine to look at each freed unit. The worker runs it periodically.
func (db *DB) ExpireReservations(ctx context.Context) (int, error) {
	expired := 0
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		today := cas.DateOf(tx.now, db.Zone)
		rows, err := tx.QueryContext(ctx, `SELECT id, unit_id FROM reservations
			WHERE status = 'open' AND expires_on < $1 ORDER BY expires_on, id`+db.dialect.forUpdate, string(today))
		if err != nil {
			return fmt.Errorf("overdue reservations: %w", err)
		}
		type overdue struct{ id, unitID string }
		var due []overdue
		for rows.Next() {
			var o overdue
			if err := rows.Scan(&o.id, &o.unitID); err != nil {
				rows.Close()
				return err
			}
			due = append(due, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, o := range due {
			if _, err := tx.endReservation(o.unitID, cas.ReservationExpired); err != nil {
				return err
			}
			if err := tx.audit("reservation.expire", "reservation", o.id, map[string]any{"status": cas.ReservationOpen},
				map[string]any{"status": cas.ReservationExpired}); err != nil {
				return err
			}
			if err := tx.unitFreed(o.unitID, "reservation_expired"); err != nil {
				return err
			}
		}
		expired = len(due)
		return nil
	})
	return expired, err
}
