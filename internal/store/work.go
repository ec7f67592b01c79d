package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Workers wake when there is work instead of polling for it. A transaction that queues a job or an
// email signals, once it commits, the workers of its own process (Work) and, on PostgreSQL, those
// of every other server through NOTIFY, which PostgreSQL delivers on commit (ListenForWork).

// workChannel is the PostgreSQL notification channel.
const workChannel = "doorway_work"

// wakeWorkers marks the transaction as one that queued work.
func (tx *Tx) wakeWorkers() error {
	if tx.queued {
		return nil
	}
	tx.queued = true
	if tx.db.dialect.name != "postgres" {
		return nil
	}
	if _, err := tx.exec(`SELECT pg_notify($1, '')`, workChannel); err != nil {
		return fmt.Errorf("notify workers: %w", err)
	}
	return nil
}

// Work is signalled when work was queued: by this process, or by another server on PostgreSQL
// while ListenForWork runs. A signal may stand for several queued jobs or emails.
func (db *DB) Work() <-chan struct{} { return db.work }

func (db *DB) signalWork() {
	select {
	case db.work <- struct{}{}:
	default: // a signal is already waiting
	}
}

// ListenForWork relays other servers' notifications to Work until ctx ends or the connection
// fails; it signals once when it starts listening, for work queued before. It returns at once on
// SQLite, where one process serves the database.
func (db *DB) ListenForWork(ctx context.Context) error {
	if db.dialect.name != "postgres" {
		return nil
	}
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return fmt.Errorf("listen for work: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+workChannel); err != nil {
		return fmt.Errorf("listen for work: %w", err)
	}
	// Work queued while nobody listened was not announced: look once.
	db.signalWork()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("listen for work: %w", err)
		}
		db.signalWork()
	}
}

// MatchDue reports whether something no job announces may have made a referral possible since a
// moment: a new day in the CoC (parked clients come back, ages and consent are judged on the day),
// or a re-referral block that lapsed. Every other change that may allow a referral queues a match
// job. A zero moment is always due.
func (db *DB) MatchDue(ctx context.Context, since time.Time) (bool, error) {
	now := db.now()
	if since.IsZero() || cas.DateOf(since, db.Zone) != cas.DateOf(now, db.Zone) {
		return true, nil
	}
	var lapsed bool
	err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM referrals WHERE status IN (`+quoted(cas.BlockingStatuses("referral"))+`)
		AND closed_at >= $1 AND closed_at < $2) OR EXISTS (SELECT 1 FROM match_proposals WHERE status IN (`+quoted(cas.BlockingStatuses("proposal"))+`)
		AND ended_at >= $1 AND ended_at < $2)`, since.Add(-db.NoRereferral), now.Add(-db.NoRereferral)).Scan(&lapsed)
	if err != nil {
		return false, fmt.Errorf("lapsed re-referral blocks: %w", err)
	}
	return lapsed, nil
}
