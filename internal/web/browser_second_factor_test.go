package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBrowserSecondFactor: on a phone, the HMIS team requires a second factor of CAS admins; a
// CAS admin signing in is sent to set one up, reads the key off the page, confirms a code, is shown
// the recovery codes, and next time signs in with a code. Each page fits 390 px and axe-core finds
// nothing on it.
func TestBrowserSecondFactor(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clock := storetest.NewClock(time.Now().UTC())
	db.Now = clock.Now
	c := newCoC(t, db)
	base := startUI(t, db)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)

	admin := newBrowserContext(t)
	if err := chromedp.Do(admin, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(admin, base, c.users["hmis_admin"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("required-cas_admin")),
		chromedp.Click(chromedp.ID("required-cas_admin")),
		chromedp.Submit(chromedp.ID("required-cas_admin")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatalf("require a second factor of CAS admins: %v", err)
	}
	checkPhonePage(t, admin, "the users page with the second factor's roles")
	if roles, _ := db.SecondFactorRoles(ctx); len(roles) != 1 || roles[0] != cas.RoleCASAdmin {
		t.Fatalf("roles required: %v", roles)
	}

	b := newBrowserContext(t)
	if err := chromedp.Do(b, phone); err != nil {
		t.Fatal(err)
	}
	email := c.users["cas_admin"].Email
	if err := signInAs(b, base, email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("secret"))); err != nil {
		t.Fatalf("the CAS admin is not sent to set up a second factor: %v", err)
	}
	secret, err := chromedp.Run(b, chromedp.Text(chromedp.ID("secret")))
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(b, chromedp.Location()); !strings.HasSuffix(loc, "/account/totp") {
		t.Errorf("signed in, the CAS admin is at %s", loc)
	}
	checkPhonePage(t, b, "the second factor's set-up page")
	screenshot(t, b, "second-factor-setup")
	secret = strings.ReplaceAll(secret, " ", "")
	if err := chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("code"), storetest.TOTPCode(t, secret, db.Now())),
		chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitVisible(chromedp.CSS("ol.codes")),
	); err != nil {
		t.Fatalf("confirm the code: %v", err)
	}
	checkPhonePage(t, b, "the recovery codes page")

	// Next time: the password, then the code.
	clock.Advance(30 * time.Second)
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.CSS(".signout button")),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "a long enough password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("code")),
	); err != nil {
		t.Fatalf("sign in again: %v", err)
	}
	checkPhonePage(t, b, "the sign-in's code page")
	if err := chromedp.Do(b,
		chromedp.SendKeys(chromedp.ID("code"), storetest.TOTPCode(t, secret, db.Now())),
		chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitNotPresent(chromedp.ID("code")),
	); err != nil {
		t.Fatalf("the code: %v", err)
	}
	body, _ := bodyText(b)
	if !strings.Contains(body, "Sign out") || strings.Contains(body, "Set it up to continue") {
		t.Errorf("not signed in after the code:\n%s", body)
	}

	// A throttled sign-in says when to try again, on a phone too.
	other := newBrowserContext(t)
	if err := chromedp.Do(other, phone); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if err := chromedp.Do(other,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), c.users["agency_user"].Email),
			chromedp.SendKeys(chromedp.ID("password"), "not the password!"),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.CSS("p.error")),
		); err != nil {
			t.Fatal(err)
		}
	}
	if body, _ := bodyText(other); !strings.Contains(body, "Try again at") {
		t.Errorf("the sixth wrong password does not say when to try again:\n%s", body)
	}
	checkPhonePage(t, other, "the throttled sign-in page")
}
