package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/web"
)

// chromium finds Debian's Chromium. Browser tests skip without it, unless CI is set.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required under CI (apt-get install chromium)")
	}
	t.Skip("no Chromium; install Debian's chromium to run the browser tests")
	return ""
}

// newBrowserContext starts a headless Chromium for the test, which gives it 90 seconds.
func newBrowserContext(t *testing.T) context.Context {
	t.Helper()
	return newBrowserContextFor(t, 90*time.Second)
}

// newBrowserContextFor starts a headless Chromium for the test, which gives it d.
func newBrowserContextFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// screenshot saves the page as a test artifact in artifacts/screenshots, and into
// docs/screenshots for the README when DOORWAY_UPDATE_SCREENSHOTS is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{filepath.Join("..", "..", "artifacts", "screenshots")}
	if os.Getenv("DOORWAY_UPDATE_SCREENSHOTS") != "" {
		dirs = append(dirs, filepath.Join("..", "..", "docs", "screenshots"))
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startUI serves the web UI over db.
func startUI(t *testing.T, db *store.DB) string {
	t.Helper()
	srv := httptest.NewServer(web.New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// signInAs signs the browser in through the sign-in form, with the tests' password.
func signInAs(ctx context.Context, base, email string) error {
	return signInWith(ctx, base, email, "a long enough password")
}

// signInWith signs the browser in through the sign-in form.
func signInWith(ctx context.Context, base, email, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitNotPresent(chromedp.ID("password")),
	)
}

// bodyText is the visible text of the page.
func bodyText(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
}

func TestBrowserRefusesCrossSiteFormPost(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	base := startUI(t, db)
	// A page on another site that posts a form to Doorway as soon as it loads.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><form id="f" method="post" action="%s/logout"></form><script>document.getElementById("f").submit()</script>`, base)
	}))
	t.Cleanup(evil.Close)
	ctx := newBrowserContext(t)
	if err := signInAs(ctx, base, c.users["agency_user"].Email); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)), chromedp.Sleep(time.Second)); err != nil {
		t.Fatal(err)
	}
	body, err := bodyText(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(body), "cross-origin") {
		t.Errorf("the cross-site post was not refused; the page says %q", body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/inbox")); err != nil {
		t.Fatal(err)
	}
	landed, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(landed, "/inbox") {
		t.Errorf("the cross-site post signed the user out: now at %s", landed)
	}
}

// referralFixture is a Harbor program with one unit, a ready client on the HPL, and the engine's
// referral of that client to the unit.
func referralFixture(t *testing.T, db *store.DB, c *coc) (cas.Referral, cas.Unit) {
	t.Helper()
	p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: c.harbor.ID, Name: "Harbor Family PSH", ProjectType: cas.ProjectPSH})
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Harbor Commons", Address: "412 Harbor Street"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: "Apt 101", Bedrooms: 2, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Maria", LastName: "Santos", BirthDate: "1988-04-12", HouseholdSize: 3,
		HouseholdType: cas.WithChildren, Chronic: true, Consent: true, HMISPersonalID: "P000417"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cl.ID, Score: 14, AssessedOn: "2026-05-02", DaysHomeless: 730, IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	run, err := db.RunMatch(ctx, false)
	if err != nil || len(run.Referrals) != 1 {
		t.Fatalf("engine referral: %+v %v", run.Referrals, err)
	}
	return run.Referrals[0], u
}

func TestBrowserAgencyUserAcceptsAndMovesIn(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	ref, unit := referralFixture(t, db, c)
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := signInAs(b, base, c.users["agency_user"].Email); err != nil {
		t.Fatal(err)
	}
	landed, err := chromedp.Run(b, chromedp.Location())
	if err != nil || !strings.HasSuffix(landed, "/referrals") {
		t.Fatalf("an agency user lands on %s (%v), want Incoming referrals", landed, err)
	}
	body, _ := bodyText(b)
	if !strings.Contains(body, "Harbor Family PSH") {
		t.Fatalf("Incoming referrals lacks the new referral:\n%s", body)
	}
	screenshot(t, b, "incoming-referrals")
	steps := []struct {
		name   string
		act    chromedp.Action[chromedp.Void]
		status cas.ReferralStatus
	}{
		{"open the referral", chromedp.Click(chromedp.CSS(`a[href="/referrals/` + ref.ID + `"]`)), cas.ReferralPending},
		{"accept it", chromedp.Click(chromedp.CSS(`form[action$="/accept"] button`)), cas.ReferralAccepted},
		{"move the client in", chromedp.Click(chromedp.CSS(`form[action$="/move-in"] button`)), cas.ReferralHoused},
	}
	for _, s := range steps {
		if err := chromedp.Do(b, s.act, chromedp.WaitReady(chromedp.CSS("main")), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if s.status == cas.ReferralPending {
			screenshot(t, b, "referral")
			if body, _ := bodyText(b); !strings.Contains(body, "Maria") {
				t.Errorf("the referral page lacks the client's details:\n%s", body)
			}
		}
		got, _, err := db.Referral(ctx, cas.System, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != s.status {
			t.Fatalf("after %s the referral is %s, want %s", s.name, got.Status, s.status)
		}
	}
	if u, _ := db.Unit(ctx, cas.System, unit.ID); u.Status != cas.UnitOccupied {
		t.Errorf("after move-in the unit is %s", u.Status)
	}
	if err := chromedp.Do(b, chromedp.Navigate(base+"/units"), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, b, "units")
}

func TestBrowserCASAdminOverRefers(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	ref, _ := referralFixture(t, db, c) // the facility's only unit is now held by this referral
	cl, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Terrence", LastName: "Hale", BirthDate: "1979-09-30", HouseholdSize: 4,
		HouseholdType: cas.WithChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cl.ID, Score: 12, AssessedOn: "2026-06-01", DaysHomeless: 400, IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := signInAs(b, base, c.users["cas_admin"].Email); err != nil {
		t.Fatal(err)
	}
	screenshot(t, b, "hpl")
	err = chromedp.Do(b,
		chromedp.Navigate(base+"/clients/"+cl.ID),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/refer"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="facility_id"]`), ref.FacilityID),
		chromedp.Click(chromedp.CSS(`form[action$="/refer"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("full-warning")),
	)
	if err != nil {
		t.Fatalf("referring to the full facility: %v", err)
	}
	screenshot(t, b, "over-referral-warning")
	if list, _, _ := db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: cl.ID}, store.Page{}); len(list) != 0 {
		t.Fatalf("the warning came after a referral was made: %+v", list)
	}
	err = chromedp.Do(b,
		chromedp.SetValue(chromedp.CSS(`select[name="facility_id"]`), ref.FacilityID),
		chromedp.Click(chromedp.CSS(`input[name="over_refer"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/refer"] input[name="reason"]`), "Apt 101 turns over on the 1st"),
		chromedp.Click(chromedp.CSS(`form[action$="/refer"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("full-warning")),
		chromedp.Sleep(300*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("over-referring: %v", err)
	}
	list, _, err := db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: cl.ID}, store.Page{})
	if err != nil || len(list) != 1 || !list[0].OverRefer || list[0].OverReferReason != "Apt 101 turns over on the 1st" {
		t.Fatalf("over-referral: %+v %v", list, err)
	}
	for _, page := range []string{"board"} {
		if err := chromedp.Do(b, chromedp.Navigate(base+"/"+page), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, b, page)
	}
}

func TestBrowserHMISTeamLandsOnInventory(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	referralFixture(t, db, c)
	base := startUI(t, db)
	b := newBrowserContext(t)
	if err := chromedp.Do(b, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, b, "sign-in")
	if err := signInAs(b, base, c.users["hmis_admin"].Email); err != nil {
		t.Fatal(err)
	}
	landed, err := chromedp.Run(b, chromedp.Location())
	if err != nil || !strings.HasSuffix(landed, "/inventory") {
		t.Fatalf("the HMIS team lands on %s (%v), want Inventory", landed, err)
	}
	if body, _ := bodyText(b); !strings.Contains(body, "Apt 101") {
		t.Errorf("the inventory lacks the unit:\n%s", body)
	}
	screenshot(t, b, "inventory")
}
