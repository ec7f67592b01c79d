package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

const programColumns = `id, agency_id, name, COALESCE(hmis_project_id, ''), project_type, requirements, response_days, referral_mode, created_at, updated_at`

func scanProgram(row scanner) (cas.Program, error) {
	var p cas.Program
	var req string
	err := row.Scan(&p.ID, &p.AgencyID, &p.Name, &p.HMISProjectID, &p.ProjectType, &req, &p.ResponseDays, &p.ReferralMode, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(req), &p.Requirements); err != nil {
		return p, fmt.Errorf("program %s requirements: %w", p.ID, err)
	}
	return p, p.Requirements.Validate()
}

// ProgramFilter narrows a program list.
type ProgramFilter struct {
	AgencyID string
}

// Programs lists the programs the actor may see, by name.
func (db *DB) Programs(ctx context.Context, actor *cas.User, f ProgramFilter, page Page) ([]cas.Program, string, error) {
	return listPrograms(ctx, db.sql, actor, f, page)
}

func listPrograms(ctx context.Context, q querier, actor *cas.User, f ProgramFilter, page Page) ([]cas.Program, string, error) {
	scope := agencyScope(actor)
	list, next, err := listPage(page, 2, func(after []string, limit int) (*sql.Rows, error) {
		return q.QueryContext(ctx, `SELECT `+programColumns+` FROM programs
			WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR agency_id = $2) AND (name, id) > ($3, $4)
			ORDER BY name, id LIMIT $5`, scope, f.AgencyID, after[0], after[1], limit)
	}, scanProgram, func(p cas.Program) []string { return []string{p.Name, p.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list programs: %w", err)
	}
	return list, next, nil
}

// agencyScope is the agency an actor's lists are limited to, or "" for the whole CoC.
func agencyScope(actor *cas.User) string {
	if cas.SeesAllAgencies(actor) {
		return ""
	}
	return actor.AgencyID
}

// Program returns one program, or not_found when the actor may not see it.
func (db *DB) Program(ctx context.Context, actor *cas.User, id string) (cas.Program, error) {
	p, err := db.program(ctx, db.sql, id)
	if err == nil && !cas.CanSeeAgency(actor, p.AgencyID) {
		return cas.Program{}, cas.NotFound("program")
	}
	return p, err
}

func (db *DB) program(ctx context.Context, q querier, id string) (cas.Program, error) {
	p, err := scanProgram(q.QueryRowContext(ctx, `SELECT `+programColumns+` FROM programs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Program{}, cas.NotFound("program")
	}
	if err != nil {
		return cas.Program{}, fmt.Errorf("program %s: %w", id, err)
	}
	return p, nil
}

// CreateProgram adds a program to an agency. Only the HMIS team may.
func (db *DB) CreateProgram(ctx context.Context, actor *cas.User, p cas.Program) (cas.Program, error) {
	if !cas.CanManageAgencies(actor) {
		return cas.Program{}, cas.Errorf(cas.EForbidden, "only the HMIS team can add programs")
	}
	if err := p.Validate(); err != nil {
		return cas.Program{}, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		if _, err := db.agency(ctx, tx, p.AgencyID); err != nil {
			return cas.Invalid("agency_id", "no agency has ID %q", p.AgencyID)
		}
		if err := tx.checkProgramUnique(p); err != nil {
			return err
		}
		p.ID, p.CreatedAt, p.UpdatedAt = newID(), tx.now, tx.now
		req, _ := json.Marshal(p.Requirements)
		if _, err := tx.exec(`INSERT INTO programs (id, agency_id, name, hmis_project_id, project_type, requirements, response_days, referral_mode, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			p.ID, p.AgencyID, p.Name, nullString(p.HMISProjectID), p.ProjectType, string(req), p.ResponseDays, p.ReferralMode, p.CreatedAt, p.UpdatedAt); err != nil {
			return fmt.Errorf("insert program: %w", err)
		}
		return tx.audit("program.create", "program", p.ID, nil, p)
	})
	return p, err
}

// UpdateProgram replaces a program's settings with those change makes to it. Only the HMIS team
// may. A program cannot move to another agency.
func (db *DB) UpdateProgram(ctx context.Context, actor *cas.User, id string, change func(*cas.Program)) (cas.Program, error) {
	var after cas.Program
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := db.program(ctx, tx, id)
		if err != nil {
			return err
		}
		if !cas.CanManageAgencies(actor) {
			if cas.CanSeeAgency(actor, before.AgencyID) {
				return cas.Errorf(cas.EForbidden, "only the HMIS team can change programs")
			}
			return cas.NotFound("program")
		}
		after = before
		change(&after)
		if after.AgencyID != before.AgencyID {
			return cas.Invalid("agency_id", "a program cannot move to another agency")
		}
		if err := after.Validate(); err != nil {
			return err
		}
		if err := tx.checkProgramUnique(after); err != nil {
			return err
		}
		after.UpdatedAt = tx.now
		req, _ := json.Marshal(after.Requirements)
		if _, err := tx.exec(`UPDATE programs SET name = $1, hmis_project_id = $2, project_type = $3, requirements = $4,
			response_days = $5, referral_mode = $6, updated_at = $7 WHERE id = $8`,
			after.Name, nullString(after.HMISProjectID), after.ProjectType, string(req), after.ResponseDays, after.ReferralMode, after.UpdatedAt, id); err != nil {
			return fmt.Errorf("update program %s: %w", id, err)
		}
		return tx.audit("program.update", "program", id, before, after)
	})
	return after, err
}

func (tx *Tx) checkProgramUnique(p cas.Program) error {
	if p.HMISProjectID == "" {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM programs WHERE hmis_project_id = $1 AND id <> $2`, p.HMISProjectID, p.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "hmis_project_id", Message: fmt.Sprintf("another program already has HMIS project ID %q", p.HMISProjectID)}
	}
	return nil
}
