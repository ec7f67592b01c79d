package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// tokenPrefix marks Doorway API tokens, so that secret scanners and people can recognise one.
const tokenPrefix = "dw_"

// hashSecret is how a token secret is stored: 256 random bits need no slow hash, only a one-way one.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues an API token for a user and returns its secret, which is never shown again.
// The HMIS team (or the operator) may issue tokens for anyone; a user may issue their own.
func (db *DB) CreateToken(ctx context.Context, actor *cas.User, userID, name string) (string, cas.APIToken, error) {
	if !cas.CanManageAgencies(actor) && actor.ID != userID {
		return "", cas.APIToken{}, cas.NotFound("user")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	var tok cas.APIToken
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := db.user(ctx, tx, `id`, userID)
		if err != nil {
			return err
		}
		if u.Disabled() {
			return cas.Errorf(cas.EConflict, "the account %s is disabled", u.Email)
		}
		tok = cas.APIToken{ID: newID(), UserID: userID, Name: name, CreatedAt: tx.now}
		if _, err := tx.exec(`INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			tok.ID, tok.UserID, tok.Name, hashSecret(secret), tok.CreatedAt); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return tx.audit("token.create", "api_token", tok.ID, nil, tok)
	})
	if err != nil {
		return "", cas.APIToken{}, err
	}
	return secret, tok, nil
}

// RevokeToken ends a token. Its owner or the HMIS team may.
func (db *DB) RevokeToken(ctx context.Context, actor *cas.User, tokenID string) error {
	return db.inTx(ctx, actor, func(tx *Tx) error {
		var userID string
		var revoked sql.NullTime
		err := tx.queryRow(`SELECT user_id, revoked_at FROM api_tokens WHERE id = $1`, tokenID).Scan(&userID, &revoked)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !cas.CanManageAgencies(actor) && actor.ID != userID) {
			return cas.NotFound("token")
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return cas.Errorf(cas.EConflict, "the token is already revoked")
		}
		if _, err := tx.exec(`UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, tx.now, tokenID); err != nil {
			return err
		}
		return tx.audit("token.revoke", "api_token", tokenID, nil, nil)
	})
}

// RevokeTokens ends every active token of an account and reports how many. The HMIS team, the
// operator, or the account's owner may.
func (db *DB) RevokeTokens(ctx context.Context, actor *cas.User, userID string) (int, error) {
	if !cas.CanManageAgencies(actor) && actor.ID != userID {
		return 0, cas.NotFound("user")
	}
	var n int64
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, tx.now, userID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return tx.audit("token.revoke_all", "user", userID, nil, map[string]any{"revoked": n})
	})
	return int(n), err
}

// tokenTouchInterval bounds how often a token's last use is written, so reads stay reads.
const tokenTouchInterval = time.Minute

// UserByToken returns the active account that holds the token secret. A wrong, revoked or
// disabled account's token answers unauthorized.
func (db *DB) UserByToken(ctx context.Context, secret string) (cas.User, error) {
	denied := cas.Errorf(cas.EUnauthorized, "the API token is not valid")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return cas.User{}, denied
	}
	var tokenID string
	var lastUsed sql.NullTime
	row := db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, token_id, token_last_used_at FROM users
		JOIN (SELECT id AS token_id, user_id, last_used_at AS token_last_used_at FROM api_tokens
		      WHERE secret_hash = $1 AND revoked_at IS NULL) t ON t.user_id = users.id`, hashSecret(secret))
	u, err := scanUser(row, &tokenID, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return cas.User{}, denied
	}
	if err != nil {
		return cas.User{}, fmt.Errorf("look up token: %w", err)
	}
	if u.Disabled() {
		return cas.User{}, denied
	}
	now := db.now()
	if !lastUsed.Valid || now.Sub(lastUsed.Time) >= tokenTouchInterval {
		if _, err := db.sql.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, tokenID); err != nil {
			return cas.User{}, fmt.Errorf("touch token: %w", err)
		}
	}
	return u, nil
}
