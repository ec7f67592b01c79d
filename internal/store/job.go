package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Job kinds.
const (
	// JobMatch asks the matching engine to look for referrals; enqueued by every change that could
	// free capacity or make a client matchable.
	JobMatch = "match"
)

// Job is a unit of background work, enqueued in the transaction of the change that called for it.
type Job struct {
	ID       int64
	Kind     string
	Payload  json.RawMessage
	Attempts int
}

// enqueue adds a job to run now. It is written in the caller's transaction, so the job exists if
// and only if the change that asked for it committed.
func (tx *Tx) enqueue(kind string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	if _, err := tx.exec(`INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $3)`, kind, string(b), tx.now); err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	return tx.wakeWorkers()
}

// matchReason is the payload of a match job: what changed, for the engine's log.
type matchReason struct {
	Reason     string `json:"reason"`
	FacilityID string `json:"facility_id,omitempty"`
	UnitID     string `json:"unit_id,omitempty"`
}

// ErrNoJob is returned by ClaimJob when no job is ready.
var ErrNoJob = errors.New("no job ready")

// ClaimJob takes the oldest ready job of one of the kinds for worker, leasing it for lease. A job
// whose lease ran out (its worker died) is ready again. Two workers never hold the same job: in
// PostgreSQL the claim skips rows another transaction has locked; in SQLite claims run one at a time.
func (db *DB) ClaimJob(ctx context.Context, worker string, lease time.Duration, kinds ...string) (Job, error) {
	var job Job
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		var payload string
		for _, kind := range kinds {
			err := tx.queryRow(`SELECT id, kind, payload, attempts FROM jobs
				WHERE kind = $1 AND done_at IS NULL AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
				ORDER BY run_at, id LIMIT 1`+db.dialect.skipLocked, kind, tx.now).Scan(&job.ID, &job.Kind, &payload, &job.Attempts)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("claim job: %w", err)
			}
			job.Payload = json.RawMessage(payload)
			job.Attempts++
			_, err = tx.exec(`UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = $3 WHERE id = $4`,
				tx.now.Add(lease), worker, job.Attempts, job.ID)
			return err
		}
		return ErrNoJob
	})
	return job, err
}

// CompleteJob marks a claimed job done.
func (db *DB) CompleteJob(ctx context.Context, id int64) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE jobs SET done_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2`, db.now(), id)
	return err
}

// RetryJob releases a failed job to run again after delay, recording the error.
func (db *DB) RetryJob(ctx context.Context, id int64, delay time.Duration, cause error) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3`,
		db.now().Add(delay), cause.Error(), id)
	return err
}

// PendingJobs counts the jobs of a kind not yet done.
func (db *DB) PendingJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND done_at IS NULL`, kind).Scan(&n)
	return n, err
}
