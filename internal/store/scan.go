package store

import (
	"database/sql"
	"fmt"
	"time"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// anyTime scans a timestamp that SQLite may hand over as text: an aggregate such as MAX(ended_at)
// loses the column's declared type, so the driver cannot convert it.
type anyTime struct {
	Time  time.Time
	Valid bool
}

var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"}

func (t *anyTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		t.Valid = false
		return nil
	case time.Time:
		t.Time, t.Valid = v.UTC(), true
		return nil
	case []byte:
		return t.Scan(string(v))
	case string:
		for _, layout := range sqliteTimeLayouts {
			if p, err := time.Parse(layout, v); err == nil {
				t.Time, t.Valid = p.UTC(), true
				return nil
			}
		}
		return fmt.Errorf("timestamp %q in an unknown format", v)
	}
	return fmt.Errorf("cannot scan %T as a timestamp", v)
}

func (t anyTime) ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// listPage runs a keyset-paginated query and returns one page and the cursor of the next. The
// query receives the sort keys of the last item seen (empty strings on the first page) and the
// number of rows to fetch, one more than the page, to learn whether another page follows.
func listPage[T any](page Page, keys int, run func(after []string, limit int) (*sql.Rows, error),
	scan func(scanner) (T, error), keyOf func(T) []string) ([]T, string, error) {
	limit, err := page.limit()
	if err != nil {
		return nil, "", err
	}
	after, err := page.after(keys)
	if err != nil {
		return nil, "", err
	}
	if after == nil {
		after = make([]string, keys)
	}
	rows, err := run(after, limit+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = cursor(keyOf(items[limit-1])...)
	}
	return items, next, nil
}
