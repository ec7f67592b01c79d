package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBrowserPolicyLabOnAPhone: a CAS admin replays the demo CoC's month under a scheme that puts
// time homeless first, on a 390 px phone: the comparison fits the screen, axe-core finds nothing,
// and printed it keeps the figures and drops the form.
func TestBrowserPolicyLabOnAPhone(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	if _, err := demo.Load(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	today := cas.DateOf(time.Now(), db.Zone)
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := chromedp.Do(b, chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	if err := signInWith(b, base, demo.CASAdminEmail, demo.Password); err != nil {
		t.Fatal(err)
	}
	page := "/reports/policy-lab?from=" + string(today.AddDays(-45)) + "&to=" + string(today) +
		"&factor_1=days_homeless&order_1=descending&factor_2=score&order_2=descending"
	if err := chromedp.Do(b, chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.ID("outcomes-heading"))); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(b, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Fidelity:", "Candidate: days_homeless, score.", "Outcomes by group", "People whose outcome changes", "Download CSV"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	checkPhonePage(t, b, "policy lab "+page)
	screenshot(t, b, "policy-lab")

	type printed struct{ Form, Outcomes, Chart bool }
	if err := chromedp.Do(b, media("print")); err != nil {
		t.Fatal(err)
	}
	look, err := chromedp.Run(b, chromedp.Evaluate[printed](`(() => {
		const shown = el => el !== null && el.getClientRects().length > 0;
		return {form: shown(document.querySelector("form.policy-lab")), outcomes: shown(document.getElementById("outcomes-heading")),
			chart: shown(document.getElementById("chart-wait-title").closest("svg"))};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if look.Form || !look.Outcomes || !look.Chart {
		t.Errorf("printed: %+v, want the figures and charts without the form", look)
	}
}
