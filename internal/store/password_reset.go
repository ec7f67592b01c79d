package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/password"
)

// resetPrefix marks the secrets of password reset links, as tokenPrefix marks API tokens.
const resetPrefix = "dwr_"

const resetColumns = `id, user_id, created_by, created_at, expires_at, used_at`

func scanReset(row scanner) (cas.PasswordReset, error) {
	var p cas.PasswordReset
	var used sql.NullTime
	err := row.Scan(&p.ID, &p.UserID, &p.CreatedBy, &p.CreatedAt, &p.ExpiresAt, &used)
	p.CreatedAt, p.ExpiresAt, p.UsedAt = p.CreatedAt.UTC(), p.ExpiresAt.UTC(), timePtr(used)
	return p, err
}

// IssuePasswordReset makes a one-time password reset link for an account (the HMIS team or the
// operator only) and returns its secret, shown to the admin once. In the same transaction the
// account's older links are consumed, an email carrying the link is queued for its owner, and the
// issue is audited without the secret. A disabled account gets no link.
func (db *DB) IssuePasswordReset(ctx context.Context, actor *cas.User, userID string) (string, cas.PasswordReset, error) {
	if !cas.CanManageAgencies(actor) {
		return "", cas.PasswordReset{}, cas.Errorf(cas.EForbidden, "only the HMIS team can reset a password")
	}
	secret := resetPrefix + newSecret()[len(tokenPrefix):]
	var p cas.PasswordReset
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := db.user(ctx, tx, `id`, userID)
		if err != nil {
			return err
		}
		if u.Disabled() {
			return cas.Errorf(cas.EConflict, "%s's account is disabled: enable it before resetting its password", u.Name)
		}
		if err := tx.consumeResets(userID); err != nil {
			return err
		}
		p = cas.PasswordReset{ID: newID(), UserID: userID, CreatedBy: actor.ID, CreatedAt: tx.now, ExpiresAt: tx.now.Add(cas.PasswordResetLifetime)}
		msg, err := notify.PasswordReset(u.Name, db.BaseURL+links.PasswordReset(secret), notify.FormatDeadline(p.ExpiresAt, db.Zone))
		if err != nil {
			return err
		}
		outboxID, err := tx.queueEmail(u, msg, false)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO password_resets (id, user_id, secret_hash, created_by, created_at, expires_at, outbox_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.UserID, hashSecret(secret), p.CreatedBy, p.CreatedAt, p.ExpiresAt, outboxID); err != nil {
			return fmt.Errorf("insert reset link: %w", err)
		}
		return tx.audit("user.password_reset_issue", "user", userID, nil, p)
	})
	if err != nil {
		return "", cas.PasswordReset{}, err
	}
	return secret, p, nil
}

// consumeResets ends every unused reset link of an account.
func (tx *Tx) consumeResets(userID string) error {
	if _, err := tx.exec(`UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, tx.now, userID); err != nil {
		return fmt.Errorf("consume reset links of %s: %w", userID, err)
	}
	return nil
}

// errResetDead is what a reset link answers once it cannot be used: the same for a wrong, used or
// expired one, so that the page tells a guesser nothing.
var errResetDead = cas.Errorf(cas.ENotFound, "This password reset link is not valid: it was used already, it expired, or a newer one replaced it. Ask your HMIS team for a new one.")

// PasswordResetFor returns the account a usable reset link is for, to greet its owner by name.
func (db *DB) PasswordResetFor(ctx context.Context, secret string) (cas.User, error) {
	u, _, err := db.resetFor(ctx, db.sql, secret)
	return u, err
}

func (db *DB) resetFor(ctx context.Context, q querier, secret string) (cas.User, cas.PasswordReset, error) {
	p, err := scanReset(q.QueryRowContext(ctx, `SELECT `+resetColumns+` FROM password_resets WHERE secret_hash = $1`, hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.User{}, p, errResetDead
	}
	if err != nil {
		return cas.User{}, p, fmt.Errorf("reset link: %w", err)
	}
	if !p.Usable(db.now()) {
		return cas.User{}, p, errResetDead
	}
	u, err := db.user(ctx, q, `id`, p.UserID)
	if err != nil {
		return cas.User{}, p, err
	}
	if u.Disabled() {
		return cas.User{}, p, errResetDead
	}
	return u, p, nil
}

// ResetPassword sets a new password through a reset link: the link is used, once, by whoever holds
// it, who acts as the account's owner. Every session of the account ends and all its reset links
// are consumed, in one transaction that the audit log records without any secret.
func (db *DB) ResetPassword(ctx context.Context, secret, pw string) (cas.User, error) {
	u, _, err := db.resetFor(ctx, db.sql, secret)
	if err != nil {
		return cas.User{}, err
	}
	if err := checkNewPassword("new_password", "New password", pw, u); err != nil {
		return cas.User{}, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return cas.User{}, err
	}
	err = db.inTx(ctx, &u, func(tx *Tx) error {
		// Of two uses of one link racing, only the one that marks it used sets the password.
		res, err := tx.exec(`UPDATE password_resets SET used_at = $1 WHERE secret_hash = $2 AND used_at IS NULL AND expires_at > $1`, tx.now, hashSecret(secret))
		if err != nil {
			return fmt.Errorf("use reset link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errResetDead
		}
		if _, err := tx.setPassword(u.ID, hash); err != nil {
			return err
		}
		return tx.audit("user.password_reset_use", "user", u.ID, nil, map[string]any{"sessions_ended": true})
	})
	if err != nil {
		return cas.User{}, err
	}
	return u, nil
}

// blankedEmail replaces the body of a reset link's email in the outbox.
const blankedEmail = "(This email carried a one-time password reset link. It was removed from Doorway's outbox once sent or no longer usable.)"

// BlankResetEmails removes the links from the outbox's copies of reset emails that were sent,
// given up, or whose link can no longer be used, so that the outbox keeps no usable secret past
// delivery. The worker runs it periodically.
func (db *DB) BlankResetEmails(ctx context.Context) (int, error) {
	now := db.now()
	res, err := db.sql.ExecContext(ctx, `UPDATE email_outbox SET text_body = $1, html_body = $1
		WHERE text_body <> $1 AND id IN (SELECT outbox_id FROM password_resets WHERE outbox_id IS NOT NULL)
		AND (status <> 'pending' OR id IN (SELECT outbox_id FROM password_resets WHERE used_at IS NOT NULL OR expires_at <= $2))`, blankedEmail, now)
	if err != nil {
		return 0, fmt.Errorf("blank reset emails: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
