package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Account is the signed-in user's account page: who they are, when their password last changed,
// how notifications reach them by email, and their API tokens.
type Account struct {
	User              cas.User
	AgencyName        string
	PasswordChangedAt *time.Time
	Email             EmailPreferences
	Tokens            []cas.APIToken
}

// Account reads the actor's account page in one transaction.
func (db *DB) Account(ctx context.Context, actor *cas.User) (Account, error) {
	var a Account
	err := db.inView(ctx, actor, false, func(tx *Tx) (err error) {
		var changed sql.NullTime
		if a.User, err = scanUser(tx.queryRow(`SELECT `+userColumns+`, password_changed_at FROM users WHERE id = $1`, actor.ID), &changed); err != nil {
			return fmt.Errorf("account %s: %w", actor.ID, err)
		}
		a.PasswordChangedAt = timePtr(changed)
		if a.User.AgencyID != "" {
			if err := tx.queryRow(`SELECT name FROM agencies WHERE id = $1`, a.User.AgencyID).Scan(&a.AgencyName); err != nil {
				return fmt.Errorf("agency of %s: %w", actor.ID, err)
			}
		}
		if a.Email, err = emailPreferences(ctx, tx, actor); err != nil {
			return err
		}
		a.Tokens, err = listTokens(ctx, tx, actor, actor.ID)
		return err
	})
	return a, err
}
