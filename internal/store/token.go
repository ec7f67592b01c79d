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

// TokenSpec is what a new API token is: its name, its lifetime (0: it never expires), and whether
// it is read-only.
type TokenSpec struct {
	Name     string
	Lifetime time.Duration
	ReadOnly bool
}

// CreateToken issues a read-write API token without expiry for a user and returns its secret,
// which is never shown again. The HMIS team (or the operator) may issue tokens for anyone; a user
// may issue their own.
func (db *DB) CreateToken(ctx context.Context, actor *cas.User, userID, name string) (string, cas.APIToken, error) {
	return db.IssueToken(ctx, actor, userID, TokenSpec{Name: name})
}

// IssueToken issues an API token as spec says, for a user, and returns its secret, which is never
// shown again. The HMIS team (or the operator) may issue tokens for anyone; a user may issue their
// own. The audit event records the token, never its secret.
func (db *DB) IssueToken(ctx context.Context, actor *cas.User, userID string, spec TokenSpec) (string, cas.APIToken, error) {
	if !cas.CanManageAgencies(actor) && actor.ID != userID {
		return "", cas.APIToken{}, cas.NotFound("user")
	}
	if err := cas.ValidateTokenLifetime("expires", spec.Lifetime); err != nil {
		return "", cas.APIToken{}, err
	}
	name := strings.TrimSpace(spec.Name)
	if name == "" {
		name = "API token"
	}
	if len(name) > 200 {
		return "", cas.APIToken{}, cas.Invalid("name", "Name must be at most 200 characters")
	}
	secret := newSecret()
	var tok cas.APIToken
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		u, err := db.user(ctx, tx, `id`, userID)
		if err != nil {
			return err
		}
		if u.Disabled() {
			return cas.Errorf(cas.EConflict, "the account %s is disabled", u.Email)
		}
		tok = cas.APIToken{ID: newID(), UserID: userID, Name: name, ReadOnly: spec.ReadOnly, CreatedAt: tx.now}
		if spec.Lifetime > 0 {
			expires := tx.now.Add(spec.Lifetime)
			tok.ExpiresAt = &expires
		}
		if _, err := tx.exec(`INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, read_only) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			tok.ID, tok.UserID, tok.Name, hashSecret(secret), tok.CreatedAt, nullTime(tok.ExpiresAt), tok.ReadOnly); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return tx.audit("token.create", "api_token", tok.ID, nil, tok)
	})
	if err != nil {
		return "", cas.APIToken{}, err
	}
	return secret, tok, nil
}

// newSecret returns a new token secret: 256 random bits, marked with tokenPrefix.
func newSecret() string {
	raw := make([]byte, 32)
	rand.Read(raw)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

const tokenColumns = `id, user_id, name, read_only, created_at, expires_at, last_used_at, revoked_at`

func scanToken(row scanner) (cas.APIToken, error) {
	var t cas.APIToken
	var expires, used, revoked sql.NullTime
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.ReadOnly, &t.CreatedAt, &expires, &used, &revoked)
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = t.CreatedAt.UTC(), timePtr(expires), timePtr(used), timePtr(revoked)
	return t, err
}

// Tokens lists an account's API tokens, newest first, revoked ones too. Its owner and the HMIS team
// may.
func (db *DB) Tokens(ctx context.Context, actor *cas.User, userID string) ([]cas.APIToken, error) {
	return listTokens(ctx, db.sql, actor, userID)
}

func listTokens(ctx context.Context, q querier, actor *cas.User, userID string) ([]cas.APIToken, error) {
	if !cas.CanManageAgencies(actor) && actor.ID != userID {
		return nil, cas.NotFound("user")
	}
	var list []cas.APIToken
	err := eachRow(ctx, q, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, []any{userID},
		func(row scanner) error {
			t, err := scanToken(row)
			list = append(list, t)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("tokens of %s: %w", userID, err)
	}
	return list, nil
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

// UserByToken returns the active account that holds the token secret. A wrong, revoked or expired
// token, or a disabled account's, answers unauthorized.
func (db *DB) UserByToken(ctx context.Context, secret string) (cas.User, error) {
	u, _, err := db.TokenAccess(ctx, secret)
	return u, err
}

// TokenAccess returns the active account that holds the token secret, and the token, whose scope
// (ReadOnly) the caller enforces. A wrong, revoked or disabled account's token answers
// unauthorized; an expired one says since when.
func (db *DB) TokenAccess(ctx context.Context, secret string) (cas.User, cas.APIToken, error) {
	denied := cas.Errorf(cas.EUnauthorized, "the API token is not valid")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return cas.User{}, cas.APIToken{}, denied
	}
	var tok cas.APIToken
	var expires, lastUsed sql.NullTime
	row := db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, token_id, token_name, read_only, token_created_at, expires_at, last_used_at FROM users
		JOIN (SELECT id AS token_id, user_id, name AS token_name, read_only, created_at AS token_created_at, expires_at, last_used_at
		      FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL) t ON t.user_id = users.id`, hashSecret(secret))
	u, err := scanUser(row, &tok.ID, &tok.Name, &tok.ReadOnly, &tok.CreatedAt, &expires, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return cas.User{}, cas.APIToken{}, denied
	}
	if err != nil {
		return cas.User{}, cas.APIToken{}, fmt.Errorf("look up token: %w", err)
	}
	tok.UserID, tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = u.ID, tok.CreatedAt.UTC(), timePtr(expires), timePtr(lastUsed)
	if u.Disabled() {
		return cas.User{}, cas.APIToken{}, denied
	}
	now := db.now()
	if tok.Expired(now) {
		return cas.User{}, cas.APIToken{}, cas.Errorf(cas.EUnauthorized, "the API token %q expired on %s: make a new one on your account page or with doorway token create",
			tok.Name, tok.ExpiresAt.In(db.Zone).Format("2 Jan 2006 15:04 MST"))
	}
	if !lastUsed.Valid || now.Sub(lastUsed.Time) >= tokenTouchInterval {
		if _, err := db.sql.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, tok.ID); err != nil {
			return cas.User{}, cas.APIToken{}, fmt.Errorf("touch token: %w", err)
		}
	}
	return u, tok, nil
}
