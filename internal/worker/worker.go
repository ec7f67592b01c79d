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

	"github.com/doorway-cas/doorway/internal/notify"
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
	// Sender delivers the email outbox; nil leaves it undelivered (for tests of other work).
	Sender notify.Sender
	// Poll is how often the queue is checked when it was empty and nothing woke the worker (for
	// retries that come due); Sweep how often periodic tasks run.
	Poll, Sweep time.Duration
	// EmailLease is how long a claimed email is held; 0 is emailLease.
	EmailLease time.Duration

	lastMatch time.Time // when the sweep last ran the engine
}

// New returns the worker `serve` runs: match jobs go to the matching engine, and the periodic sweep
// expires reservations and unanswered referrals and runs the engine once more, to catch what no
// job asked for (a parked client whose date passed).
func New(db *store.DB, log *slog.Logger, name string, sender notify.Sender) *Worker {
	return &Worker{DB: db, Log: log, Name: name, Sender: sender, Handlers: map[string]Handler{
		store.JobMatch: func(ctx context.Context, _ store.Job) error { return runMatch(ctx, db, log) },
	}}
}

func runMatch(ctx context.Context, db *store.DB, log *slog.Logger) error {
	run, err := db.RunMatch(ctx, false)
	if err != nil {
		return err
	}
	if len(run.Referrals)+len(run.Proposals) > 0 {
		log.Info("matching run", "referrals", len(run.Referrals), "proposals", len(run.Proposals), "unfilled", len(run.Result.Unfilled))
	}
	return nil
}

// lease is how long a claimed job is held before another worker may take it over, should this one
// die while running it.
const lease = 5 * time.Minute

// Run works until ctx is done, then returns after the job in hand, if any, is finished. It wakes
// as soon as a job or an email is queued (store.DB.Work), in this process or, on PostgreSQL, in
// another server.
func (w *Worker) Run(ctx context.Context) error {
	poll, sweep := cmpOr(w.Poll, 5*time.Second), cmpOr(w.Sweep, time.Minute)
	go w.listen(ctx)
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
		sent, err := w.DeliverEmail(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("email outbox", "err", err)
		}
		n += sent
		wait := poll
		if n > 0 {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.DB.Work():
		case <-time.After(wait):
		}
	}
}

// listen relays other servers' wake-ups, connecting again after a failure.
func (w *Worker) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := w.DB.ListenForWork(ctx)
		if err == nil {
			return
		}
		w.Log.Warn("listening for work; polling until connected again", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
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
	ctx = context.WithoutCancel(ctx)
	for _, task := range []struct {
		name string
		run  func(context.Context) (int, error)
	}{
		{"expired reservations", w.DB.ExpireReservations},
		{"expired referrals", w.DB.ExpireReferrals},
		{"reminders", w.DB.SendReminders},
		{"digests", w.DB.SendDigests},
		{"password reset emails blanked", w.DB.BlankResetEmails},
		{"weekly under-referral record", w.DB.RecordSuspectWeek},
		{"HPL change log", w.DB.PruneHPLChanges},
		{"records de-identified under the retention policy", w.DB.RetentionSweep},
	} {
		n, err := task.run(ctx)
		if err != nil {
			w.Log.Error(task.name, "err", err)
		} else if n > 0 {
			w.Log.Info(task.name, "count", n)
		}
	}
	if _, ok := w.Handlers[store.JobMatch]; !ok {
		return
	}
	// Every change that may allow a referral queues a match job; the sweep runs the engine only
	// for what the calendar changes.
	due, err := w.DB.MatchDue(ctx, w.lastMatch)
	if err != nil {
		w.Log.Error("matching sweep", "err", err)
		return
	}
	if !due {
		return
	}
	started := w.DB.Now()
	if err := runMatch(ctx, w.DB, w.Log); err != nil {
		w.Log.Error("matching sweep", "err", err)
		return
	}
	w.lastMatch = started
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

// DeliverEmail sends the outbox's due emails until none is left or ctx is done, and reports how
// many it sent. A failed delivery is retried later with backoff; its row records the outcome.
func (w *Worker) DeliverEmail(ctx context.Context) (int, error) {
	if w.Sender == nil {
		return 0, nil
	}
	sent := 0
	for ctx.Err() == nil {
		e, attempts, err := w.DB.ClaimEmail(ctx, w.Name, cmpOr(w.EmailLease, emailLease))
		if errors.Is(err, store.ErrNoJob) {
			return sent, nil
		}
		if err != nil {
			return sent, err
		}
		sctx := context.WithoutCancel(ctx)
		if err := w.send(sctx, e); err != nil {
			delay := backoff(attempts)
			w.Log.Warn("email failed", "message_id", e.ID, "attempt", attempts, "retry_in", delay.String(), "err", err)
			if err := w.DB.EmailFailed(sctx, e.ID, attempts, delay, err); err != nil {
				return sent, fmt.Errorf("record failed email %s: %w", e.ID, err)
			}
			// The server is likely down: leave the rest for the next round instead of failing each.
			return sent, nil
		}
		if err := w.DB.EmailSent(sctx, e.ID); err != nil {
			return sent, fmt.Errorf("record sent email %s: %w", e.ID, err)
		}
		sent++
	}
	return sent, nil
}

// emailLease is how long a claimed email is held by its worker before another may send it: a
// worker that dies after the mail server accepted an email but before it recorded the email sent
// leaves a copy to be sent again once the lease runs out, so the lease bounds how late that second
// copy can come (SECURITY.md). The worker renews the lease every third of it while the mail
// server takes its time, so a slow server does not let another worker send the email meanwhile.
const emailLease = 15 * time.Second

// send sends one claimed email, renewing the lease on it until the mail server has answered.
func (w *Worker) send(ctx context.Context, e notify.Email) error {
	lease := cmpOr(w.EmailLease, emailLease)
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if held, err := w.DB.RenewEmailLease(ctx, e.ID, w.Name, lease); err != nil || !held {
					w.Log.Warn("email lease", "message_id", e.ID, "held", held, "err", err)
				}
			}
		}
	}()
	err := w.Sender.Send(ctx, e)
	close(done)
	<-renewed
	return err
}

// backoff is the wait before a failed job's next attempt: 10 s, doubling, at most an hour.
func backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
