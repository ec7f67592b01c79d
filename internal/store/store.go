// Package store keeps Doorway's records in SQLite or PostgreSQL through one database/sql code path.
// Each exported method of DB is a service: one transaction that checks the actor's permission,
// validates, writes, and appends the audit event, so the web UI, the API and the command line share
// the same rules. The read models of the view_*.go files read what one page shows in one
// transaction, so the page is one moment of the records and costs a fixed number of queries.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/doorway-cas/doorway/internal/report"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// DB is an open Doorway database.
type DB struct {
	sql     *sql.DB
	dialect dialect
	// Now is the clock every transaction reads once; tests replace it.
	Now func() time.Time
	// Zone is the CoC's time zone: it says when a calendar day, such as a reservation's expiry
	// date, begins and ends.
	Zone *time.Location
	// BaseURL is where people reach Doorway, for the links in notifications.
	BaseURL string
	// NoRereferral is how long a client declined by a program is not referred to it again.
	NoRereferral time.Duration
	// Thresholds judge the under-referral suspects the worker records each week; zero fields take
	// report.DefaultThresholds.
	Thresholds report.Thresholds
	// RetentionYears is the retention period: the worker de-identifies, once a day, the client
	// records with no activity for that many years (RetentionSweep); 0 turns it off.
	RetentionYears int

	hpl  hplIndex      // the ranked HPL, kept up to date from hpl_changes
	dsn  string        // the driver's connection string, for listening
	work chan struct{} // signalled when a transaction queued a job or an email (work.go)
	// retries counts the transactions inTx ran again (tx.go).
	retries txRetries
}

// DefaultNoRereferral is the no-re-referral period when none is configured.
const DefaultNoRereferral = 90 * 24 * time.Hour

// Open connects to the database named by a URL: "sqlite:PATH" for an embedded SQLite file or
// "postgres://…" for PostgreSQL. It does not migrate; call Migrate.
func Open(ctx context.Context, dbURL string) (*DB, error) {
	d, dsn, err := parseURL(dbURL)
	if err != nil {
		return nil, err
	}
	sqlDB, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d.name, err)
	}
	if d.name == "sqlite" {
		// One writer at a time is SQLite's nature; readers share the WAL freely.
		sqlDB.SetMaxOpenConns(8)
	} else {
		sqlDB.SetMaxOpenConns(20)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.name, err)
	}
	return &DB{sql: sqlDB, dialect: d, dsn: dsn, work: make(chan struct{}, 1), Now: time.Now, Zone: time.UTC, NoRereferral: DefaultNoRereferral,
		BaseURL: "http://localhost:8080"}, nil
}

func parseURL(dbURL string) (dialect, string, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		path, _ := SQLiteFile(dbURL)
		if path == "" || strings.Contains(path, ":memory:") {
			return dialect{}, "", fmt.Errorf("database URL %q: name a SQLite file, e.g. sqlite:doorway.db", dbURL)
		}
		q := url.Values{}
		// temp_store(MEMORY) keeps statement journals in memory: SQLite keeps one for each INSERT of
		// many rows into a table with a foreign key, which would otherwise be a temporary file.
		for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "temp_store(MEMORY)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		return sqliteDialect, "file:" + path + "?" + q.Encode(), nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return postgresDialect, dbURL, nil
	}
	return dialect{}, "", fmt.Errorf("database URL %q: want sqlite:PATH or postgres://…", dbURL)
}

// Dialect names the database behind db: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// Close closes the connection pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Migrate brings the schema up to date with the migrations embedded in this binary.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.goose, db.sql, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s database: %w", db.dialect.name, err)
	}
	return nil
}

// SQL returns the underlying pool, for tests and tools that inspect the database directly.
func (db *DB) SQL() *sql.DB { return db.sql }

// Empty reports whether the database holds no agencies and no accounts yet.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM agencies) + (SELECT COUNT(*) FROM users)`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count records: %w", err)
	}
	return n == 0, nil
}
