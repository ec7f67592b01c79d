package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestQueuedWorkWakesWorkers: a committed change that queues a match job signals the workers of its
// own process at once, and, on PostgreSQL, those of another server listening; a refused change
// signals nobody.
func TestQueuedWorkWakesWorkers(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dbURL string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		here, there := storetest.Open(t, dbURL), storetest.Open(t, dbURL)
		listening := make(chan error, 1)
		go func() { listening <- there.ListenForWork(ctx) }()
		if dbURL[:6] != "sqlite" {
			<-there.Work() // listening now
		}
		admin := MustUser(t, here, "cas@coc.test", cas.RoleCASAdmin, "")
		c, err := here.CreateClient(ctx, &admin, cas.Client{FirstName: "Ana", LastName: "Lee", BirthDate: "1980-01-01", HouseholdSize: 1,
			HouseholdType: cas.WithoutChildren, Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		drain(here)
		if _, err := here.AddToHPL(ctx, &admin, cas.HPLEntry{ClientID: "nobody", Score: 3, AssessedOn: "2026-01-02", IntakeStatus: cas.IntakeReady}); err == nil {
			t.Fatal("an entry for no client was added")
		}
		select {
		case <-here.Work():
			t.Fatal("a refused change woke the workers")
		default:
		}
		if _, err := here.AddToHPL(ctx, &admin, cas.HPLEntry{ClientID: c.ID, Score: 3, AssessedOn: "2026-01-02", IntakeStatus: cas.IntakeReady}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-here.Work():
		default:
			t.Fatal("a ready client added to the HPL queued a match job but did not wake this process's workers")
		}
		if dbURL[:6] != "sqlite" {
			select {
			case <-there.Work():
			case err := <-listening:
				t.Fatalf("the other server stopped listening: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("the other server's workers were not woken")
			}
		}
	})
}

func drain(db *store.DB) {
	for {
		select {
		case <-db.Work():
		default:
			return
		}
	}
}

// TestMatchIsDueOnlyWhenTheCalendarMayHaveChangedSomething: the sweep runs the engine on a new day,
// or when a re-referral block lapsed since it last ran, and not otherwise.
func TestMatchIsDueOnlyWhenTheCalendarMayHaveChangedSomething(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		due := func() bool {
			t.Helper()
			ok, err := db.MatchDue(ctx, clock.Now().Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if ok, _ := db.MatchDue(ctx, time.Time{}); !ok {
			t.Error("the first sweep does not run the engine")
		}
		if due() {
			t.Error("a minute later on the same day, with nothing lapsed, the engine is due")
		}
		clock.Advance(9 * time.Hour) // past midnight
		if !due() {
			t.Error("on a new day the engine is not due")
		}
	})
}
