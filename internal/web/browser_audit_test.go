package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBrowserAuditLogAndConfidentialReferral: on a phone, Harbor's CAS Contact reads a referral
// of a confidential client by her alias; the HMIS team then finds that read in the audit log,
// filtered by client. Both pages fit 390 px and pass axe-core.
func TestBrowserAuditLogAndConfidentialReferral(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	ref, _ := referralFixture(t, db, c)
	maria, err := db.UpdateClient(ctx, cas.System, ref.ClientID, func(cl *cas.Client) { cl.Confidential, cl.Phone = true, "555-0123" })
	if err != nil {
		t.Fatal(err)
	}
	base := startUI(t, db)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)

	agency := newBrowserContext(t)
	if err := chromedp.Do(agency, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(agency, base, c.users["agency_user"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(agency, chromedp.Navigate(base+"/referrals/"+ref.ID), chromedp.WaitVisible(chromedp.ID("client-alias"))); err != nil {
		t.Fatalf("Harbor opens the referral: %v", err)
	}
	body, _ := bodyText(agency)
	if !strings.Contains(body, maria.Alias()) || strings.Contains(body, "Maria") || strings.Contains(body, "Santos") || strings.Contains(body, "555-0123") {
		t.Errorf("Harbor's referral page of a confidential client:\n%s", body)
	}
	checkPhonePage(t, agency, "the referral page of a confidential client")

	hmis := newBrowserContext(t)
	if err := chromedp.Do(hmis, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(hmis, base, c.users["hmis_admin"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(hmis, chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.ID("client_id")),
		chromedp.SendKeys(chromedp.ID("client_id"), maria.ID),
		chromedp.SendKeys(chromedp.ID("action"), "client.read"),
		chromedp.Submit(chromedp.ID("action")),
		// The filtered page, not the one the form was on: only the server writes the attribute.
		chromedp.WaitVisible(chromedp.CSS(`input#action[value="client.read"]`)),
		chromedp.WaitVisible(chromedp.ID("audit-events"))); err != nil {
		t.Fatalf("the HMIS team filters the audit log: %v", err)
	}
	body, _ = bodyText(hmis)
	if !strings.Contains(body, "client.read") || !strings.Contains(body, c.users["agency_user"].Name) {
		t.Errorf("the audit log lacks Harbor's read:\n%s", body)
	}
	checkPhonePage(t, hmis, "the audit log")
	screenshot(t, hmis, "audit-log")
}
