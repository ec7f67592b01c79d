package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// AuditFilter narrows the audit log. Empty fields do not narrow it.
type AuditFilter struct {
	// UserID is the account that acted.
	UserID string `json:"user_id,omitempty"`
	// ClientID is a client: the events of the client's record, HPL entries, referrals and
	// proposals, reads included.
	ClientID string `json:"client_id,omitempty"`
	// Action is an action ("referral.accept"), or a family of them ("referral": every
	// "referral.…").
	Action string `json:"action,omitempty"`
	// From and To bound the period: events at or after From, and before To; zero for open.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// The bounds of an open period: before and after any event Doorway can have written.
var (
	auditDawn = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	auditDusk = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
)

// AuditEntry is an audit event with the name of who acted and the HTTP request that caused it.
type AuditEntry struct {
	cas.AuditEvent
	ActorName string
	RequestID string
}

// AuditLog reads a page of the audit log, newest first, for the HMIS team. Reading it is itself
// audited (audit.read, with the filter): the log holds client records in its before and after.
func (db *DB) AuditLog(ctx context.Context, actor *cas.User, f AuditFilter, page Page) ([]AuditEntry, string, error) {
	if err := db.auditRead(ctx, actor, &f); err != nil {
		return nil, "", err
	}
	var list []AuditEntry
	var next string
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		var err error
		list, next, err = listPage(page, 1, func(after []string, limit int) (*sql.Rows, error) {
			before := int64(math.MaxInt64)
			if after[0] != "" {
				id, err := strconv.ParseInt(after[0], 10, 64)
				if err != nil {
					return nil, cas.Invalid("cursor", "cursor is not one this server gave out")
				}
				before = id
			}
			return auditEvents(tx, f, before, limit)
		}, scanAuditEntry, func(e AuditEntry) []string { return []string{strconv.FormatInt(e.ID, 10)} })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("read the audit log: %w", err)
	}
	return list, next, nil
}

// EachAuditEntry calls fn with every audit event the filter selects, newest first, from one
// snapshot, for a download; the read is audited as AuditLog's is. The snapshot is read-only, so
// a long download holds no write lock.
func (db *DB) EachAuditEntry(ctx context.Context, actor *cas.User, f AuditFilter, fn func(AuditEntry) error) error {
	if err := db.auditRead(ctx, actor, &f); err != nil {
		return err
	}
	return db.inView(ctx, actor, false, func(tx *Tx) error {
		rows, err := auditEvents(tx, f, math.MaxInt64, math.MaxInt32)
		if err != nil {
			return fmt.Errorf("read the audit log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAuditEntry(rows)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// auditRead checks that the actor may read the audit log with the filter, completes the
// filter's open period, and records the read.
func (db *DB) auditRead(ctx context.Context, actor *cas.User, f *AuditFilter) error {
	if !cas.CanReadAuditLog(actor) {
		return cas.Errorf(cas.EForbidden, "only the HMIS team reads the audit log")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return cas.Invalid("to", "to must be after from")
	}
	if err := db.inTx(ctx, actor, func(tx *Tx) error { return tx.audit("audit.read", "audit_log", "", nil, *f) }); err != nil {
		return err
	}
	if f.From.IsZero() {
		f.From = auditDawn
	}
	if f.To.IsZero() {
		f.To = auditDusk
	}
	return nil
}

// auditEvents queries the events the filter selects, newest first, with IDs below before.
func auditEvents(tx *Tx, f AuditFilter, before int64, limit int) (*sql.Rows, error) {
	return tx.QueryContext(tx.ctx, `SELECT a.id, a.at, a.actor_id, COALESCE(u.name, a.actor_id), a.action, a.entity_type, a.entity_id,
		COALESCE(CAST(a.before AS TEXT), ''), COALESCE(CAST(a.after AS TEXT), ''), COALESCE(a.request_id, '')
		FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
		WHERE ($1 = '' OR a.actor_id = $1)
		AND ($2 = '' OR a.entity_type = 'client' AND a.entity_id = $2
			OR a.entity_type = 'referral' AND a.entity_id IN (SELECT id FROM referrals WHERE client_id = $2)
			OR a.entity_type = 'hpl_entry' AND a.entity_id IN (SELECT id FROM hpl_entries WHERE client_id = $2)
			OR a.entity_type = 'proposal' AND a.entity_id IN (SELECT id FROM match_proposals WHERE client_id = $2))
		AND ($3 = '' OR a.action = $3 OR a.action LIKE $3 || '.%')
		AND a.at >= $4 AND a.at < $5 AND a.id < $6
		ORDER BY a.id DESC LIMIT $7`,
		f.UserID, f.ClientID, f.Action, f.From, f.To, before, limit)
}

func scanAuditEntry(row scanner) (AuditEntry, error) {
	var e AuditEntry
	err := row.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.EntityType, &e.EntityID, &e.Before, &e.After, &e.RequestID)
	e.At = e.At.UTC()
	return e, err
}
