package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
)

func hmisTeam(u *cas.User, _ string) bool { return cas.CanManageAgencies(u) }

// TakeOffline opens an offline period on a unit, with a reason and an expected return date, so CAS
// stops referring to it. Only the HMIS team may, on a unit nobody holds. A unit a referral holds is
// refused unless withdrawReferralReason is given: then, in an emergency, the HMIS team or a CAS
// admin withdraws the referral in the same transaction and the client goes back to the list.
func (db *DB) TakeOffline(ctx context.Context, actor *cas.User, unitID string, o cas.OfflinePeriod, withdrawReferralReason string) (cas.OfflinePeriod, error) {
	if err := o.Validate(); err != nil {
		return cas.OfflinePeriod{}, err
	}
	withdrawReferralReason = strings.TrimSpace(withdrawReferralReason)
	emergency := func(u *cas.User, _ string) bool {
		return cas.CanManageAgencies(u) || (withdrawReferralReason != "" && cas.CanManageReferrals(u))
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := tx.lockUnit(unitID, emergency, "take offline")
		if err != nil {
			return err
		}
		var effect cas.ClaimEffect
		if o, effect, err = tx.takeOffline(u, o, withdrawReferralReason); err != nil {
			return err
		}
		if !cas.CanManageAgencies(actor) && effect != cas.WithdrawReferral {
			return cas.Errorf(cas.EForbidden, "only the HMIS team takes units offline; a CAS admin may only to withdraw the referral that holds one")
		}
		return tx.notifyUnit(notify.UnitOffline, u, o.Reason, o.ExpectedReturn)
	})
	return o, err
}

// takeOffline applies the hold rule to taking offline a unit the transaction has locked, opens the
// offline period and audits it. The caller tells the agency.
func (tx *Tx) takeOffline(u cas.Unit, o cas.OfflinePeriod, withdrawReferralReason string) (cas.OfflinePeriod, cas.ClaimEffect, error) {
	effect, _, err := tx.claim(u, cas.Claim{Action: cas.ClaimOffline, WithdrawReferralReason: withdrawReferralReason})
	if err != nil {
		return o, effect, err
	}
	o.ID, o.UnitID, o.StartedAt = newID(), u.ID, tx.now
	if _, err := tx.exec(`INSERT INTO offline_periods (id, unit_id, reason, expected_return, started_at, started_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, o.ID, u.ID, o.Reason, nullString(string(o.ExpectedReturn)), tx.now, tx.actor.ID); err != nil {
		return o, effect, fmt.Errorf("take %s offline: %w", u.ID, err)
	}
	return o, effect, tx.audit("unit.offline", "unit", u.ID, map[string]any{"status": u.Status, "held_by": u.HeldBy}, o)
}

// BringOnline ends a unit's offline period. The unit becomes available, so the matching engine is
// asked to look for a referral. Only the HMIS team may.
func (db *DB) BringOnline(ctx context.Context, actor *cas.User, unitID string) (cas.OfflinePeriod, error) {
	var o cas.OfflinePeriod
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := tx.lockUnit(unitID, hmisTeam, "bring online")
		if err != nil {
			return err
		}
		if u.Status != cas.UnitOffline {
			return unitConflict(u, "bring online")
		}
		var expected *string
		if err := tx.queryRow(`SELECT id, reason, expected_return, started_at FROM offline_periods WHERE unit_id = $1 AND ended_at IS NULL`, unitID).
			Scan(&o.ID, &o.Reason, &expected, &o.StartedAt); err != nil {
			return fmt.Errorf("open offline period of %s: %w", unitID, err)
		}
		if expected != nil {
			o.ExpectedReturn = cas.Date(*expected)
		}
		o.UnitID, o.StartedAt, o.EndedAt = unitID, o.StartedAt.UTC(), &tx.now
		if _, err := tx.exec(`UPDATE offline_periods SET ended_at = $1, ended_by = $2 WHERE id = $3`, tx.now, actor.ID, o.ID); err != nil {
			return fmt.Errorf("bring %s online: %w", unitID, err)
		}
		if err := tx.audit("unit.online", "unit", unitID, map[string]any{"status": u.Status}, o); err != nil {
			return err
		}
		if err := tx.notifyUnit(notify.UnitOnline, u, "", ""); err != nil {
			return err
		}
		return tx.unitFreed(unitID, "unit_online")
	})
	return o, err
}
