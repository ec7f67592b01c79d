package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestConsentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		var ids []string
		for i, pid := range []string{"P1", "P2"} {
			status, cl := c.do(t, "cas_admin", "POST", "/api/v1/clients", fmt.Sprintf(`{"first_name": "Client%d", "last_name": "Doe",
				"birth_date": "1975-03-04", "household_size": 1, "household_type": "without_children", "hmis_personal_id": %q}`, i, pid))
			if status != 201 || cl["consent"] != false {
				t.Fatalf("client: %d %v", status, cl)
			}
			ids = append(ids, cl["id"].(string))
		}
		t.Run("one problem refuses every item, and each problem is named", func(t *testing.T) {
			status, body := c.do(t, "hmis_admin", "POST", "/api/v1/clients/consent", fmt.Sprintf(`{"items": [
				{"hmis_personal_id": "P1", "consent_date": "2026-01-05"},
				{"hmis_personal_id": "P404", "consent_date": "2026-01-05"},
				{"client_id": %q, "hmis_personal_id": "P2", "consent_date": "2026-01-05"}]}`, ids[1]))
			e := body["error"].(map[string]any)
			details := fmt.Sprint(e["details"])
			if status != 400 || e["field"] != "items" || !strings.Contains(details, `items[1]: no client has HMIS PersonalID "P404"`) ||
				!strings.Contains(details, "items[2]: give client_id or hmis_personal_id, not both") {
				t.Fatalf("%d %v", status, body)
			}
			if _, cl := c.do(t, "cas_admin", "GET", "/api/v1/clients/"+ids[0], ""); cl["consent"] != false {
				t.Errorf("a refused request recorded consent: %v", cl)
			}
		})
		t.Run("a good request records them all", func(t *testing.T) {
			status, body := c.do(t, "cas_admin", "POST", "/api/v1/clients/consent", fmt.Sprintf(`{"items": [
				{"hmis_personal_id": "P1", "consent_date": "2026-01-05", "consent_expires_on": "2026-03-31"},
				{"client_id": %q, "consent_date": "2026-01-05"}]}`, ids[1]))
			if status != 200 || body["recorded"] != float64(2) {
				t.Fatalf("%d %v", status, body)
			}
			// The first expired on 31 March, long before today: consent no longer holds.
			_, cl := c.do(t, "cas_admin", "GET", "/api/v1/clients/"+ids[0], "")
			if cl["consent"] != false || cl["consent_date"] != "2026-01-05" || cl["consent_expires_on"] != "2026-03-31" {
				t.Errorf("expired consent: %v", cl)
			}
			if _, cl := c.do(t, "cas_admin", "GET", "/api/v1/clients/"+ids[1], ""); cl["consent"] != true || cl["consent_expires_on"] != nil {
				t.Errorf("consent without expiry: %v", cl)
			}
		})
		t.Run("agency users cannot record consent", func(t *testing.T) {
			if status, _ := c.do(t, "agency_user", "POST", "/api/v1/clients/consent", `{"items": [{"hmis_personal_id": "P1", "consent_date": "2026-01-05"}]}`); status != 403 {
				t.Errorf("agency user: %d", status)
			}
		})
	})
}

// TestHPLFilters: a typo in a filter is an error that names it, never an empty page; entries off
// the list carry no rank.
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
