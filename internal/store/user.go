package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/password"
)

const userColumns = `id, email, name, role, COALESCE(agency_id, ''), cas_contact, email_mode, disabled_at, created_at, updated_at`

// scanUser scans userColumns, then any extra columns selected after them.
func scanUser(row scanner, extra ...any) (cas.User, error) {
	var u cas.User
	var disabled sql.NullTime
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.AgencyID, &u.CASContact, &u.EmailMode, &disabled, &u.CreatedAt, &u.UpdatedAt}, extra...)...)
	u.DisabledAt = timePtr(disabled)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

// CreateUser adds an account with the given password. Only the HMIS team (or the operator at the
// command line) may.
func (db *DB) CreateUser(ctx context.Context, actor *cas.User, u cas.User, pw string) (cas.User, error) {
	if !cas.CanManageAgencies(actor) {
		return cas.User{}, cas.Errorf(cas.EForbidden, "only the HMIS team can add users")
	}
	u.Email = cas.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return cas.User{}, err
	}
	if err := cas.ValidatePassword(pw); err != nil {
		return cas.User{}, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return cas.User{}, err
	}
	err = db.inTx(ctx, actor, func(tx *Tx) error {
		if err := tx.checkUserAgency(u); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE email = $1`, u.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &cas.Error{Code: cas.EConflict, Field: "email", Message: fmt.Sprintf("an account for %s already exists", u.Email)}
		}
		u.ID, u.CreatedAt, u.UpdatedAt = newID(), tx.now, tx.now
		if _, err := tx.exec(`INSERT INTO users (id, email, name, role, agency_id, cas_contact, email_mode, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			u.ID, u.Email, u.Name, u.Role, nullString(u.AgencyID), u.CASContact, u.EmailMode, hash, u.CreatedAt, u.UpdatedAt); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return tx.audit("user.create", "user", u.ID, nil, u)
	})
	return u, err
}

func (tx *Tx) checkUserAgency(u cas.User) error {
	if u.AgencyID == "" {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM agencies WHERE id = $1`, u.AgencyID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return cas.Invalid("agency_id", "no agency has ID %q", u.AgencyID)
	}
	return nil
}

// Users lists the accounts the actor may see, by email: every account for the HMIS team, their
// agency's accounts for anyone else in an agency, and none for CAS admins.
func (db *DB) Users(ctx context.Context, actor *cas.User, page Page) ([]cas.User, string, error) {
	return listUsers(ctx, db.sql, actor, page)
}

func listUsers(ctx context.Context, q querier, actor *cas.User, page Page) ([]cas.User, string, error) {
	scope := ""
	switch {
	case cas.CanManageAgencies(actor):
	case actor.Role == cas.RoleAgencyUser:
		scope = actor.AgencyID
	default:
		return nil, "", cas.Errorf(cas.EForbidden, "only the HMIS team and agency users list accounts")
	}
	list, next, err := listPage(page, 1, func(after []string, limit int) (*sql.Rows, error) {
		return q.QueryContext(ctx, `SELECT `+userColumns+` FROM users
			WHERE ($1 = '' OR agency_id = $1) AND email > $2 ORDER BY email LIMIT $3`, scope, after[0], limit)
	}, func(row scanner) (cas.User, error) { return scanUser(row) }, func(u cas.User) []string { return []string{u.Email} })
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return list, next, nil
}

// User returns one account, or not_found when the actor may not see it.
func (db *DB) User(ctx context.Context, actor *cas.User, id string) (cas.User, error) {
	u, err := db.user(ctx, db.sql, `id`, id)
	if err != nil {
		return cas.User{}, err
	}
	if !canSeeUser(actor, u) {
		return cas.User{}, cas.NotFound("user")
	}
	return u, nil
}

func canSeeUser(actor *cas.User, u cas.User) bool {
	return actor.ID == u.ID || cas.CanManageAgencies(actor) ||
		(actor.Role == cas.RoleAgencyUser && u.AgencyID == actor.AgencyID)
}

// UserNames returns the names of the accounts with the given IDs, to say who filed or decided a
// record the caller has read under the actor's scope, as a referral's timeline names who acted.
// Only names: the rest of an account stays behind User's permission. Unknown IDs are left out.
func (db *DB) UserNames(ctx context.Context, ids ...string) (map[string]string, error) {
	return userNames(ctx, db.sql, ids...)
}

func userNames(ctx context.Context, q querier, ids ...string) (map[string]string, error) {
	names := map[string]string{}
	err := eachIn(ctx, q, `SELECT id, name FROM users WHERE id IN `, slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" }), func(row scanner) error {
		var id, name string
		if err := row.Scan(&id, &name); err != nil {
			return err
		}
		names[id] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("user names: %w", err)
	}
	return names, nil
}

func (db *DB) user(ctx context.Context, q querier, column, value string) (cas.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+column+` = $1`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.User{}, cas.NotFound("user")
	}
	if err != nil {
		return cas.User{}, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// UserByEmail returns the account with the given email; the command line uses it to find whom a
// token is for.
func (db *DB) UserByEmail(ctx context.Context, actor *cas.User, email string) (cas.User, error) {
	u, err := db.user(ctx, db.sql, `email`, cas.NormalizeEmail(email))
	if err != nil {
		return cas.User{}, err
	}
	if !canSeeUser(actor, u) {
		return cas.User{}, cas.NotFound("user")
	}
	return u, nil
}

// UpdateUser changes an account's name, role, agency, CAS Contact flag or disabled state. Only the
// HMIS team may. Disabling an account revokes its API tokens and consumes its password reset links
// in the same transaction.
func (db *DB) UpdateUser(ctx context.Context, actor *cas.User, id string, patch cas.UserPatch) (cas.User, error) {
	if !cas.CanManageAgencies(actor) {
		return cas.User{}, cas.Errorf(cas.EForbidden, "only the HMIS team can change accounts")
	}
	var after cas.User
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := db.user(ctx, tx, `id`, id)
		if err != nil {
			return err
		}
		after = patch.Apply(before, tx.now)
		if err := after.Validate(); err != nil {
			return err
		}
		if err := tx.checkUserAgency(after); err != nil {
			return err
		}
		after.UpdatedAt = tx.now
		if _, err := tx.exec(`UPDATE users SET name = $1, role = $2, agency_id = $3, cas_contact = $4, email_mode = $5, disabled_at = $6, updated_at = $7
			WHERE id = $8`, after.Name, after.Role, nullString(after.AgencyID), after.CASContact, after.EmailMode, nullTime(after.DisabledAt), after.UpdatedAt, id); err != nil {
			return fmt.Errorf("update user %s: %w", id, err)
		}
		if after.Disabled() && !before.Disabled() {
			if _, err := tx.exec(`UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, tx.now, id); err != nil {
				return fmt.Errorf("revoke tokens of %s: %w", id, err)
			}
			if err := tx.consumeResets(id); err != nil {
				return err
			}
		}
		return tx.audit("user.update", "user", id, before, after)
	})
	return after, err
}

// Authenticate checks an email and password and returns the account. Unknown emails, wrong
// passwords and disabled accounts all answer the same unauthorized error, in the same time.
func (db *DB) Authenticate(ctx context.Context, email, pw string) (cas.User, error) {
	denied := cas.Errorf(cas.EUnauthorized, "wrong email or password")
	var hash string
	u, err := db.user(ctx, db.sql, `email`, cas.NormalizeEmail(email))
	if err == nil {
		err = db.sql.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash)
	}
	switch {
	case cas.ErrorCode(err) == cas.ENotFound:
		password.VerifyNothing(pw)
		return cas.User{}, denied
	case err != nil:
		return cas.User{}, err
	case !password.Verify(pw, hash) || u.Disabled():
		return cas.User{}, denied
	}
	return u, nil
}
