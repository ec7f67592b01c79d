package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBrowserDemoPacket is the "done when" on the demo CoC: the packet names the
// under-referred units and why, the HMIS team takes one offline from the page, and the dashboards
// answer how long units sit empty and how long people wait.
func TestBrowserDemoPacket(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	if _, err := demo.Load(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	in, err := db.PacketInputs(context.Background(), cas.System, report.Thresholds{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var suspect report.Suspect
	for _, s := range report.BuildPacket(in).Programs {
		if len(s.Suspects) > 0 {
			suspect = s.Suspects[0]
			break
		}
	}
	if suspect.UnitID == "" {
		t.Fatal("the demo has no under-referral suspect")
	}
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := signInWith(b, base, demo.HMISAdminEmail, demo.Password); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(b, chromedp.Navigate(base+"/reports/hpl-packet"), chromedp.WaitVisible(chromedp.ID("suspect-"+suspect.UnitID))); err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(b, chromedp.Text(chromedp.ID("suspect-"+suspect.UnitID)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{suspect.UnitLabel}, suspect.Reasons...) {
		if !strings.Contains(row, want) {
			t.Errorf("the packet's row %q lacks %q", row, want)
		}
	}
	screenshot(t, b, "hpl-packet")
	// Printed, the packet keeps the suspects' table and drops the controls around it.
	type printed struct {
		Row, Button, Checkbox bool
	}
	if err := chromedp.Do(b, media("print")); err != nil {
		t.Fatal(err)
	}
	look, err := chromedp.Run(b, chromedp.Evaluate[printed](`(() => {
		const shown = el => el !== null && el.getClientRects().length > 0;
		return {row: shown(document.getElementById("suspect-`+suspect.UnitID+`")),
			button: shown(document.querySelector(".suspects-form button")),
			checkbox: shown(document.getElementById("pick-`+suspect.UnitID+`"))};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !look.Row || look.Button || look.Checkbox {
		t.Errorf("printed packet: %+v, want the suspect's row without the form's controls", look)
	}
	if err := chromedp.Do(b, media("")); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(b, chromedp.Navigate(base+"/reports/under-referral"), chromedp.WaitVisible(chromedp.ID("pick-"+suspect.UnitID))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, b, "under-referral")
	offline := `button[formaction="/reports/under-referral/offline"]`
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.ID("pick-"+suspect.UnitID)),
		chromedp.Click(chromedp.CSS(offline)),
		// The question a destructive action asks first (confirm.go), answered yes.
		chromedp.WaitVisible(chromedp.CSS(`main form button.danger`)),
		chromedp.Click(chromedp.CSS(`main form button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	); err != nil {
		t.Fatal(err)
	}
	if text, _ := bodyText(b); !strings.Contains(text, "1 unit offline; their agencies were told.") {
		t.Errorf("no confirmation after taking the suspect offline:\n%s", text)
	}
	u, err := db.Unit(context.Background(), cas.System, suspect.UnitID)
	if err != nil || u.Status != cas.UnitOffline {
		t.Errorf("the suspect is %s (%v), want offline", u.Status, err)
	}

	if err := chromedp.Do(b, chromedp.Navigate(base+"/reports/dashboard"), chromedp.WaitVisible(chromedp.ID("figure-vacancy"))); err != nil {
		t.Fatal(err)
	}
	if text, _ := bodyText(b); !strings.Contains(text, "Units sit empty a median of") || !strings.Contains(text, "People wait a median of") {
		t.Errorf("the demo's dashboard does not answer the two questions:\n%s", text)
	}
	screenshot(t, b, "dashboard")
}

// media emulates a CSS media type, such as print; "" ends the emulation.
func media(kind string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: kind})
		return err
	})
}
