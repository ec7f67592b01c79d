package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// seedHPL writes a CoC straight into the tables, the same for the same size: n clients on the HPL
// (scores, days homeless, veterans, chronic, household types varied; 70% consented, 70% ready) and
// one program with one facility of 20 units, one of them free. It returns the free unit's ID.
func seedHPL(tb testing.TB, db *store.DB, n int) string {
	tb.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 14))
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tx, err := db.SQL().Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(query string, args ...any) {
		if _, err := tx.Exec(query, args...); err != nil {
			tb.Fatal(err)
		}
	}
	exec(`INSERT INTO agencies (id, name, created_at, updated_at) VALUES ('a1', 'Harbor', $1, $1)`, now)
	exec(`INSERT INTO programs (id, agency_id, name, project_type, requirements, response_days, referral_mode, created_at, updated_at)
		VALUES ('p1', 'a1', 'Harbor PSH', 3, '{"household_types": ["without_children", "with_children"]}', 3, 'auto', $1, $1)`, now)
	exec(`INSERT INTO facilities (id, program_id, agency_id, name, created_at, updated_at) VALUES ('f1', 'p1', 'a1', 'Harbor Commons', $1, $1)`, now)
	for i := range 20 {
		exec(`INSERT INTO units (id, facility_id, agency_id, label, bedrooms, household_types, created_at, updated_at)
			VALUES ($1, 'f1', 'a1', $1, 2, '["without_children", "with_children"]', $2, $2)`, fmt.Sprintf("u%02d", i), now)
		if i > 0 {
			exec(`INSERT INTO occupancies (id, unit_id, client_name, started_at, started_by) VALUES ($1, $2, 'Tenant', $3, 'seed')`,
				fmt.Sprintf("o%02d", i), fmt.Sprintf("u%02d", i), now)
		}
	}
	types := []string{"without_children", "with_children", "only_children"}
	for i := range n {
		id := fmt.Sprintf("c%06d", i)
		exec(`INSERT INTO clients (id, first_name, last_name, birth_date, household_size, household_type, veteran, chronic, consent, created_at, updated_at)
			VALUES ($1, 'Client', $1, '1980-01-01', $2, $3, $4, $5, $6, $7, $7)`, id, 1+rng.IntN(4), types[rng.IntN(3)], rng.IntN(10) == 0,
			rng.IntN(3) == 0, rng.IntN(10) < 7, now)
		intake := "ready"
		if rng.IntN(10) >= 7 {
			intake = "pending"
		}
		exec(`INSERT INTO hpl_entries (id, client_id, score, assessed_on, days_homeless, documents, intake_status, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, '[]', $6, 'active', $7, $7)`, "e"+id, id, rng.IntN(18), fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(11), 1+rng.IntN(28)),
			rng.IntN(2000), intake, now.Add(-time.Duration(rng.IntN(1e6))*time.Second))
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return "u00"
}

// eachBenchDB runs a benchmark on SQLite and on PostgreSQL.
func eachBenchDB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.Open(b, storetest.SQLiteURL(b))) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Open(b, storetest.PostgresURL(b))) })
}

// BenchmarkHPLPage reads one page of 50 from the maintained HPL, at the top and 90% of the way
// down, with 1,000 and 100,000 people on the list; one change to the list is made before each read,
// so every read brings the ranking up to date.
func BenchmarkHPLPage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			eachBenchDB(b, func(b *testing.B, db *store.DB) {
				ctx := context.Background()
				seedHPL(b, db, n)
				admin := cas.User{ID: "admin", Role: cas.RoleCASAdmin}
				if _, _, _, err := db.HPL(ctx, &admin, store.HPLFilter{}, store.Page{Limit: 50}); err != nil {
					b.Fatal(err) // the first read loads the list
				}
				deep := deepCursor(b, db, n*9/10)
				for _, at := range []struct{ name, cursor string }{{"top", ""}, {"deep", deep}} {
					b.Run(at.name, func(b *testing.B) {
						for i := 0; b.Loop(); i++ {
							b.StopTimer()
							if _, err := db.SQL().Exec(`UPDATE hpl_entries SET score = $1, updated_at = $2 WHERE id = $3`, i%18, time.Now(),
								fmt.Sprintf("ec%06d", i%n)); err != nil {
								b.Fatal(err)
							}
							b.StartTimer()
							items, _, _, err := db.HPL(ctx, &admin, store.HPLFilter{}, store.Page{Limit: 50, Cursor: at.cursor})
							if err != nil || len(items) != 50 {
								b.Fatalf("%d items, %v", len(items), err)
							}
						}
					})
				}
			})
		})
	}
}

// deepCursor pages down to a rank and returns the cursor there.
func deepCursor(b *testing.B, db *store.DB, rank int) string {
	page := store.Page{Limit: 500}
	for seen := 0; seen+500 <= rank; seen += 500 {
		_, next, _, err := db.HPL(context.Background(), cas.System, store.HPLFilter{}, page)
		if err != nil {
			b.Fatal(err)
		}
		page.Cursor = next
	}
	return page.Cursor
}

// BenchmarkMatchJob runs the engine as a match job does after one unit was freed, with 1,000 and
// 100,000 people on the list: the snapshot, the engine, and the short write transaction that
// refers the top eligible client. The referral is withdrawn between runs, untimed.
func BenchmarkMatchJob(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			eachBenchDB(b, func(b *testing.B, db *store.DB) {
				ctx := context.Background()
				seedHPL(b, db, n)
				admin := cas.User{ID: "admin", Role: cas.RoleCASAdmin}
				if _, err := db.RunMatch(ctx, true); err != nil {
					b.Fatal(err) // the first run loads the list
				}
				for b.Loop() {
					run, err := db.RunMatch(ctx, false)
					if err != nil || len(run.Referrals) != 1 {
						b.Fatalf("%d referrals, %v", len(run.Referrals), err)
					}
					b.StopTimer()
					if _, err := db.WithdrawReferral(ctx, &admin, run.Referrals[0].ID, "benchmark"); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			})
		})
	}
}

// TestARunWithOneUnitReadsMoreOfTheListUntilSomeoneFits: with one free unit the engine is given the
// top of the list first; when nobody there is eligible it must still find the first eligible client
// further down, with that client's rank.
func TestARunWithOneUnitReadsMoreOfTheListUntilSomeoneFits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedHPL(t, db, 0)
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		tx, err := db.SQL().Begin()
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1500 {
			id := fmt.Sprintf("c%06d", i)
			if _, err := tx.Exec(`INSERT INTO clients (id, first_name, last_name, birth_date, household_size, household_type, consent, created_at, updated_at)
				VALUES ($1, 'Client', $1, '1980-01-01', 1, 'without_children', $2, $3, $3)`, id, i >= 1200, now); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(`INSERT INTO hpl_entries (id, client_id, score, assessed_on, days_homeless, documents, intake_status, status, created_at, updated_at)
				VALUES ($1, $2, $3, '2026-01-01', 10, '[]', 'ready', 'active', $4, $4)`, "e"+id, id, 10000-i, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		run, err := db.RunMatch(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Referrals) != 1 || run.Referrals[0].ClientID != "c001200" || run.Referrals[0].Rank != 1201 {
			t.Fatalf("referrals %+v, want one for c001200, ranked 1201 (the first with consent, below the top the engine reads first)", run.Referrals)
		}
	})
}
