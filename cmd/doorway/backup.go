package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/doorway-cas/doorway/internal/store"
)

// backup writes a consistent copy of a SQLite database, safe to run while serve uses it.
func (m *Main) backup(ctx context.Context, args []string) error {
	fs := m.newFlags("backup")
	dbURL := dbFlag(fs)
	out := fs.String("out", "", "the new file to write the copy to (env DOORWAY_OUT)")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: --out is required: the new file to write the copy to")
	}
	path, ok := store.SQLiteFile(*dbURL)
	if !ok {
		return store.ErrBackupPostgres
	}
	// Opening a missing file would make an empty database, and copy that.
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: --db %s: %w", *dbURL, err)
	}
	db, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Copied %s to %s; restore by stopping Doorway and putting the copy in the database's place.\n", path, *out)
	return nil
}
