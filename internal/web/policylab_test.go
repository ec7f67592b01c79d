package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// policyLabHistory is storetest.PatOverLee at Harbor, the clock standing in April.
func policyLabHistory(t *testing.T, db *store.DB) *coc {
	t.Helper()
	db.Now = storetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)).Now
	c := newCoC(t, db)
	storetest.PatOverLee(t, db, c.harbor.ID).Advance(30 * 24 * time.Hour)
	return c
}

const policyLabBody = `{"scheme": {"criteria": [{"factor": "days_homeless"}, {"factor": "score"}]}, "from": "2026-03-01", "to": "2026-03-31"}`

func TestPolicyLabAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := policyLabHistory(t, db)

		t.Run("a CAS admin sees the fidelity, both schemes and who changes", func(t *testing.T) {
			status, body := c.do(t, "cas_admin", "POST", "/api/v1/reports/policy-lab", policyLabBody)
			if status != 200 || body["fidelity"] != 1.0 || body["engine_referrals"] != 1.0 {
				t.Fatalf("policy lab: %d %v", status, body)
			}
			changed, _ := body["changed"].([]any)
			if len(changed) != 2 {
				t.Fatalf("changed: %v", changed)
			}
			first := changed[0].(map[string]any)
			if first["name"] != "Lee Doe" || first["change"] != "newly_referred" || first["alternative_rank"] != 1.0 {
				t.Errorf("first change: %v", first)
			}
			for _, world := range []string{"baseline", "alternative"} {
				o := body[world].(map[string]any)
				if o["referrals"] != 1.0 || o["people"] != 2.0 || len(o["by_group"].([]any)) == 0 {
					t.Errorf("%s: %v", world, o)
				}
			}
		})

		t.Run("a scheme is refused as the priority-scheme route refuses it", func(t *testing.T) {
			status, body := c.do(t, "cas_admin", "POST", "/api/v1/reports/policy-lab",
				`{"scheme": {"criteria": [{"factor": "score"}, {"factor": "score", "ascending": true}]}, "from": "2026-03-01", "to": "2026-03-31"}`)
			e, _ := body["error"].(map[string]any)
			if status != 400 || e["field"] != "scheme.criteria[1].factor" || e["message"] != "score is listed twice" {
				t.Errorf("a factor twice: %d %v", status, body)
			}
			_, put := c.do(t, "cas_admin", "PUT", "/api/v1/priority-scheme", `{"criteria": [{"factor": "score"}, {"factor": "score", "ascending": true}]}`)
			if pe, _ := put["error"].(map[string]any); pe["message"] != e["message"] {
				t.Errorf("the messages differ: %v and %v", put, body)
			}
			status, body = c.do(t, "cas_admin", "POST", "/api/v1/reports/policy-lab",
				`{"scheme": {"criteria": [{"factor": "score"}]}, "from": "2026-03-31", "to": "2026-03-01"}`)
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "to" {
				t.Errorf("a period backwards: %d %v", status, body)
			}
			status, body = c.do(t, "cas_admin", "POST", "/api/v1/reports/policy-lab",
				`{"scheme": {"criteria": [{"factor": "score"}]}, "from": "2020-03-01", "to": "2026-03-31"}`)
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "to" ||
				e["message"] != "a period may span at most 1098 days: 2020-03-01 to 2026-03-31 is longer" {
				t.Errorf("six years: %d %v", status, body)
			}
			status, body = c.do(t, "cas_admin", "POST", "/api/v1/reports/policy-lab", `{"from": "2026-03-01", "to": "2026-03-31"}`)
			if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "scheme" {
				t.Errorf("no scheme: %d %v", status, body)
			}
		})

		t.Run("only CAS admins", func(t *testing.T) {
			for _, persona := range []string{"hmis_admin", "agency_user"} {
				if status, _ := c.do(t, persona, "POST", "/api/v1/reports/policy-lab", policyLabBody); status != 403 {
					t.Errorf("%s: %d, want 403", persona, status)
				}
			}
		})
	})
}

func TestPolicyLabPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := policyLabHistory(t, db)
		admin := c.users["cas_admin"].Email
		query := "/reports/policy-lab?from=2026-03-01&to=2026-03-31&factor_1=days_homeless&order_1=descending&factor_2=score&order_2=descending"

		status, page := pageAs(t, c, admin, "/reports/policy-lab")
		if status != 200 || !strings.Contains(page, `<option value="score" selected>score</option>`) || strings.Contains(page, "Fidelity") {
			t.Fatalf("the form, filled with the scheme in force: %d\n%s", status, page)
		}
		status, page = pageAs(t, c, admin, query)
		if status != 200 {
			t.Fatalf("policy lab: %d\n%s", status, page)
		}
		for _, want := range []string{"Fidelity: 100.0% (1 of the engine&#39;s 1 referrals made again).",
			"Candidate: days_homeless, score.", `<option value="days_homeless" selected>days_homeless</option>`,
			`<title id="chart-wait-title">People referred, by days from joining the HPL to referral</title>`,
			`<title id="chart-group-race-title">Race: people referred</title>`, "fewer than 5",
			">Lee Doe</a></th><td>referred, where they were not</td>", "no longer referred",
			`href="/reports/policy-lab.csv?factor_1=days_homeless&amp;factor_2=score&amp;from=2026-03-01`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(page, "style=") || strings.Count(page, "<script") != 1 {
			t.Errorf("inline style or script on the page")
		}

		status, csvBody := pageAs(t, c, admin, strings.Replace(query, "policy-lab?", "policy-lab.csv?", 1))
		if status != 200 || !strings.HasPrefix(csvBody, "section,item,group,in force,candidate\nperiod,from,,2026-03-01,2026-03-01\n") ||
			!strings.Contains(csvBody, "fidelity,share of the engine's referrals replayed,,1.000,\n") || !strings.Contains(csvBody, `changed,no longer referred,"Pat Doe (`) {
			t.Errorf("CSV: %d\n%s", status, csvBody)
		}

		status, page = pageAs(t, c, admin, "/reports/policy-lab?from=2026-03-01&to=2026-03-31&factor_1=score&factor_3=score")
		if status != 400 || !strings.Contains(page, `<span class="field-error" id="factor_3-error">score is listed twice</span>`) {
			t.Errorf("a factor twice: %d, the message beside the third line?\n%s", status, page)
		}

		if status, _ := pageAs(t, c, c.users["hmis_admin"].Email, query); status != 403 {
			t.Errorf("the HMIS team: %d, want 403", status)
		}
		if _, page := pageAs(t, c, c.users["hmis_admin"].Email, "/reports"); strings.Contains(page, "Policy lab") {
			t.Errorf("the reports list offers the HMIS team the policy lab")
		}
		if _, page := pageAs(t, c, admin, "/reports"); !strings.Contains(page, `<a href="/reports/policy-lab">Policy lab</a>`) {
			t.Errorf("the reports list does not offer a CAS admin the policy lab")
		}
	})
}
