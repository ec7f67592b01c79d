package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
)

const hplColumns = `id, client_id, score, assessed_on, days_homeless, documents, intake_status, status,
	COALESCE(parked_until, ''), COALESCE(park_reason, ''), COALESCE(removal_reason, ''), created_at, updated_at,
	COALESCE(hmis_enrollment_id, '')`

func scanHPLEntry(row scanner, extra ...any) (cas.HPLEntry, error) {
	var e cas.HPLEntry
	var docs string
	err := row.Scan(append([]any{&e.ID, &e.ClientID, &e.Score, &e.AssessedOn, &e.DaysHomeless, &docs, &e.IntakeStatus, &e.Status,
		&e.ParkedUntil, &e.ParkReason, &e.RemovalReason, &e.CreatedAt, &e.UpdatedAt, &e.HMISEnrollmentID}, extra...)...)
	if err != nil {
		return e, err
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, json.Unmarshal([]byte(docs), &e.Documents)
}

// canReadHPL: the HPL is the CAS admins' list; the HMIS team reads it to correct data.
func canReadHPL(u *cas.User) bool {
	return u.IsSystem() || u.Role == cas.RoleCASAdmin || u.Role == cas.RoleHMISAdmin
}

// HPLItem is a client's place on the HPL: the entry, the client, and the rank.
type HPLItem struct {
	Entry  cas.HPLEntry
	Client cas.Client
	Rank   int
}

// HPLFilter narrows the list; the ranks stay those of the whole list.
type HPLFilter struct {
	Status        []cas.HPLStatus // default: active and referred
	IntakeStatus  cas.IntakeStatus
	HouseholdType cas.HouseholdType
	Population    cas.Population
	Search        string // the start of a first or last name, or the HMIS PersonalID
}

// HPL returns the Housing Priority List in rank order under the current scheme, read from the
// maintained ranking (hplindex.go): a page costs the same wherever it starts and however long the
// list is. Housed and removed entries, when asked for, follow the list without a rank, the latest
// changed first.
func (db *DB) HPL(ctx context.Context, actor *cas.User, f HPLFilter, page Page) ([]HPLItem, string, cas.PriorityScheme, error) {
	if !canReadHPL(actor) {
		return nil, "", cas.PriorityScheme{}, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team read the HPL")
	}
	if err := f.validate(); err != nil {
		return nil, "", cas.PriorityScheme{}, err
	}
	limit, err := page.limit()
	if err != nil {
		return nil, "", cas.PriorityScheme{}, err
	}
	at, err := page.after(hplCursorKeys)
	if err != nil {
		return nil, "", cas.PriorityScheme{}, err
	}
	v, err := db.rankedHPL(ctx)
	if err != nil {
		return nil, "", cas.PriorityScheme{}, err
	}
	if len(f.Status) == 0 {
		f.Status = []cas.HPLStatus{cas.HPLActive, cas.HPLReferred}
	}
	search := strings.ToLower(strings.TrimSpace(f.Search))
	items := make([]HPLItem, 0, limit+1)
	onList := slices.Contains(f.Status, cas.HPLActive) || slices.Contains(f.Status, cas.HPLReferred)
	if onList && (at == nil || at[0] == "r") {
		start, err := v.resume(at)
		if err != nil {
			return nil, "", v.scheme, err
		}
		for i := start; i < len(v.rows) && len(items) <= limit; i++ {
			r := v.rows[i]
			if f.matches(&r.entry, &r.client, search) {
				items = append(items, HPLItem{Entry: r.entry, Client: r.client, Rank: i + 1})
			}
		}
		if len(items) > limit {
			last := items[limit-1]
			return items[:limit], v.cursorAt(last.Rank - 1), v.scheme, nil
		}
		at = nil
	}
	if off := slices.DeleteFunc(slices.Clone(f.Status), func(s cas.HPLStatus) bool { return s == cas.HPLActive || s == cas.HPLReferred }); len(off) > 0 {
		more, err := db.offList(ctx, off, f, search, at, limit+1-len(items))
		if err != nil {
			return nil, "", v.scheme, err
		}
		items = append(items, more...)
		if len(items) > limit {
			if items[limit-1].Rank > 0 { // the page ends with the list: the next starts off it
				return items[:limit], cursor("o", "", "", "", "", ""), v.scheme, nil
			}
			last := items[limit-1].Entry
			return items[:limit], cursor("o", last.UpdatedAt.Format(time.RFC3339Nano), last.ID, "", "", ""), v.scheme, nil
		}
	}
	return items, "", v.scheme, nil
}

// An HPL cursor has six keys: "r", the scheme version, the position, when the entry joined, its
// ID and its sort key, for a place on the ranked list; "o", the time the entry changed and its ID,
// for the housed and removed entries after it.
const hplCursorKeys = 6

// cursorAt is the cursor after a position on the list.
func (v *hplView) cursorAt(pos int) string {
	r := v.rows[pos]
	key := make([]string, len(r.key))
	for i, k := range r.key {
		key[i] = strconv.FormatInt(k, 10)
	}
	return cursor("r", strconv.Itoa(v.scheme.Version), strconv.Itoa(pos), r.entry.CreatedAt.Format(time.RFC3339Nano), r.entry.ID, strings.Join(key, ","))
}

// resume finds where the page after a cursor starts: after the place the cursor's entry had,
// found by its sort key, so that changes to the list between pages neither repeat nor skip
// anyone; under another scheme than the cursor's, at the same position.
func (v *hplView) resume(at []string) (int, error) {
	if at == nil {
		return 0, nil
	}
	bad := cas.Invalid("cursor", "cursor is not one this server gave out")
	version, err1 := strconv.Atoi(at[1])
	pos, err2 := strconv.Atoi(at[2])
	joined, err3 := time.Parse(time.RFC3339Nano, at[3])
	if err1 != nil || err2 != nil || err3 != nil || pos < 0 {
		return 0, bad
	}
	if version != v.scheme.Version {
		return min(pos+1, len(v.rows)), nil
	}
	last := &hplRow{entry: cas.HPLEntry{ID: at[4], CreatedAt: joined}}
	if at[5] != "" {
		for _, k := range strings.Split(at[5], ",") {
			n, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				return 0, bad
			}
			last.key = append(last.key, n)
		}
	}
	if len(last.key) != len(v.scheme.Criteria) {
		return 0, bad
	}
	i, found := slices.BinarySearchFunc(v.rows, last, compareRows)
	if found {
		i++
	}
	return i, nil
}

// matches reports whether an entry passes the filter (statuses aside from the list's two).
func (f HPLFilter) matches(e *cas.HPLEntry, c *cas.Client, search string) bool {
	switch {
	case !slices.Contains(f.Status, e.Status),
		f.IntakeStatus != "" && e.IntakeStatus != f.IntakeStatus,
		f.HouseholdType != "" && c.HouseholdType != f.HouseholdType,
		f.Population != "" && !hasPopulation(*c, f.Population),
		search != "" && !strings.HasPrefix(strings.ToLower(c.FirstName), search) &&
			!strings.HasPrefix(strings.ToLower(c.LastName), search) && c.HMISPersonalID != f.Search:
		return false
	}
	return true
}

// offList reads up to n housed or removed entries that pass the filter, the latest changed first,
// after a cursor ("o", changed at, ID) when given.
func (db *DB) offList(ctx context.Context, statuses []cas.HPLStatus, f HPLFilter, search string, at []string, n int) ([]HPLItem, error) {
	where := []string{}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	in := make([]string, len(statuses))
	for i, st := range statuses {
		in[i] = arg(string(st))
	}
	where = append(where, "e.status IN ("+strings.Join(in, ", ")+")")
	if f.IntakeStatus != "" {
		where = append(where, "e.intake_status = "+arg(string(f.IntakeStatus)))
	}
	if f.HouseholdType != "" {
		where = append(where, "c.household_type = "+arg(string(f.HouseholdType)))
	}
	if column, ok := map[cas.Population]string{cas.Veteran: "veteran", cas.ChronicallyHomeless: "chronic", cas.Youth: "youth",
		cas.DVSurvivor: "dv_survivor"}[f.Population]; ok {
		where = append(where, "c."+column+" = "+arg(true))
	}
	if search != "" {
		prefix := arg(strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(search) + "%")
		where = append(where, "(LOWER(c.first_name) LIKE "+prefix+` ESCAPE '\' OR LOWER(c.last_name) LIKE `+prefix+` ESCAPE '\' OR c.hmis_personal_id = `+arg(strings.TrimSpace(f.Search))+")")
	}
	if at != nil && at[0] != "o" {
		return nil, cas.Invalid("cursor", "cursor is not one this server gave out")
	}
	if at != nil && at[1] != "" {
		changed, err := time.Parse(time.RFC3339Nano, at[1])
		if err != nil {
			return nil, cas.Invalid("cursor", "cursor is not one this server gave out")
		}
		t, id := arg(changed), arg(at[2])
		where = append(where, "(e.updated_at < "+t+" OR (e.updated_at = "+t+" AND e.id < "+id+"))")
	}
	items := []HPLItem{}
	err := eachRow(ctx, db.sql, entryWithClient+` WHERE `+strings.Join(where, " AND ")+`
		ORDER BY e.updated_at DESC, e.id DESC LIMIT `+strconv.Itoa(n), args, func(row scanner) error {
		var it HPLItem
		var err error
		it.Entry, err = scanHPLEntry(rowWithClient{row, &it.Client})
		items = append(items, it)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("HPL, off the list: %w", err)
	}
	return items, nil
}

// validate refuses a filter value the list has no such thing as: a typo answers an error, not an
// empty list.
func (f HPLFilter) validate() error {
	for _, st := range f.Status {
		if !slices.Contains([]cas.HPLStatus{cas.HPLActive, cas.HPLReferred, cas.HPLHoused, cas.HPLInactive}, st) {
			return cas.Invalid("status", "unknown status %q: want active, referred, housed or inactive, comma-separated", st)
		}
	}
	if f.IntakeStatus != "" && !slices.Contains([]cas.IntakeStatus{cas.IntakePending, cas.IntakeIncompleteDocuments, cas.IntakeReady}, f.IntakeStatus) {
		return cas.Invalid("intake_status", "unknown intake_status %q: want pending, incomplete_documents or ready", f.IntakeStatus)
	}
	if f.HouseholdType != "" && !slices.Contains(cas.HouseholdTypes, f.HouseholdType) {
		return cas.Invalid("household_type", "unknown household_type %q: want without_children, with_children or only_children", f.HouseholdType)
	}
	if f.Population != "" && !slices.Contains(cas.Populations, f.Population) {
		return cas.Invalid("population", "unknown population %q: want veteran, chronically_homeless, youth or dv_survivor", f.Population)
	}
	return nil
}

func hasPopulation(c cas.Client, p cas.Population) bool {
	switch p {
	case cas.Veteran:
		return c.Veteran
	case cas.ChronicallyHomeless:
		return c.Chronic
	case cas.Youth:
		return c.Youth
	case cas.DVSurvivor:
		return c.DVSurvivor
	}
	return false
}

// openReferrals lists the clients with an open referral or an open proposal.
func openReferrals(ctx context.Context, q querier) (map[string]bool, error) {
	open := map[string]bool{}
	if err := eachRow(ctx, q, `SELECT client_id FROM referrals WHERE status IN ('pending', 'accepted')
		UNION SELECT client_id FROM match_proposals WHERE status = 'open'`, nil, func(row scanner) error {
		var id string
		err := row.Scan(&id)
		open[id] = true
		return err
	}); err != nil {
		return nil, fmt.Errorf("open referrals: %w", err)
	}
	return open, nil
}

// notReferredAgain lists, by client, the programs whose referrals or proposals of the client ended
// since a moment in a way the re-referral rules say blocks a new one (cas.ReReferralRules); of one
// client when clientID is given.
func notReferredAgain(ctx context.Context, q querier, since time.Time, clientID string) (map[string][]string, error) {
	byClient := map[string][]string{}
	// The statuses are the rules' constants, written into the text so the (status, ended) indexes serve.
	of := ""
	if clientID != "" {
		of = " AND client_id = $2"
	}
	args := []any{since}
	if clientID != "" {
		args = append(args, clientID)
	}
	err := eachRow(ctx, q, `SELECT client_id, program_id FROM referrals WHERE status IN (`+quoted(cas.BlockingStatuses("referral"))+`) AND closed_at >= $1`+of+`
		UNION SELECT client_id, program_id FROM match_proposals WHERE status IN (`+quoted(cas.BlockingStatuses("proposal"))+`) AND ended_at >= $1`+of,
		args,
		func(row scanner) error {
			var client, program string
			err := row.Scan(&client, &program)
			byClient[client] = append(byClient[client], program)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("re-referral rules: %w", err)
	}
	return byClient, nil
}

// quoted writes constant strings as an SQL list.
func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// eachRow runs a query and calls fn for each row.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// HPLEntry returns one entry of the list.
func (db *DB) HPLEntry(ctx context.Context, actor *cas.User, id string) (cas.HPLEntry, error) {
	if !canReadHPL(actor) {
		return cas.HPLEntry{}, cas.NotFound("HPL entry")
	}
	return db.hplEntry(ctx, db.sql, id, "")
}

func (db *DB) hplEntry(ctx context.Context, q querier, id, lock string) (cas.HPLEntry, error) {
	e, err := scanHPLEntry(q.QueryRowContext(ctx, `SELECT `+hplColumns+` FROM hpl_entries WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.HPLEntry{}, cas.NotFound("HPL entry")
	}
	if err != nil {
		return cas.HPLEntry{}, fmt.Errorf("HPL entry %s: %w", id, err)
	}
	return e, nil
}

// AddToHPL puts a client on the Housing Priority List. CAS admins may. A client is on the list at
// most once at a time; a ready entry asks the matching engine to look for a unit.
func (db *DB) AddToHPL(ctx context.Context, actor *cas.User, e cas.HPLEntry) (cas.HPLEntry, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.HPLEntry{}, cas.Errorf(cas.EForbidden, "only CAS admins add clients to the HPL")
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error { return tx.addToHPL(&e) })
	return e, err
}

// AddClientToHPL adds a client record and puts the client on the HPL in one transaction: a refusal
// of either leaves neither. CAS admins may.
func (db *DB) AddClientToHPL(ctx context.Context, actor *cas.User, c cas.Client, e cas.HPLEntry) (cas.Client, cas.HPLEntry, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.Client{}, cas.HPLEntry{}, cas.Errorf(cas.EForbidden, "only CAS admins add clients to the HPL")
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		// The entry is checked first, so that a refused entry names its field before the client is
		// written; its client ID is the one about to be made.
		e.ClientID = "new"
		if err := e.Validate(tx.today()); err != nil {
			return err
		}
		if err := tx.createClient(&c); err != nil {
			return err
		}
		e.ClientID = c.ID
		return tx.addToHPL(&e)
	})
	return c, e, err
}

// addToHPL validates, writes and audits a new HPL entry, and asks the engine to look when it is ready.
func (tx *Tx) addToHPL(e *cas.HPLEntry) error {
	if err := e.Validate(tx.today()); err != nil {
		return err
	}
	if _, err := tx.client(e.ClientID, ""); err != nil {
		return cas.Invalid("client_id", "no client has ID %q", e.ClientID)
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM hpl_entries WHERE client_id = $1 AND status IN ('active', 'referred')`, e.ClientID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "client_id", Message: "the client is already on the HPL"}
	}
	e.HMISEnrollmentID = strings.TrimSpace(e.HMISEnrollmentID)
	if e.HMISEnrollmentID != "" {
		if err := tx.queryRow(`SELECT COUNT(*) FROM hpl_entries WHERE hmis_enrollment_id = $1`, e.HMISEnrollmentID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &cas.Error{Code: cas.EConflict, Field: "hmis_enrollment_id", Message: fmt.Sprintf("another HPL entry came from HMIS enrollment %q", e.HMISEnrollmentID)}
		}
	}
	// Documents named with the entry join the client's checklist; the entry carries every name on it.
	if err := tx.setDocumentNames(e.ClientID, e.Documents, false); err != nil {
		return err
	}
	names, err := tx.documentNames(e.ClientID)
	if err != nil {
		return err
	}
	e.Documents = names
	e.ID, e.Status, e.CreatedAt, e.UpdatedAt = newID(), cas.HPLActive, tx.now, tx.now
	e.ParkedUntil, e.ParkReason, e.RemovalReason = "", "", ""
	docs, _ := json.Marshal(e.Documents)
	if _, err := tx.exec(`INSERT INTO hpl_entries (id, client_id, score, assessed_on, days_homeless, documents, intake_status, status, created_at, updated_at,
		hmis_enrollment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`, e.ID, e.ClientID, e.Score, string(e.AssessedOn), e.DaysHomeless, string(docs),
		e.IntakeStatus, e.Status, tx.now, nullString(e.HMISEnrollmentID)); err != nil {
		return fmt.Errorf("insert HPL entry: %w", err)
	}
	if err := tx.audit("hpl.add", "hpl_entry", e.ID, nil, *e); err != nil {
		return err
	}
	if e.IntakeStatus != cas.IntakeReady {
		return nil
	}
	return tx.enqueue(JobMatch, matchReason{Reason: "client_added_to_hpl"})
}

// changeHPLEntry runs one change of an entry: lock, check, write, audit, and ask for matching when
// the change may have made the client matchable.
func (db *DB) changeHPLEntry(ctx context.Context, actor *cas.User, id, action string, change func(tx *Tx, e *cas.HPLEntry) error) (cas.HPLEntry, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.HPLEntry{}, cas.Errorf(cas.EForbidden, "only CAS admins change the HPL")
	}
	var after cas.HPLEntry
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := db.hplEntry(ctx, tx, id, db.dialect.forUpdate)
		if err != nil {
			return err
		}
		after = before
		after.Documents = slices.Clone(before.Documents)
		if err := change(tx, &after); err != nil {
			return err
		}
		after.UpdatedAt = tx.now
		if err := tx.writeHPLEntry(after); err != nil {
			return err
		}
		if err := tx.audit(action, "hpl_entry", id, before, after); err != nil {
			return err
		}
		if matchable(before, tx.today()) || !matchable(after, tx.today()) {
			return nil
		}
		return tx.enqueue(JobMatch, matchReason{Reason: strings.ReplaceAll(action, ".", "_")})
	})
	return after, err
}

// today is the CoC's calendar day at the transaction's moment.
func (tx *Tx) today() cas.Date { return cas.DateOf(tx.now, tx.db.Zone) }

// matchable reports whether an entry could be referred, as far as the entry itself says.
func matchable(e cas.HPLEntry, today cas.Date) bool {
	return e.Status == cas.HPLActive && e.IntakeStatus == cas.IntakeReady && !e.Parked(today)
}

func (tx *Tx) writeHPLEntry(e cas.HPLEntry) error {
	docs, _ := json.Marshal(e.Documents)
	_, err := tx.exec(`UPDATE hpl_entries SET score = $1, assessed_on = $2, days_homeless = $3, documents = $4, intake_status = $5,
		status = $6, parked_until = $7, park_reason = $8, removal_reason = $9, updated_at = $10 WHERE id = $11`,
		e.Score, string(e.AssessedOn), e.DaysHomeless, string(docs), e.IntakeStatus, e.Status,
		nullString(string(e.ParkedUntil)), nullString(e.ParkReason), nullString(e.RemovalReason), e.UpdatedAt, e.ID)
	if err != nil {
		return fmt.Errorf("update HPL entry %s: %w", e.ID, err)
	}
	return nil
}

// UpdateHPLEntry changes an entry's assessment, documents or intake status. CAS admins may.
func (db *DB) UpdateHPLEntry(ctx context.Context, actor *cas.User, id string, change func(*cas.HPLEntry)) (cas.HPLEntry, error) {
	return db.changeHPLEntry(ctx, actor, id, "hpl.update", func(tx *Tx, e *cas.HPLEntry) error {
		if e.Status == cas.HPLHoused || e.Status == cas.HPLInactive {
			return cas.Errorf(cas.EConflict, "the entry is %s; add the client to the HPL again instead", e.Status)
		}
		clientID, docs := e.ClientID, slices.Clone(e.Documents)
		change(e)
		if e.ClientID != clientID {
			return cas.Invalid("client_id", "an entry cannot move to another client")
		}
		if err := e.Validate(tx.today()); err != nil || slices.Equal(docs, e.Documents) {
			return err
		}
		// Documents given by name set the client's checklist to them.
		if err := tx.setDocumentNames(clientID, e.Documents, true); err != nil {
			return err
		}
		names, err := tx.documentNames(clientID)
		e.Documents = names
		return err
	})
}

// ParkHPLEntry sets an entry aside until a day, with a reason; the engine skips it until then.
func (db *DB) ParkHPLEntry(ctx context.Context, actor *cas.User, id string, until cas.Date, reason string) (cas.HPLEntry, error) {
	reason = strings.TrimSpace(reason)
	return db.changeHPLEntry(ctx, actor, id, "hpl.park", func(tx *Tx, e *cas.HPLEntry) error {
		if _, err := cas.ParseDate("until", string(until)); err != nil {
			return err
		}
		if until <= tx.today() {
			return cas.Invalid("until", "until must be after today (%s)", tx.today())
		}
		if reason == "" {
			return cas.Invalid("reason", "a reason is required to park a client")
		}
		if e.Status != cas.HPLActive && e.Status != cas.HPLReferred {
			return cas.Errorf(cas.EConflict, "the entry is %s", e.Status)
		}
		e.ParkedUntil, e.ParkReason = until, reason
		return nil
	})
}

// UnparkHPLEntry returns a parked entry to the list at once.
func (db *DB) UnparkHPLEntry(ctx context.Context, actor *cas.User, id string) (cas.HPLEntry, error) {
	return db.changeHPLEntry(ctx, actor, id, "hpl.unpark", func(tx *Tx, e *cas.HPLEntry) error {
		if !e.Parked(tx.today()) {
			return cas.Errorf(cas.EConflict, "the entry is not parked")
		}
		e.ParkedUntil, e.ParkReason = "", ""
		return nil
	})
}

// RemoveFromHPL takes an entry off the list, with a coded reason (and a note, which "other"
// needs). Open referrals must be closed first.
func (db *DB) RemoveFromHPL(ctx context.Context, actor *cas.User, id string, code cas.RemovalCode, note string) (cas.HPLEntry, error) {
	return db.changeHPLEntry(ctx, actor, id, "hpl.remove", func(tx *Tx, e *cas.HPLEntry) error {
		reason, err := cas.RemovalReason(code, note)
		if err != nil {
			return err
		}
		switch e.Status {
		case cas.HPLReferred:
			return cas.Errorf(cas.EConflict, "the client has an open referral; withdraw it first")
		case cas.HPLHoused, cas.HPLInactive:
			return cas.Errorf(cas.EConflict, "the entry is already %s", e.Status)
		}
		e.Status, e.RemovalReason = cas.HPLInactive, reason
		return nil
	})
}

// HPLPlaces finds clients' places on the HPL: each client's active or referred entry with its rank,
// or else their latest housed or removed entry, without a rank. Clients never on the list are left
// out. It costs one lookup per client in the maintained ranking and one query for the others.
func (db *DB) HPLPlaces(ctx context.Context, actor *cas.User, clientIDs []string) (map[string]HPLItem, error) {
	if !canReadHPL(actor) {
		return nil, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team read the HPL")
	}
	v, positions, err := db.rankedPlaces(ctx, clientIDs)
	if err != nil {
		return nil, err
	}
	places := map[string]HPLItem{}
	var off []string
	for _, id := range clientIDs {
		if pos, ok := positions[id]; ok {
			r := v.rows[pos]
			places[id] = HPLItem{Entry: r.entry, Client: r.client, Rank: pos + 1}
		} else {
			off = append(off, id)
		}
	}
	err = eachIn(ctx, db.sql, entryWithClient+` WHERE e.status IN ('housed', 'inactive') AND e.client_id IN `, off,
		func(row scanner) error {
			var it HPLItem
			var err error
			if it.Entry, err = scanHPLEntry(rowWithClient{row, &it.Client}); err != nil {
				return err
			}
			if was, ok := places[it.Client.ID]; !ok || it.Entry.UpdatedAt.After(was.Entry.UpdatedAt) {
				places[it.Client.ID] = it
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("HPL places: %w", err)
	}
	return places, nil
}

// noReferral says why the engine does not refer a client (match.NoReferral): their latest HPL
// entry, as the engine would see it, judged against every program and all its units.
func (tx *Tx) noReferral(c cas.Client, programs []cas.Program, facilities []cas.Facility) ([]string, error) {
	e, err := scanHPLEntry(tx.queryRow(`SELECT `+hplColumns+` FROM hpl_entries WHERE client_id = $1
		ORDER BY CASE WHEN status IN ('active', 'referred') THEN 0 ELSE 1 END, updated_at DESC LIMIT 1`, c.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return []string{"not on the HPL: put the client on it"}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("HPL entry of client %s: %w", c.ID, err)
	}
	cand := match.Candidate{Entry: e, Client: c}
	if err := tx.queryRow(`SELECT EXISTS (SELECT 1 FROM match_proposals WHERE client_id = $1 AND status = 'open')`, c.ID).Scan(&cand.OpenReferral); err != nil {
		return nil, fmt.Errorf("open proposals of client %s: %w", c.ID, err)
	}
	notAgain, err := notReferredAgain(tx.ctx, tx, tx.now.Add(-tx.db.NoRereferral), c.ID)
	if err != nil {
		return nil, err
	}
	cand.NotReferredAgainBy = notAgain[c.ID]
	programOf := map[string]string{}
	for _, f := range facilities {
		programOf[f.ID] = f.ProgramID
	}
	units := map[string][]cas.Unit{}
	if err := eachRow(tx.ctx, tx, `SELECT `+unitColumns+` FROM unit_states`, nil, func(row scanner) error {
		u, err := scanUnit(row)
		units[programOf[u.FacilityID]] = append(units[programOf[u.FacilityID]], u)
		return err
	}); err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	list := make([]match.ProgramUnits, len(programs))
	for i, p := range programs {
		list[i] = match.ProgramUnits{Program: p, Units: units[p.ID]}
	}
	return match.NoReferral(tx.today(), cand, list), nil
}
