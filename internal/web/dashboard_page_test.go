package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestDashboardPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := dashboardHistory(t, db)
		contains := func(t *testing.T, page string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		}

		t.Run("CoC staff see the answers at a glance, every chart and its CSV", func(t *testing.T) {
			status, page := pageAs(t, c, c.users["cas_admin"].Email, "/reports/dashboard?"+dashboardWindow)
			if status != 200 {
				t.Fatalf("dashboard: %d\n%s", status, page)
			}
			contains(t, page, "Units sit empty a median of 6 days (1 vacancy ended in this window).",
				"People wait a median of 6 days from HPL entry to move-in (1 person moved in during this window).",
				"1 person was still waiting on the HPL at the end of this window, a median of 10 days so far.",
				"Harbor Family PSH", "Riverside RRH",
				// The vacancy chart: Riverside's bar is the longest (100%), Harbor's 60% of it.
				`<title id="chart-vacancy-title">Vacancy by program: vacancy rate (%)</title>`,
				`<rect class="chart-bar" x="0" y="58" width="520.0" height="16"></rect>`,
				`<rect class="chart-bar" x="0" y="18" width="312.0" height="16"></rect>`, ">60.0%</text>",
				// Riverside's days vacant: no vacancy ended, so no bar and the words say so.
				`chart-value chart-empty" x="6.0" y="71">no data</text>`,
				`href="/reports/dashboard.csv?figure=vacancy&amp;from=2026-10-01&amp;to=2026-10-11"`,
				`<th scope="row">All programs</th><td class="num">2</td><td class="num">20.0</td><td class="num">16.0</td><td class="num">80.0</td>`)
			for _, name := range report.FigureNames {
				contains(t, page, `<section class="figure" id="figure-`+name+`"`, "dashboard.csv?figure="+name+"&amp;")
			}
			// The Content-Security-Policy allows no inline script or style.
			if strings.Contains(page, "style=") || strings.Count(page, "<script") != 1 {
				t.Errorf("inline style or script on the page")
			}
			status, csvBody := pageAs(t, c, c.users["cas_admin"].Email, "/reports/dashboard.csv?figure=funnel&"+dashboardWindow)
			if status != 200 || !strings.HasPrefix(csvBody, "stage,referrals,percent_of_made\nMade,2,100.0\nAccepted,1,50.0\n") {
				t.Errorf("page CSV: %d %q", status, csvBody)
			}
		})

		t.Run("an agency user's dashboard has only their agency's rows", func(t *testing.T) {
			status, page := pageAs(t, c, c.users["agency_user"].Email, "/reports/dashboard?"+dashboardWindow)
			if status != 200 || strings.Contains(page, "Riverside") {
				t.Fatalf("agency dashboard: %d, shows Riverside: %v", status, strings.Contains(page, "Riverside"))
			}
			contains(t, page, "Harbor Family PSH", "Units sit empty a median of 6 days", "The HPL is the CoC&#39;s list",
				`<th scope="row">All programs</th><td class="num">1</td><td class="num">10.0</td><td class="num">6.0</td><td class="num">60.0</td>`)
			_, csvBody := pageAs(t, c, c.users["agency_user"].Email, "/reports/dashboard.csv?figure=vacancy&"+dashboardWindow)
			if strings.Contains(csvBody, "Riverside") || !strings.Contains(csvBody, "Harbor Family PSH,1,10.0,6.0,60.0") {
				t.Errorf("agency CSV %q", csvBody)
			}
			_, other := pageAs(t, c, c.users["other_agency_user"].Email, "/reports/dashboard?"+dashboardWindow)
			if strings.Contains(other, "Harbor Family PSH") || !strings.Contains(other, "Riverside RRH") {
				t.Errorf("Riverside's dashboard shows Harbor's program or lacks its own")
			}
		})

		t.Run("a bad window is refused next to its field", func(t *testing.T) {
			status, page := pageAs(t, c, c.users["cas_admin"].Email, "/reports/dashboard?from=2026-10-12&to=2026-10-01")
			if status != http.StatusBadRequest {
				t.Errorf("reversed window: %d", status)
			}
			contains(t, page, `<span class="field-error" id="from-error">From (2026-10-12) must be on or before to (2026-10-01)</span>`,
				`value="2026-10-12"`)
			if strings.Contains(page, "<svg") {
				t.Errorf("charts drawn for a refused window")
			}
			if status, _ := pageAs(t, c, c.users["cas_admin"].Email, "/reports/dashboard.csv?figure=nope"); status != http.StatusBadRequest {
				t.Errorf("unknown figure CSV: %d", status)
			}
		})
	})
}

func TestBrowserDashboard(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := dashboardHistory(t, db)
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := signInAs(b, base, c.users["cas_admin"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(base+"/reports/dashboard?"+dashboardWindow), chromedp.WaitVisible(chromedp.ID("figure-vacancy"))); err != nil {
		t.Fatal(err)
	}
	// The stylesheet reaches the inline SVG under the Content-Security-Policy: the bars are drawn
	// in the accent colour, Riverside's (100%) as wide as the chart allows.
	type barLook struct {
		Width float64 `json:"width"`
		Fill  string  `json:"fill"`
	}
	bar, err := chromedp.Run(b, chromedp.Evaluate[barLook](`(() => { const r = document.querySelectorAll('#figure-vacancy rect.chart-bar')[1];
		return {width: r.getBBox().width, fill: getComputedStyle(r).fill}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if bar.Width != 520 || bar.Fill != "rgb(11, 92, 173)" {
		t.Errorf("Riverside's vacancy bar: %+v", bar)
	}
	text, err := bodyText(b)
	if err != nil || !strings.Contains(text, "Units sit empty a median of 6 days") || !strings.Contains(text, "People wait a median of 6 days") {
		t.Errorf("headline not shown: %v\n%s", err, text)
	}
	screenshot(t, b, "dashboard-fixture")
}
