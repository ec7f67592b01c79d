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

func TestHPLRemovalReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		entryOf := func(name string) string {
			t.Helper()
			status, cl := c.do(t, "cas_admin", "POST", "/api/v1/clients", fmt.Sprintf(`{"first_name": %q, "last_name": "Doe",
				"birth_date": "1975-03-04", "household_size": 1, "household_type": "without_children"}`, name))
			if status != 201 {
				t.Fatalf("client: %d %v", status, cl)
			}
			status, entry := c.do(t, "cas_admin", "POST", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": 3, "assessed_on": "2026-01-10"}`, cl["id"]))
			if status != 201 {
				t.Fatalf("entry: %d %v", status, entry)
			}
			return entry["id"].(string)
		}
		remove := func(id, body string) (int, map[string]any) {
			return c.do(t, "cas_admin", "POST", "/api/v1/hpl/"+id+"/remove", body)
		}
		a := entryOf("Ann")
		for _, bad := range []struct{ body, field string }{
			{`{}`, "reason_code"},
			{`{"reason_code": "bored"}`, "reason_code"},
			{`{"reason_code": "other"}`, "note"},
			{`{"reason": " "}`, "reason"},
		} {
			if status, body := remove(a, bad.body); status != 400 || errorOf(body)["field"] != bad.field {
				t.Errorf("remove %s: %d %v, want 400 naming %s", bad.body, status, body, bad.field)
			}
		}
		if status, body := remove(a, `{"reason_code": "moved_away", "note": "to Ohio"}`); status != 200 ||
			body["removal_reason_code"] != "moved_away" || body["removal_reason"] != "Moved away from the CoC: to Ohio" {
			t.Errorf("coded removal: %d %v", status, body)
		}
		if status, body := remove(entryOf("Bob"), `{"reason": "left for a job"}`); status != 200 ||
			body["removal_reason_code"] != "other" || body["removal_reason"] != "Other: left for a job" {
			t.Errorf("free-text removal: %d %v, want other with the text as its note", status, body)
		}
	})
}
