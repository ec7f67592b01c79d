package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
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
// referrals for programs in auto mode, proposals for those in review mode. The engine reads its
// snapshot outside any write transaction; the short transaction that follows takes the match lock
// (PostgreSQL's advisory lock; SQLite's write transactions are exclusive), checks again that each
// unit is still free and each client unchanged and without an open referral, and writes. With
// dryRun nothing is written.
func (db *DB) RunMatch(ctx context.Context, dryRun bool) (MatchRun, error) {
	if dryRun {
		return db.dryRunMatch(ctx)
	}
	var run MatchRun
	// Over-referrals waiting in line take the units that fit them before the engine sees any.
	if err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		if err := tx.matchLock(); err != nil {
			return err
		}
		return tx.giveWaitingUnits("")
	}); err != nil {
		return run, err
	}
	// The match jobs queued by now are answered by this run: their changes committed before the
	// snapshot is read. Jobs queued later stay; their changes may be too new for it.
	var jobs []any
	if err := eachRow(ctx, db.sql, `SELECT id FROM jobs WHERE kind = $1 AND done_at IS NULL`, []any{JobMatch}, func(row scanner) error {
		var id int64
		err := row.Scan(&id)
		jobs = append(jobs, id)
		return err
	}); err != nil {
		return run, fmt.Errorf("match jobs: %w", err)
	}
	list, err := db.rankedHPL(ctx)
	if err != nil {
		return run, err
	}
	snap, names, err := db.snapshot(ctx, db.sql, list)
	if err != nil {
		return run, err
	}
	run.Facility, run.Unit = names.facility, names.unit
	if len(snap.Facilities) > 0 {
		run.Result = runEngine(&snap, names)
	}
	// The proposals are written a few at a time, each batch in its own short transaction, so that a
	// large run (a CoC's first) never holds the write lock for long. The jobs are completed with the
	// last batch: a failure before it leaves them to run again.
	batches := slices.Collect(slices.Chunk(run.Result.Proposals, writeBatch))
	if len(batches) == 0 {
		batches = [][]match.Proposal{nil}
	}
	for i, batch := range batches {
		referrals, proposals := len(run.Referrals), len(run.Proposals)
		err := db.inTx(ctx, cas.System, func(tx *Tx) error {
			// A retried transaction writes the batch again: what it wrote before was rolled back.
			run.Referrals, run.Proposals = run.Referrals[:referrals], run.Proposals[:proposals]
			if err := tx.matchLock(); err != nil {
				return err
			}
			if err := tx.writeProposals(&run, snap, names, batch); err != nil {
				return err
			}
			if i < len(batches)-1 {
				return nil
			}
			if len(snap.Facilities) > 0 {
				// The policy lab replays the engine at the moments it ran with a free unit.
				if _, err := tx.exec(`INSERT INTO match_runs (ran_at) VALUES ($1)`, names.at); err != nil {
					return fmt.Errorf("record match run: %w", err)
				}
			}
			for ids := range slices.Chunk(jobs, 500) {
				if _, err := tx.exec(`UPDATE jobs SET done_at = $1, locked_until = NULL WHERE done_at IS NULL AND id IN (`+placeholders(2, len(ids))+`)`,
					append([]any{tx.now}, ids...)...); err != nil {
					return fmt.Errorf("complete match jobs: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return run, err
		}
	}
	return run, nil
}

// writeBatch is how many of a run's proposals one write transaction takes.
const writeBatch = 50

// writeProposals writes the referrals and proposals of a batch whose unit is still free and whose
// client is as the snapshot saw them. When a client changed, another run is asked for.
func (tx *Tx) writeProposals(run *MatchRun, snap match.Snapshot, names snapshotNames, batch []match.Proposal) error {
	if err := tx.lockForProposals(batch); err != nil {
		return err
	}
	stale := false
	for _, p := range batch {
		// The unit is locked and must still be free: a check-in may have taken it since the
		// snapshot was read.
		u, err := tx.lockUnitRow(p.UnitID)
		if err != nil {
			return err
		}
		if !u.Free() {
			continue
		}
		same, err := tx.unchangedSince(snap, p)
		if err != nil {
			return err
		}
		if !same {
			stale = true
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
		r := referralOf(p, tx.now, names.responseDays[p.ProgramID], cas.System.ID)
		if err := tx.insertReferral(r, ""); err != nil {
			return err
		}
		run.Referrals = append(run.Referrals, r)
	}
	if stale {
		// A client changed since the snapshot: the units they were chosen for are looked at again.
		return tx.enqueue(JobMatch, matchReason{Reason: "changed_during_matching"})
	}
	return nil
}

// lockForProposals locks what a batch of proposals will write to in the order a CAS admin's
// referral locks it (CreateReferral: the facility, then the client's HPL entry with the client,
// then the unit), every facility before any entry and every entry before any unit, each kind in ID
// order. Locked one proposal at a time instead, a run holding a unit and waiting for its client's
// entry deadlocked with a referral holding that entry and waiting for the unit.
func (tx *Tx) lockForProposals(batch []match.Proposal) error {
	if tx.db.dialect.forUpdate == "" || len(batch) == 0 {
		return nil // SQLite's write transactions run one at a time
	}
	for _, lock := range []struct {
		query string
		id    func(match.Proposal) string
	}{
		{`SELECT f.id FROM facilities f WHERE f.id IN (%s) ORDER BY f.id FOR UPDATE`, func(p match.Proposal) string { return p.FacilityID }},
		{`SELECT e.id FROM hpl_entries e JOIN clients c ON c.id = e.client_id WHERE e.id IN (%s) ORDER BY e.id FOR UPDATE`,
			func(p match.Proposal) string { return p.HPLEntryID }},
		{`SELECT u.id FROM units u WHERE u.id IN (%s) ORDER BY u.id FOR UPDATE`, func(p match.Proposal) string { return p.UnitID }},
	} {
		ids := make([]string, 0, len(batch))
		for _, p := range batch {
			ids = append(ids, lock.id(p))
		}
		slices.Sort(ids)
		args := make([]any, 0, len(ids))
		for _, id := range slices.Compact(ids) {
			args = append(args, id)
		}
		if err := eachRow(tx.ctx, tx, fmt.Sprintf(lock.query, placeholders(1, len(args))), args, func(scanner) error { return nil }); err != nil {
			return fmt.Errorf("lock for proposals: %w", err)
		}
	}
	return nil
}

// dryRunMatch shows what a run would do now, writing nothing: waiting over-referrals take their
// units in a transaction that is rolled back, and the engine reads the snapshot inside it.
func (db *DB) dryRunMatch(ctx context.Context) (MatchRun, error) {
	var run MatchRun
	list, err := db.rankedHPL(ctx)
	if err != nil {
		return run, err
	}
	errDryRun := errors.New("dry run")
	err = db.inTx(ctx, cas.System, func(tx *Tx) error {
		if err := tx.giveWaitingUnits(""); err != nil {
			return err
		}
		snap, names, err := db.snapshot(ctx, tx, list)
		if err != nil {
			return err
		}
		run.Facility, run.Unit = names.facility, names.unit
		run.Result = runEngine(&snap, names)
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return run, err
}

// matchLock makes matching runs' writes wait for each other.
func (tx *Tx) matchLock() error {
	if tx.db.dialect.matchLock == "" {
		return nil
	}
	if _, err := tx.exec(tx.db.dialect.matchLock); err != nil {
		return fmt.Errorf("match lock: %w", err)
	}
	return nil
}

// unchangedSince reports whether a proposal's client is as the snapshot saw them: the entry still
// active, entry and client not changed since, and no open referral or proposal made meanwhile.
func (tx *Tx) unchangedSince(snap match.Snapshot, p match.Proposal) (bool, error) {
	var seen *match.Candidate
	if i := p.Rank - 1; i >= 0 && i < len(snap.Candidates) && snap.Candidates[i].Entry.ID == p.HPLEntryID {
		seen = &snap.Candidates[i]
	}
	if seen == nil {
		return false, nil
	}
	var status cas.HPLStatus
	var entryAt, clientAt time.Time
	var open bool
	err := tx.queryRow(`SELECT e.status, e.updated_at, c.updated_at,
		EXISTS (SELECT 1 FROM referrals r WHERE r.client_id = c.id AND r.status IN ('pending', 'accepted'))
		OR EXISTS (SELECT 1 FROM match_proposals m WHERE m.client_id = c.id AND m.status = 'open')
		FROM hpl_entries e JOIN clients c ON c.id = e.client_id WHERE e.id = $1`+tx.db.dialect.forUpdate, p.HPLEntryID).
		Scan(&status, &entryAt, &clientAt, &open)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("HPL entry %s: %w", p.HPLEntryID, err)
	}
	return status == cas.HPLActive && !open && entryAt.Equal(seen.Entry.UpdatedAt) && clientAt.Equal(seen.Client.UpdatedAt), nil
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
	at             time.Time // the moment the snapshot was read
	// listed counts the candidates on the list; top gives the first n of them.
	listed int
	top    func(n int) []match.Candidate
}

// firstTop is how much of the list a run with one free unit reads first.
const firstTop = 1024

// runEngine runs the engine. When the snapshot holds only the top of the list (one free unit) and
// nobody there was eligible, it runs again over eight times more, until the whole list was read:
// the result is the one over the whole list.
func runEngine(snap *match.Snapshot, names snapshotNames) match.Result {
	for {
		res := match.Match(*snap)
		if len(res.Proposals) > 0 || len(snap.Candidates) >= names.listed {
			return res
		}
		snap.Candidates = names.top(len(snap.Candidates) * 8)
	}
}

// snapshot reads what the engine needs: the ranked list's candidates, and the facilities with free
// units (available and held by no open referral or proposal) with their programs, in a bounded
// number of queries.
func (db *DB) snapshot(ctx context.Context, q querier, list *hplView) (match.Snapshot, snapshotNames, error) {
	now := db.now()
	names := snapshotNames{facility: map[string]string{}, unit: map[string]string{}, responseDays: map[string]int{}, at: now}
	snap := match.Snapshot{Today: cas.DateOf(now, db.Zone), Scheme: list.scheme, Ranked: true}
	units, err := freeUnits(ctx, q, "")
	if err != nil || len(units) == 0 {
		return snap, names, err
	}
	open, err := openReferrals(ctx, q)
	if err != nil {
		return snap, names, err
	}
	notAgain, err := notReferredAgain(ctx, q, now.Add(-db.NoRereferral), "")
	if err != nil {
		return snap, names, err
	}
	// With one free unit the engine walks the ranked list from the top to the first eligible
	// client: it is given the top of the list, and more of it only if nobody there is eligible.
	top := len(list.rows)
	if len(units) == 1 {
		top = firstTop
	}
	names.listed = len(list.rows)
	names.top = func(n int) []match.Candidate { return list.candidates(snap.Today, open, notAgain, n) }
	snap.Candidates = names.top(top)
	byFacility := map[string]int{}
	for _, u := range units {
		names.unit[u.ID] = u.Label
		if _, ok := byFacility[u.FacilityID]; !ok {
			byFacility[u.FacilityID] = len(snap.Facilities)
			snap.Facilities = append(snap.Facilities, match.Facility{Facility: cas.Facility{ID: u.FacilityID}})
		}
		i := byFacility[u.FacilityID]
		snap.Facilities[i].FreeUnits = append(snap.Facilities[i].FreeUnits, u)
	}
	facilities := map[string]cas.Facility{}
	if err := eachIn(ctx, q, `SELECT `+facilityColumns+` FROM facilities WHERE id IN `, slices.Collect(maps.Keys(byFacility)), func(row scanner) error {
		f, err := scanFacility(row)
		facilities[f.ID] = f
		return err
	}); err != nil {
		return snap, names, fmt.Errorf("facilities with free units: %w", err)
	}
	programIDs := map[string]bool{}
	for _, f := range facilities {
		programIDs[f.ProgramID] = true
	}
	programs := map[string]cas.Program{}
	if err := eachIn(ctx, q, `SELECT `+programColumns+` FROM programs WHERE id IN `, slices.Collect(maps.Keys(programIDs)), func(row scanner) error {
		p, err := scanProgram(row)
		programs[p.ID] = p
		return err
	}); err != nil {
		return snap, names, fmt.Errorf("programs with free units: %w", err)
	}
	for i := range snap.Facilities {
		f := facilities[snap.Facilities[i].Facility.ID]
		p := programs[f.ProgramID]
		snap.Facilities[i].Facility, snap.Facilities[i].Program = f, p
		names.facility[f.ID], names.responseDays[p.ID] = f.Name, p.ResponseDays
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
	return openProposals(ctx, db.sql)
}

// openProposals lists the proposals waiting for review, oldest first.
func openProposals(ctx context.Context, q querier) ([]Proposal, error) {
	list := []Proposal{}
	err := eachRow(ctx, q, `SELECT `+proposalColumns+` FROM match_proposals WHERE status = 'open' ORDER BY created_at, id`, nil,
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
