package store

import (
	"context"
	"database/sql"
	"errors"
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
	if err := db.inTx(ctx, actor, func(tx *Tx) error { return tx.recordConsent(records) }); err != nil {
		return 0, err
	}
	return len(records), nil
}

// recordConsent is RecordConsent in the caller's transaction (an import applies its consent list
// in its own).
func (tx *Tx) recordConsent(records []ConsentRecord) error {
	today := cas.DateOf(tx.now, tx.db.Zone)
	var problems []string
	bad := func(r ConsentRecord, format string, args ...any) {
		problems = append(problems, r.Where+": "+fmt.Sprintf(format, args...))
	}
	seen := map[string]string{} // client ID → where it was named first
	ids := make([]string, len(records))
	for i, r := range records {
		if err := cas.ValidateConsentDates(today, r.ConsentDate, r.ExpiresOn); err != nil {
			bad(r, "%s", cas.ErrorOf(err).Message)
			continue
		}
		if r.ConsentDate == "" {
			bad(r, "the consent date is required")
			continue
		}
		id, err := tx.consentClient(r)
		if err != nil {
			if cas.ErrorCode(err) != cas.EInvalid {
				return err
			}
			bad(r, "%s", cas.ErrorOf(err).Message)
			continue
		}
		if first, dup := seen[id]; dup {
			bad(r, "the same client as %s", first)
			continue
		}
		seen[id], ids[i] = r.Where, id
	}
	if len(problems) > 0 {
		return &cas.Error{Code: cas.EInvalid, Field: "items", Details: problems, Message: fmt.Sprintf(
			"%d of the %d consent records have a problem, so none was recorded: %s", len(problems), len(records), strings.Join(problems, "; "))}
	}
	for i, r := range records {
		before, err := tx.clientOf(ids[i])
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE clients SET consent = TRUE, consent_date = $1, consent_expires_on = $2, updated_at = $3 WHERE id = $4`,
			string(r.ConsentDate), nullString(string(r.ExpiresOn)), tx.now, ids[i]); err != nil {
			return fmt.Errorf("record consent of %s: %w", ids[i], err)
		}
		after := map[string]any{"consent": true, "consent_date": r.ConsentDate, "consent_expires_on": r.ExpiresOn}
		if err := tx.audit("client.consent", "client", ids[i], map[string]any{"consent": before.Consent, "consent_date": before.ConsentDate,
			"consent_expires_on": before.ConsentExpiresOn}, after); err != nil {
			return err
		}
	}
	return tx.enqueue(JobMatch, matchReason{Reason: "consent_recorded"})
}

// consentClient finds the client a consent record names.
func (tx *Tx) consentClient(r ConsentRecord) (string, error) {
	r.ClientID, r.HMISPersonalID = strings.TrimSpace(r.ClientID), strings.TrimSpace(r.HMISPersonalID)
	var query, key, words string
	switch {
	case r.ClientID != "" && r.HMISPersonalID != "":
		return "", cas.Invalid("client_id", "give client_id or hmis_personal_id, not both")
	case r.ClientID != "":
		query, key, words = `SELECT id FROM clients WHERE id = $1`, r.ClientID, "ID"
	case r.HMISPersonalID != "":
		query, key, words = `SELECT id FROM clients WHERE hmis_personal_id = $1`, r.HMISPersonalID, "HMIS PersonalID"
	default:
		return "", cas.Invalid("client_id", "the client is missing: give client_id or hmis_personal_id")
	}
	var id string
	err := tx.queryRow(query, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", cas.Invalid("client_id", "no client has %s %q", words, key)
	}
	return id, err
}
