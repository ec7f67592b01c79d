package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBrowserCASAdminRunsTheHPL: on a phone, a CAS admin adds Lena to the HPL with no consent and
// intake pending; her page says why she is not referred; the admin records her consent and her
// photo ID, the document the only program requires, and marks her ready, and the engine refers her.
func TestBrowserCASAdminRunsTheHPL(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: c.harbor.ID, Name: "Harbor Singles PSH", ProjectType: cas.ProjectPSH,
		Requirements: cas.Requirements{RequiredDocuments: []string{"Photo ID"}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Harbor Studios", Address: "9 Quay Street"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: "Studio 1", Bedrooms: 0,
		HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}); err != nil {
		t.Fatal(err)
	}
	today := string(cas.DateOf(db.Now(), db.Zone))
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := signInAs(b, base, c.users["cas_admin"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	submit := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)), chromedp.Sleep(300*time.Millisecond),
			chromedp.WaitReady(chromedp.CSS("main")))
	}
	err = chromedp.Do(b,
		chromedp.Navigate(base+"/hpl"),
		chromedp.Click(chromedp.ID("add-client")),
		chromedp.WaitVisible(chromedp.ID("new-client-form")),
	)
	if err != nil {
		t.Fatalf("the add form: %v", err)
	}
	checkPhonePage(t, b, "the add-a-client form")
	err = chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("new-first_name"), "Lena"),
		chromedp.SendKeys(chromedp.ID("new-last_name"), "Ortiz"),
		chromedp.SetValue(chromedp.ID("new-birth_date"), "1970-02-14"),
		chromedp.SendKeys(chromedp.ID("new-phone"), "555-0142"),
		chromedp.SetValue(chromedp.ID("new-score"), "11"),
		chromedp.SetValue(chromedp.ID("new-assessed_on"), "2026-06-01"),
		chromedp.SetValue(chromedp.ID("new-days_homeless"), "300"),
		submit("#new-client-form"),
		chromedp.WaitVisible(chromedp.ID("no-referral")),
	)
	if err != nil {
		t.Fatalf("adding Lena: %v", err)
	}
	list, _, err := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Lena"}, store.Page{})
	if err != nil || len(list) != 1 {
		t.Fatalf("clients %+v %v", list, err)
	}
	lena := list[0]
	text, err := bodyText(b)
	if err != nil || !strings.Contains(text, "no consent on file") || !strings.Contains(text, "not ready: intake status is pending") {
		t.Errorf("Lena's page does not say why she is not referred: %v\n%s", err, text)
	}
	checkPhonePage(t, b, "the client's page")
	screenshot(t, b, "client-hpl-forms")

	err = chromedp.Do(b,
		chromedp.Click(chromedp.CSS("#consent summary")),
		chromedp.SetValue(chromedp.ID("consent-consent_date"), today),
		submit("#consent-form"),
		chromedp.Click(chromedp.CSS("#documents summary")),
		chromedp.SendKeys(chromedp.ID("documents-name"), "Photo ID"),
		submit("#documents-form"),
		chromedp.Click(chromedp.CSS("#hpl summary")),
		chromedp.SetValue(chromedp.ID("hpl-intake_status"), "ready"),
		submit("#hpl-form"),
	)
	if err != nil {
		t.Fatalf("consent, documents, ready: %v", err)
	}
	text, _ = bodyText(b)
	if !strings.Contains(text, "Photo ID") || !strings.Contains(text, "recorded by "+c.users["cas_admin"].Name) || strings.Contains(text, "no consent on file") {
		t.Errorf("after consent, documents and ready, Lena's page reads:\n%s", text)
	}

	run, err := db.RunMatch(ctx, false)
	if err != nil || len(run.Referrals) != 1 || run.Referrals[0].ClientID != lena.ID {
		t.Fatalf("the engine's referrals: %+v %v, want Lena's", run.Referrals, err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(base+"/clients/"+lena.ID), chromedp.WaitVisible(chromedp.ID("client-referrals"))); err != nil {
		t.Fatalf("Lena's referral on her page: %v", err)
	}
	if text, _ := bodyText(b); !strings.Contains(text, "Harbor Studios") || !strings.Contains(text, "already referred") {
		t.Errorf("Lena's page after the engine referred her:\n%s", text)
	}
	checkPhonePage(t, b, "the referred client's page")
}
