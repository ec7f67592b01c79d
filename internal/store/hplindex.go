package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
)

// The ranked HPL is kept in memory, one copy per server, and brought up to date from the
// hpl_changes table before every read: the table numbers every change to an HPL entry, a client or
// the priority scheme in the order the changes committed, so a server reads only the clients
// changed since it last looked and moves just those in its ranked list. docs/hpl-index.md tells
// the design.

// hplIndex holds the current view of the ranked HPL. Views are never changed once published:
// a refresh builds a new one, so readers need no lock.
type hplIndex struct {
	refreshing sync.Mutex // one refresh at a time
	view       atomic.Pointer[hplView]
	byClient   map[string]*hplRow // the latest view's rows by client ID, guarded by refreshing
}

// hplView is the ranked HPL as of one change: every active or referred entry with its client, in
// rank order under the scheme (a row's rank is its position + 1).
type hplView struct {
	seq    int64 // the last change the view includes
	scheme cas.PriorityScheme
	rows   []*hplRow
}

// hplRow is one place on the list, with its sort key under the view's scheme.
type hplRow struct {
	entry  cas.HPLEntry
	client cas.Client
	key    []int64
}

// hplChangesKept is how many of the latest change rows are kept for servers catching up; a server
// further behind reads the whole list again.
const hplChangesKept = 100_000

// rankedHPL returns the ranked HPL as of the latest committed change.
func (db *DB) rankedHPL(ctx context.Context) (*hplView, error) {
	v, _, err := db.rankedPlaces(ctx, nil)
	return v, err
}

// rankedPlaces returns the ranked HPL as of the latest committed change, and the positions on it
// of the given clients who are on it.
func (db *DB) rankedPlaces(ctx context.Context, clientIDs []string) (*hplView, map[string]int, error) {
	idx := &db.hpl
	idx.refreshing.Lock()
	defer idx.refreshing.Unlock()
	v, err := idx.refresh(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	idx.view.Store(v)
	places := map[string]int{}
	for _, id := range clientIDs {
		if r := idx.byClient[id]; r != nil {
			if i, found := slices.BinarySearchFunc(v.rows, r, compareRows); found {
				places[id] = i
			}
		}
	}
	return v, places, nil
}

// refresh brings the latest view up to date: the clients changed since it are read again and moved
// to their new places; a new scheme or too many changes read the whole list. It runs under the
// refreshing lock.
func (idx *hplIndex) refresh(ctx context.Context, db *DB) (*hplView, error) {
	v := idx.view.Load()
	if v == nil {
		return idx.load(ctx, db)
	}
	changed := map[string]bool{}
	seq, first, whole := v.seq, int64(0), false
	err := eachRow(ctx, db.sql, `SELECT seq, client_id FROM hpl_changes WHERE seq > $1 ORDER BY seq`, []any{v.seq}, func(row scanner) error {
		var client *string
		if err := row.Scan(&seq, &client); err != nil {
			return err
		}
		if first == 0 {
			first = seq
		}
		if client == nil {
			whole = true
		} else {
			changed[*client] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("HPL changes: %w", err)
	}
	if seq == v.seq {
		return v, nil
	}
	if whole || len(changed) > max(1000, len(v.rows)/8) {
		return idx.load(ctx, db)
	}
	if first > v.seq+1 && v.seq > 0 {
		// Numbers are skipped by rolled-back changes, and by pruning: if the view's own change is
		// gone, changes after it may be gone too.
		var kept int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM hpl_changes WHERE seq = $1`, v.seq).Scan(&kept); err != nil {
			return nil, fmt.Errorf("HPL changes: %w", err)
		}
		if kept == 0 {
			return idx.load(ctx, db)
		}
	}
	fresh, err := db.hplRows(ctx, slices.Collect(maps.Keys(changed)))
	if err != nil {
		return nil, err
	}
	for _, r := range fresh {
		r.key = rankKey(v.scheme, &r.entry, &r.client)
	}
	slices.SortFunc(fresh, compareRows)
	var rows []*hplRow
	if len(changed) <= 64 {
		// A few changes: each old place is found by binary search and each new one inserted.
		rows = slices.Clone(v.rows)
		for id := range changed {
			if old := idx.byClient[id]; old != nil {
				if i, found := slices.BinarySearchFunc(rows, old, compareRows); found {
					rows = slices.Delete(rows, i, i+1)
				}
			}
		}
		for _, r := range fresh {
			i, _ := slices.BinarySearchFunc(rows, r, compareRows)
			rows = slices.Insert(rows, i, r)
		}
	} else {
		kept := make([]*hplRow, 0, len(v.rows))
		for _, r := range v.rows {
			if !changed[r.entry.ClientID] {
				kept = append(kept, r)
			}
		}
		rows = mergeRows(kept, fresh)
	}
	for id := range changed {
		delete(idx.byClient, id)
	}
	for _, r := range fresh {
		idx.byClient[r.entry.ClientID] = r
	}
	return &hplView{seq: seq, scheme: v.scheme, rows: rows}, nil
}

// load reads the whole list and ranks it.
func (idx *hplIndex) load(ctx context.Context, db *DB) (*hplView, error) {
	v, err := db.loadHPL(ctx)
	if err != nil {
		return nil, err
	}
	idx.byClient = make(map[string]*hplRow, len(v.rows))
	for _, r := range v.rows {
		idx.byClient[r.entry.ClientID] = r
	}
	return v, nil
}

// loadHPL reads the whole list and ranks it.
func (db *DB) loadHPL(ctx context.Context) (*hplView, error) {
	v := &hplView{}
	// The change number first: rows read after it are at least as new as it says.
	if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM hpl_changes`).Scan(&v.seq); err != nil {
		return nil, fmt.Errorf("HPL changes: %w", err)
	}
	var err error
	if v.scheme, err = currentScheme(ctx, db.sql); err != nil {
		return nil, err
	}
	if v.rows, err = db.hplRows(ctx, nil); err != nil {
		return nil, err
	}
	for _, r := range v.rows {
		r.key = rankKey(v.scheme, &r.entry, &r.client)
	}
	slices.SortFunc(v.rows, compareRows)
	return v, nil
}

// hplRows reads the active and referred entries with their clients, of the given clients or, for
// nil, of all; in one statement per chunk, so that an entry and its client are read together.
func (db *DB) hplRows(ctx context.Context, clientIDs []string) ([]*hplRow, error) {
	var rows []*hplRow
	scan := func(row scanner) error {
		r := &hplRow{}
		var err error
		r.entry, err = scanHPLEntry(rowWithClient{row, &r.client})
		rows = append(rows, r)
		return err
	}
	query := entryWithClient + ` WHERE e.status IN ('active', 'referred')`
	var err error
	if clientIDs == nil {
		err = eachRow(ctx, db.sql, query, nil, scan)
	} else {
		err = eachIn(ctx, db.sql, query+` AND e.client_id IN `, clientIDs, scan)
	}
	if err != nil {
		return nil, fmt.Errorf("HPL: %w", err)
	}
	return rows, nil
}

// rowWithClient scans an entry's columns and then a client's from one row: scanClient reads the
// client's, after the entry's destinations.
type rowWithClient struct {
	scanner
	client *cas.Client
}

func (r rowWithClient) Scan(entry ...any) (err error) {
	*r.client, err = scanClient(columnsAfter{r.scanner, entry})
	return err
}

// columnsAfter scans a row whose first columns go into first.
type columnsAfter struct {
	row   scanner
	first []any
}

func (c columnsAfter) Scan(dest ...any) error { return c.row.Scan(slices.Concat(c.first, dest)...) }

// entryWithClient selects HPL entries joined with their clients, for rowWithClient.
var entryWithClient = `SELECT ` + prefixed("e.", hplColumns) + `, ` + prefixed("c.", clientColumns) + `
	FROM hpl_entries e JOIN clients c ON c.id = e.client_id`

// prefixed qualifies a column list with a table alias, keeping COALESCE(...) wrappers intact.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if rest, ok := strings.CutPrefix(p, "COALESCE("); ok {
			parts[i] = "COALESCE(" + alias + rest
		} else if strings.HasPrefix(p, "'") || strings.HasSuffix(p, ")") {
			parts[i] = p
		} else {
			parts[i] = alias + p
		}
	}
	return strings.Join(parts, ", ")
}

// rankKey is an entry's sort key under a scheme, as match.Rank orders the list.
func rankKey(scheme cas.PriorityScheme, e *cas.HPLEntry, c *cas.Client) []int64 {
	return match.SortKey(scheme, &match.Candidate{Entry: *e, Client: *c})
}

// compareRows orders two places on the list: by the scheme's key, then the order they joined the
// HPL, then the entry ID.
func compareRows(a, b *hplRow) int {
	if c := slices.Compare(a.key, b.key); c != 0 {
		return c
	}
	if c := a.entry.CreatedAt.Compare(b.entry.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.entry.ID, b.entry.ID)
}

// mergeRows merges two ranked lists.
func mergeRows(a, b []*hplRow) []*hplRow {
	if len(b) == 0 {
		return a
	}
	out := make([]*hplRow, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareRows(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// candidates gives the engine the list as it stands, in rank order, with what the database says
// of open referrals and re-referral blocks; consent is read as of today.
// Only the first n are given when n is smaller than the list.
func (v *hplView) candidates(today cas.Date, open map[string]bool, notAgain map[string][]string, n int) []match.Candidate {
	cands := make([]match.Candidate, min(n, len(v.rows)))
	for i, r := range v.rows[:len(cands)] {
		c := r.client
		c.Consent = c.ConsentOn(today)
		cands[i] = match.Candidate{Entry: r.entry, Client: c, OpenReferral: open[c.ID], NotReferredAgainBy: notAgain[c.ID]}
	}
	return cands
}

// PruneHPLChanges deletes the change rows older than the latest hplChangesKept, and reports how
// many it deleted.
func (db *DB) PruneHPLChanges(ctx context.Context) (int, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM hpl_changes WHERE seq <= (SELECT MAX(seq) FROM hpl_changes) - $1`, hplChangesKept)
	if err != nil {
		return 0, fmt.Errorf("prune HPL changes: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// placeholders writes n numbered placeholders from $from: "$2, $3, $4".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// eachIn runs a query ending in "IN " over a list of IDs, in chunks a database takes as
// placeholders, and calls fn for each row.
func eachIn(ctx context.Context, q querier, query string, ids []string, fn func(scanner) error) error {
	for chunk := range slices.Chunk(ids, 500) {
		if err := eachRow(ctx, q, query+"("+placeholders(1, len(chunk))+")", anys(chunk), fn); err != nil {
			return err
		}
	}
	return nil
}

func anys(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
