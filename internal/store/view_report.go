package store

import (
	"context"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// UnderReferral is what the under-referral report judges, read together: each available unit's
// evidence now, and last week's record of suspects.
type UnderReferral struct {
	Now              time.Time
	Evidence         []report.UnitEvidence
	LastWeek         cas.Date // the Monday of last week
	LastWeekSuspects []report.Suspect
	LastWeekRecorded bool
}

// UnderReferral reads the under-referral report's inputs for a window in one transaction.
func (db *DB) UnderReferral(ctx context.Context, actor *cas.User, window time.Duration) (UnderReferral, error) {
	var u UnderReferral
	err := db.inView(ctx, actor, false, func(tx *Tx) (err error) {
		u.Now = tx.now
		if u.Evidence, err = underReferralEvidence(ctx, tx, actor, window, tx.now); err != nil {
			return err
		}
		u.LastWeek = db.WeekOf(tx.now).AddDays(-7)
		u.LastWeekSuspects, u.LastWeekRecorded, err = suspectWeek(ctx, tx, actor, u.LastWeek)
		return err
	})
	return u, err
}
