package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

const agencyColumns = `id, name, COALESCE(hmis_organization_id, ''), created_at, updated_at`

func scanAgency(row scanner) (cas.Agency, error) {
	var a cas.Agency
	err := row.Scan(&a.ID, &a.Name, &a.HMISOrganizationID, &a.CreatedAt, &a.UpdatedAt)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

// Agencies lists the agencies the actor may see, by name: all of them for admins, their own for
// agency users.
func (db *DB) Agencies(ctx context.Context, actor *cas.User, page Page) ([]cas.Agency, string, error) {
	list, next, err := listAgencies(ctx, db.sql, actor, page)
	if err != nil {
		return nil, "", err
	}
	for i := range list {
		if list[i].CASContacts, err = db.casContacts(ctx, db.sql, list[i].ID); err != nil {
			return nil, "", err
		}
	}
	return list, next, nil
}

// listAgencies is Agencies without their CAS Contacts.
func listAgencies(ctx context.Context, q querier, actor *cas.User, page Page) ([]cas.Agency, string, error) {
	list, next, err := listPage(page, 2, func(after []string, limit int) (*sql.Rows, error) {
		return q.QueryContext(ctx, `SELECT `+agencyColumns+` FROM agencies
			WHERE ($1 = '' OR id = $1) AND (name, id) > ($2, $3) ORDER BY name, id LIMIT $4`, agencyScope(actor), after[0], after[1], limit)
	}, scanAgency, func(a cas.Agency) []string { return []string{a.Name, a.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list agencies: %w", err)
	}
	return list, next, nil
}

// Agency returns one agency with its CAS Contacts, or not_found when the actor may not see it.
func (db *DB) Agency(ctx context.Context, actor *cas.User, id string) (cas.Agency, error) {
	if !cas.CanSeeAgency(actor, id) {
		return cas.Agency{}, cas.NotFound("agency")
	}
	return db.agency(ctx, db.sql, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) agency(ctx context.Context, q querier, id string) (cas.Agency, error) {
	a, err := scanAgency(q.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Agency{}, cas.NotFound("agency")
	}
	if err != nil {
		return cas.Agency{}, fmt.Errorf("agency %s: %w", id, err)
	}
	a.CASContacts, err = db.casContacts(ctx, q, id)
	return a, err
}

func (db *DB) casContacts(ctx context.Context, q querier, agencyID string) ([]cas.CASContact, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, email FROM users
		WHERE agency_id = $1 AND cas_contact AND disabled_at IS NULL ORDER BY name, id`, agencyID)
	if err != nil {
		return nil, fmt.Errorf("CAS contacts of %s: %w", agencyID, err)
	}
	defer rows.Close()
	contacts := []cas.CASContact{}
	for rows.Next() {
		var c cas.CASContact
		if err := rows.Scan(&c.UserID, &c.Name, &c.Email); err != nil {
			return nil, err
		}
		contacts = append(contacts, c)
	}
	return contacts, rows.Err()
}

// CreateAgency adds an agency. Only the HMIS team may.
func (db *DB) CreateAgency(ctx context.Context, actor *cas.User, a cas.Agency) (cas.Agency, error) {
	if !cas.CanManageAgencies(actor) {
		return cas.Agency{}, cas.Errorf(cas.EForbidden, "only the HMIS team can add agencies")
	}
	if err := a.Validate(); err != nil {
		return cas.Agency{}, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		if err := tx.checkAgencyUnique(a); err != nil {
			return err
		}
		a.ID, a.CreatedAt, a.UpdatedAt = newID(), tx.now, tx.now
		a.CASContacts = []cas.CASContact{}
		if _, err := tx.exec(`INSERT INTO agencies (id, name, hmis_organization_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5)`, a.ID, a.Name, nullString(a.HMISOrganizationID), a.CreatedAt, a.UpdatedAt); err != nil {
			return fmt.Errorf("insert agency: %w", err)
		}
		return tx.audit("agency.create", "agency", a.ID, nil, a)
	})
	return a, err
}

// UpdateAgency changes an agency's name or HMIS organization ID. Only the HMIS team may.
func (db *DB) UpdateAgency(ctx context.Context, actor *cas.User, id string, patch cas.AgencyPatch) (cas.Agency, error) {
	if !cas.CanManageAgencies(actor) {
		if cas.CanSeeAgency(actor, id) {
			return cas.Agency{}, cas.Errorf(cas.EForbidden, "only the HMIS team can change agencies")
		}
		return cas.Agency{}, cas.NotFound("agency")
	}
	var after cas.Agency
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := db.agency(ctx, tx, id)
		if err != nil {
			return err
		}
		after = patch.Apply(before)
		if err := after.Validate(); err != nil {
			return err
		}
		if err := tx.checkAgencyUnique(after); err != nil {
			return err
		}
		after.UpdatedAt = tx.now
		if _, err := tx.exec(`UPDATE agencies SET name = $1, hmis_organization_id = $2, updated_at = $3 WHERE id = $4`,
			after.Name, nullString(after.HMISOrganizationID), after.UpdatedAt, id); err != nil {
			return fmt.Errorf("update agency %s: %w", id, err)
		}
		return tx.audit("agency.update", "agency", id, before, after)
	})
	return after, err
}

// checkAgencyUnique names the field when another agency already has a's name or HMIS ID.
func (tx *Tx) checkAgencyUnique(a cas.Agency) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM agencies WHERE lower(name) = lower($1) AND id <> $2`, a.Name, a.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "name", Message: fmt.Sprintf("an agency named %q already exists", a.Name)}
	}
	if a.HMISOrganizationID == "" {
		return nil
	}
	if err := tx.queryRow(`SELECT COUNT(*) FROM agencies WHERE hmis_organization_id = $1 AND id <> $2`, a.HMISOrganizationID, a.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "hmis_organization_id", Message: fmt.Sprintf("another agency already has HMIS organization ID %q", a.HMISOrganizationID)}
	}
	return nil
}
