package web_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestHPLPacket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		c := newCoC(t, db)
		ref, _ := referralFixture(t, db, c) // Harbor Commons' only unit, referred by the engine
		// A second client over-referred to the full facility, expecting a vacancy on 5 October.
		cl, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Ana", LastName: "Lee", BirthDate: "1990-01-01", HouseholdSize: 2,
			HouseholdType: cas.WithChildren, Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cl.ID, Score: 9, AssessedOn: "2026-05-02", DaysHomeless: 30, IntakeStatus: cas.IntakeReady}); err != nil {
			t.Fatal(err)
		}
		admin := c.users["cas_admin"]
		over, err := db.CreateReferral(ctx, &admin, store.NewReferral{ClientID: cl.ID, FacilityID: ref.FacilityID, OverRefer: true,
			Reason: "tenant leaving", ExpectedVacancy: "2026-10-05"})
		if err != nil {
			t.Fatal(err)
		}
		// A single adult, whom the family units do not fit, over-referred with an eligibility override;
		// then a second unit opens, and Ana, first in line, takes it: Ola waits.
		ola, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Ola", LastName: "Berg", BirthDate: "1970-01-01", HouseholdSize: 1,
			HouseholdType: cas.WithoutChildren, Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: ola.ID, Score: 7, AssessedOn: "2026-05-02", DaysHomeless: 90, IntakeStatus: cas.IntakeReady}); err != nil {
			t.Fatal(err)
		}
		waiting, err := db.CreateReferral(ctx, &admin, store.NewReferral{ClientID: ola.ID, FacilityID: ref.FacilityID, OverRefer: true,
			Reason: "a studio is being converted", EligibilityOverrideReason: "medical respite needs this site"})
		if err != nil || !waiting.EligibilityOverride {
			t.Fatalf("over-referral with an override: %+v %v", waiting, err)
		}
		apt102, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: ref.FacilityID, Label: "Apt 102", Bedrooms: 2, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
		if err != nil {
			t.Fatal(err)
		}
		// A program with nothing to report.
		if _, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: c.riverside.ID, Name: "Riverside RRH", ProjectType: cas.ProjectPSH}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(7 * 24 * time.Hour)

		status, body := c.do(t, "cas_admin", "GET", "/api/v1/reports/hpl-packet", "")
		programs, _ := body["programs"].([]any)
		if status != 200 || len(programs) != 2 || body["top_ready"] == nil {
			t.Fatalf("packet: %d %v", status, body)
		}
		if err := responseSchema(t, c, "/reports/hpl-packet").VisitJSON(body); err != nil {
			t.Errorf("the packet does not match openapi.yaml: %v", err)
		}
		harbor, quiet := programs[0].(map[string]any), programs[1].(map[string]any)
		if harbor["program_name"] != "Harbor Family PSH" || quiet["program_name"] != "Riverside RRH" || quiet["free_units"] != float64(0) {
			t.Errorf("programs %v", programs)
		}
		for _, section := range []string{"open_referrals", "over_referrals", "suspects", "discrepancies", "stale_rosters", "offline_units"} {
			if _, ok := quiet[section].([]any); !ok {
				t.Errorf("section %s missing: %v", section, quiet)
			}
		}
		opens, overs := harbor["open_referrals"].([]any), harbor["over_referrals"].([]any)
		if len(opens) != 1 || opens[0].(map[string]any)["id"] != ref.ID || opens[0].(map[string]any)["age_days"] != float64(7) ||
			opens[0].(map[string]any)["eligibility_override"] != false {
			t.Errorf("open referrals %v", opens)
		}
		byID := map[string]map[string]any{}
		for _, o := range overs {
			byID[o.(map[string]any)["id"].(string)] = o.(map[string]any)
		}
		if o := byID[over.ID]; len(overs) != 2 || o["overdue"] != true || o["expected_vacancy"] != "2026-10-05" || o["waiting_for_unit"] != false ||
			o["unit_id"] != apt102.ID || o["unit_assigned_at"] == nil || o["eligibility_override"] != false {
			t.Errorf("over-referrals %v, want Ana's holding Apt 102", overs)
		}
		if o := byID[waiting.ID]; o["waiting_for_unit"] != true || o["unit_id"] != nil || o["past_deadline"] != false ||
			o["eligibility_override"] != true || o["eligibility_override_reason"] != "medical respite needs this site" {
			t.Errorf("over-referrals %v, want Ola's waiting, flagged with the override's reason", overs)
		}
		if len(harbor["stale_rosters"].([]any)) != 1 {
			t.Errorf("stale rosters %v", harbor["stale_rosters"])
		}

		// The CSV download.
		req, _ := http.NewRequest("GET", c.url+"/api/v1/reports/hpl-packet?format=csv", nil)
		req.Header.Set("Authorization", "Bearer "+c.tokens["hmis_admin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			resp.Header.Get("Content-Disposition") != "attachment; filename=hpl-packet-2026-10-08.csv" {
			t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) < 2 || rows[0][0] != "section" {
			t.Fatalf("csv rows %v: %v", rows, err)
		}
		sections := map[string]int{}
		for _, r := range rows[1:] {
			sections[r[0]]++
			if r[0] == "over_referral" && r[5] == over.ID && (r[11] != "overdue;holds_unit" || r[9] != "2026-10-05") {
				t.Errorf("over-referral row %v", r)
			}
			if r[0] == "over_referral" && r[5] == waiting.ID && (r[11] != "waiting_for_unit;eligibility_override" ||
				r[12] != "a studio is being converted; eligibility override: medical respite needs this site") {
				t.Errorf("over-referral row %v, want it waiting and flagged with the override's reason", r)
			}
		}
		if sections["free_units"] != 2 || sections["open_referral"] != 1 || sections["over_referral"] != 2 || sections["stale_roster"] != 1 {
			t.Errorf("csv sections %v", sections)
		}

		// An agency user reads its own programs' sections and no HPL clients.
		for user, want := range map[string]string{"agency_user": "Harbor Family PSH", "other_agency_user": "Riverside RRH"} {
			status, own := c.do(t, user, "GET", "/api/v1/reports/hpl-packet", "")
			programs, _ := own["programs"].([]any)
			if status != 200 || len(programs) != 1 || programs[0].(map[string]any)["program_name"] != want || len(own["top_ready"].([]any)) != 0 {
				t.Errorf("%s's packet: %d %v, want %s only and no ready clients", user, status, own, want)
			}
		}
		status, page := pageAs(t, c, c.users["other_agency_user"].Email, "/reports/hpl-packet")
		if status != 200 || !strings.Contains(page, "Riverside RRH") || strings.Contains(page, "Harbor") || strings.Contains(page, "Ready clients") {
			t.Errorf("Riverside's packet page: %d\n%s", status, page)
		}
		if status, bad := c.do(t, "cas_admin", "GET", "/api/v1/reports/hpl-packet?format=pdf", ""); status != 400 || errorOf(bad)["field"] != "format" {
			t.Errorf("format=pdf: %d %v", status, bad)
		}

		// The printable page.
		status, page = pageAs(t, c, c.users["cas_admin"].Email, "/reports/hpl-packet")
		if html := page; status != 200 || !strings.Contains(html, "Harbor Family PSH") || !strings.Contains(html, "Riverside RRH") ||
			!strings.Contains(html, "tenant leaving") || !strings.Contains(html, "overdue") {
			t.Errorf("page: %d\n%s", status, page)
		}
		for _, want := range []string{`<strong class="flag">Eligibility overridden:</strong> medical respite needs this site`,
			"Waiting in line for a unit", "Holds a unit, assigned 1 Oct 2026"} {
			if !strings.Contains(page, want) {
				t.Errorf("the printable packet lacks %q", want)
			}
		}
		if status, csvBody := pageAs(t, c, c.users["hmis_admin"].Email, "/reports/hpl-packet?format=csv"); status != 200 ||
			!strings.HasPrefix(csvBody, "section,program_id,") {
			t.Errorf("page CSV: %d %q", status, csvBody)
		}
	})
}

// pageAs signs in with a password, as a browser would, and GETs a page.
func pageAs(t *testing.T, c *coc, email, path string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (int, string) {
		req, err := http.NewRequest(method, c.url+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, _ := send("POST", "/login", url.Values{"email": {email}, "password": {"a long enough password"}}); status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, status)
	}
	return send("GET", path, nil)
}
