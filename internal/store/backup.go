package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrBackupPostgres refuses a backup of PostgreSQL, which has its own tools.
var ErrBackupPostgres = errors.New("doorway backup copies SQLite databases; back up PostgreSQL with pg_dump (pg_dump --format=custom --file=doorway.dump DBNAME) and restore with pg_restore, as docs/operations.md shows")

// SQLiteFile is the file a "sqlite:PATH" database URL names; ok is false for any other URL.
func SQLiteFile(dbURL string) (path string, ok bool) {
	if !strings.HasPrefix(dbURL, "sqlite:") {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite:"), "//"), true
}

// Backup writes a consistent copy of the SQLite database to the new file out while other
// connections, and other processes such as a running `doorway serve`, go on reading and writing
// it: VACUUM INTO reads one snapshot of the database in a read transaction, which in WAL mode
// blocks no writer, and writes it compacted. The copy is then checked (PRAGMA integrity_check).
func (db *DB) Backup(ctx context.Context, out string) error {
	if db.dialect.name != "sqlite" {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup to %s: the file exists; name a new file", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", out, err)
	}
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO $1`, out); err != nil {
		return fmt.Errorf("backup to %s: %w", out, err)
	}
	copied, err := Open(ctx, "sqlite:"+out)
	if err != nil {
		return fmt.Errorf("open the backup %s: %w", out, err)
	}
	defer copied.Close()
	var verdict string
	if err := copied.sql.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&verdict); err != nil {
		return fmt.Errorf("check the backup %s: %w", out, err)
	}
	if verdict != "ok" {
		return fmt.Errorf("the backup %s fails SQLite's integrity check: %s", out, verdict)
	}
	return nil
}
