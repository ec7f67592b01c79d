package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBrowserAccountPage: an agency user on a phone opens their account page from the navigation,
// makes a read-only API token and reads it once, and chooses the daily digest; every step reads at
// 390 px without sideways scrolling, and axe-core finds nothing. The HMIS team's account page,
// with its own kinds of notification, passes too.
func TestBrowserAccountPage(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	base := startUI(t, db)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)

	b := newBrowserContext(t)
	if err := chromedp.Do(b, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(b, base, c.users["agency_user"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Click(`a[href="/account"]`), chromedp.WaitVisible(chromedp.ID("current_password"))); err != nil {
		t.Fatalf("open the account page from the navigation: %v", err)
	}
	checkPhonePage(t, b, "the account page")

	if err := chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("name"), "Weekly report"),
		chromedp.SetValue(chromedp.ID("expires_in_days"), "30"),
		chromedp.Click(chromedp.ID("read_only")),
		chromedp.Click(`form[action="/account/tokens"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.ID("new-token")),
	); err != nil {
		t.Fatalf("make a token: %v", err)
	}
	secret, err := chromedp.Run(b, chromedp.Value(chromedp.ID("new-token")))
	if err != nil || !strings.HasPrefix(secret, "dw_") {
		t.Fatalf("the new token reads %q: %v", secret, err)
	}
	body, _ := bodyText(b)
	for _, want := range []string{"Weekly report", "Read-only", "Not yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after making a token lacks %q", want)
		}
	}
	checkPhonePage(t, b, "the account page with a new token")
	screenshot(t, b, "account")

	if err := chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("email_mode"), "digest"),
		chromedp.Click(`form[action="/account/email"] button[type="submit"]`),
		chromedp.WaitVisible(`p.flash`),
	); err != nil {
		t.Fatalf("save email preferences: %v", err)
	}
	body, _ = bodyText(b)
	if !strings.Contains(body, "Your email preferences are saved.") || strings.Contains(body, secret) {
		t.Errorf("after saving: the flash is missing, or the token is shown again")
	}
	checkPhonePage(t, b, "the account page after saving")

	admin := newBrowserContext(t)
	if err := chromedp.Do(admin, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(admin, base, c.users["hmis_admin"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(admin, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.ID("mode_suspects_recorded"))); err != nil {
		t.Fatalf("the HMIS team's account page: %v", err)
	}
	checkPhonePage(t, admin, "the HMIS team's account page")
}
