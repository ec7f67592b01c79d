package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

const clientColumns = `id, first_name, last_name, birth_date, COALESCE(hmis_personal_id, ''), household_size, household_type,
	veteran, chronic, youth, dv_survivor, needs_accessible, consent, race, gender, sex, created_at, updated_at,
	COALESCE(consent_date, ''), COALESCE(consent_expires_on, ''), phone, email, contact_notes, COALESCE(navigator_user_id, ''), confidential, deidentified_at`

func scanClient(row scanner) (cas.Client, error) { return scanClientWith(row) }

// scanClientWith scans clientColumns, then any extra columns selected after them.
func scanClientWith(row scanner, extra ...any) (cas.Client, error) {
	var c cas.Client
	var race, gender string
	var deidentified sql.NullTime
	err := row.Scan(append([]any{&c.ID, &c.FirstName, &c.LastName, &c.BirthDate, &c.HMISPersonalID, &c.HouseholdSize, &c.HouseholdType,
		&c.Veteran, &c.Chronic, &c.Youth, &c.DVSurvivor, &c.NeedsAccessible, &c.Consent, &race, &gender, &c.Sex, &c.CreatedAt, &c.UpdatedAt,
		&c.ConsentDate, &c.ConsentExpiresOn, &c.Phone, &c.Email, &c.ContactNotes, &c.NavigatorUserID, &c.Confidential, &deidentified}, extra...)...)
	c.Race, c.Gender = splitOptions[cas.Race](race), splitOptions[cas.Gender](gender)
	c.CreatedAt, c.UpdatedAt, c.DeidentifiedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), timePtr(deidentified)
	return c, err
}

// joinOptions stores a list of HUD options (race, gender) in one column, comma-separated; the
// options are snake_case words, so no option holds a comma.
func joinOptions[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

// splitOptions reads a column joinOptions wrote; an empty one is no option: not collected.
func splitOptions[T ~string](s string) []T {
	if s == "" {
		return nil
	}
	var list []T
	for _, v := range strings.Split(s, ",") {
		list = append(list, T(v))
	}
	return list
}

// clientScope limits agency users to the clients referred to their agency and the clients whose
// navigator they are: the only clients whose details they need (cas.PartyTo). $1 is
// clientScopeOf(actor).
const clientScope = `($1 = '' OR navigator_user_id = $1
	OR id IN (SELECT r.client_id FROM referrals r JOIN users u ON u.agency_id = r.agency_id WHERE u.id = $1))`

// clientRevealed says the actor sees who a client in clientScope is: a client who is not
// confidential, or whose navigator they are, or whom their agency has accepted a referral of
// (the referral is accepted or housed, or was accepted before it closed). Anyone else in scope
// sees the record shielded (cas.Client.Shield). $1 is clientScopeOf(actor).
const clientRevealed = `($1 = '' OR NOT confidential OR COALESCE(navigator_user_id, '') = $1
	OR id IN (SELECT r.client_id FROM referrals r JOIN users u ON u.agency_id = r.agency_id WHERE u.id = $1
		AND (r.status IN ('accepted', 'housed') OR EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_id = r.id AND e.action = 'accept'))))`

// scopedClientColumns are clientColumns and whether the actor sees who the client is, for
// scanScopedClient; $1 is clientScopeOf(actor).
const scopedClientColumns = clientColumns + `, ` + clientRevealed

// scanScopedClient scans scopedClientColumns: the client, shielded when the actor may not see
// who they are.
func scanScopedClient(row scanner) (cas.Client, error) {
	var revealed bool
	c, err := scanClientWith(row, &revealed)
	if err == nil && !revealed {
		c.Shield()
	}
	return c, err
}

// clientScopeOf is clientScope's parameter: "" for those who see every client, else the actor.
func clientScopeOf(actor *cas.User) string {
	if cas.SeesAllAgencies(actor) {
		return ""
	}
	return actor.ID
}

// ClientFilter narrows a client list.
type ClientFilter struct {
	Search string // matches the start of a first or last name, or the HMIS PersonalID
}

// Clients lists the clients the actor may see, by name: everyone for admins, the clients referred to
// their agency for agency users, confidential ones shielded until the agency accepts them. Each
// record read is audited.
func (db *DB) Clients(ctx context.Context, actor *cas.User, f ClientFilter, page Page) ([]cas.Client, string, error) {
	search := strings.ToLower(strings.TrimSpace(f.Search))
	// A shielded client sorts with no name, so neither their place in the list nor a search
	// tells what it is; they are found by their Doorway reference only.
	last, first := "last_name", "first_name"
	if clientScopeOf(actor) != "" {
		last, first = `CASE WHEN `+clientRevealed+` THEN last_name ELSE '' END`, `CASE WHEN `+clientRevealed+` THEN first_name ELSE '' END`
	}
	var list []cas.Client
	var next string
	err := db.inView(ctx, actor, true, func(tx *Tx) error {
		var err error
		list, next, err = listPage(page, 3, func(after []string, limit int) (*sql.Rows, error) {
			return tx.QueryContext(ctx, `SELECT `+scopedClientColumns+` FROM clients WHERE `+clientScope+`
			AND ($2 = '' OR id = $2 OR `+clientRevealed+` AND (lower(first_name) LIKE $2 || '%' OR lower(last_name) LIKE $2 || '%' OR hmis_personal_id = $2))
			AND (`+last+`, `+first+`, id) > ($3, $4, $5) ORDER BY `+last+`, `+first+`, id LIMIT $6`,
				clientScopeOf(actor), search, after[0], after[1], after[2], limit)
		}, scanScopedClient, func(c cas.Client) []string { return []string{c.LastName, c.FirstName, c.ID} })
		if err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		ids := make([]string, len(list))
		for i, c := range list {
			ids[i] = c.ID
		}
		return tx.auditReads("client.read", "client", ids)
	})
	return list, next, err
}

// Client returns one client record and audits the read, or not_found when the actor may not see it.
func (db *DB) Client(ctx context.Context, actor *cas.User, id string) (cas.Client, error) {
	var c cas.Client
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var err error
		if c, err = tx.client(id, ""); err != nil {
			return err
		}
		return tx.audit("client.read", "client", id, nil, nil)
	})
	return c, err
}

// client reads a client within the actor's scope.
func (tx *Tx) client(id, lock string) (cas.Client, error) {
	c, err := scanScopedClient(tx.queryRow(`SELECT `+scopedClientColumns+` FROM clients WHERE id = $2 AND `+clientScope+lock, clientScopeOf(tx.actor), id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Client{}, cas.NotFound("client")
	}
	if err != nil {
		return cas.Client{}, fmt.Errorf("client %s: %w", id, err)
	}
	return c, nil
}

// clientOf reads a client whatever the actor's scope, for a change the system makes on their
// behalf (a move-in, an over-referral's turn).
func (tx *Tx) clientOf(id string) (cas.Client, error) {
	c, err := scanClient(tx.queryRow(`SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	if err != nil {
		return cas.Client{}, fmt.Errorf("client %s: %w", id, err)
	}
	return c, nil
}

// CreateClient adds a client record. CAS admins and the HMIS team may.
func (db *DB) CreateClient(ctx context.Context, actor *cas.User, c cas.Client) (cas.Client, error) {
	if !cas.SeesAllAgencies(actor) {
		return cas.Client{}, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team add clients")
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error { return tx.createClient(&c) })
	return c, err
}

// createClient validates, writes and audits a new client record, giving it its ID.
func (tx *Tx) createClient(c *cas.Client) error {
	today := tx.today()
	if c.Consent && c.ConsentDate == "" {
		c.ConsentDate = today // recorded now, with no date given: signed today
	}
	if err := c.Validate(today); err != nil {
		return err
	}
	if err := tx.checkPersonalID(*c); err != nil {
		return err
	}
	if err := tx.checkNavigator(c.NavigatorUserID); err != nil {
		return err
	}
	c.ID, c.CreatedAt, c.UpdatedAt = newID(), tx.now, tx.now
	if err := tx.insertClient(*c); err != nil {
		return err
	}
	return tx.audit("client.create", "client", c.ID, nil, *c)
}

func (tx *Tx) insertClient(c cas.Client) error {
	values := clientValues(c)
	if _, err := tx.exec(`INSERT INTO clients (`+clientInsertColumns+`) VALUES (`+placeholders(1, len(values))+`)`, values...); err != nil {
		return fmt.Errorf("insert client: %w", err)
	}
	return nil
}

// clientInsertColumns are the columns a new client is written with, by insertClient and by an
// HMIS import's batches, in the order of clientValues.
const clientInsertColumns = `id, first_name, last_name, birth_date, hmis_personal_id, household_size, household_type,
	veteran, chronic, youth, dv_survivor, needs_accessible, consent, race, gender, sex, created_at, updated_at,
	consent_date, consent_expires_on, phone, email, contact_notes, navigator_user_id, confidential`

// clientValues are the values of clientInsertColumns for c.
func clientValues(c cas.Client) []any {
	return []any{c.ID, c.FirstName, c.LastName, string(c.BirthDate), nullString(c.HMISPersonalID), c.HouseholdSize, c.HouseholdType,
		c.Veteran, c.Chronic, c.Youth, c.DVSurvivor, c.NeedsAccessible, c.Consent, joinOptions(c.Race), joinOptions(c.Gender), c.Sex,
		c.CreatedAt, c.UpdatedAt, nullString(string(c.ConsentDate)), nullString(string(c.ConsentExpiresOn)),
		c.Phone, c.Email, c.ContactNotes, nullString(c.NavigatorUserID), c.Confidential}
}

func (tx *Tx) checkPersonalID(c cas.Client) error {
	if c.HMISPersonalID == "" {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM clients WHERE hmis_personal_id = $1 AND id <> $2`, c.HMISPersonalID, c.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "hmis_personal_id", Message: fmt.Sprintf("another client already has HMIS PersonalID %q", c.HMISPersonalID)}
	}
	return nil
}

// checkNavigator refuses a navigator who is not an active agency user: CAS admins and the HMIS
// team see every client already, and a disabled account follows no one. An empty ID is no
// navigator.
func (tx *Tx) checkNavigator(userID string) error {
	if userID == "" {
		return nil
	}
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE id = $1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Invalid("navigator_user_id", "no user has ID %q", userID)
	}
	if err != nil {
		return fmt.Errorf("navigator %s: %w", userID, err)
	}
	return cas.ValidateNavigator(u)
}

// UpdateClient changes a client record. CAS admins and the HMIS team may. A change that could make
// the client eligible for more units asks the matching engine to look again.
func (db *DB) UpdateClient(ctx context.Context, actor *cas.User, id string, change func(*cas.Client)) (cas.Client, error) {
	if !cas.SeesAllAgencies(actor) {
		return cas.Client{}, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team change client records")
	}
	var after cas.Client
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := tx.client(id, db.dialect.forUpdate)
		if err != nil {
			return err
		}
		if before.DeidentifiedAt != nil {
			return cas.Errorf(cas.EConflict, "this client's record was de-identified under the retention policy on %s and is kept only for statistics",
				cas.DateOf(*before.DeidentifiedAt, db.Zone))
		}
		after = before
		change(&after)
		today := cas.DateOf(tx.now, db.Zone)
		if after.Consent && !before.ConsentOn(today) && after.ConsentDate == before.ConsentDate && after.ConsentExpiresOn == before.ConsentExpiresOn {
			// Consent recorded now, with no dates given: signed today, until revoked.
			after.ConsentDate, after.ConsentExpiresOn = today, ""
		}
		if err := after.Validate(today); err != nil {
			return err
		}
		if err := tx.checkPersonalID(after); err != nil {
			return err
		}
		if after.NavigatorUserID != before.NavigatorUserID {
			if err := tx.checkNavigator(after.NavigatorUserID); err != nil {
				return err
			}
		}
		after.UpdatedAt = tx.now
		if _, err := tx.exec(`UPDATE clients SET first_name = $1, last_name = $2, birth_date = $3, hmis_personal_id = $4,
			household_size = $5, household_type = $6, veteran = $7, chronic = $8, youth = $9, dv_survivor = $10,
			needs_accessible = $11, consent = $12, race = $13, gender = $14, sex = $15, updated_at = $16,
			consent_date = $18, consent_expires_on = $19, phone = $20, email = $21, contact_notes = $22, navigator_user_id = $23,
			confidential = $24 WHERE id = $17`,
			after.FirstName, after.LastName, string(after.BirthDate), nullString(after.HMISPersonalID), after.HouseholdSize,
			after.HouseholdType, after.Veteran, after.Chronic, after.Youth, after.DVSurvivor, after.NeedsAccessible, after.Consent,
			joinOptions(after.Race), joinOptions(after.Gender), after.Sex, after.UpdatedAt, id,
			nullString(string(after.ConsentDate)), nullString(string(after.ConsentExpiresOn)),
			after.Phone, after.Email, after.ContactNotes, nullString(after.NavigatorUserID), after.Confidential); err != nil {
			return fmt.Errorf("update client %s: %w", id, err)
		}
		// A change of the release of information is audited as consent recorded: the client's
		// page names who recorded it (ClientPage).
		action := "client.update"
		if after.Consent && (!before.Consent || after.ConsentDate != before.ConsentDate || after.ConsentExpiresOn != before.ConsentExpiresOn) {
			action = "client.consent"
		}
		if err := tx.audit(action, "client", id, before, after); err != nil {
			return err
		}
		return tx.enqueue(JobMatch, matchReason{Reason: "client_changed"})
	})
	return after, err
}
