package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Tx is one service call's transaction. It carries the moment the call happened, read once from
// the injected clock, so every row it writes agrees on "now".
type Tx struct {
	*sql.Tx
	conn  *sql.Conn // the connection the transaction runs on
	db    *DB
	ctx   context.Context
	now   time.Time
	actor *cas.User
	// queued says the transaction added a job or an email: workers are woken when it commits.
	queued bool
}

// inTx runs fn in a transaction on behalf of actor and commits when fn returns nil. SQLite write
// transactions begin IMMEDIATE (see parseURL), so two writers never deadlock on lock upgrades.
// When the database gives up on the transaction because of others running at the same time (a
// PostgreSQL serialization failure or deadlock, SQLite still busy after its timeout), fn runs
// again from the start in a new transaction, up to txAttempts times in all, after a short random
// pause: fn must keep what it learns in its own variables or assign (not append to) the caller's.
// Only if every attempt fails so does the user see a conflict to try again, never an internal error.
func (db *DB) inTx(ctx context.Context, actor *cas.User, fn func(tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, actor, fn)
		switch {
		case isUniqueViolation(err):
			// A concurrent change won a race that the checks before the write could not see.
			return cas.Errorf(cas.EConflict, "the change conflicts with another one made at the same time; reload and try again")
		case !isRetryable(err):
			return err
		case attempt == txAttempts:
			db.retries.gaveUp.Add(1)
			return cas.Errorf(cas.EConflict, "the change collided with others made at the same time %d times; try again", attempt)
		}
		db.retries.retried.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retryPause(attempt)):
		}
	}
}

// txAttempts is how many times inTx tries a transaction the database gave up on.
const txAttempts = 5

// retryPause is the pause before attempt+1: about 5 ms, doubling with each attempt, each a random
// half to whole of that, so that transactions that collided do not collide again in step.
func retryPause(attempt int) time.Duration {
	d := 5 * time.Millisecond << (attempt - 1)
	return d/2 + rand.N(d/2)
}

// txRetries counts the transactions retried since the database was opened, and those that
// failed every attempt.
type txRetries struct {
	retried, gaveUp atomic.Int64
}

// Retries says how many transactions were retried, and how many gave up, since Open.
func (db *DB) Retries() (retried, gaveUp int64) {
	return db.retries.retried.Load(), db.retries.gaveUp.Load()
}

func (db *DB) tryTx(ctx context.Context, actor *cas.User, fn func(tx *Tx) error) error {
	conn, err := db.sql.Conn(ctx) // held for the transaction, so that a bulk write can reach its driver (rowWriter)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback() //nolint:errcheck // a no-op after Commit
	tx := &Tx{Tx: sqlTx, conn: conn, db: db, ctx: ctx, now: db.now(), actor: actor}
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	if tx.queued {
		db.signalWork()
	}
	return nil
}

// now reads the clock, in UTC and at the microsecond precision both databases keep.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(tx.ctx, query, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	return tx.QueryRowContext(tx.ctx, query, args...)
}

// audit appends an audit event for the transaction's actor. before and after are marshalled to
// JSON; pass nil for "did not exist" or "not changed by a read".
func (tx *Tx) audit(action, entityType, entityID string, before, after any) error {
	values, err := tx.auditValues(action, entityType, entityID, before, after)
	if err != nil {
		return err
	}
	if _, err = tx.exec(`INSERT INTO audit_events (`+auditColumns+`) VALUES (`+placeholders(1, len(values))+`)`, values...); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, entityID, err)
	}
	return nil
}

// auditColumns are the columns of an audit event, in the order of auditValues: audit writes one,
// and a bulk change (consent recorded for thousands of clients) writes its events with a rowWriter.
const auditColumns = `at, actor_id, action, entity_type, entity_id, before, after, request_id`

// auditValues are the values of auditColumns for an event of the transaction's actor.
func (tx *Tx) auditValues(action, entityType, entityID string, before, after any) ([]any, error) {
	b, err := auditJSON(before)
	if err != nil {
		return nil, err
	}
	a, err := auditJSON(after)
	if err != nil {
		return nil, err
	}
	return []any{tx.now, tx.actor.ID, action, entityType, entityID, b, a, nullString(requestID(tx.ctx))}, nil
}

func auditJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return string(b), nil
}

// newID returns a new record ID: a UUIDv7, so IDs sort by creation time.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

type requestIDKey struct{}

// WithRequestID returns a context whose audit events record the HTTP request that caused them.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
