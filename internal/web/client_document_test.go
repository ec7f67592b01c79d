package web_test

import (
	"fmt"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientDocumentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		status, cl := c.do(t, "cas_admin", "POST", "/api/v1/clients", `{"first_name": "Dee", "last_name": "Doe", "birth_date": "1975-03-04",
			"household_size": 1, "household_type": "without_children"}`)
		if status != 201 {
			t.Fatalf("client: %d %v", status, cl)
		}
		docs := "/api/v1/clients/" + cl["id"].(string) + "/documents"
		for _, bad := range []struct{ body, field string }{
			{`{"name": " "}`, "name"},
			{`{"name": "Photo ID", "received_on": "2999-01-01"}`, "received_on"},
		} {
			if status, body := c.do(t, "cas_admin", "POST", docs, bad.body); status != 400 || errorOf(body)["field"] != bad.field {
				t.Errorf("POST %s: %d %v, want 400 naming %s", bad.body, status, body, bad.field)
			}
		}
		status, doc := c.do(t, "cas_admin", "POST", docs, `{"name": "Photo ID", "received_on": "2026-01-02"}`)
		if status != 201 || doc["name"] != "Photo ID" || doc["received_on"] != "2026-01-02" || doc["recorded_by"] == nil {
			t.Fatalf("POST: %d %v", status, doc)
		}
		if status, body := c.do(t, "cas_admin", "POST", docs, `{"name": "photo id"}`); status != 409 || errorOf(body)["field"] != "name" {
			t.Errorf("the same name again: %d %v, want 409 naming name", status, body)
		}
		status, list := c.do(t, "hmis_admin", "GET", docs, "")
		if items, _ := list["items"].([]any); status != 200 || len(items) != 1 {
			t.Errorf("GET: %d %v", status, list)
		}
		status, entry := c.do(t, "cas_admin", "POST", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": 3, "assessed_on": "2026-01-10", "documents": ["Income proof"]}`, cl["id"]))
		if d, _ := entry["documents"].([]any); status != 201 || len(d) != 2 {
			t.Errorf("the entry's documents: %d %v, want the names on file with the one given", status, entry)
		}
		if status, _ := c.do(t, "cas_admin", "DELETE", docs+"/"+doc["id"].(string), ""); status != 204 {
			t.Errorf("DELETE: %d", status)
		}
		if status, _ := c.do(t, "cas_admin", "DELETE", docs+"/"+doc["id"].(string), ""); status != 404 {
			t.Errorf("DELETE again: %d, want 404", status)
		}
	})
}
