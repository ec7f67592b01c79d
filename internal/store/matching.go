package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
)

// MatchRun is what one matching run decided and did.
type MatchRun struct {
	Result    match.Result
	Referrals []cas.Referral // sent at once (programs in auto mode)
	Proposals []Proposal     // waiting for a CAS admin (programs in review mode)
	Facility  map[string]string
	Unit      map[string]string
}

// RunMatch runs the matching engine over the current HPL and free units and acts on its result:
// referrals for programs in auto mode, proposals for those in review mode. Runs never overlap: on
// PostgreSQL they take an advisory lock, on SQLite the write transaction is exclusive. With dryRun
// nothing is written.
func (db *DB) RunMatch(ctx context.Context, dryRun bool) (MatchRun, error) {
	var run MatchRun
	errDryRun := errors.New("dry run")
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		if db.dialect.matchLock != "" {
			if _, err := tx.exec(db.dialect.matchLock); err != nil {
				return fmt.Errorf("match lock: %w", err)
			}
		}
		if !dryRun {
			// This run sees every change whose match job has committed by now, so those jobs are done.
			// Jobs committed later stay queued; their changes may be too new for this snapshot.
			if _, err := tx.exec(`UPDATE jobs SET done_at = $1, locked_until = NULL WHERE kind = $2 AND done_at IS NULL`, tx.now, JobMatch); err != nil {
				return fmt.Errorf("complete match jobs: %w", err)
			}
		}
		// Over-referrals waiting in line take the units that fit them before the engine sees any (in a
		// dry run too, so it shows what the engine would really do; the run's writes are rolled back).
		if err := tx.giveWaitingUnits(""); err != nil {
			return err
		}
		snap, names, err := tx.snapshot()
		if err != nil {
			return err
		}
		run.Facility, run.Unit = names.facility, names.unit
		run.Result = match.Match(snap)
		if dryRun {
			return errDryRun
		}
		deadlines := names.responseDays
		for _, p := range run.Result.Proposals {
			// The unit is locked and must still be free: a check-in may have taken it since the
			// snapshot was read (PostgreSQL runs those beside the engine).
			u, err := tx.lockUnitRow(p.UnitID)
			if err != nil {
				return err
			}
			if !u.Free() {
				continue
			}
			if p.Mode == cas.ReferralReview {
				prop, err := tx.insertProposal(p)
				if err != nil {
					return err
				}
				run.Proposals = append(run.Proposals, prop)
				continue
			}
			r := referralOf(p, tx.now, deadlines[p.ProgramID], cas.System.ID)
			if err := tx.insertReferral(r, ""); err != nil {
				return err
			}
			run.Referrals = append(run.Referrals, r)
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return run, err
}

func referralOf(p match.Proposal, now time.Time, responseDays int, by string) cas.Referral {
	return cas.Referral{ID: newID(), ClientID: p.ClientID, HPLEntryID: p.HPLEntryID, ProgramID: p.ProgramID, FacilityID: p.FacilityID,
		AgencyID: p.AgencyID, UnitID: p.UnitID, Status: cas.ReferralPending, Source: cas.SourceEngine, Rank: p.Rank,
		SchemeVersion: p.SchemeVersion, MatchReason: p.Reason, Deadline: now.Add(time.Duration(responseDays) * 24 * time.Hour),
		CreatedBy: by, CreatedAt: now, UpdatedAt: now}
}

// snapshotNames are the names and settings a run's report and actions need beside the snapshot.
type snapshotNames struct {
	facility, unit map[string]string
	responseDays   map[string]int
}

// snapshot reads what the engine needs: the ranked list's candidates, and the facilities with free
// units (available and held by no open referral or proposal) with their programs.
func (tx *Tx) snapshot() (match.Snapshot, snapshotNames, error) {
	names := snapshotNames{facility: map[string]string{}, unit: map[string]string{}, responseDays: map[string]int{}}
	snap := match.Snapshot{Today: tx.today()}
	var err error
	if snap.Scheme, err = currentScheme(tx.ctx, tx); err != nil {
		return snap, names, err
	}
	if snap.Candidates, err = tx.db.loadCandidates(tx.ctx, tx, tx.now); err != nil {
		return snap, names, err
	}
	units, err := freeUnits(tx.ctx, tx, "")
	if err != nil {
		return snap, names, err
	}
	byFacility := map[string]int{}
	for _, u := range units {
		names.unit[u.ID] = u.Label
		i, ok := byFacility[u.FacilityID]
		if !ok {
			f, err := tx.db.facility(tx.ctx, tx, u.FacilityID, "")
			if err != nil {
				return snap, names, err
			}
			p, err := tx.db.program(tx.ctx, tx, f.ProgramID)
			if err != nil {
				return snap, names, err
			}
			names.facility[f.ID], names.responseDays[p.ID] = f.Name, p.ResponseDays
			i = len(snap.Facilities)
			byFacility[u.FacilityID] = i
			snap.Facilities = append(snap.Facilities, match.Facility{Facility: f, Program: p})
		}
		snap.Facilities[i].FreeUnits = append(snap.Facilities[i].FreeUnits, u)
	}
	return snap, names, nil
}

// Proposal is a referral the engine proposes for a program in review mode.
type Proposal struct {
	match.Proposal
	ID         string
	Status     string // open, sent or dismissed
	ReferralID string
	CreatedAt  time.Time
}

const proposalColumns = `id, client_id, hpl_entry_id, program_id, facility_id, agency_id, unit_id, rank, scheme_version, reason, status,
	COALESCE(referral_id, ''), created_at`

func scanProposal(row scanner) (Proposal, error) {
	var p Proposal
	err := row.Scan(&p.ID, &p.ClientID, &p.HPLEntryID, &p.ProgramID, &p.FacilityID, &p.AgencyID, &p.UnitID, &p.Rank, &p.SchemeVersion,
		&p.Reason, &p.Status, &p.ReferralID, &p.CreatedAt)
	p.Mode, p.CreatedAt = cas.ReferralReview, p.CreatedAt.UTC()
	return p, err
}

func (tx *Tx) insertProposal(p match.Proposal) (Proposal, error) {
	prop := Proposal{Proposal: p, ID: newID(), Status: "open", CreatedAt: tx.now}
	if _, err := tx.exec(`INSERT INTO match_proposals (id, client_id, hpl_entry_id, program_id, facility_id, agency_id, unit_id, rank,
		scheme_version, reason, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)`,
		prop.ID, p.ClientID, p.HPLEntryID, p.ProgramID, p.FacilityID, p.AgencyID, p.UnitID, p.Rank, p.SchemeVersion, p.Reason, tx.now); err != nil {
		return prop, fmt.Errorf("insert proposal: %w", err)
	}
	return prop, tx.audit("proposal.create", "proposal", prop.ID, nil, prop)
}

// Proposals lists the open proposals, oldest first. CAS admins may.
func (db *DB) Proposals(ctx context.Context, actor *cas.User) ([]Proposal, error) {
	if !cas.CanManageReferrals(actor) {
		return nil, cas.Errorf(cas.EForbidden, "only CAS admins review proposals")
	}
	list := []Proposal{}
	err := eachRow(ctx, db.sql, `SELECT `+proposalColumns+` FROM match_proposals WHERE status = 'open' ORDER BY created_at, id`, nil,
		func(row scanner) error {
			p, err := scanProposal(row)
			list = append(list, p)
			return err
		})
	return list, err
}

// endProposal locks an open proposal and closes it with a status.
func (tx *Tx) endProposal(id, status string) (Proposal, error) {
	p, err := scanProposal(tx.queryRow(`SELECT `+proposalColumns+` FROM match_proposals WHERE id = $1`+tx.db.dialect.forUpdate, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, cas.NotFound("proposal")
	}
	if err != nil {
		return p, err
	}
	if p.Status != "open" {
		return p, cas.Errorf(cas.EConflict, "the proposal is already %s", p.Status)
	}
	_, err = tx.exec(`UPDATE match_proposals SET status = $1, ended_at = $2, ended_by = $3 WHERE id = $4`, status, tx.now, tx.actor.ID, id)
	return p, err
}

// SendProposal turns a proposal into a referral, in one call. CAS admins may.
func (db *DB) SendProposal(ctx context.Context, actor *cas.User, id string) (cas.Referral, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.Referral{}, cas.Errorf(cas.EForbidden, "only CAS admins send proposals")
	}
	var r cas.Referral
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		p, err := tx.endProposal(id, "sent")
		if err != nil {
			return err
		}
		var entry cas.HPLStatus
		if err := tx.queryRow(`SELECT status FROM hpl_entries WHERE id = $1`, p.HPLEntryID).Scan(&entry); err != nil {
			return err
		}
		if entry != cas.HPLActive {
			return cas.Errorf(cas.EConflict, "the client is %s on the HPL now; dismiss the proposal", entry)
		}
		u, err := tx.lockUnitRow(p.UnitID)
		if err != nil {
			return err
		}
		if _, _, err := tx.claim(u, cas.Claim{Action: cas.ClaimRefer, ClientID: p.ClientID}); err != nil {
			return err
		}
		program, err := db.program(ctx, tx, p.ProgramID)
		if err != nil {
			return err
		}
		r = referralOf(p.Proposal, tx.now, program.ResponseDays, actor.ID)
		if err := tx.insertReferral(r, p.ID); err != nil {
			return err
		}
		_, err = tx.exec(`UPDATE match_proposals SET referral_id = $1 WHERE id = $2`, r.ID, id)
		return err
	})
	return r, err
}

// DismissProposal drops a proposal; the unit goes back to waiting over-referrals or the engine, and
// the client is not proposed to that program again for the no-re-referral period.
func (db *DB) DismissProposal(ctx context.Context, actor *cas.User, id string) error {
	if !cas.CanManageReferrals(actor) {
		return cas.Errorf(cas.EForbidden, "only CAS admins dismiss proposals")
	}
	return db.inTx(ctx, actor, func(tx *Tx) error {
		p, err := tx.endProposal(id, "dismissed")
		if err != nil {
			return err
		}
		if err := tx.audit("proposal.dismiss", "proposal", id, p, nil); err != nil {
			return err
		}
		return tx.unitFreed(p.UnitID, "proposal_dismissed")
	})
}
