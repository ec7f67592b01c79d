// Package worker runs Doorway's background work: it claims jobs from the database's job queue and
// hands them to their handlers, and it runs the periodic tasks (expiring reservations). Several
// workers, in one process or many sharing a PostgreSQL database, never run the same job twice at
// once.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/store"
)

// Handler does one job. An error makes the job run again later.
type Handler func(ctx context.Context, job store.Job) error

// Worker claims and runs jobs and periodic tasks.
type Worker struct {
	DB   *store.DB
	Log  *slog.Logger
	Name string // who holds a claimed job, for operators reading the jobs table
	// Handlers by job kind; kinds without a handler are left in the queue for a worker that has one.
	Handlers map[string]Handler
	// Poll is how often the queue is checked when it was empty; Sweep how often periodic tasks run.
	Poll, Sweep time.Duration
}

// lease is how long a claimed job is held before another worker may take it over, should this one
// die while running it.
const lease = 5 * time.Minute

// Run works until ctx is done, then returns after the job in hand, if any, is finished.
func (w *Worker) Run(ctx context.Context) error {
	poll, sweep := cmpOr(w.Poll, time.Second), cmpOr(w.Sweep, time.Minute)
	lastSweep := time.Time{}
	for {
		if time.Since(lastSweep) >= sweep {
			w.sweep(ctx)
			lastSweep = time.Now()
		}
		n, err := w.Drain(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("job queue", "err", err)
		}
		wait := poll
		if n > 0 {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// sweep runs the periodic tasks.
func (w *Worker) sweep(ctx context.Context) {
	n, err := w.DB.ExpireReservations(context.WithoutCancel(ctx))
	if err != nil {
		w.Log.Error("expire reservations", "err", err)
	} else if n > 0 {
		w.Log.Info("expired reservations", "count", n)
	}
}

// Drain runs ready jobs until none is left or ctx is done, and reports how many it ran.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	kinds := slices.Sorted(maps.Keys(w.Handlers))
	if len(kinds) == 0 {
		return 0, nil
	}
	ran := 0
	for ctx.Err() == nil {
		job, err := w.DB.ClaimJob(ctx, w.Name, lease, kinds...)
		if errors.Is(err, store.ErrNoJob) {
			return ran, nil
		}
		if err != nil {
			return ran, err
		}
		ran++
		// The job runs to the end even when shutdown begins: in-flight work is finished.
		jctx := context.WithoutCancel(ctx)
		if err := w.Handlers[job.Kind](jctx, job); err != nil {
			delay := backoff(job.Attempts)
			w.Log.Warn("job failed", "job_id", job.ID, "kind", job.Kind, "attempt", job.Attempts, "retry_in", delay.String(), "err", err)
			if err := w.DB.RetryJob(jctx, job.ID, delay, err); err != nil {
				return ran, fmt.Errorf("retry job %d: %w", job.ID, err)
			}
			continue
		}
		if err := w.DB.CompleteJob(jctx, job.ID); err != nil {
			return ran, fmt.Errorf("complete job %d: %w", job.ID, err)
		}
	}
	return ran, nil
}

// backoff is the wait before a failed job's next attempt: 10 s, doubling, at most an hour.
func backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
