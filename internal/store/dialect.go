package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds the few things that differ between SQLite and PostgreSQL; all SQL text is shared.
type dialect struct {
	name   string
	driver string
	goose  goose.Dialect
	// forUpdate locks the rows a SELECT reads until the transaction ends. SQLite needs none: its
	// write transactions begin IMMEDIATE and so run one at a time.
	forUpdate string
	// skipLocked claims rows that no other transaction holds, for job queues.
	skipLocked string
	// matchLock makes matching runs wait for each other. SQLite's write transactions already do.
	matchLock string
}

var (
	sqliteDialect   = dialect{name: "sqlite", driver: "sqlite", goose: goose.DialectSQLite3}
	postgresDialect = dialect{name: "postgres", driver: "pgx", goose: goose.DialectPostgres,
		forUpdate: " FOR UPDATE", skipLocked: " FOR UPDATE SKIP LOCKED", matchLock: "SELECT pg_advisory_xact_lock(7262747)"}
)

// isUniqueViolation reports whether err is a unique-constraint violation in either database.
func isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505"
	}
	if sqErr, ok := errors.AsType[*sqlite.Error](err); ok {
		code := sqErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isRetryable reports whether the database gave up on a transaction because of others running at
// the same time, so that running it again may well succeed: a serialization failure (40001) or a
// deadlock (40P01) in PostgreSQL, a database still locked after the busy timeout in SQLite.
func isRetryable(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	if sqErr, ok := errors.AsType[*sqlite.Error](err); ok {
		return sqErr.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return false
}
