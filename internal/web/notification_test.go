package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestReferralEmailReachesEachCASContactOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		db.BaseURL = "https://doorway.coc.test"
		mail, w := mailWorker(t, db)
		var contacts []string
		for i := range 2 {
			email := fmt.Sprintf("contact%d@harbor.test", i)
			if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: email, Name: "Contact", Role: cas.RoleAgencyUser, AgencyID: c.harbor.ID, CASContact: true}, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			contacts = append(contacts, email)
		}
		_, program := c.do(t, "hmis_admin", "POST", "/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "Harbor Family PSH", "project_type": 3}`, c.harbor.ID))
		_, facility := c.do(t, "hmis_admin", "POST", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, program["id"]))
		c.do(t, "hmis_admin", "POST", "/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "Apt 1", "bedrooms": 1, "household_types": ["without_children"]}`, facility["id"]))
		_, client := c.do(t, "cas_admin", "POST", "/api/v1/clients", `{"first_name": "Zebulon", "last_name": "Quartermaine", "birth_date": "1970-02-03", "household_size": 1, "household_type": "without_children", "consent": true}`)
		c.do(t, "cas_admin", "POST", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": 11, "assessed_on": "2026-01-01", "intake_status": "ready"}`, client["id"]))
		status, referral := c.do(t, "cas_admin", "POST", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, client["id"], facility["id"]))
		if status != 201 {
			t.Fatalf("referral: %d %v", status, referral)
		}
		for range 2 {
			if _, err := w.DeliverEmail(ctx); err != nil {
				t.Fatal(err)
			}
		}
		msgs := mail.Messages()
		got := map[string]int{}
		for _, m := range msgs {
			for _, to := range m.To {
				got[to]++
			}
			if m.Subject != "New referral to Harbor Family PSH" {
				t.Errorf("subject %q", m.Subject)
			}
			text := m.Text()
			if strings.Contains(text, "Zebulon") || strings.Contains(text, "Quartermaine") || strings.Contains(text, "1970-02-03") {
				t.Errorf("the email carries client data:\n%s", text)
			}
			if !strings.Contains(text, "https://doorway.coc.test/referrals/"+referral["id"].(string)) {
				t.Errorf("the email lacks the link to the referral:\n%s", text)
			}
		}
		if len(msgs) != 2 || got[contacts[0]] != 1 || got[contacts[1]] != 1 {
			t.Errorf("emails to %v (%d messages), want one to each CAS Contact", got, len(msgs))
		}
		t.Run("the same notification is in each contact's inbox", func(t *testing.T) {
			contact, err := db.UserByEmail(ctx, cas.System, contacts[0])
			if err != nil {
				t.Fatal(err)
			}
			secret, _, err := db.CreateToken(ctx, cas.System, contact.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			c.tokens["contact"] = secret
			_, inbox := c.do(t, "contact", "GET", "/api/v1/notifications", "")
			items, _ := inbox["items"].([]any)
			if inbox["unread"] != float64(1) || len(items) != 1 || items[0].(map[string]any)["subject"] != "New referral to Harbor Family PSH" {
				t.Fatalf("inbox %v", inbox)
			}
			id := items[0].(map[string]any)["id"].(string)
			if status, _ := c.do(t, "agency_user", "POST", "/api/v1/notifications/"+id+"/read", ""); status != 404 {
				t.Errorf("another user marked it read: %d", status)
			}
			if status, _ := c.do(t, "contact", "POST", "/api/v1/notifications/"+id+"/read", ""); status != 204 {
				t.Errorf("mark read: %d", status)
			}
			if _, n := c.do(t, "contact", "GET", "/api/v1/notifications/unread-count", ""); n["unread"] != float64(0) {
				t.Errorf("unread after reading: %v", n)
			}
		})
	})
}
