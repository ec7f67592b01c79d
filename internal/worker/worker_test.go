package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/worker"
)

var ctx = context.Background()

// freeUnits makes n units, each of whose creation enqueues one match job.
func freeUnits(t *testing.T, db *store.DB, n int) {
	t.Helper()
	a, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: a.ID, Name: "PSH", ProjectType: cas.ProjectPSH})
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Commons"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: string(rune('A' + i)), Bedrooms: 1,
			HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWorkersNeverRunAJobTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const jobs = 20
		freeUnits(t, db, jobs)
		var mu sync.Mutex
		runs := map[int64]int{}
		handler := func(_ context.Context, j store.Job) error {
			mu.Lock()
			defer mu.Unlock()
			runs[j.ID]++
			return nil
		}
		var wg sync.WaitGroup
		for i := range 4 {
			w := &worker.Worker{DB: db, Log: slog.New(slog.DiscardHandler), Name: string(rune('a' + i)),
				Handlers: map[string]worker.Handler{store.JobMatch: handler}}
			wg.Go(func() {
				if _, err := w.Drain(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(runs) != jobs {
			t.Errorf("%d jobs ran, want %d", len(runs), jobs)
		}
		for id, n := range runs {
			if n != 1 {
				t.Errorf("job %d ran %d times", id, n)
			}
		}
		if n, _ := db.PendingJobs(ctx, store.JobMatch); n != 0 {
			t.Errorf("%d jobs still pending", n)
		}
	})
}

func TestFailedJobsAreRetriedWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		freeUnits(t, db, 1)
		attempts := 0
		w := &worker.Worker{DB: db, Log: slog.New(slog.DiscardHandler), Name: "w",
			Handlers: map[string]worker.Handler{store.JobMatch: func(context.Context, store.Job) error {
				attempts++
				if attempts < 3 {
					return errors.New("engine unavailable")
				}
				return nil
			}}}
		drain := func() int {
			n, err := w.Drain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := drain(); n != 1 || attempts != 1 {
			t.Fatalf("first drain ran %d jobs, %d attempts", n, attempts)
		}
		if n := drain(); n != 0 {
			t.Errorf("the failed job ran again at once (%d)", n)
		}
		clock.Advance(10 * time.Second)
		if n := drain(); n != 1 || attempts != 2 {
			t.Fatalf("after 10 s: ran %d, %d attempts", n, attempts)
		}
		clock.Advance(10 * time.Second)
		if n := drain(); n != 0 {
			t.Errorf("the second retry came before its doubled backoff")
		}
		clock.Advance(10 * time.Second)
		if n := drain(); n != 1 || attempts != 3 {
			t.Fatalf("after 20 s more: ran %d, %d attempts", n, attempts)
		}
		if n, _ := db.PendingJobs(ctx, store.JobMatch); n != 0 {
			t.Errorf("%d jobs pending after success", n)
		}
	})
}

func TestAJobOfADeadWorkerIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		freeUnits(t, db, 1)
		if _, err := db.ClaimJob(ctx, "dead", 5*time.Minute, store.JobMatch); err != nil {
			t.Fatal(err)
		}
		// The claimant dies without completing. Until its lease runs out nobody else takes it.
		if _, err := db.ClaimJob(ctx, "alive", 5*time.Minute, store.JobMatch); !errors.Is(err, store.ErrNoJob) {
			t.Fatalf("claimed a leased job: %v", err)
		}
		clock.Advance(5*time.Minute + time.Second)
		j, err := db.ClaimJob(ctx, "alive", 5*time.Minute, store.JobMatch)
		if err != nil {
			t.Fatalf("after the lease: %v", err)
		}
		if j.Attempts != 2 {
			t.Errorf("attempts = %d, want 2", j.Attempts)
		}
	})
}

func TestTheWorkerExpiresReservations(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	freeUnits(t, db, 1)
	units, _, err := db.Units(ctx, cas.System, store.UnitFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	today := cas.DateOf(clock.Now(), time.UTC)
	if _, err := db.CreateReservation(ctx, cas.System, cas.Reservation{UnitID: units[0].ID, ClientName: "Pat Doe", StartsOn: today, ExpiresOn: today}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- (&worker.Worker{DB: db, Log: slog.New(slog.DiscardHandler), Poll: 10 * time.Millisecond, Sweep: 10 * time.Millisecond}).Run(runCtx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		u, err := db.Unit(ctx, cas.System, units[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Status == cas.UnitAvailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker did not expire the reservation")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker stopped with %v", err)
	}
}
