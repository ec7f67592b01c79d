package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// ConsentRecord is one release of information to record: the client, by Doorway ID or HMIS
// PersonalID, the day it was signed, and the last day it holds (empty: until revoked).
type ConsentRecord struct {
	ClientID       string
	HMISPersonalID string
	ConsentDate    cas.Date
	ExpiresOn      cas.Date
	// Where names the record in the words of what it came from, for problems: "items[3]" in the
	// API, "line 4" of a consent list.
	Where string
}

// MaxConsentRecords bounds one bulk recording of consent.
const MaxConsentRecords = 10000

// RecordConsent records releases of information for many clients at once, all or nothing: a
// problem with any record (an unknown client, a date that is not a day or is in the future, an
// expiry before the signing, a client named twice) records none, and every problem is named. CAS
// admins and the HMIS team may. It returns how many clients it recorded consent for.
func (db *DB) RecordConsent(ctx context.Context, actor *cas.User, records []ConsentRecord) (int, error) {
	if !cas.SeesAllAgencies(actor) {
		return 0, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team record consent")
	}
	switch {
	case len(records) == 0:
		return 0, cas.Invalid("items", "no consent to record: give at least one client")
	case len(records) > MaxConsentRecords:
		return 0, cas.Invalid("items", "%d records at once is too many: send at most %d", len(records), MaxConsentRecords)
	}
	if err := db.inTx(ctx, actor, func(tx *Tx) error { return tx.recordConsent(records, nil) }); err != nil {
		return 0, err
	}
	return len(records), nil
}

// recordConsent is RecordConsent in the caller's transaction (an import applies its consent list
// in its own, and has already written with their INSERT the consent of the clients in written,
// which it created: they are checked and audited, not written again). It is set-based, so that an import's list of 70,000 clients costs a few statements
// per thousand clients, not several per client: the clients are read by their keys 500 at a time,
// and their consent and audit events written in batches.
func (tx *Tx) recordConsent(records []ConsentRecord, written map[string]bool) error {
	today := cas.DateOf(tx.now, tx.db.Zone)
	var problems []string
	bad := func(r ConsentRecord, format string, args ...any) {
		problems = append(problems, r.Where+": "+fmt.Sprintf(format, args...))
	}
	keys, wrong := make([]consentKey, len(records)), make([]error, len(records))
	for i, r := range records {
		keys[i], wrong[i] = consentKeyOf(r)
	}
	found, err := tx.consentClients(keys)
	if err != nil {
		return err
	}
	seen := map[string]string{} // client ID → where it was named first
	clients := make([]consentBefore, len(records))
	for i, r := range records {
		if err := cas.ValidateConsentDates(today, r.ConsentDate, r.ExpiresOn); err != nil {
			bad(r, "%s", cas.ErrorOf(err).Message)
			continue
		}
		if r.ConsentDate == "" {
			bad(r, "the consent date is required")
			continue
		}
		if wrong[i] != nil {
			bad(r, "%s", cas.ErrorOf(wrong[i]).Message)
			continue
		}
		k := keys[i]
		c, ok := found[k]
		if !ok {
			bad(r, "no client has %s %q", k.words(), k.key)
			continue
		}
		if first, dup := seen[c.id]; dup {
			bad(r, "the same client as %s", first)
			continue
		}
		seen[c.id], clients[i] = r.Where, c
	}
	if len(problems) > 0 {
		return &cas.Error{Code: cas.EInvalid, Field: "items", Details: problems, Message: fmt.Sprintf(
			"%d of the %d consent records have a problem, so none was recorded: %s", len(problems), len(records), strings.Join(problems, "; "))}
	}
	updates := tx.newRowWriter("clients", "id, consent_date, consent_expires_on, updated_at", func(rows string) string {
		return `UPDATE clients SET consent = TRUE, consent_date = v.column2, consent_expires_on = v.column3, updated_at = v.column4
			FROM (` + rows + `) AS v WHERE clients.id = v.column1`
	})
	events := tx.newRowInserter("audit_events", auditColumns)
	for i, r := range records {
		c := clients[i]
		if written[c.id] {
			c = consentBefore{id: c.id} // created by the import's transaction without consent, in effect
		} else if err := updates.add(c.id, string(r.ConsentDate), nullString(string(r.ExpiresOn)), tx.now); err != nil {
			return fmt.Errorf("record consent: %w", err)
		}
		event, err := tx.auditValues("client.consent", "client", c.id,
			map[string]any{"consent": c.consent, "consent_date": c.date, "consent_expires_on": c.expiresOn},
			map[string]any{"consent": true, "consent_date": r.ConsentDate, "consent_expires_on": r.ExpiresOn})
		if err != nil {
			return err
		}
		if err := events.add(event...); err != nil {
			return fmt.Errorf("audit consent: %w", err)
		}
	}
	if err := updates.close(); err != nil {
		return fmt.Errorf("record consent: %w", err)
	}
	if err := events.close(); err != nil {
		return fmt.Errorf("audit consent: %w", err)
	}
	return tx.enqueue(JobMatch, matchReason{Reason: "consent_recorded"})
}

// consentKey is how a consent record names its client: by Doorway ID or by HMIS PersonalID. The
// zero key names no one.
type consentKey struct {
	byPersonalID bool
	key          string
}

func (k consentKey) words() string {
	if k.byPersonalID {
		return "HMIS PersonalID"
	}
	return "ID"
}

// consentKeyOf reads the key of the client a consent record names.
func consentKeyOf(r ConsentRecord) (consentKey, error) {
	id, personal := strings.TrimSpace(r.ClientID), strings.TrimSpace(r.HMISPersonalID)
	switch {
	case id != "" && personal != "":
		return consentKey{}, cas.Invalid("client_id", "give client_id or hmis_personal_id, not both")
	case id != "":
		return consentKey{key: id}, nil
	case personal != "":
		return consentKey{byPersonalID: true, key: personal}, nil
	}
	return consentKey{}, cas.Invalid("client_id", "the client is missing: give client_id or hmis_personal_id")
}

// consentBefore is a client's consent before it is recorded, for the audit log.
type consentBefore struct {
	id              string
	consent         bool
	date, expiresOn cas.Date
}

// consentClients reads the clients the keys name, 500 at a time.
func (tx *Tx) consentClients(keys []consentKey) (map[consentKey]consentBefore, error) {
	var ids, personal []string
	for _, k := range keys {
		switch {
		case k.key == "":
		case k.byPersonalID:
			personal = append(personal, k.key)
		default:
			ids = append(ids, k.key)
		}
	}
	found := map[consentKey]consentBefore{}
	for _, by := range []struct {
		column string
		keys   []string
		key    func(id, personalID string) consentKey
	}{
		{"id", ids, func(id, _ string) consentKey { return consentKey{key: id} }},
		{"hmis_personal_id", personal, func(_, p string) consentKey { return consentKey{byPersonalID: true, key: p} }},
	} {
		err := eachIn(tx.ctx, tx, `SELECT id, COALESCE(hmis_personal_id, ''), consent, COALESCE(consent_date, ''), COALESCE(consent_expires_on, '')
			FROM clients WHERE `+by.column+` IN `, by.keys, func(row scanner) error {
			var c consentBefore
			var personalID string
			err := row.Scan(&c.id, &personalID, &c.consent, &c.date, &c.expiresOn)
			found[by.key(c.id, personalID)] = c
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("clients named by consent records: %w", err)
		}
	}
	return found, nil
}
