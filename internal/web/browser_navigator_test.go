package web_test

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// axeSource is axe-core 4.14.1 from npm, vendored (testdata/axe-core, with its licence).
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// axeViolations runs axe-core on the page and lists what it finds, one line per rule broken.
func axeViolations(ctx context.Context) ([]string, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";\ntrue")); err != nil {
		return nil, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document).then(r => r.violations.map(v =>
		v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
}

// checkPhonePage checks the page reads at a phone's width: no sideways scrolling, and nothing axe-core
// flags.
func checkPhonePage(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	// Against the phone's width, not window.innerWidth: a mobile browser zooms out to show a page
	// wider than the screen, and innerWidth grows with it.
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.documentElement.scrollWidth <= %d`, phoneWidth)))
	if err != nil {
		t.Fatal(err)
	}
	if !fits {
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll("body *")].filter(e =>
			e.getBoundingClientRect().right > %[1]d + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > %[1]d + 1))
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " (" +
			Math.round(e.getBoundingClientRect().right) + " px): " + e.textContent.trim().slice(0, 40))`, phoneWidth)))
		t.Errorf("%s scrolls sideways at 390 px (%v): %s", what, err, strings.Join(wide, "; "))
	}
	violations, err := axeViolations(ctx)
	if err != nil {
		t.Fatalf("axe on %s: %v", what, err)
	}
	for _, v := range violations {
		t.Errorf("%s: %s", what, v)
	}
}

// TestBrowserNavigatorAndAgencyExchangeNotes: Riverside's case manager navigates Maria, whom the
// engine referred to Harbor. On a phone, the navigator reads the referral with no way to answer it
// (and a forged answer is refused), and writes a note; Harbor reads it beside Maria's contact
// details and her navigator's, and answers with a note of its own, which the navigator reads,
// with JavaScript off.
func TestBrowserNavigatorAndAgencyExchangeNotes(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	ref, _ := referralFixture(t, db, c)
	navigator := c.users["other_agency_user"]
	if _, err := db.UpdateClient(ctx, cas.System, ref.ClientID, func(cl *cas.Client) {
		cl.Phone, cl.Email, cl.ContactNotes, cl.NavigatorUserID = "555-0123", "maria@example.test", "At the Elm St shelter most evenings", navigator.ID
	}); err != nil {
		t.Fatal(err)
	}
	base := startUI(t, db)
	page := base + "/referrals/" + ref.ID
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	note := func(b context.Context, text string) error {
		return chromedp.Do(b,
			chromedp.Navigate(page),
			chromedp.WaitVisible(chromedp.ID("note-text")),
			chromedp.SendKeys(chromedp.ID("note-text"), text),
			chromedp.Click(chromedp.CSS(`#add-note button[type="submit"]`)),
			chromedp.WaitReady(chromedp.CSS("main")),
			chromedp.Sleep(200*time.Millisecond),
		)
	}

	nav := newBrowserContext(t)
	if err := chromedp.Do(nav, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(nav, base, navigator.Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(nav, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("navigator-notice"))); err != nil {
		t.Fatalf("the navigator opens the referral: %v", err)
	}
	body, _ := bodyText(nav)
	for _, want := range []string{"Maria", "555-0123", "At the Elm St shelter most evenings", "You are this client's navigator"} {
		if !strings.Contains(body, want) {
			t.Errorf("the navigator's referral page lacks %q", want)
		}
	}
	answers, err := chromedp.Run(nav, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/accept"], form[action$="/decline"], form[action$="/move-in"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if answers != 0 {
		t.Errorf("the navigator is offered %d forms to answer the referral", answers)
	}
	checkPhonePage(t, nav, "the navigator's referral page")
	// A forged answer, posted as the page would, is refused.
	if _, err := chromedp.Run(nav, chromedp.Evaluate[bool](`(() => { const f = document.createElement("form"); f.method = "post";
		f.action = location.pathname + "/accept"; document.body.appendChild(f); f.submit(); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(nav, chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.Referral(ctx, cas.System, ref.ID); got.Status != cas.ReferralPending {
		t.Fatalf("after the navigator's forged accept the referral is %s", got.Status)
	}
	if err := note(nav, "Maria works days; call after 6pm."); err != nil {
		t.Fatalf("the navigator's note: %v", err)
	}

	agency := newBrowserContext(t)
	if err := chromedp.Do(agency, phone); err != nil {
		t.Fatal(err)
	}
	if err := signInAs(agency, base, c.users["agency_user"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(agency, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("client-navigator"))); err != nil {
		t.Fatal(err)
	}
	body, _ = bodyText(agency)
	for _, want := range []string{"Maria works days; call after 6pm.", "555-0123", "maria@example.test", "Riverside Staff", "staff@riverside.test",
		"Riverside Housing Partners"} {
		if !strings.Contains(body, want) {
			t.Errorf("Harbor's referral page lacks %q", want)
		}
	}
	checkPhonePage(t, agency, "Harbor's referral page")
	screenshot(t, agency, "referral-navigator-notes")
	if err := note(agency, "Thanks; we will call Maria at 6:30 tonight."); err != nil {
		t.Fatalf("Harbor's note: %v", err)
	}

	// The navigator reads the answer with JavaScript off.
	noScript := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(nav, noScript, chromedp.Navigate(page), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	if body, _ := bodyText(nav); !strings.Contains(body, "Thanks; we will call Maria at 6:30 tonight.") {
		t.Errorf("the navigator does not read Harbor's note:\n%s", body)
	}
	if got, _, _ := db.Referral(ctx, cas.System, ref.ID); got.Status != cas.ReferralPending {
		t.Errorf("the notes changed the referral: %s", got.Status)
	}
}
