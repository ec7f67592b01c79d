package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/password"
)

// Passwords and sessions of an account. A browser's session remembers the account's session epoch
// it signed in under (SessionUser); moving the epoch on ends every session signed in before, at
// its next request. Changing the password, a password reset and "sign out everywhere" move it on.

// SessionUser returns the account a browser's session names, with its session epoch.
func (db *DB) SessionUser(ctx context.Context, id string) (cas.User, int, error) {
	var epoch int
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, session_epoch FROM users WHERE id = $1`, id), &epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return cas.User{}, 0, cas.NotFound("user")
	}
	if err != nil {
		return cas.User{}, 0, fmt.Errorf("session user: %w", err)
	}
	return u, epoch, nil
}

// checkNewPassword checks a password about to be set for u, given as field, whose form calls it
// label: long enough, and not a common password or one made of the account's own details.
func checkNewPassword(field, label, pw string, u cas.User) error {
	if err := cas.ValidatePasswordAs(field, label, pw); err != nil {
		return err
	}
	if password.Common(pw, u.Email, u.Name) {
		return cas.Invalid(field, "%s is too easy to guess: it is a common password, close to one, or made of your name or email; choose a longer, less usual one", label)
	}
	return nil
}

// setPassword stores a new password's hash for a user, moves their session epoch on (ending every
// session), consumes their unused reset links, and returns the new epoch.
func (tx *Tx) setPassword(userID, hash string) (int, error) {
	var epoch int
	if err := tx.queryRow(`UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, session_epoch = session_epoch + 1
		WHERE id = $3 RETURNING session_epoch`, hash, tx.now, userID).Scan(&epoch); err != nil {
		return 0, fmt.Errorf("set password of %s: %w", userID, err)
	}
	if err := tx.consumeResets(userID); err != nil {
		return 0, err
	}
	return epoch, nil
}

// ChangePassword sets the actor's own password after checking their current one. Every session of
// the account ends, and its reset links are consumed; the new session epoch is returned, for the
// browser that asked to stay signed in. A wrong current password is refused naming
// current_password.
func (db *DB) ChangePassword(ctx context.Context, actor *cas.User, current, next string) (int, error) {
	if actor.IsSystem() {
		return 0, cas.Errorf(cas.EForbidden, "the command line has no password of its own")
	}
	if current == "" {
		return 0, cas.Invalid("current_password", "Current password is required")
	}
	if err := checkNewPassword("new_password", "New password", next, *actor); err != nil {
		return 0, err
	}
	if current == next {
		return 0, cas.Invalid("new_password", "New password must differ from the current one")
	}
	var stored string
	if err := db.sql.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, actor.ID).Scan(&stored); err != nil {
		return 0, fmt.Errorf("password of %s: %w", actor.ID, err)
	}
	if !password.Verify(current, stored) {
		return 0, cas.Invalid("current_password", "Current password is wrong")
	}
	hash, err := password.Hash(next)
	if err != nil {
		return 0, err
	}
	var epoch int
	err = db.inTx(ctx, actor, func(tx *Tx) error {
		if epoch, err = tx.setPassword(actor.ID, hash); err != nil {
			return err
		}
		return tx.audit("user.password_change", "user", actor.ID, nil, map[string]any{"sessions_ended": true})
	})
	return epoch, err
}

// SetPassword sets an account's password from the command line (the operator only): every session
// of the account ends and its reset links are consumed.
func (db *DB) SetPassword(ctx context.Context, actor *cas.User, userID, pw string) error {
	if !actor.IsSystem() {
		return cas.Errorf(cas.EForbidden, "only the operator at the command line sets a password; the HMIS team sends a reset link")
	}
	u, err := db.user(ctx, db.sql, `id`, userID)
	if err != nil {
		return err
	}
	if err := checkNewPassword("password", "password", pw, u); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	return db.inTx(ctx, actor, func(tx *Tx) error {
		if _, err := tx.setPassword(userID, hash); err != nil {
			return err
		}
		return tx.audit("user.password_set", "user", userID, nil, map[string]any{"sessions_ended": true})
	})
}

// EndSessions ends every browser session of an account ("sign out everywhere") and returns the new
// session epoch. Its owner and the HMIS team may.
func (db *DB) EndSessions(ctx context.Context, actor *cas.User, userID string) (int, error) {
	if !cas.CanManageAgencies(actor) && actor.ID != userID {
		return 0, cas.NotFound("user")
	}
	var epoch int
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		err := tx.queryRow(`UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch`, userID).Scan(&epoch)
		if errors.Is(err, sql.ErrNoRows) {
			return cas.NotFound("user")
		}
		if err != nil {
			return fmt.Errorf("end sessions of %s: %w", userID, err)
		}
		return tx.audit("user.sessions_end", "user", userID, nil, nil)
	})
	return epoch, err
}
