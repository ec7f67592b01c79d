package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

// PriorityScheme returns the CoC's current prioritization scheme: the newest version, or the
// default criteria as version 1 when none was ever set.
func (db *DB) PriorityScheme(ctx context.Context) (cas.PriorityScheme, error) {
	return currentScheme(ctx, db.sql)
}

func currentScheme(ctx context.Context, q querier) (cas.PriorityScheme, error) {
	var s cas.PriorityScheme
	var criteria string
	err := q.QueryRowContext(ctx, `SELECT version, criteria, created_at, created_by FROM priority_schemes ORDER BY version DESC LIMIT 1`).
		Scan(&s.Version, &criteria, &s.CreatedAt, &s.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return cas.PriorityScheme{Version: 1, Criteria: cas.DefaultCriteria, CreatedBy: cas.System.ID}, nil
	}
	if err != nil {
		return s, fmt.Errorf("priority scheme: %w", err)
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return s, json.Unmarshal([]byte(criteria), &s.Criteria)
}

// SetPriorityScheme makes criteria the CoC's new prioritization scheme, as the next version; the old
// versions stay, so every referral's rank can be explained by the scheme that made it. CAS admins may.
func (db *DB) SetPriorityScheme(ctx context.Context, actor *cas.User, criteria []cas.Criterion) (cas.PriorityScheme, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.PriorityScheme{}, cas.Errorf(cas.EForbidden, "only CAS admins set the prioritization scheme")
	}
	s := cas.PriorityScheme{Criteria: criteria}
	if err := s.Validate(); err != nil {
		return s, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := currentScheme(ctx, tx)
		if err != nil {
			return err
		}
		var stored int
		if err := tx.queryRow(`SELECT COUNT(*) FROM priority_schemes`).Scan(&stored); err != nil {
			return err
		}
		s.Version, s.CreatedAt, s.CreatedBy = before.Version+1, tx.now, actor.ID
		if stored == 0 {
			s.Version = 2 // version 1 is the default the CoC ran on until now
		}
		b, _ := json.Marshal(s.Criteria)
		if _, err := tx.exec(`INSERT INTO priority_schemes (version, criteria, created_at, created_by) VALUES ($1, $2, $3, $4)`,
			s.Version, string(b), s.CreatedAt, s.CreatedBy); err != nil {
			return fmt.Errorf("insert scheme: %w", err)
		}
		if err := tx.audit("priority_scheme.set", "priority_scheme", fmt.Sprint(s.Version), before, s); err != nil {
			return err
		}
		return tx.enqueue(JobMatch, matchReason{Reason: "priority_scheme_changed"})
	})
	return s, err
}
