package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
)

// transition runs one lifecycle step of a referral in a transaction: lock it, check the actor's
// scope and permission, and take the step. A referral that closes returns its client to the HPL
// and its unit to waiting over-referrals or the engine, which is asked to look again.
func (db *DB) transition(ctx context.Context, actor *cas.User, id string, action cas.ReferralAction, note string,
	allowed func(*cas.User, string) bool, change func(*cas.Referral), effect func(tx *Tx, r *cas.Referral) error) (cas.Referral, error) {
	var r cas.Referral
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var err error
		if r, _, err = referralFor(ctx, tx, actor, id, db.dialect.forUpdate); err != nil {
			return err
		}
		if !allowed(actor, r.AgencyID) {
			return cas.Errorf(cas.EForbidden, "your role cannot %s this referral", strings.ReplaceAll(string(action), "_", " "))
		}
		released, err := tx.step(&r, action, note, change, effect)
		if err != nil {
			return err
		}
		return tx.afterStep(r, released)
	})
	return r, err
}

// afterStep gives what a referral's step let go of to whoever waits for it: the unit it released
// to the over-referrals waiting for its facility, and the client's own waiting over-referrals a
// unit now that the client holds none. The matching engine is asked to look at the rest.
func (tx *Tx) afterStep(r cas.Referral, released string) error {
	job := matchReason{Reason: "referral_" + string(r.Status), FacilityID: r.FacilityID}
	if released != "" {
		_, given, err := tx.offerToWaiting(released)
		if err != nil {
			return err
		}
		if !given {
			job.UnitID = released
		}
		if err := tx.giveWaitingUnits(r.ClientID); err != nil {
			return err
		}
	}
	if r.Status.Open() || r.Status == cas.ReferralHoused && job.UnitID == "" {
		return nil
	}
	// The client is back on the list, and the unit, unless an over-referral took it, is free.
	return tx.enqueue(JobMatch, job)
}

// closeOtherReferrals withdraws a client's other open referrals, and lapses their open proposals,
// once the client no longer needs the list (moved in, or housed elsewhere): a housed person is
// never left referred.
func (tx *Tx) closeOtherReferrals(r cas.Referral, note string) error {
	// A client has at most one open proposal (match_proposals_client_open).
	var proposal, unitID string
	err := tx.queryRow(`SELECT id, unit_id FROM match_proposals WHERE client_id = $1 AND status = 'open'`, r.ClientID).Scan(&proposal, &unitID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("open proposal of %s: %w", r.ClientID, err)
	default:
		if err := tx.lapseProposal(proposal); err != nil {
			return err
		}
		if err := tx.unitFreed(unitID, "proposal_lapsed"); err != nil {
			return err
		}
	}
	others, err := tx.ids(`SELECT id FROM referrals WHERE client_id = $1 AND id <> $2 AND status IN ('pending', 'accepted') ORDER BY id`,
		r.ClientID, r.ID)
	if err != nil {
		return fmt.Errorf("other referrals of %s: %w", r.ClientID, err)
	}
	for _, id := range others {
		other, err := referralByID(tx.ctx, tx, id, tx.db.dialect.forUpdate)
		if err != nil {
			return err
		}
		released, err := tx.step(&other, cas.ActionWithdraw, note, func(o *cas.Referral) { o.Note = note }, nil)
		if err != nil {
			return err
		}
		if err := tx.afterStep(other, released); err != nil {
			return err
		}
	}
	return nil
}

// step takes one lifecycle step of a referral the transaction has locked and the actor may act on:
// check the (state, action) pair, apply change to the referral, write its new status (which lets go
// of its unit when it closes), apply the step's effect, and write a timeline entry, an audit event
// and the notifications. It returns the unit the referral let go of, if any, for the caller to
// free.
func (tx *Tx) step(r *cas.Referral, action cas.ReferralAction, note string, change func(*cas.Referral),
	effect func(tx *Tx, r *cas.Referral) error) (string, error) {
	before := *r
	next, err := cas.NextReferralStatus(r.Status, action)
	if err != nil {
		return "", err
	}
	r.Status, r.UpdatedAt = next, tx.now
	if change != nil {
		change(r)
	}
	var closedAt *time.Time
	if !next.Open() {
		closedAt = &tx.now
	}
	if _, err := tx.exec(`UPDATE referrals SET status = $1, reason_code = $2, note = $3, updated_at = $4, closed_at = $5 WHERE id = $6`,
		r.Status, nullString(string(r.ReasonCode)), r.Note, tx.now, nullTime(closedAt), r.ID); err != nil {
		return "", fmt.Errorf("%s referral %s: %w", action, r.ID, err)
	}
	if effect != nil {
		if err := effect(tx, r); err != nil {
			return "", err
		}
	}
	if r.UnitID != before.UnitID {
		if _, err := tx.exec(`UPDATE referrals SET unit_id = $1 WHERE id = $2`, nullString(r.UnitID), r.ID); err != nil {
			return "", fmt.Errorf("%s referral %s: %w", action, r.ID, err)
		}
	}
	if err := tx.referralEvent(r.ID, r.Status, string(action), note); err != nil {
		return "", err
	}
	if err := tx.audit("referral."+string(action), "referral", r.ID, before, *r); err != nil {
		return "", err
	}
	if err := tx.notifyReferral(referralNotices[action], *r, declineLabel(r.ReasonCode)); err != nil {
		return "", err
	}
	if before.UnitID != "" && !next.Open() && (next != cas.ReferralHoused || r.UnitID != before.UnitID) {
		return before.UnitID, nil
	}
	return "", nil
}

// referralNotices says whom each lifecycle step is told to, by kind. Free-text reasons and notes
// are never in a notification: they may name the client.
var referralNotices = map[cas.ReferralAction]notify.Kind{
	cas.ActionAccept: notify.ReferralAccepted, cas.ActionDecline: notify.ReferralDeclined, cas.ActionWithdraw: notify.ReferralWithdrawn,
	cas.ActionMoveIn: notify.ReferralMovedIn, cas.ActionExpire: notify.ReferralExpired,
}

func declineLabel(reason cas.DeclineReason) string {
	rule, _ := cas.DeclineRuleOf(reason)
	return rule.Label
}

// returnToHPL makes a client whose referral closed active on the list again, unless another
// referral is still open; parkDays sets them aside for a while first.
func (tx *Tx) returnToHPL(r cas.Referral, parkDays int, reason string) error {
	var open int
	if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE hpl_entry_id = $1 AND status IN ('pending', 'accepted') AND id <> $2`,
		r.HPLEntryID, r.ID).Scan(&open); err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	if parkDays > 0 {
		_, err := tx.exec(`UPDATE hpl_entries SET status = 'active', parked_until = $1, park_reason = $2, updated_at = $3 WHERE id = $4 AND status = 'referred'`,
			string(tx.today().AddDays(parkDays)), reason, tx.now, r.HPLEntryID)
		return err
	}
	_, err := tx.exec(`UPDATE hpl_entries SET status = 'active', updated_at = $1 WHERE id = $2 AND status = 'referred'`, tx.now, r.HPLEntryID)
	return err
}

// AcceptReferral records that the agency will house the client.
func (db *DB) AcceptReferral(ctx context.Context, actor *cas.User, id, note string) (cas.Referral, error) {
	return db.transition(ctx, actor, id, cas.ActionAccept, note, cas.CanRespondToReferral, nil, nil)
}

// DeclineReferral refuses a referral with a coded reason (and a note for "other"). The client goes
// back to the HPL as the reason says, and is not referred to this program again for a while.
func (db *DB) DeclineReferral(ctx context.Context, actor *cas.User, id string, reason cas.DeclineReason, note string) (cas.Referral, error) {
	if err := cas.ValidateDecline(reason, note); err != nil {
		return cas.Referral{}, err
	}
	rule, _ := cas.DeclineRuleOf(reason)
	return db.transition(ctx, actor, id, cas.ActionDecline, note, cas.CanRespondToReferral,
		func(r *cas.Referral) { r.ReasonCode, r.Note = reason, strings.TrimSpace(note) },
		func(tx *Tx, r *cas.Referral) error {
			if rule.Leaves {
				if _, err := tx.exec(`UPDATE hpl_entries SET status = 'inactive', removal_reason = $1, updated_at = $2 WHERE id = $3`,
					rule.Label, tx.now, r.HPLEntryID); err != nil {
					return err
				}
				return tx.closeOtherReferrals(*r, "Withdrawn: the client is housed elsewhere.")
			}
			return tx.returnToHPL(*r, rule.ParkDays, rule.Label)
		})
}

// WithdrawReferral takes a referral back, with a reason. CAS admins may.
func (db *DB) WithdrawReferral(ctx context.Context, actor *cas.User, id, reason string) (cas.Referral, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return cas.Referral{}, cas.Invalid("reason", "a reason is required to withdraw a referral")
	}
	return db.transition(ctx, actor, id, cas.ActionWithdraw, reason, func(u *cas.User, _ string) bool { return cas.CanManageReferrals(u) },
		func(r *cas.Referral) { r.Note = reason },
		func(tx *Tx, r *cas.Referral) error { return tx.returnToHPL(*r, 0, "") })
}

// MoveIn records that the referred client moved into a unit of the referral's facility: the unit
// the referral holds, or another free one. The client is checked into the unit and their HPL entry
// is marked housed; a unit held for anyone else is refused.
func (db *DB) MoveIn(ctx context.Context, actor *cas.User, id, unitID string) (cas.Referral, error) {
	if unitID == "" {
		return cas.Referral{}, cas.Invalid("unit_id", "unit_id is required")
	}
	return db.transition(ctx, actor, id, cas.ActionMoveIn, "", cas.CanRespondToReferral, nil, func(tx *Tx, r *cas.Referral) error {
		u, err := tx.lockUnit(unitID, cas.CanOperateUnits, "move a client into")
		if err != nil || u.FacilityID != r.FacilityID {
			return cas.Invalid("unit_id", "no unit %q in the referral's facility", unitID)
		}
		_, err = tx.moveInto(r, u)
		return err
	})
}

// moveInto checks the client of a referral, just marked housed, into a unit of its facility that
// the transaction has locked, and marks their HPL entry housed. The referral's own hold ended with
// its status, so the unit must now be free, or reserved for this very person.
func (tx *Tx) moveInto(r *cas.Referral, u cas.Unit) (cas.Occupancy, error) {
	client, err := tx.clientOf(r.ClientID)
	if err != nil {
		return cas.Occupancy{}, err
	}
	name := client.FirstName + " " + client.LastName
	// A client who moves in through CAS leaves the unit they were in (a shelter bed, say): they are
	// checked out of it, and it frees for the next person.
	if in, err := tx.occupiedBy(client.ID); err != nil {
		return cas.Occupancy{}, err
	} else if in != "" && in != u.ID {
		old, err := tx.lockUnitRow(in)
		if err != nil {
			return cas.Occupancy{}, err
		}
		if _, err := tx.checkOut(old, "moved in through referral "+r.ID); err != nil {
			return cas.Occupancy{}, err
		}
	}
	if u, err = tx.db.unit(tx.ctx, tx, u.ID); err != nil {
		return cas.Occupancy{}, err
	}
	occ, err := tx.openOccupancy(u, cas.Claim{Action: cas.ClaimCheckIn, ClientID: client.ID, ClientName: name})
	if err != nil {
		return occ, err
	}
	r.UnitID = u.ID
	if _, err = tx.exec(`UPDATE hpl_entries SET status = 'housed', parked_until = NULL, park_reason = NULL, updated_at = $1 WHERE id = $2`,
		tx.now, r.HPLEntryID); err != nil {
		return occ, err
	}
	return occ, tx.closeOtherReferrals(*r, "Withdrawn: the client moved in through another referral.")
}

// ExpireReferrals expires every pending referral whose response deadline has passed, returning
// the clients to the HPL and the units to the engine. The worker runs it periodically.
func (db *DB) ExpireReferrals(ctx context.Context) (int, error) {
	var due []string
	// An over-referral waiting in line has no deadline yet: it starts when a unit frees for it.
	err := eachRow(ctx, db.sql, `SELECT id FROM referrals WHERE status = 'pending' AND unit_id IS NOT NULL AND deadline <= $1 ORDER BY deadline, id`,
		[]any{db.now()}, func(row scanner) error {
			var id string
			err := row.Scan(&id)
			due = append(due, id)
			return err
		})
	if err != nil {
		return 0, fmt.Errorf("overdue referrals: %w", err)
	}
	expired := 0
	for _, id := range due {
		_, err := db.transition(ctx, cas.System, id, cas.ActionExpire, "no answer by the response deadline",
			func(u *cas.User, _ string) bool { return u.IsSystem() }, nil, func(tx *Tx, r *cas.Referral) error {
				if tx.now.Before(r.Deadline) || r.UnitID == "" {
					return cas.Errorf(cas.EConflict, "not yet due")
				}
				return tx.returnToHPL(*r, 0, "")
			})
		switch cas.ErrorCode(err) {
		case "":
			expired++
		case cas.EConflict: // answered meanwhile
		default:
			return expired, err
		}
	}
	return expired, nil
}
