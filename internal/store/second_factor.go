package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/password"
)

// totpOpts are the codes authenticator apps make by default (RFC 6238): six digits, every 30
// seconds, HMAC-SHA1.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpSkew is how many 30-second steps before and after now a code is accepted at, for clocks
// that drift.
const totpSkew = 1

// SecondFactor returns an account's second factor. Its owner and the HMIS team may read it.
func (db *DB) SecondFactor(ctx context.Context, actor *cas.User, userID string) (cas.SecondFactor, error) {
	u, err := db.User(ctx, actor, userID)
	if err != nil {
		return cas.SecondFactor{}, err
	}
	if actor.ID != u.ID && !cas.CanManageAgencies(actor) {
		return cas.SecondFactor{}, cas.NotFound("user")
	}
	var sf cas.SecondFactor
	var confirmed sql.NullTime
	err = db.sql.QueryRowContext(ctx, `SELECT
		(SELECT confirmed_at FROM user_totp WHERE user_id = $1),
		(SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL),
		(SELECT COUNT(*) FROM second_factor_roles WHERE role = $2) > 0`, u.ID, u.Role).Scan(&confirmed, &sf.RecoveryCodesLeft, &sf.Required)
	if err != nil {
		return cas.SecondFactor{}, fmt.Errorf("second factor of %s: %w", u.ID, err)
	}
	sf.Enrolled, sf.EnrolledAt = confirmed.Valid, timePtr(confirmed)
	return sf, nil
}

// SecondFactorGate reports, for a signed-in user's every page, whether their role requires a
// second factor and whether they have one: one query.
func (db *DB) SecondFactorGate(ctx context.Context, u *cas.User) (required, enrolled bool, err error) {
	err = db.sql.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM second_factor_roles WHERE role = $1) > 0,
		(SELECT COUNT(*) FROM user_totp WHERE user_id = $2 AND confirmed_at IS NOT NULL) > 0`, u.Role, u.ID).Scan(&required, &enrolled)
	if err != nil {
		return false, false, fmt.Errorf("second factor gate: %w", err)
	}
	return required, enrolled, nil
}

// usersWithSecondFactor returns which of the accounts with the given IDs have their second factor on.
func usersWithSecondFactor(ctx context.Context, q querier, ids []string) (map[string]bool, error) {
	on := map[string]bool{}
	err := eachIn(ctx, q, `SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL AND user_id IN `, ids, func(row scanner) error {
		var id string
		if err := row.Scan(&id); err != nil {
			return err
		}
		on[id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("second factors: %w", err)
	}
	return on, nil
}

// HasSecondFactor reports whether an account signs in with a second factor.
func (db *DB) HasSecondFactor(ctx context.Context, userID string) (bool, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("second factor of %s: %w", userID, err)
	}
	return n > 0, nil
}

// StartTOTP returns the secret the actor's authenticator app is to be set up with: the one
// already waiting for confirmation, or a new one. An account whose second factor is already on
// answers conflict.
func (db *DB) StartTOTP(ctx context.Context, actor *cas.User) (string, error) {
	var secret string
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var confirmed sql.NullTime
		err := tx.queryRow(`SELECT secret, confirmed_at FROM user_totp WHERE user_id = $1`, actor.ID).Scan(&secret, &confirmed)
		switch {
		case err == nil && confirmed.Valid:
			return cas.Errorf(cas.EConflict, "your second factor is already on")
		case err == nil:
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read second factor: %w", err)
		}
		raw := make([]byte, 20)
		rand.Read(raw)
		secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
		if _, err := tx.exec(`INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3)`, actor.ID, secret, tx.now); err != nil {
			return fmt.Errorf("start second factor: %w", err)
		}
		return nil
	})
	return secret, err
}

// ConfirmTOTP turns the actor's second factor on when code is right for the secret StartTOTP
// gave, and returns ten new recovery codes: they are shown this once and stored only hashed.
func (db *DB) ConfirmTOTP(ctx context.Context, actor *cas.User, code string) ([]string, error) {
	var codes []string
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var secret string
		var confirmed sql.NullTime
		err := tx.queryRow(`SELECT secret, confirmed_at FROM user_totp WHERE user_id = $1`, actor.ID).Scan(&secret, &confirmed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return cas.Errorf(cas.EConflict, "open the second factor page again to get a new secret")
		case err != nil:
			return fmt.Errorf("read second factor: %w", err)
		case confirmed.Valid:
			return cas.Errorf(cas.EConflict, "your second factor is already on")
		}
		step, ok := totpStep(secret, code, tx.now, 0)
		if !ok {
			return cas.Invalid("code", "Code: that is not the code your app shows now; type the six digits it shows")
		}
		if _, err := tx.exec(`UPDATE user_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3`, tx.now, step, actor.ID); err != nil {
			return fmt.Errorf("confirm second factor: %w", err)
		}
		if codes, err = tx.newRecoveryCodes(actor.ID); err != nil {
			return err
		}
		return tx.audit("user.second_factor_on", "user", actor.ID, nil, map[string]any{"recovery_codes": len(codes)})
	})
	return codes, err
}

// newRecoveryCodes replaces an account's recovery codes with ten new ones: 80 random bits each,
// written as four groups of four letters and digits, stored as SHA-256 hashes (at 80 bits a
// slow hash adds nothing).
func (tx *Tx) newRecoveryCodes(userID string) ([]string, error) {
	if _, err := tx.exec(`DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, fmt.Errorf("delete recovery codes: %w", err)
	}
	codes := make([]string, cas.RecoveryCodes)
	for i := range codes {
		raw := make([]byte, 10)
		rand.Read(raw)
		s := strings.ToLower(base32.StdEncoding.EncodeToString(raw))
		codes[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
		if _, err := tx.exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, hashSecret(normalizeRecoveryCode(codes[i]))); err != nil {
			return nil, fmt.Errorf("insert recovery code: %w", err)
		}
	}
	return codes, nil
}

// normalizeRecoveryCode forgives case, spaces and dashes.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

// totpStep returns the time step at which code is right for secret, within totpSkew steps of
// now, and later than after (a code already accepted is never accepted again).
func totpStep(secret, code string, now time.Time, after int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	now0 := now.Unix() / int64(totpOpts.Period)
	for step := now0 - totpSkew; step <= now0+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(totpOpts.Period), 0), totpOpts)
		if err == nil && step > after && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// VerifySecondFactor checks the code a user typed at sign-in after their password: the code
// their authenticator app shows, or one of their recovery codes, which is then used up. A wrong
// code answers unauthorized; a right one is audited with which kind it was.
func (db *DB) VerifySecondFactor(ctx context.Context, u *cas.User, code string) error {
	denied := cas.Errorf(cas.EUnauthorized, "that code is not right")
	return db.inTx(ctx, u, func(tx *Tx) error {
		var secret string
		var last int64
		err := tx.queryRow(`SELECT secret, last_step FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, u.ID).Scan(&secret, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return denied
		}
		if err != nil {
			return fmt.Errorf("read second factor: %w", err)
		}
		if step, ok := totpStep(secret, code, tx.now, last); ok {
			// The step only moves forward, so two sign-ins racing with one code cannot both pass.
			res, err := tx.exec(`UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1`, step, u.ID)
			if err != nil {
				return fmt.Errorf("record code step: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return denied
			}
			return nil
		}
		res, err := tx.exec(`UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
			tx.now, u.ID, hashSecret(normalizeRecoveryCode(code)))
		if err != nil {
			return fmt.Errorf("use recovery code: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return denied
		}
		var left int
		if err := tx.queryRow(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, u.ID).Scan(&left); err != nil {
			return err
		}
		return tx.audit("user.recovery_code_used", "user", u.ID, nil, map[string]any{"recovery_codes_left": left})
	})
}

// NewRecoveryCodes replaces the actor's recovery codes with ten new ones, for someone who used
// or lost theirs; the second factor must be on.
func (db *DB) NewRecoveryCodes(ctx context.Context, actor *cas.User) ([]string, error) {
	var codes []string
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, actor.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return cas.Errorf(cas.EConflict, "turn your second factor on first")
		}
		var err error
		if codes, err = tx.newRecoveryCodes(actor.ID); err != nil {
			return err
		}
		return tx.audit("user.recovery_codes_renewed", "user", actor.ID, nil, map[string]any{"recovery_codes": len(codes)})
	})
	return codes, err
}

// DisableTOTP turns the actor's own second factor off once they give their password again,
// unless their role requires one.
func (db *DB) DisableTOTP(ctx context.Context, actor *cas.User, pw string) error {
	return db.inTx(ctx, actor, func(tx *Tx) error {
		var hash string
		if err := tx.queryRow(`SELECT password_hash FROM users WHERE id = $1`, actor.ID).Scan(&hash); err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		if !password.Verify(pw, hash) {
			return cas.Invalid("password", "Password: that is not your password")
		}
		var required int
		if err := tx.queryRow(`SELECT COUNT(*) FROM second_factor_roles WHERE role = $1`, actor.Role).Scan(&required); err != nil {
			return err
		}
		if required > 0 {
			return cas.Errorf(cas.EConflict, "your role must use a second factor; the HMIS team can reset it if you lost your device")
		}
		return tx.removeSecondFactor(actor.ID, "user.second_factor_off")
	})
}

// ResetSecondFactor removes a user's second factor, for someone who lost their device: the HMIS
// team may. The user signs in with their password alone next time (and is sent to set one up
// again when their role requires it).
func (db *DB) ResetSecondFactor(ctx context.Context, actor *cas.User, userID string) error {
	if !cas.CanManageAgencies(actor) {
		return cas.Errorf(cas.EForbidden, "only the HMIS team can reset a second factor")
	}
	return db.inTx(ctx, actor, func(tx *Tx) error {
		if _, err := db.user(ctx, tx, `id`, userID); err != nil {
			return err
		}
		return tx.removeSecondFactor(userID, "user.second_factor_reset")
	})
}

func (tx *Tx) removeSecondFactor(userID, action string) error {
	res, err := tx.exec(`DELETE FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID)
	if err != nil {
		return fmt.Errorf("remove second factor: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cas.Errorf(cas.EConflict, "the account has no second factor")
	}
	if _, err := tx.exec(`DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("remove recovery codes: %w", err)
	}
	return tx.audit(action, "user", userID, map[string]any{"second_factor": true}, map[string]any{"second_factor": false})
}

// SecondFactorRoles lists the roles that must sign in with a second factor.
func (db *DB) SecondFactorRoles(ctx context.Context) ([]cas.Role, error) {
	return secondFactorRoles(ctx, db.sql)
}

func secondFactorRoles(ctx context.Context, q querier) ([]cas.Role, error) {
	rows, err := q.QueryContext(ctx, `SELECT role FROM second_factor_roles ORDER BY role`)
	if err != nil {
		return nil, fmt.Errorf("second factor roles: %w", err)
	}
	defer rows.Close()
	roles := []cas.Role{}
	for rows.Next() {
		var r cas.Role
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}
	return roles, rows.Err()
}

// SetSecondFactorRoles sets which roles must sign in with a second factor. Only the HMIS team
// may. Users of a newly required role without one are sent to set it up before anything else.
func (db *DB) SetSecondFactorRoles(ctx context.Context, actor *cas.User, roles []cas.Role) ([]cas.Role, error) {
	if !cas.CanManageAgencies(actor) {
		return nil, cas.Errorf(cas.EForbidden, "only the HMIS team can require a second factor")
	}
	for _, r := range roles {
		if !r.Valid() {
			return nil, cas.Invalid("required_roles", "Roles: %q is not a role", r)
		}
	}
	before, err := db.SecondFactorRoles(ctx)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, actor, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM second_factor_roles`); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.exec(`INSERT INTO second_factor_roles (role, required_at, required_by) VALUES ($1, $2, $3)
				ON CONFLICT (role) DO NOTHING`, r, tx.now, actor.ID); err != nil {
				return fmt.Errorf("require second factor of %s: %w", r, err)
			}
		}
		return tx.audit("settings.second_factor_roles", "settings", "second_factor_roles", before, roles)
	})
	if err != nil {
		return nil, err
	}
	return db.SecondFactorRoles(ctx)
}

// auditableText is text typed by anyone, made fit for the audit log: valid UTF-8 without NUL
// bytes, at most limit bytes.
func auditableText(s string, limit int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "")
	}
	return s
}

// RecordSignIn appends a sign-in's outcome to the audit log: session.sign_in (or
// session.sign_in_code, the second factor's step) by the user who signed in, or
// session.sign_in_failed for the email typed (entity type "email"), by nobody known; each with
// the client's address.
func (db *DB) RecordSignIn(ctx context.Context, action string, u *cas.User, email, address string) error {
	actor, entityType, entity := u, "user", ""
	if u == nil {
		actor, entityType, entity = &cas.User{}, "email", auditableText(cas.NormalizeEmail(email), 254)
	} else {
		entity = u.ID
	}
	return db.inTx(ctx, actor, func(tx *Tx) error {
		return tx.audit(action, entityType, entity, nil, map[string]any{"address": address})
	})
}
