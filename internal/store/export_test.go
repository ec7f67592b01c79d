package store

import (
	"context"

	"github.com/doorway-cas/doorway/internal/cas"
)

// AuditThen appends an audit event in a transaction and then fails with err, so tests can check
// that the audit row goes with the change it describes.
func (db *DB) AuditThen(ctx context.Context, actor *cas.User, err error) error {
	return db.inTx(ctx, actor, func(tx *Tx) error {
		if aerr := tx.audit("test.fail", "agency", "x", nil, map[string]string{"k": "v"}); aerr != nil {
			return aerr
		}
		return err
	})
}

// LockBoth updates two agencies' rows in one transaction, first then second, calling between
// after the first, so that two calls in opposite orders deadlock; it returns how many times the
// transaction ran.
func (db *DB) LockBoth(ctx context.Context, first, second string, between func()) (int, error) {
	runs := 0
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		runs++
		for i, id := range []string{first, second} {
			if _, err := tx.exec(`UPDATE agencies SET name = name WHERE id = $1`, id); err != nil {
				return err
			}
			if i == 0 && runs == 1 {
				between()
			}
		}
		return nil
	})
	return runs, err
}
