// Package storetest opens fresh, migrated Doorway databases for tests: SQLite always, and
// PostgreSQL when a server is reachable. Under CI (CI set) PostgreSQL is required, so a missing
// server fails the tests instead of skipping them.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating test databases

	"github.com/doorway-cas/doorway/internal/store"
)

// PostgresEnv names the environment variable holding the URL of a PostgreSQL server whose user may
// create databases. Without it, a server on 127.0.0.1:5432 is tried.
const PostgresEnv = "DOORWAY_TEST_POSTGRES"

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs fn as a subtest on a fresh SQLite database and on a fresh PostgreSQL database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t, SQLiteURL(t))) })
	t.Run("postgres", func(t *testing.T) { fn(t, Open(t, PostgresURL(t))) })
}

// EachURL is Each for tests that need a database URL rather than an open store (the command line).
func EachURL(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

// Open opens and migrates the database at dbURL and closes it when the test ends.
func Open(tb testing.TB, dbURL string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// SQLiteURL returns the URL of a new SQLite file in the test's temporary directory.
func SQLiteURL(tb testing.TB) string {
	return "sqlite:" + filepath.Join(tb.TempDir(), "doorway.db")
}

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
)

// PostgresURL creates an empty PostgreSQL database for the test, drops it afterwards, and returns
// its URL. It skips the test when no server is reachable, unless CI is set.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	serverOnce.Do(func() {
		serverURL = os.Getenv(PostgresEnv)
		if serverURL == "" {
			serverURL = defaultPostgres
		}
		serverErr = ping(serverURL)
	})
	if serverErr != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL is required under CI: %s=%s: %v", PostgresEnv, serverURL, serverErr)
		}
		tb.Skipf("no PostgreSQL server (%v); set %s to run these tests", serverErr, PostgresEnv)
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "doorway_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", serverURL)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func ping(dbURL string) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Clock is a clock that tests set and advance; it is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
