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

// HPL returns the Housing Priority List in rank order under the current scheme.
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
	after, err := page.after(1)
	if err != nil {
		return nil, "", cas.PriorityScheme{}, err
	}
	offset := 0
	if after != nil {
		if offset, err = strconv.Atoi(after[0]); err != nil || offset < 0 {
			return nil, "", cas.PriorityScheme{}, cas.Invalid("cursor", "cursor is not one this server gave out")
		}
	}
	scheme, err := currentScheme(ctx, db.sql)
	if err != nil {
		return nil, "", scheme, err
	}
	cands, err := db.loadCandidates(ctx, db.sql, db.now())
	if err != nil {
		return nil, "", scheme, err
	}
	statuses := f.Status
	if len(statuses) == 0 {
		statuses = []cas.HPLStatus{cas.HPLActive, cas.HPLReferred}
	}
	ranked := match.Rank(scheme, cands)
	// Housed and removed entries are off the list: shown when asked for, after it, without a rank.
	if off := slices.DeleteFunc(slices.Clone(statuses), func(s cas.HPLStatus) bool { return s == cas.HPLActive || s == cas.HPLReferred }); len(off) > 0 {
		entries, clients, err := loadEntries(ctx, db.sql, off)
		if err != nil {
			return nil, "", scheme, err
		}
		slices.SortFunc(entries, func(a, b cas.HPLEntry) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		for _, e := range entries {
			ranked = append(ranked, match.Ranked{Candidate: match.Candidate{Entry: e, Client: clients[e.ClientID]}})
		}
	}
	search := strings.ToLower(strings.TrimSpace(f.Search))
	var items []HPLItem
	for _, r := range ranked {
		c, e := r.Client, r.Entry
		switch {
		case !slices.Contains(statuses, e.Status),
			f.IntakeStatus != "" && e.IntakeStatus != f.IntakeStatus,
			f.HouseholdType != "" && c.HouseholdType != f.HouseholdType,
			f.Population != "" && !hasPopulation(c, f.Population),
			search != "" && !strings.HasPrefix(strings.ToLower(c.FirstName), search) &&
				!strings.HasPrefix(strings.ToLower(c.LastName), search) && c.HMISPersonalID != f.Search:
			continue
		}
		items = append(items, HPLItem{Entry: e, Client: c, Rank: r.Rank})
	}
	if offset > len(items) {
		offset = len(items)
	}
	items = items[offset:]
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = cursor(strconv.Itoa(offset + limit))
	}
	return items, next, scheme, nil
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

// loadCandidates reads every entry on the list (active or referred) with its client, whether the
// client has an open referral or proposal, and which programs they are not referred to again yet. The rank of an entry is its place among these.
func (db *DB) loadCandidates(ctx context.Context, q querier, now time.Time) ([]match.Candidate, error) {
	entries, clients, err := loadEntries(ctx, q, []cas.HPLStatus{cas.HPLActive, cas.HPLReferred})
	if err != nil {
		return nil, err
	}
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
	notAgain, err := notReferredAgain(ctx, q, now.Add(-db.NoRereferral))
	if err != nil {
		return nil, err
	}
	today := cas.DateOf(now, db.Zone)
	for id, c := range clients {
		// The engine reads consent as of today: an expired release of information is none.
		c.Consent = c.ConsentOn(today)
		clients[id] = c
	}
	cands := make([]match.Candidate, 0, len(entries))
	for _, e := range entries {
		cands = append(cands, match.Candidate{Entry: e, Client: clients[e.ClientID], OpenReferral: open[e.ClientID], NotReferredAgainBy: notAgain[e.ClientID]})
	}
	return cands, nil
}

// notReferredAgain lists, by client, the programs whose referrals or proposals of the client ended
// since a moment in a way the re-referral rules say blocks a new one (cas.ReReferralRules).
func notReferredAgain(ctx context.Context, q querier, since time.Time) (map[string][]string, error) {
	byClient := map[string][]string{}
	// The statuses are the rules' constants, written into the text so the (status, ended) indexes serve.
	err := eachRow(ctx, q, `SELECT client_id, program_id FROM referrals WHERE status IN (`+quoted(cas.BlockingStatuses("referral"))+`) AND closed_at >= $1
		UNION SELECT client_id, program_id FROM match_proposals WHERE status IN (`+quoted(cas.BlockingStatuses("proposal"))+`) AND ended_at >= $1`,
		[]any{since},
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

// loadEntries reads the HPL entries with the given statuses and their clients.
func loadEntries(ctx context.Context, q querier, statuses []cas.HPLStatus) ([]cas.HPLEntry, map[string]cas.Client, error) {
	list := make([]string, len(statuses))
	for i, st := range statuses {
		list[i] = string(st)
	}
	inStatuses := `(',' || $1 || ',') LIKE ('%,' || status || ',%')`
	arg := []any{strings.Join(list, ",")}
	clients := map[string]cas.Client{}
	if err := eachRow(ctx, q, `SELECT `+clientColumns+` FROM clients WHERE id IN (SELECT client_id FROM hpl_entries WHERE `+inStatuses+`)`, arg,
		func(row scanner) error {
			c, err := scanClient(row)
			clients[c.ID] = c
			return err
		}); err != nil {
		return nil, nil, fmt.Errorf("HPL clients: %w", err)
	}
	var entries []cas.HPLEntry
	if err := eachRow(ctx, q, `SELECT `+hplColumns+` FROM hpl_entries WHERE `+inStatuses, arg, func(row scanner) error {
		e, err := scanHPLEntry(row)
		entries = append(entries, e)
		return err
	}); err != nil {
		return nil, nil, fmt.Errorf("HPL entries: %w", err)
	}
	return entries, clients, nil
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
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		if err := e.Validate(cas.DateOf(tx.now, db.Zone)); err != nil {
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
		e.ID, e.Status, e.CreatedAt, e.UpdatedAt = newID(), cas.HPLActive, tx.now, tx.now
		e.ParkedUntil, e.ParkReason, e.RemovalReason = "", "", ""
		docs, _ := json.Marshal(e.Documents)
		if _, err := tx.exec(`INSERT INTO hpl_entries (id, client_id, score, assessed_on, days_homeless, documents, intake_status, status, created_at, updated_at,
			hmis_enrollment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`, e.ID, e.ClientID, e.Score, string(e.AssessedOn), e.DaysHomeless, string(docs),
			e.IntakeStatus, e.Status, tx.now, nullString(e.HMISEnrollmentID)); err != nil {
			return fmt.Errorf("insert HPL entry: %w", err)
		}
		if err := tx.audit("hpl.add", "hpl_entry", e.ID, nil, e); err != nil {
			return err
		}
		if e.IntakeStatus != cas.IntakeReady {
			return nil
		}
		return tx.enqueue(JobMatch, matchReason{Reason: "client_added_to_hpl"})
	})
	return e, err
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
		clientID := e.ClientID
		change(e)
		if e.ClientID != clientID {
			return cas.Invalid("client_id", "an entry cannot move to another client")
		}
		return e.Validate(tx.today())
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

// RemoveFromHPL takes an entry off the list, with a reason. Open referrals must be closed first.
func (db *DB) RemoveFromHPL(ctx context.Context, actor *cas.User, id, reason string) (cas.HPLEntry, error) {
	reason = strings.TrimSpace(reason)
	return db.changeHPLEntry(ctx, actor, id, "hpl.remove", func(tx *Tx, e *cas.HPLEntry) error {
		if reason == "" {
			return cas.Invalid("reason", "a reason is required to remove a client from the HPL")
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
