package web_test

import (
	"fmt"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestHPLFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		for _, q := range []struct{ query, field string }{
			{"status=active,nope", "status"}, {"intake_status=nope", "intake_status"},
			{"household_type=couples", "household_type"}, {"population=seniors", "population"},
		} {
			status, body := c.do(t, "cas_admin", "GET", "/api/v1/hpl?"+q.query, "")
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != q.field {
				t.Errorf("GET /hpl?%s: %d %v, want 400 naming %s", q.query, status, body, q.field)
			}
		}
		status, cl := c.do(t, "cas_admin", "POST", "/api/v1/clients", `{"first_name": "Housed", "last_name": "Doe", "birth_date": "1975-03-04",
			"household_size": 1, "household_type": "without_children"}`)
		if status != 201 {
			t.Fatalf("client: %d %v", status, cl)
		}
		status, entry := c.do(t, "cas_admin", "POST", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": 3, "assessed_on": "2026-01-10"}`, cl["id"]))
		if status != 201 {
			t.Fatalf("entry: %d %v", status, entry)
		}
		if status, _ := c.do(t, "cas_admin", "POST", "/api/v1/hpl/"+entry["id"].(string)+"/remove", `{"reason": "moved away"}`); status != 200 {
			t.Fatalf("remove: %d", status)
		}
		status, list := c.do(t, "cas_admin", "GET", "/api/v1/hpl?status=inactive", "")
		items, _ := list["items"].([]any)
		if status != 200 || len(items) != 1 || items[0].(map[string]any)["rank"] != nil {
			t.Errorf("off the list: %d %v, want one item with a null rank", status, list)
		}
	})
}
