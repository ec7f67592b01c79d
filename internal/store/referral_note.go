package store

import (
	"context"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
)

// AddReferralNote adds a note to a referral's timeline: the receiving agency, the client's
// navigator, CAS admins and the HMIS team may (cas.RightNote); to anyone else the referral is not
// found. The note is audited; the agency's CAS Contacts and the navigator are told that a note was
// added, never what it says.
func (db *DB) AddReferralNote(ctx context.Context, actor *cas.User, id, text string) (cas.Referral, error) {
	text, err := cas.ValidateNote(text)
	if err != nil {
		return cas.Referral{}, err
	}
	var r cas.Referral
	err = db.inTx(ctx, actor, func(tx *Tx) error {
		var party cas.Party
		var err error
		if r, party, err = referralFor(ctx, tx, actor, id, db.dialect.forUpdate); err != nil {
			return err
		}
		if !party.May(cas.RightNote) {
			return cas.Errorf(cas.EForbidden, "your role cannot add notes to this referral")
		}
		if err := tx.referralEvent(r.ID, r.Status, "note", text); err != nil {
			return err
		}
		if err := tx.audit("referral.note", "referral", r.ID, nil, map[string]string{"note": text}); err != nil {
			return err
		}
		return tx.notifyReferral(notify.ReferralNoteAdded, r, "")
	})
	return r, err
}
