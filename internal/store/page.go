package store

import (
	"encoding/base64"
	"encoding/json"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Page asks for one page of a list: at most Limit items after the opaque Cursor of the page before.
type Page struct {
	Limit  int
	Cursor string
}

const (
	defaultPageLimit = 50
	maxPageLimit     = 500
)

func (p Page) limit() (int, error) {
	switch {
	case p.Limit == 0:
		return defaultPageLimit, nil
	case p.Limit < 0 || p.Limit > maxPageLimit:
		return 0, cas.Invalid("limit", "limit must be between 1 and %d", maxPageLimit)
	}
	return p.Limit, nil
}

// after decodes the cursor into the sort keys of the last item already seen; nil for the first page.
func (p Page) after(keys int) ([]string, error) {
	if p.Cursor == "" {
		return nil, nil
	}
	var v []string
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil || len(v) != keys {
		return nil, cas.Invalid("cursor", "cursor is not one this server gave out")
	}
	return v, nil
}

// cursor encodes the sort keys of the last item of a page.
func cursor(keys ...string) string {
	b, _ := json.Marshal(keys)
	return base64.RawURLEncoding.EncodeToString(b)
}

// All reads every page of a list, for the short lists a caller needs whole (the agencies of a
// select, one facility's units).
func All[T any](list func(Page) ([]T, string, error)) ([]T, error) {
	all := []T{}
	page := Page{Limit: maxPageLimit}
	for {
		items, next, err := list(page)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		page.Cursor = next
	}
}
