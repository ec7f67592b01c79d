package store

import (
	"context"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// ReferralRecord is a referral with what HUD's CE Event (4.20) needs to report it: the client's
// HMIS PersonalID, the CE enrollment it belongs to, and the receiving program.
type ReferralRecord struct {
	Referral      cas.Referral
	PersonalID    string // the client's HMIS PersonalID; empty when the client is not linked to the HMIS
	EnrollmentID  string // the HMIS CE enrollment the HPL entry came from; empty when it was made in Doorway
	ProgramName   string
	HMISProjectID string
	ProjectType   cas.ProjectType
	ClosedAt      *time.Time
}

// ReferralRecords lists the referrals made between from and to (both optional), oldest first, for
// the HMIS export. CAS admins and the HMIS team may.
func (db *DB) ReferralRecords(ctx context.Context, actor *cas.User, from, to time.Time) ([]ReferralRecord, error) {
	if !cas.SeesAllAgencies(actor) {
		return nil, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team export referrals")
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var out []ReferralRecord
	err := eachRow(ctx, db.sql, `SELECT `+referralColumnsOf("r.")+`, COALESCE(c.hmis_personal_id, ''), COALESCE(e.hmis_enrollment_id, ''),
		p.name, COALESCE(p.hmis_project_id, p.id), p.project_type, r.closed_at
		FROM referrals r JOIN clients c ON c.id = r.client_id JOIN hpl_entries e ON e.id = r.hpl_entry_id JOIN programs p ON p.id = r.program_id
		WHERE r.created_at >= $1 AND r.created_at < $2 ORDER BY r.created_at, r.id`, []any{from, to}, func(row scanner) error {
		var rec ReferralRecord
		var closed anyTime
		var err error
		rec.Referral, err = scanReferralWith(row, &rec.PersonalID, &rec.EnrollmentID, &rec.ProgramName, &rec.HMISProjectID, &rec.ProjectType, &closed)
		rec.ClosedAt = closed.ptr()
		out = append(out, rec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("referrals for export: %w", err)
	}
	return out, nil
}
