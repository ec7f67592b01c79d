package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// dashboardHistory seeds ten days at two agencies, from t0 = 1 October 2026 09:00:
//
//	t0    Harbor Family PSH's unit H1 and Riverside RRH's unit R1 exist; Maria and Ana join the HPL
//	t0+1  Ana is referred to Riverside; t0+2 Riverside declines: no unit available
//	t0+2  Maria is referred to Harbor; t0+3 Harbor accepts; t0+6 she moves into H1
//	t0+10 now
//
// By hand, for the window 1 to 11 October (counted until now, t0+10): H1 existed 10 days and stood
// vacant 6 of them (a vacancy of 6 days that ended); R1 10 days, all vacant (still vacant, 10 days
// old). Maria waited 6 days from HPL entry to move-in; Ana has waited 10 days so far.
func dashboardHistory(t *testing.T, db *store.DB) *coc {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	c := newCoC(t, db)
	facility := func(agencyID, program, name, label string) (cas.Facility, cas.Unit) {
		p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: agencyID, Name: program, ProjectType: cas.ProjectPSH})
		if err != nil {
			t.Fatal(err)
		}
		f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: label, Bedrooms: 2, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
		if err != nil {
			t.Fatal(err)
		}
		return f, u
	}
	harbor, h1 := facility(c.harbor.ID, "Harbor Family PSH", "Harbor Commons", "H1")
	riverside, _ := facility(c.riverside.ID, "Riverside RRH", "Riverside Court", "R1")
	onHPL := func(first string) cas.Client {
		cl, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: first, LastName: "Test", BirthDate: "1990-01-01", HouseholdSize: 2,
			HouseholdType: cas.WithChildren, Consent: true, Race: []cas.Race{cas.RaceBlack}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cl.ID, Score: 9, AssessedOn: "2026-05-02", DaysHomeless: 30,
			IntakeStatus: cas.IntakeReady}); err != nil {
			t.Fatal(err)
		}
		return cl
	}
	maria, ana := onHPL("Maria"), onHPL("Ana")
	admin, staff, otherStaff := c.users["cas_admin"], c.users["agency_user"], c.users["other_agency_user"]
	must := func(r cas.Referral, err error) cas.Referral {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	day := 24 * time.Hour
	clock.Advance(day)
	anaRef := must(db.CreateReferral(ctx, &admin, store.NewReferral{ClientID: ana.ID, FacilityID: riverside.ID}))
	clock.Advance(day)
	must(db.DeclineReferral(ctx, &otherStaff, anaRef.ID, cas.DeclineNoUnitAvailable, ""))
	mariaRef := must(db.CreateReferral(ctx, &admin, store.NewReferral{ClientID: maria.ID, FacilityID: harbor.ID}))
	clock.Advance(day)
	must(db.AcceptReferral(ctx, &staff, mariaRef.ID, ""))
	clock.Advance(3 * day)
	must(db.MoveIn(ctx, &staff, mariaRef.ID, h1.ID))
	clock.Advance(4 * day)
	return c
}

const dashboardWindow = "from=2026-10-01&to=2026-10-11"

// figureRows returns a figure's rows from a metrics response.
func figureRows(t *testing.T, body map[string]any, name string) []any {
	t.Helper()
	figures, _ := body["figures"].([]any)
	for _, f := range figures {
		if f := f.(map[string]any); f["name"] == name {
			return f["rows"].([]any)
		}
	}
	t.Fatalf("no figure %s in %v", name, body)
	return nil
}

// download GETs an API path as persona and returns the response, for its headers, and the body.
func (c *coc) download(t *testing.T, persona, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", c.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[persona])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestMetricsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := dashboardHistory(t, db)

		t.Run("CoC staff see every agency's figures", func(t *testing.T) {
			status, body := c.do(t, "cas_admin", "GET", "/api/v1/reports/metrics?"+dashboardWindow, "")
			if status != 200 || body["from"] != "2026-10-01" || body["to"] != "2026-10-11" || body["counted_until"] != "2026-10-11T09:00:00Z" {
				t.Fatalf("metrics: %d %v", status, body)
			}
			if err := responseSchema(t, c, "/reports/metrics").VisitJSON(body); err != nil {
				t.Errorf("the response does not match openapi.yaml: %v", err)
			}
			var names []string
			for _, f := range body["figures"].([]any) {
				f := f.(map[string]any)
				names = append(names, f["name"].(string))
				if f["title"] == "" || f["description"] == "" || len(f["columns"].([]any)) == 0 {
					t.Errorf("figure %v incomplete", f)
				}
			}
			if diff := cmp.Diff(report.FigureNames, names); diff != "" {
				t.Errorf("figures (-want +got):\n%s", diff)
			}
			// H1: 6 of 10 unit-days vacant; R1: 10 of 10; together 16 of 20.
			want := []any{
				[]any{"Harbor Family PSH", 1.0, 10.0, 6.0, 60.0},
				[]any{"Riverside RRH", 1.0, 10.0, 10.0, 100.0},
				[]any{"All programs", 2.0, 20.0, 16.0, 80.0},
			}
			if diff := cmp.Diff(want, figureRows(t, body, report.FigureVacancy)); diff != "" {
				t.Errorf("vacancy (-want +got):\n%s", diff)
			}
			// Riverside had no vacancy end, so its median is null, not zero.
			if diff := cmp.Diff([]any{"Riverside RRH", 0.0, nil, nil, 1.0, 10.0}, figureRows(t, body, report.FigureDaysVacant)[1]); diff != "" {
				t.Errorf("days vacant (-want +got):\n%s", diff)
			}
			wantHeadline := map[string]any{"vacancy_median_days": 6.0, "vacancies_ended": 1.0, "wait_median_days": 6.0, "moved_in": 1.0,
				"still_waiting_median_days": 10.0, "still_waiting": 1.0}
			if diff := cmp.Diff(wantHeadline, body["headline"]); diff != "" {
				t.Errorf("headline (-want +got):\n%s", diff)
			}
			funnel := figureRows(t, body, report.FigureFunnel)
			if diff := cmp.Diff([]any{"Made", 2.0, 100.0}, funnel[0]); diff != "" {
				t.Errorf("funnel (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{"No unit is actually available", "no_unit_available", 3.0, "Provider rejected", 1.0},
				figureRows(t, body, report.FigureDeclineReasons)[4]); diff != "" {
				t.Errorf("decline reasons (-want +got):\n%s", diff)
			}
		})

		t.Run("one figure, as JSON or as a CSV download", func(t *testing.T) {
			status, body := c.do(t, "hmis_admin", "GET", "/api/v1/reports/metrics?figure=wait&"+dashboardWindow, "")
			if figures, _ := body["figures"].([]any); status != 200 || len(figures) != 1 {
				t.Fatalf("one figure: %d %v", status, body)
			}
			if diff := cmp.Diff([]any{[]any{"HPL entry to move-in", 1.0, 6.0, 6.0}, []any{"Still waiting on the HPL", 1.0, 10.0, 10.0}},
				figureRows(t, body, report.FigureWait)); diff != "" {
				t.Errorf("wait (-want +got):\n%s", diff)
			}
			resp, csvBody := c.download(t, "cas_admin", "/api/v1/reports/metrics?figure=vacancy&format=csv&"+dashboardWindow)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				resp.Header.Get("Content-Disposition") != "attachment; filename=vacancy_2026-10-01_2026-10-11.csv" {
				t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
			}
			want := "program,units,unit_days,vacant_unit_days,vacancy_rate\n" +
				"Harbor Family PSH,1,10.0,6.0,60.0\nRiverside RRH,1,10.0,10.0,100.0\nAll programs,2,20.0,16.0,80.0\n"
			if csvBody != want {
				t.Errorf("csv:\n%s\nwant:\n%s", csvBody, want)
			}
		})

		t.Run("an agency user sees only their agency's rows", func(t *testing.T) {
			status, raw := c.raw(t, "agency_user", "GET", "/api/v1/reports/metrics?"+dashboardWindow, "")
			if status != 200 || strings.Contains(string(raw), "Riverside") {
				t.Fatalf("agency metrics: %d %s", status, raw)
			}
			_, body := c.do(t, "agency_user", "GET", "/api/v1/reports/metrics?"+dashboardWindow, "")
			want := []any{[]any{"Harbor Family PSH", 1.0, 10.0, 6.0, 60.0}, []any{"All programs", 1.0, 10.0, 6.0, 60.0}}
			if diff := cmp.Diff(want, figureRows(t, body, report.FigureVacancy)); diff != "" {
				t.Errorf("vacancy (-want +got):\n%s", diff)
			}
			// Riverside's decline and Ana's referral are not Harbor's; the HPL is not theirs either.
			if got := figureRows(t, body, report.FigureFunnel)[0]; !cmp.Equal(got, []any{"Made", 1.0, 100.0}) {
				t.Errorf("funnel %v, want Harbor's one referral", got)
			}
			if got := figureRows(t, body, report.FigureDeclineReasons)[4]; !cmp.Equal(got.([]any)[4], 0.0) {
				t.Errorf("no-unit declines %v, want none at Harbor", got)
			}
			if h := body["headline"].(map[string]any); h["still_waiting"] != nil || h["still_waiting_median_days"] != nil || h["moved_in"] != 1.0 {
				t.Errorf("headline %v, want no one still waiting shown", h)
			}
			if got := figureRows(t, body, report.FigureWait)[1]; !cmp.Equal(got, []any{"Still waiting on the HPL", nil, nil, nil}) {
				t.Errorf("still waiting %v, want empty", got)
			}
			_, other := c.raw(t, "other_agency_user", "GET", "/api/v1/reports/metrics?"+dashboardWindow, "")
			if strings.Contains(string(other), "Harbor") || !strings.Contains(string(other), "Riverside RRH") {
				t.Errorf("Riverside's metrics: %s", other)
			}
		})

		t.Run("the window defaults to the last 90 days", func(t *testing.T) {
			_, body := c.do(t, "cas_admin", "GET", "/api/v1/reports/metrics", "")
			if body["from"] != "2026-07-14" || body["to"] != "2026-10-11" {
				t.Errorf("default window %v to %v", body["from"], body["to"])
			}
		})

		t.Run("bad input names the field", func(t *testing.T) {
			for query, field := range map[string]string{
				"from=2026-13-01":                     "from",
				"from=yesterday":                      "from",
				"to=2026-10-32":                       "to",
				"from=2026-10-12&to=2026-10-01":       "from",
				"from=2022-10-01&to=2026-10-11":       "from",
				"figure=vacancies&" + dashboardWindow: "figure",
				"format=csv&" + dashboardWindow:       "figure",
				"format=pdf&figure=vacancy":           "format",
			} {
				status, body := c.do(t, "cas_admin", "GET", "/api/v1/reports/metrics?"+query, "")
				if status != 400 || errorOf(body)["field"] != field {
					t.Errorf("%s: %d %v, want 400 naming %s", query, status, body, field)
				}
			}
			// Three years to the day is the longest window.
			if status, body := c.do(t, "cas_admin", "GET", "/api/v1/reports/metrics?from=2023-10-12&to=2026-10-11", ""); status != 200 {
				t.Errorf("three years: %d %v", status, body)
			}
		})
	})
}
