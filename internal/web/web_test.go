package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/notify/smtptest"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/web"
	"github.com/doorway-cas/doorway/internal/worker"
)

var ctx = context.Background()

// mailWorker starts a real SMTP server and a worker that sends db's email to it.
func mailWorker(t testing.TB, db *store.DB) (*smtptest.Server, *worker.Worker) {
	t.Helper()
	mail := smtptest.Start(t)
	sender, err := notify.NewSMTP(mail.URL(), "doorway@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	return mail, worker.New(db, slog.New(slog.DiscardHandler), "test", sender)
}

// coc is a small CoC behind a running server: two agencies and a signed-in client per role.
type coc struct {
	db                *store.DB
	url               string
	harbor, riverside cas.Agency
	tokens            map[string]string // by persona: cas_admin, hmis_admin, agency_user, other_agency_user
	users             map[string]cas.User
}

func newCoC(t testing.TB, db *store.DB) *coc {
	t.Helper()
	s := web.New(db, slog.New(slog.DiscardHandler))
	s.Configure(web.Security{MetricsToken: "scrape-secret"})
	srv := httptest.NewServer(onTheWire(t, s))
	t.Cleanup(srv.Close)
	c := &coc{db: db, url: srv.URL, tokens: map[string]string{}, users: map[string]cas.User{}}
	var err error
	if c.harbor, err = db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"}); err != nil {
		t.Fatal(err)
	}
	if c.riverside, err = db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Riverside Housing Partners"}); err != nil {
		t.Fatal(err)
	}
	for persona, u := range map[string]cas.User{
		"cas_admin":         {Email: "cas@coc.test", Name: "CAS Admin", Role: cas.RoleCASAdmin},
		"hmis_admin":        {Email: "hmis@coc.test", Name: "HMIS Admin", Role: cas.RoleHMISAdmin},
		"agency_user":       {Email: "staff@harbor.test", Name: "Harbor Staff", Role: cas.RoleAgencyUser, AgencyID: c.harbor.ID},
		"other_agency_user": {Email: "staff@riverside.test", Name: "Riverside Staff", Role: cas.RoleAgencyUser, AgencyID: c.riverside.ID},
	} {
		created, err := db.CreateUser(ctx, cas.System, u, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := db.CreateToken(ctx, cas.System, created.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		c.tokens[persona], c.users[persona] = secret, created
	}
	return c
}

// do sends a request as persona ("" for no token) and returns the status and decoded JSON body.
func (c *coc) do(t *testing.T, persona, method, path, body string) (int, map[string]any) {
	t.Helper()
	status, raw := c.raw(t, persona, method, path, body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		out = map[string]any{"raw": string(raw)}
	}
	return status, out
}

func (c *coc) raw(t *testing.T, persona, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if persona != "" {
		req.Header.Set("Authorization", "Bearer "+c.tokens[persona])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes()
}

// errorOf returns the error object of a JSON error response.
func errorOf(body map[string]any) map[string]any {
	e, _ := body["error"].(map[string]any)
	return e
}

func TestAPIErrorContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		cases := []struct {
			name, persona, method, path, body string
			status                            int
			code, field                       string
		}{
			{"malformed JSON", "hmis_admin", "POST", "/api/v1/agencies", `{"name": "A",`, 400, "invalid", ""},
			{"not JSON at all", "hmis_admin", "POST", "/api/v1/agencies", `name=A`, 400, "invalid", ""},
			{"an array instead of an object", "hmis_admin", "POST", "/api/v1/agencies", `["A"]`, 400, "invalid", ""},
			{"trailing data", "hmis_admin", "POST", "/api/v1/agencies", `{"name": "A"} {}`, 400, "invalid", ""},
			{"unknown field", "hmis_admin", "POST", "/api/v1/agencies", `{"name": "A", "colour": "red"}`, 400, "invalid", "colour"},
			{"missing field", "hmis_admin", "POST", "/api/v1/agencies", `{"hmis_organization_id": "9"}`, 400, "invalid", "name"},
			{"wrong type", "hmis_admin", "POST", "/api/v1/agencies", `{"name": 7}`, 400, "invalid", "name"},
			{"empty body", "hmis_admin", "POST", "/api/v1/agencies", ``, 400, "invalid", ""},
			{"missing user field", "hmis_admin", "POST", "/api/v1/users", `{"email": "a@b.test", "name": "A", "role": "cas_admin"}`, 400, "invalid", "password"},
			{"bad limit", "hmis_admin", "GET", "/api/v1/agencies?limit=lots", ``, 400, "invalid", "limit"},
			{"no token", "", "GET", "/api/v1/me", ``, 401, "unauthorized", ""},
			{"a wrong token", "nobody", "GET", "/api/v1/me", ``, 401, "unauthorized", ""},
			{"agency user reads another agency", "agency_user", "GET", "/api/v1/agencies/" + c.riverside.ID, ``, 404, "not_found", ""},
			{"agency user reads another agency's account", "agency_user", "GET", "/api/v1/users/" + c.users["other_agency_user"].ID, ``, 404, "not_found", ""},
			{"agency user creates an agency", "agency_user", "POST", "/api/v1/agencies", `{"name": "A"}`, 403, "forbidden", ""},
			{"unknown agency", "hmis_admin", "GET", "/api/v1/agencies/nope", ``, 404, "not_found", ""},
			{"unknown API route", "hmis_admin", "GET", "/api/v1/nothing-here", ``, 404, "not_found", ""},
			{"duplicate agency", "hmis_admin", "POST", "/api/v1/agencies", `{"name": "harbor family services"}`, 409, "conflict", "name"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, body := c.do(t, tc.persona, tc.method, tc.path, tc.body)
				e := errorOf(body)
				if status != tc.status || e == nil || e["code"] != tc.code {
					t.Fatalf("got %d %v, want %d %s", status, body, tc.status, tc.code)
				}
				if field, _ := e["field"].(string); field != tc.field {
					t.Errorf("field = %q, want %q", field, tc.field)
				}
				if msg, _ := e["message"].(string); msg == "" {
					t.Error("no message")
				}
			})
		}
		t.Run("nothing was written by the refused requests", func(t *testing.T) {
			list, _, err := db.Agencies(ctx, cas.System, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 {
				t.Errorf("%d agencies, want the 2 we made", len(list))
			}
		})
	})
}

func TestAgenciesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		status, created := c.do(t, "hmis_admin", "POST", "/api/v1/agencies", `{"name": "Eastside Veterans Alliance", "hmis_organization_id": "103"}`)
		if status != 201 || created["name"] != "Eastside Veterans Alliance" || created["hmis_organization_id"] != "103" {
			t.Fatalf("create: %d %v", status, created)
		}
		id := created["id"].(string)
		status, patched := c.do(t, "hmis_admin", "PATCH", "/api/v1/agencies/"+id, `{"name": "Eastside Veterans"}`)
		if status != 200 || patched["name"] != "Eastside Veterans" || patched["hmis_organization_id"] != "103" {
			t.Fatalf("patch: %d %v", status, patched)
		}
		t.Run("an agency user lists only their own agency", func(t *testing.T) {
			status, body := c.do(t, "agency_user", "GET", "/api/v1/agencies", "")
			items, _ := body["items"].([]any)
			if status != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != c.harbor.ID {
				t.Errorf("got %d %v", status, body)
			}
		})
		t.Run("a CAS admin lists them all, page by page", func(t *testing.T) {
			status, body := c.do(t, "cas_admin", "GET", "/api/v1/agencies?limit=2", "")
			items, _ := body["items"].([]any)
			next, _ := body["next_cursor"].(string)
			if status != 200 || len(items) != 2 || next == "" {
				t.Fatalf("page 1: %d %v", status, body)
			}
			_, body = c.do(t, "cas_admin", "GET", "/api/v1/agencies?limit=2&cursor="+next, "")
			items, _ = body["items"].([]any)
			if len(items) != 1 || body["next_cursor"] != nil {
				t.Errorf("page 2: %v", body)
			}
		})
		t.Run("me names the agency", func(t *testing.T) {
			status, body := c.do(t, "agency_user", "GET", "/api/v1/me", "")
			agency, _ := body["agency"].(map[string]any)
			if status != 200 || body["email"] != "staff@harbor.test" || agency["name"] != "Harbor Family Services" {
				t.Errorf("got %d %v", status, body)
			}
		})
	})
}

func TestUsersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		status, created := c.do(t, "hmis_admin", "POST", "/api/v1/users",
			`{"email": "Intake@Harbor.test", "password": "a long enough password", "name": "Dana", "role": "agency_user", "agency_id": "`+c.harbor.ID+`", "cas_contact": true}`)
		if status != 201 || created["email"] != "intake@harbor.test" || created["cas_contact"] != true {
			t.Fatalf("create: %d %v", status, created)
		}
		if _, ok := created["password"]; ok {
			t.Error("the response echoes the password")
		}
		_, agency := c.do(t, "agency_user", "GET", "/api/v1/agencies/"+c.harbor.ID, "")
		if contacts, _ := agency["cas_contacts"].([]any); len(contacts) != 1 || len(agency["warnings"].([]any)) != 0 {
			t.Errorf("CAS contacts after designation: %v, warnings %v", agency["cas_contacts"], agency["warnings"])
		}
		if _, other := c.do(t, "hmis_admin", "GET", "/api/v1/agencies/"+c.riverside.ID, ""); len(other["warnings"].([]any)) != 1 {
			t.Errorf("an agency without a CAS Contact has no warning: %v", other)
		}
		status, patched := c.do(t, "hmis_admin", "PATCH", "/api/v1/users/"+c.users["agency_user"].ID, `{"disabled": true}`)
		if status != 200 || patched["disabled"] != true {
			t.Fatalf("disable: %d %v", status, patched)
		}
		if status, _ := c.do(t, "agency_user", "GET", "/api/v1/me", ""); status != 401 {
			t.Errorf("a disabled account's token: %d, want 401", status)
		}
	})
}

func TestHealth(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := c.do(t, "", "GET", path, ""); status != 200 || body["status"] != "ok" {
			t.Errorf("%s: %d %v", path, status, body)
		}
	}
	c.do(t, "hmis_admin", "GET", "/api/v1/me", "")
	c.tokens["scraper"] = "scrape-secret" // newCoC's server takes it (web.Security.MetricsToken)
	status, raw := c.raw(t, "scraper", "GET", "/metrics", "")
	if status != 200 || !bytes.Contains(raw, []byte(`doorway_http_requests_total{code="200",method="GET",route="GET /api/v1/me"} 1`)) {
		t.Errorf("metrics: %d, missing the request counter:\n%.2000s", status, raw)
	}
	db.Close()
	if status, _ := c.do(t, "", "GET", "/readyz", ""); status != 503 {
		t.Errorf("readyz with the database closed: %d, want 503", status)
	}
}

func TestRequestID(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	req, _ := http.NewRequest("POST", c.url+"/api/v1/agencies", strings.NewReader(`{"name": "Traced Agency"}`))
	req.Header.Set("Authorization", "Bearer "+c.tokens["hmis_admin"])
	req.Header.Set("X-Request-ID", "trace-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "trace-123" {
		t.Errorf("X-Request-ID = %q", got)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'agency.create' AND request_id = 'trace-123'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit events with the request ID: %d (%v), want 1", n, err)
	}
	req, _ = http.NewRequest("GET", c.url+"/healthz", nil)
	req.Header.Set("X-Request-ID", "bad id with spaces and <script>")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("an unsafe request ID was echoed or none given: %q", got)
	}
}
