package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestConfidentialClientOverTheAPIAndEmail: a CAS admin adds a client fleeing domestic violence,
// flagged confidential, and refers her to Harbor. Harbor's CAS Contact is emailed and reads the
// referral, the client and the client list over the API by an alias and the Doorway reference
// only, until Harbor accepts; the email names no one.
func TestConfidentialClientOverTheAPIAndEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		mail, w := mailWorker(t, db)
		contact, err := db.CreateUser(ctx, cas.System, cas.User{Email: "contact@harbor.test", Name: "Contact", Role: cas.RoleAgencyUser,
			AgencyID: c.harbor.ID, CASContact: true}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if c.tokens["contact"], _, err = db.CreateToken(ctx, cas.System, contact.ID, "test"); err != nil {
			t.Fatal(err)
		}
		secrets := []string{"Rosalind", "Quillfeather", "1979-03-14", "HMIS-ROSA-77", "555-0199", "rosalind.q@example.test", "Elm St safe house"}
		_, program := c.do(t, "hmis_admin", "POST", "/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "Harbor Family PSH", "project_type": 3}`, c.harbor.ID))
		_, facility := c.do(t, "hmis_admin", "POST", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, program["id"]))
		c.do(t, "hmis_admin", "POST", "/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": "Apt 1", "bedrooms": 1, "household_types": ["without_children"]}`, facility["id"]))
		status, client := c.do(t, "cas_admin", "POST", "/api/v1/clients", `{"first_name": "Rosalind", "last_name": "Quillfeather", "birth_date": "1979-03-14",
			"hmis_personal_id": "HMIS-ROSA-77", "household_size": 1, "household_type": "without_children", "dv_survivor": true, "consent": true,
			"phone": "555-0199", "email": "rosalind.q@example.test", "contact_notes": "Staying at the Elm St safe house", "confidential": true}`)
		if status != 201 || client["confidential"] != true || client["shielded"] != false || !strings.HasPrefix(client["alias"].(string), "Client ") {
			t.Fatalf("create a confidential client: %d %v", status, client)
		}
		id, alias := client["id"].(string), client["alias"].(string)
		c.do(t, "cas_admin", "POST", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": 11, "assessed_on": "2026-01-01", "intake_status": "ready"}`, id))
		status, referral := c.do(t, "cas_admin", "POST", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, id, facility["id"]))
		if status != 201 {
			t.Fatalf("referral: %d %v", status, referral)
		}
		refPath := "/api/v1/referrals/" + referral["id"].(string)
		leaks := func(what string, body []byte) {
			t.Helper()
			for _, s := range secrets {
				if strings.Contains(string(body), s) {
					t.Errorf("%s shows %q", what, s)
				}
			}
		}

		t.Run("the email to the agency's CAS Contact names no one", func(t *testing.T) {
			if _, err := w.DeliverEmail(ctx); err != nil {
				t.Fatal(err)
			}
			msgs := mail.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "contact@harbor.test" {
				t.Fatalf("emails %+v, want one to the CAS Contact", msgs)
			}
			leaks("the email", []byte(msgs[0].Subject+msgs[0].Text()))
		})

		t.Run("the agency reads the alias and the reference only", func(t *testing.T) {
			for _, persona := range []string{"contact", "agency_user"} {
				for _, path := range []string{refPath, "/api/v1/referrals", "/api/v1/clients/" + id, "/api/v1/clients", "/api/v1/notifications",
					"/api/v1/reports/hpl-packet", "/api/v1/reports/hpl-packet?format=csv"} {
					status, body := c.raw(t, persona, "GET", path, "")
					if status != 200 {
						t.Errorf("%s GET %s: %d", persona, path, status)
					}
					leaks(persona+" GET "+path, body)
				}
			}
			_, got := c.do(t, "agency_user", "GET", "/api/v1/clients/"+id, "")
			if got["shielded"] != true || got["alias"] != alias || got["first_name"] != "" || got["id"] != id || got["dv_survivor"] != true {
				t.Errorf("the client as the agency reads it: %v", got)
			}
			_, ref := c.do(t, "agency_user", "GET", refPath, "")
			if rc, _ := ref["client"].(map[string]any); rc["shielded"] != true || rc["alias"] != alias || rc["id"] != id {
				t.Errorf("the referral's client as the agency reads it: %v", ref["client"])
			}
			for _, q := range []string{"Rosalind", "quill", "HMIS-ROSA-77"} {
				if _, list := c.do(t, "agency_user", "GET", "/api/v1/clients?q="+q, ""); len(list["items"].([]any)) != 0 {
					t.Errorf("search %q finds %v", q, list["items"])
				}
			}
		})

		t.Run("CAS admins and the HMIS team read the whole record", func(t *testing.T) {
			for _, persona := range []string{"cas_admin", "hmis_admin"} {
				if _, got := c.do(t, persona, "GET", "/api/v1/clients/"+id, ""); got["first_name"] != "Rosalind" || got["shielded"] != false {
					t.Errorf("%s reads %v", persona, got)
				}
			}
		})

		t.Run("once the agency accepts, it reads the record", func(t *testing.T) {
			if status, body := c.do(t, "contact", "POST", refPath+"/accept", "{}"); status != 200 {
				t.Fatalf("accept: %d %v", status, body)
			}
			_, ref := c.do(t, "agency_user", "GET", refPath, "")
			if rc, _ := ref["client"].(map[string]any); rc["first_name"] != "Rosalind" || rc["phone"] != "555-0199" || rc["shielded"] != false {
				t.Errorf("the referral's client after acceptance: %v", ref["client"])
			}
		})

		t.Run("agency users cannot flag or unflag a client", func(t *testing.T) {
			if status, _ := c.do(t, "agency_user", "PATCH", "/api/v1/clients/"+id, `{"confidential": false}`); status != 403 {
				t.Errorf("agency user unflags: %d, want 403", status)
			}
			status, got := c.do(t, "hmis_admin", "PATCH", "/api/v1/clients/"+id, `{"confidential": false}`)
			if status != 200 || got["confidential"] != false {
				t.Errorf("the HMIS team unflags: %d %v", status, got)
			}
		})
	})
}
