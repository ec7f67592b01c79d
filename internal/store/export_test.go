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
