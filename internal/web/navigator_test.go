package web_test

import (
	"fmt"
	"testing"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientContactThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		status, created := c.do(t, "cas_admin", "POST", "/api/v1/clients", fmt.Sprintf(`{"first_name": "Lena", "last_name": "Norwood",
			"birth_date": "1984-02-03", "household_size": 1, "household_type": "without_children", "phone": "555-0100",
			"email": "lena@example.test", "contact_notes": "Evenings at the Elm St shelter", "navigator_user_id": %q}`, c.users["other_agency_user"].ID))
		if status != 201 {
			t.Fatalf("create: %d %v", status, created)
		}
		if created["phone"] != "555-0100" || created["email"] != "lena@example.test" || created["contact_notes"] != "Evenings at the Elm St shelter" ||
			created["navigator_user_id"] != c.users["other_agency_user"].ID {
			t.Errorf("created %v", created)
		}
		id := created["id"].(string)
		status, body := c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+id, fmt.Sprintf(`{"navigator_user_id": %q}`, c.users["cas_admin"].ID))
		if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "navigator_user_id" {
			t.Errorf("a CAS admin as navigator: %d %v, want 400 naming navigator_user_id", status, body)
		}
		status, body = c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+id, `{"email": "not an address"}`)
		if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "email" {
			t.Errorf("a bad email: %d %v, want 400 naming email", status, body)
		}
		status, body = c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+id, `{"navigator_user_id": "", "phone": ""}`)
		if status != 200 || body["navigator_user_id"] != nil || body["phone"] != "" {
			t.Errorf("clear navigator and phone: %d %v", status, body)
		}
	})
}
