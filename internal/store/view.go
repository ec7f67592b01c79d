package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

// A view is what one page shows, read by one method in one transaction (the read models in the
// view_*.go files): the page is one moment of the records, never a unit free on one line and held
// on the next, and it costs the same few queries however many rows it shows.

// inView runs fn in one transaction that sees a single snapshot of the database: REPEATABLE READ
// on PostgreSQL, as every SQLite transaction is. A view that reads client records appends their
// audit events, so it writes; on SQLite it then takes the write lock, as every audited read does.
func (db *DB) inView(ctx context.Context, actor *cas.User, writes bool, fn func(tx *Tx) error) error {
	sqlTx, err := db.sql.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: !writes})
	if err != nil {
		return fmt.Errorf("begin view: %w", err)
	}
	defer sqlTx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(&Tx{Tx: sqlTx, db: db, ctx: ctx, now: db.now(), actor: actor}); err != nil {
		return err
	}
	return sqlTx.Commit()
}
