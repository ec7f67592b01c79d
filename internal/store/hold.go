package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/match"
	"github.com/doorway-cas/doorway/internal/notify"
)

// Who holds each unit is one rule (cas.ClaimUnit), applied here by every service that gives a unit
// to someone, and backed by the database: unit_holders has one row per held unit, written by
// triggers on the interval, referral and proposal tables, and its primary key refuses a second
// holder whatever the code does.

// holder reads who holds a unit, with the person it is held for; nil when the unit is free.
func (tx *Tx) holder(u cas.Unit) (*cas.Hold, error) {
	if u.HeldBy == nil {
		return nil, nil
	}
	h := *u.HeldBy
	var clientID, clientName sql.NullString
	var err error
	switch h.Kind {
	case cas.HoldOccupancy:
		err = tx.queryRow(`SELECT client_id, client_name FROM occupancies WHERE id = $1`, h.ID).Scan(&clientID, &clientName)
	case cas.HoldReservation:
		err = tx.queryRow(`SELECT client_name FROM reservations WHERE id = $1`, h.ID).Scan(&clientName)
	case cas.HoldReferral:
		err = tx.queryRow(`SELECT client_id FROM referrals WHERE id = $1`, h.ID).Scan(&clientID)
	case cas.HoldProposal:
		err = tx.queryRow(`SELECT client_id FROM match_proposals WHERE id = $1`, h.ID).Scan(&clientID)
	}
	if err != nil {
		return nil, fmt.Errorf("holder of unit %s: %w", u.ID, err)
	}
	h.ClientID, h.ClientName = clientID.String, clientName.String
	return &h, nil
}

// claim applies the hold rule to a claim on a unit the transaction has locked. It refuses, or ends
// the holder the rule lets the claim end (a proposal lapses; in an emergency a referral is
// withdrawn), and returns the effect with the holder, so the caller converts a reservation or
// records a referral's move-in.
func (tx *Tx) claim(u cas.Unit, c cas.Claim) (cas.ClaimEffect, *cas.Hold, error) {
	h, err := tx.holder(u)
	if err != nil {
		return "", nil, err
	}
	effect, err := cas.ClaimUnit(u.Label, h, c)
	if err != nil {
		return "", h, err
	}
	switch effect {
	case cas.LapseProposal:
		err = tx.lapseProposal(h.ID)
	case cas.WithdrawReferral:
		err = tx.withdrawForOffline(h.ID, c.WithdrawReferralReason, u)
	}
	return effect, h, err
}

// lapseProposal ends an open proposal whose unit the provider used first. It does not keep the
// client from being proposed to the program again.
func (tx *Tx) lapseProposal(id string) error {
	if _, err := tx.exec(`UPDATE match_proposals SET status = $1, ended_at = $2, ended_by = $3 WHERE id = $4 AND status = 'open'`,
		cas.ProposalLapsed, tx.now, tx.actor.ID, id); err != nil {
		return fmt.Errorf("lapse proposal %s: %w", id, err)
	}
	return tx.audit("proposal.lapse", "proposal", id, map[string]any{"status": cas.ProposalOpen}, map[string]any{"status": cas.ProposalLapsed})
}

// withdrawForOffline withdraws the referral that holds a unit the HMIS team or a CAS admin takes
// offline in an emergency: the client goes back to the list unpenalised, the agency is told of the
// withdrawal and the CAS admins of why.
func (tx *Tx) withdrawForOffline(referralID, reason string, u cas.Unit) error {
	r, err := referralByID(tx.ctx, tx, referralID, tx.db.dialect.forUpdate)
	if err != nil {
		return err
	}
	note := "Unit " + u.Label + " was taken offline: " + reason
	if _, err := tx.step(&r, cas.ActionWithdraw, note, func(r *cas.Referral) { r.Note = note }, func(tx *Tx, r *cas.Referral) error {
		return tx.returnToHPL(*r, 0, "")
	}); err != nil {
		return err
	}
	if err := tx.enqueue(JobMatch, matchReason{Reason: "referral_withdrawn", FacilityID: r.FacilityID}); err != nil {
		return err
	}
	// The client holds no unit now: their over-referrals waiting elsewhere may take one. None
	// waits at this facility (one open referral per client and facility), so the unit going
	// offline is not among those given.
	if err := tx.giveWaitingUnits(r.ClientID); err != nil {
		return err
	}
	d, err := tx.referralData(r)
	if err != nil {
		return err
	}
	d.Unit = u.Label
	return tx.notify(notify.HeldUnitOffline, r.AgencyID, d, about{referralID: r.ID, path: links.Referral(r.ID)})
}

// lockUnitRow reads a unit for a change the system makes (a referral, a proposal), holding its row
// until the transaction ends, whatever the actor's scope.
func (tx *Tx) lockUnitRow(id string) (cas.Unit, error) {
	var one int
	err := tx.queryRow(`SELECT 1 FROM units WHERE id = $1`+tx.db.dialect.forUpdate, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Unit{}, cas.NotFound("unit")
	}
	if err != nil {
		return cas.Unit{}, fmt.Errorf("lock unit %s: %w", id, err)
	}
	return tx.db.unit(tx.ctx, tx, id)
}

// unitFreed is called by every change that frees a unit (check-out, a reservation released or
// expired, back online, a new or changed unit, a referral or proposal that let it go). The oldest
// over-referral waiting for the unit's facility that fits takes it first; otherwise the matching
// engine is asked to look.
func (tx *Tx) unitFreed(unitID, reason string) error {
	u, given, err := tx.offerToWaiting(unitID)
	if err != nil || given {
		return err
	}
	return tx.enqueue(JobMatch, matchReason{Reason: reason, FacilityID: u.FacilityID, UnitID: u.ID})
}

// offerToWaiting gives a unit, if it is free, to the over-referrals waiting for its facility, and
// reports whether one took it.
func (tx *Tx) offerToWaiting(unitID string) (cas.Unit, bool, error) {
	u, err := tx.db.unit(tx.ctx, tx, unitID)
	if err != nil || !u.Free() {
		return u, !u.Free(), err
	}
	given, err := tx.giveToWaiting(u)
	return u, given, err
}

// giveToWaiting gives a free unit to the oldest over-referral waiting for its facility whose
// household the unit fits (any unit, for a referral made with an eligibility override) and whose
// client holds no other unit through a referral. The referral then holds the unit like any other,
// its response deadline counts from now, and the agency is told. It reports whether one took it.
func (tx *Tx) giveToWaiting(u cas.Unit) (bool, error) {
	var waiting []cas.Referral
	if err := eachRow(tx.ctx, tx, `SELECT `+referralColumns+` FROM referrals WHERE facility_id = $1 AND status IN ('pending', 'accepted')
		AND unit_id IS NULL ORDER BY created_at, id`, []any{u.FacilityID}, func(row scanner) error {
		r, err := scanReferral(row)
		waiting = append(waiting, r)
		return err
	}); err != nil {
		return false, fmt.Errorf("over-referrals waiting at %s: %w", u.FacilityID, err)
	}
	for _, r := range waiting {
		client, err := tx.clientOf(r.ClientID)
		if err != nil {
			return false, err
		}
		if ok, _ := match.FitsUnit(client, u); !ok && !r.EligibilityOverride {
			continue
		}
		var holding int
		if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE client_id = $1 AND status IN ('pending', 'accepted') AND unit_id IS NOT NULL`,
			r.ClientID).Scan(&holding); err != nil {
			return false, err
		}
		if holding > 0 {
			continue
		}
		program, err := tx.db.program(tx.ctx, tx, r.ProgramID)
		if err != nil {
			return false, err
		}
		before := r
		r.UnitID, r.UnitAssignedAt, r.UpdatedAt = u.ID, &tx.now, tx.now
		r.Deadline = tx.now.Add(time.Duration(program.ResponseDays) * 24 * time.Hour)
		res, err := tx.exec(`UPDATE referrals SET unit_id = $1, unit_assigned_at = $2, deadline = $3, updated_at = $2
			WHERE id = $4 AND status IN ('pending', 'accepted') AND unit_id IS NULL`, u.ID, tx.now, r.Deadline, r.ID)
		if err != nil {
			return false, fmt.Errorf("give unit %s to over-referral %s: %w", u.ID, r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // closed or given a unit meanwhile
		}
		note := fmt.Sprintf("Unit %s opened; this over-referral was first in line and now holds it. The response deadline counts from now.", u.Label)
		if err := tx.referralEvent(r.ID, r.Status, "unit_assigned", note); err != nil {
			return false, err
		}
		if err := tx.audit("referral.unit_assigned", "referral", r.ID, before, r); err != nil {
			return false, err
		}
		return true, tx.notifyReferral(notify.OverReferralUnit, r, "")
	}
	return false, nil
}

// giveWaitingUnits gives the free units of the facilities where over-referrals wait to them: of
// one client's over-referrals, once that client holds no unit, or, with clientID "", of all, before
// a matching run sees the free units (a catch-all beside unitFreed).
func (tx *Tx) giveWaitingUnits(clientID string) error {
	// Read from the tables, not unit_states: a free unit is one with no row in unit_holders, and the
	// view's "since" columns are not needed on every matching run.
	units, err := tx.ids(`SELECT u.id FROM units u WHERE NOT EXISTS (SELECT 1 FROM unit_holders h WHERE h.unit_id = u.id)
		AND u.facility_id IN (SELECT facility_id FROM referrals WHERE status IN ('pending', 'accepted') AND unit_id IS NULL
		AND ($1 = '' OR client_id = $1))
		ORDER BY u.facility_id, u.label, u.id`, clientID)
	if err != nil {
		return fmt.Errorf("free units with over-referrals waiting: %w", err)
	}
	for _, id := range units {
		// A unit another transaction is changing is skipped, not waited for: that transaction
		// offers it itself when it frees it, and waiting here could deadlock with it.
		var one int
		err := tx.queryRow(`SELECT 1 FROM units WHERE id = $1`+tx.db.dialect.skipLocked, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("lock unit %s: %w", id, err)
		}
		u, err := tx.db.unit(tx.ctx, tx, id)
		if err != nil {
			return err
		}
		if !u.Free() {
			continue
		}
		if _, err := tx.giveToWaiting(u); err != nil {
			return err
		}
	}
	return nil
}

// ids reads a one-column query of IDs.
func (tx *Tx) ids(query string, args ...any) ([]string, error) {
	var list []string
	err := eachRow(tx.ctx, tx, query, args, func(row scanner) error {
		var id string
		err := row.Scan(&id)
		list = append(list, id)
		return err
	})
	return list, err
}
