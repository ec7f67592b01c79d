package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// servedOpenAPI is the served openapi.yaml, for checking responses against it.
func servedOpenAPI(t *testing.T, c *coc) *openapi3.T {
	t.Helper()
	status, raw := c.raw(t, "", "GET", "/api/v1/openapi.yaml", "")
	if status != 200 {
		t.Fatalf("GET openapi.yaml: %d", status)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// clientSchema is the Client schema of the served openapi.yaml.
func clientSchema(t *testing.T, c *coc) *openapi3.Schema {
	return servedOpenAPI(t, c).Components.Schemas["Client"].Value
}

// responseSchema is the schema of a GET path's 200 JSON response in the served openapi.yaml.
func responseSchema(t *testing.T, c *coc, path string) *openapi3.Schema {
	t.Helper()
	op := servedOpenAPI(t, c).Paths.Find(path)
	if op == nil || op.Get == nil {
		t.Fatalf("openapi.yaml has no GET %s", path)
	}
	return op.Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
}

func TestClientDemographicsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		schema := clientSchema(t, c)
		// demographics picks race, gender and sex out of a client response, checking the response
		// against the Client schema on the way.
		demographics := func(t *testing.T, client map[string]any) map[string]any {
			t.Helper()
			if err := schema.VisitJSON(client); err != nil {
				t.Errorf("the response does not match the Client schema: %v", err)
			}
			return map[string]any{"race": client["race"], "gender": client["gender"], "sex": client["sex"]}
		}
		notCollected := map[string]any{"race": []any{}, "gender": []any{}, "sex": ""}

		status, created := c.do(t, "cas_admin", "POST", "/api/v1/clients",
			`{"first_name": "Lena", "last_name": "Norwood", "birth_date": "1984-02-03", "household_size": 1, "household_type": "without_children"}`)
		if status != 201 {
			t.Fatalf("create: %d %v", status, created)
		}
		t.Run("a client created without them has none collected: empty lists, not null", func(t *testing.T) {
			if diff := cmp.Diff(notCollected, demographics(t, created)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		path := "/api/v1/clients/" + created["id"].(string)
		recorded := map[string]any{"race": []any{"black_african_american", "hispanic_latina_e_o"}, "gender": []any{"woman", "transgender"}, "sex": "male"}

		t.Run("a PATCH records them, in HUD's order", func(t *testing.T) {
			status, patched := c.do(t, "cas_admin", "PATCH", path,
				`{"race": ["hispanic_latina_e_o", "black_african_american"], "gender": ["transgender", "woman"], "sex": "male"}`)
			if status != 200 {
				t.Fatalf("patch: %d %v", status, patched)
			}
			if diff := cmp.Diff(recorded, demographics(t, patched)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		t.Run("a PATCH without them leaves them as they are", func(t *testing.T) {
			status, patched := c.do(t, "hmis_admin", "PATCH", path, `{"veteran": true}`)
			if status != 200 || patched["veteran"] != true {
				t.Fatalf("patch: %d %v", status, patched)
			}
			if diff := cmp.Diff(recorded, demographics(t, patched)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		t.Run("an unknown option answers 400 naming the field, and changes nothing", func(t *testing.T) {
			for field, body := range map[string]string{
				"race":   `{"race": ["white", "martian"]}`,
				"gender": `{"gender": ["robot"]}`,
				"sex":    `{"sex": "intersex", "veteran": false}`,
			} {
				status, resp := c.do(t, "cas_admin", "PATCH", path, body)
				if e := errorOf(resp); status != 400 || e["code"] != "invalid" || e["field"] != field {
					t.Errorf("%s: %d %v, want 400 invalid naming %s", body, status, resp, field)
				}
			}
			status, got := c.do(t, "cas_admin", "GET", path, "")
			if status != 200 || got["veteran"] != true {
				t.Fatalf("get: %d %v", status, got)
			}
			if diff := cmp.Diff(recorded, demographics(t, got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		t.Run("[] and an empty sex set them back to not collected", func(t *testing.T) {
			status, patched := c.do(t, "cas_admin", "PATCH", path, `{"race": [], "gender": [], "sex": ""}`)
			if status != 200 {
				t.Fatalf("patch: %d %v", status, patched)
			}
			if diff := cmp.Diff(notCollected, demographics(t, patched)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		t.Run("the client list carries them", func(t *testing.T) {
			status, list := c.do(t, "cas_admin", "GET", "/api/v1/clients", "")
			items, _ := list["items"].([]any)
			if status != 200 || len(items) != 1 {
				t.Fatalf("list: %d %v", status, list)
			}
			if diff := cmp.Diff(notCollected, demographics(t, items[0].(map[string]any))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	})
}

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
