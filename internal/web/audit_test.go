package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestAuditLogAPI: the HMIS team reads who did what to whom, filtered by user, client, action and
// period, a page at a time, newest first, and as CSV; no one else reads it, and reading it is
// itself recorded.
func TestAuditLogAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		_, ada := c.do(t, "cas_admin", "POST", "/api/v1/clients", `{"first_name": "Ada", "last_name": "Lovelace", "birth_date": "1980-01-02", "household_size": 1, "household_type": "without_children"}`)
		_, ben := c.do(t, "cas_admin", "POST", "/api/v1/clients", `{"first_name": "Ben", "last_name": "Okri", "birth_date": "1981-01-02", "household_size": 1, "household_type": "without_children"}`)
		adaID, benID := ada["id"].(string), ben["id"].(string)
		c.do(t, "hmis_admin", "GET", "/api/v1/clients/"+adaID, "")
		c.do(t, "cas_admin", "PATCH", "/api/v1/clients/"+adaID, `{"phone": "555-0100"}`)
		c.do(t, "cas_admin", "GET", "/api/v1/clients/"+benID, "")

		events := func(t *testing.T, query string) []map[string]any {
			t.Helper()
			status, body := c.do(t, "hmis_admin", "GET", "/api/v1/audit?"+query, "")
			if status != http.StatusOK {
				t.Fatalf("GET /api/v1/audit?%s: %d %v", query, status, body)
			}
			var out []map[string]any
			for _, it := range body["items"].([]any) {
				out = append(out, it.(map[string]any))
			}
			return out
		}
		actions := func(list []map[string]any) []string {
			var out []string
			for _, e := range list {
				out = append(out, e["action"].(string)+" "+e["entity_id"].(string))
			}
			return out
		}

		t.Run("by client, newest first, with who and the record before and after", func(t *testing.T) {
			got := events(t, "client_id="+adaID)
			want := []string{"client.update " + adaID, "client.read " + adaID, "client.create " + adaID}
			if fmt.Sprint(actions(got)) != fmt.Sprint(want) {
				t.Fatalf("events of Ada: %v, want %v", actions(got), want)
			}
			update := got[0]
			if update["actor_id"] != c.users["cas_admin"].ID || update["actor_name"] != "CAS Admin" ||
				strings.Contains(update["before"].(string), "555-0100") || !strings.Contains(update["after"].(string), "555-0100") {
				t.Errorf("the update: %v", update)
			}
			if got[1]["before"] != nil || got[1]["after"] != nil || got[1]["actor_name"] != "HMIS Admin" {
				t.Errorf("the read: %v", got[1])
			}
		})

		t.Run("by user and action, and an action's family", func(t *testing.T) {
			got := events(t, "user_id="+c.users["cas_admin"].ID+"&action=client.read")
			if fmt.Sprint(actions(got)) != fmt.Sprint([]string{"client.read " + benID}) {
				t.Errorf("the CAS admin's reads: %v", actions(got))
			}
			if got := events(t, "action=client&user_id="+c.users["cas_admin"].ID); len(got) != 4 {
				t.Errorf("the CAS admin's client events: %v, want 2 creates, an update and a read", actions(got))
			}
		})

		t.Run("by period: days in the CoC's time zone, or moments", func(t *testing.T) {
			today := time.Now().In(db.Zone).Format("2006-01-02")
			if got := events(t, "action=client.create&from="+today+"&to="+today); len(got) != 2 {
				t.Errorf("today's creates: %v", actions(got))
			}
			if got := events(t, "action=client.create&to=2000-01-01"); len(got) != 0 {
				t.Errorf("creates before 2000: %v", actions(got))
			}
			after := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
			if got := events(t, "action=client.create&from="+after); len(got) != 0 {
				t.Errorf("creates in an hour: %v", actions(got))
			}
			status, body := c.do(t, "hmis_admin", "GET", "/api/v1/audit?from=yesterday", "")
			if status != 400 || errorOf(body)["field"] != "from" {
				t.Errorf("from=yesterday: %d %v", status, body)
			}
			status, body = c.do(t, "hmis_admin", "GET", "/api/v1/audit?from=2026-02-02&to=2026-02-01", "")
			if status != 400 || errorOf(body)["field"] != "to" {
				t.Errorf("to before from: %d %v", status, body)
			}
		})

		t.Run("a page at a time", func(t *testing.T) {
			all := events(t, "action=client")
			var paged []map[string]any
			cursor := ""
			for range len(all) + 1 {
				_, body := c.do(t, "hmis_admin", "GET", "/api/v1/audit?action=client&limit=2&cursor="+cursor, "")
				for _, it := range body["items"].([]any) {
					paged = append(paged, it.(map[string]any))
				}
				next, _ := body["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			if fmt.Sprint(actions(paged)) != fmt.Sprint(actions(all)) {
				t.Errorf("paged %v, whole %v", actions(paged), actions(all))
			}
		})

		t.Run("as CSV, by format or Accept header", func(t *testing.T) {
			for _, how := range []struct{ query, accept string }{{"&format=csv", ""}, {"", "text/csv"}} {
				req, _ := http.NewRequest("GET", c.url+"/api/v1/audit?client_id="+adaID+how.query, nil)
				req.Header.Set("Authorization", "Bearer "+c.tokens["hmis_admin"])
				if how.accept != "" {
					req.Header.Set("Accept", how.accept)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				rows, err := csv.NewReader(resp.Body).ReadAll()
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
					t.Fatalf("CSV %+v: %d %v", how, resp.StatusCode, err)
				}
				if len(rows) != 4 || strings.Join(rows[0], ",") != "id,at,actor_id,actor_name,action,entity_type,entity_id,request_id,before,after" ||
					rows[1][4] != "client.update" || rows[3][4] != "client.create" {
					t.Errorf("CSV %+v: %v", how, rows)
				}
			}
		})

		t.Run("only the HMIS team reads it, and each read is recorded", func(t *testing.T) {
			for _, persona := range []string{"cas_admin", "agency_user"} {
				if status, _ := c.do(t, persona, "GET", "/api/v1/audit", ""); status != http.StatusForbidden {
					t.Errorf("%s: %d, want 403", persona, status)
				}
			}
			got := events(t, "action=audit.read&limit=1")
			if len(got) != 1 || got[0]["actor_id"] != c.users["hmis_admin"].ID || !strings.Contains(got[0]["after"].(string), "audit.read") {
				t.Errorf("the last read of the log: %v", got)
			}
		})
	})
}
