package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// RetentionCandidate is a client record due for de-identification under the retention policy:
// which (by Doorway reference and alias, never by name) and when they last had activity.
type RetentionCandidate struct {
	ClientID, Alias string
	LastActivity    time.Time
}

// retentionActivity reads, for each client not yet de-identified, with nothing open and a record
// unchanged since $1, the moments of their activity (cas.DefaultRetentionYears says what counts):
// the record's, consent's day, and the latest of their HPL entries, referrals, referral events,
// documents and occupancies.
const retentionActivity = `SELECT c.id, c.created_at, c.updated_at, COALESCE(c.consent_date, ''),
	(SELECT MAX(updated_at) FROM hpl_entries WHERE client_id = c.id),
	(SELECT MAX(updated_at) FROM referrals WHERE client_id = c.id),
	(SELECT MAX(e.at) FROM referral_events e JOIN referrals r ON r.id = e.referral_id WHERE r.client_id = c.id),
	(SELECT MAX(created_at) FROM client_documents WHERE client_id = c.id),
	(SELECT MAX(COALESCE(ended_at, started_at)) FROM occupancies WHERE client_id = c.id)
	FROM clients c WHERE c.deidentified_at IS NULL AND c.updated_at < $1
	AND NOT EXISTS (SELECT 1 FROM hpl_entries WHERE client_id = c.id AND status IN ('active', 'referred'))
	AND NOT EXISTS (SELECT 1 FROM referrals WHERE client_id = c.id AND status IN ('pending', 'accepted'))
	AND NOT EXISTS (SELECT 1 FROM match_proposals WHERE client_id = c.id AND status = 'open')
	AND NOT EXISTS (SELECT 1 FROM occupancies WHERE client_id = c.id AND ended_at IS NULL)`

// scanRetention scans a row of retentionActivity into a candidate with its last activity.
func (db *DB) scanRetention(row scanner) (RetentionCandidate, error) {
	var c RetentionCandidate
	var created, updated time.Time
	var consent string
	var entry, referral, event, document, occupancy anyTime
	if err := row.Scan(&c.ClientID, &created, &updated, &consent, &entry, &referral, &event, &document, &occupancy); err != nil {
		return c, err
	}
	c.Alias = cas.Client{ID: c.ClientID}.Alias()
	c.LastActivity = created.UTC()
	for _, t := range []anyTime{{Time: updated.UTC(), Valid: true}, entry, referral, event, document, occupancy} {
		if t.Valid && t.Time.After(c.LastActivity) {
			c.LastActivity = t.Time
		}
	}
	if consent != "" {
		if signed := cas.Date(consent).Start(db.Zone).UTC(); signed.After(c.LastActivity) {
			c.LastActivity = signed
		}
	}
	return c, nil
}

// RetentionDue lists the clients whose records are due for de-identification with a retention
// period of years, the longest inactive first. The HMIS team and the operator may ask.
func (db *DB) RetentionDue(ctx context.Context, actor *cas.User, years int) ([]RetentionCandidate, error) {
	if !cas.CanRunRetention(actor) {
		return nil, cas.Errorf(cas.EForbidden, "only the HMIS team applies the retention policy")
	}
	if years < 1 {
		return nil, cas.Invalid("retention_years", "the retention period must be at least one year")
	}
	cutoff := cas.RetentionCutoff(db.now(), years)
	var due []RetentionCandidate
	err := eachRow(ctx, db.sql, retentionActivity+` ORDER BY c.updated_at, c.id`, []any{cutoff}, func(row scanner) error {
		c, err := db.scanRetention(row)
		if err == nil && c.LastActivity.Before(cutoff) {
			due = append(due, c)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("clients due under the retention policy: %w", err)
	}
	return due, nil
}

// Deidentify de-identifies the records due with a retention period of years, one transaction
// and one audit event (client.deidentify, naming the last activity and the period, never what was
// removed) per client, and returns them. Each is checked again under its lock, so a record that
// had activity meanwhile, or that another server de-identified, is left alone.
func (db *DB) Deidentify(ctx context.Context, actor *cas.User, years int) ([]RetentionCandidate, error) {
	due, err := db.RetentionDue(ctx, actor, years)
	if err != nil {
		return nil, err
	}
	var done []RetentionCandidate
	for _, c := range due {
		var ok bool
		err := db.inTx(ctx, actor, func(tx *Tx) (err error) {
			ok, err = tx.deidentify(c.ClientID, years)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("de-identify client %s: %w", c.ClientID, err)
		}
		if ok {
			done = append(done, c)
		}
	}
	return done, nil
}

// retentionRemoved stands in for a reason the database requires (an over-referral's, an
// eligibility override's) once the retention job has removed it.
const retentionRemoved = "removed under the retention policy"

// deidentify de-identifies one client's record if it is still due, and reports whether it was:
// the record's identifying fields (cas.Client.Deidentify), their documents on file, the free
// text of their HPL entries, referrals and referral timelines (notes, reasons), the name on their
// occupancies (the alias instead), and the before and after of the audit events of those records.
// What happened, when, and by whom stays, as do referral outcomes and HUD demographics.
func (tx *Tx) deidentify(id string, years int) (bool, error) {
	var locked string
	if err := tx.queryRow(`SELECT id FROM clients WHERE id = $1`+tx.db.dialect.forUpdate, id).Scan(&locked); err != nil {
		return false, err
	}
	cutoff := cas.RetentionCutoff(tx.now, years)
	c, err := tx.db.scanRetention(tx.queryRow(retentionActivity+` AND c.id = $2`, cutoff, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !c.LastActivity.Before(cutoff) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	client, err := tx.clientOf(id)
	if err != nil {
		return false, err
	}
	client.Deidentify(tx.now)
	referrals := `SELECT id FROM referrals WHERE client_id = $1`
	for _, step := range []struct {
		what, query string
		args        []any
	}{
		{"record", `UPDATE clients SET first_name = $2, last_name = $3, birth_date = $4, hmis_personal_id = NULL, phone = $5, email = $6,
			contact_notes = $7, navigator_user_id = NULL, deidentified_at = $8, updated_at = $8 WHERE id = $1`,
			[]any{id, client.FirstName, client.LastName, string(client.BirthDate), client.Phone, client.Email, client.ContactNotes, tx.now}},
		{"documents", `DELETE FROM client_documents WHERE client_id = $1`, []any{id}},
		{"HPL entries", `UPDATE hpl_entries SET documents = '[]', park_reason = NULL WHERE client_id = $1`, []any{id}},
		{"referrals", `UPDATE referrals SET note = '', over_refer_reason = CASE WHEN over_refer THEN $2 ELSE '' END,
			eligibility_override_reason = CASE WHEN eligibility_override THEN $2 ELSE '' END WHERE client_id = $1`, []any{id, retentionRemoved}},
		{"referral timelines", `UPDATE referral_events SET note = '' WHERE referral_id IN (` + referrals + `)`, []any{id}},
		{"occupancies", `UPDATE occupancies SET client_name = $2 WHERE client_id = $1`, []any{id, client.Alias()}},
		{"audit events", `UPDATE audit_events SET before = NULL, after = NULL WHERE entity_type = 'client' AND entity_id = $1
			OR entity_type = 'referral' AND entity_id IN (` + referrals + `)
			OR entity_type = 'hpl_entry' AND entity_id IN (SELECT id FROM hpl_entries WHERE client_id = $1)
			OR entity_type = 'proposal' AND entity_id IN (SELECT id FROM match_proposals WHERE client_id = $1)`, []any{id}},
	} {
		if _, err := tx.exec(step.query, step.args...); err != nil {
			return false, fmt.Errorf("de-identify the %s of %s: %w", step.what, id, err)
		}
	}
	return true, tx.audit("client.deidentify", "client", id, nil,
		map[string]any{"last_activity": c.LastActivity, "retention_years": years})
}

// RetentionSweep is the worker's daily run of the retention policy with the configured period
// (RetentionYears; 0 turns it off): once a CoC day, on whichever server gets to it first, it
// de-identifies the records due and records the run (retention.run, with how many).
func (db *DB) RetentionSweep(ctx context.Context) (int, error) {
	if db.RetentionYears == 0 {
		return 0, nil
	}
	var ran int
	day := cas.DateOf(db.now(), db.Zone).Start(db.Zone)
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'retention.run' AND at >= $1`, day).Scan(&ran); err != nil {
		return 0, fmt.Errorf("retention run today: %w", err)
	}
	if ran > 0 {
		return 0, nil
	}
	done, err := db.Deidentify(ctx, cas.System, db.RetentionYears)
	if err != nil {
		return len(done), err
	}
	return len(done), db.inTx(ctx, cas.System, func(tx *Tx) error {
		return tx.audit("retention.run", "retention", "", nil, map[string]int{"retention_years": db.RetentionYears, "deidentified": len(done)})
	})
}
