package web_test

import (
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
