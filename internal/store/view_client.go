package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// ClientPage is a client's page: the record, the client's referrals with the units they hold, the
// programs and facilities the reader may see, and for CAS admins, who refer, the free units of
// each facility. The client's place on the HPL comes from the maintained ranking (HPL).
type ClientPage struct {
	Client     cas.Client
	Referrals  []ReferralRow
	Programs   []cas.Program
	Facilities []cas.Facility
	Free       map[string]int
	// NoReferral says why the engine does not refer the client (match.NoReferral); for CAS admins.
	NoReferral []string
	// Documents is the client's checklist of documents on file; for CAS admins.
	Documents []cas.ClientDocument
	// ConsentRecordedBy names who recorded the client's consent on file, and ConsentRecordedAt
	// when; empty when it came from an HMIS import.
	ConsentRecordedBy string
	ConsentRecordedAt time.Time
	// Navigator is the client's navigator, named with how to reach them; nil for none.
	Navigator *Navigator
}

// ClientPage reads a client's page in one transaction, the record's read audited; a client the
// actor may not see is not found.
func (db *DB) ClientPage(ctx context.Context, actor *cas.User, id string) (ClientPage, error) {
	var p ClientPage
	err := db.inView(ctx, actor, true, func(tx *Tx) error {
		clients, err := tx.readClients([]string{id})
		if err != nil {
			return err
		}
		c, ok := clients[id]
		if !ok {
			return cas.NotFound("client")
		}
		p.Client = c
		if p.Navigator, err = tx.navigator(c.NavigatorUserID); err != nil {
			return err
		}
		refs, _, err := listReferrals(ctx, tx, actor, ReferralFilter{ClientID: id}, Page{Limit: maxPageLimit})
		if err != nil {
			return err
		}
		unitIDs := make([]string, len(refs))
		for i, r := range refs {
			unitIDs[i] = r.UnitID
		}
		labels, err := tx.unitLabels(unitIDs)
		if err != nil {
			return err
		}
		places, err := tx.referralPlaces(refs)
		if err != nil {
			return err
		}
		for _, r := range refs {
			p.Referrals = append(p.Referrals, ReferralRow{Referral: r, Unit: labels[r.UnitID], Program: places[r.FacilityID][0],
				Facility: places[r.FacilityID][1]})
		}
		if p.Programs, p.Facilities, err = tx.programsAndFacilities(); err != nil {
			return err
		}
		if !cas.CanManageReferrals(actor) {
			return nil
		}
		if p.NoReferral, err = tx.noReferral(c, p.Programs, p.Facilities); err != nil {
			return err
		}
		if p.Documents, err = tx.clientDocuments(id); err != nil {
			return err
		}
		if p.ConsentRecordedBy, p.ConsentRecordedAt, err = tx.consentRecorder(c); err != nil {
			return err
		}
		free, err := freeCapacity(ctx, tx, actor, "")
		if err != nil {
			return err
		}
		p.Free = map[string]int{}
		for _, f := range free {
			p.Free[f.FacilityID] += f.Free
		}
		return nil
	})
	return p, err
}

// consentRecorder finds who recorded a client's consent on file, from the audit log: the latest
// consent recorded, or the record's creation with consent (the record as audited, in JSON, which
// PostgreSQL's jsonb writes with a space after the colon).
func (tx *Tx) consentRecorder(c cas.Client) (string, time.Time, error) {
	if !c.Consent {
		return "", time.Time{}, nil
	}
	var name string
	var at anyTime
	err := tx.queryRow(`SELECT COALESCE(u.name, ''), a.at FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.entity_type = 'client' AND a.entity_id = $1
		AND (a.action = 'client.consent' OR (a.action = 'client.create'
			AND (CAST(a.after AS TEXT) LIKE '%"Consent":true%' OR CAST(a.after AS TEXT) LIKE '%"Consent": true%')))
		ORDER BY a.id DESC LIMIT 1`, c.ID).Scan(&name, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("who recorded the consent of client %s: %w", c.ID, err)
	}
	return name, at.Time, nil
}
