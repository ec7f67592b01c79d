package web

import (
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// casWorld is a CoC on a controlled clock: a CAS admin, an HMIS admin, an agency user of Harbor,
// Harbor's PSH program with a facility that has one free unit and a facility whose only unit is
// occupied.
type casWorld struct {
	db                     *store.DB
	clock                  *storetest.Clock
	url                    string
	harbor                 cas.Agency
	program                cas.Program
	commons, annex         cas.Facility
	commonsUnit, annexUnit cas.Unit
}

const (
	casAdminEmail = "cas@coc.test"
	hmisEmail     = "hmis@coc.test"
	agencyEmail   = "staff@harbor.test"
)

func newCASWorld(t *testing.T) *casWorld {
	t.Helper()
	return newCASWorldOn(t, storetest.Open(t, storetest.SQLiteURL(t)))
}

// newCASWorldOn is newCASWorld on a given database, for tests that run on each of them.
func newCASWorldOn(t *testing.T, db *store.DB) *casWorld {
	t.Helper()
	ctx := context.Background()
	w := &casWorld{db: db, clock: storetest.NewClock(time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC))}
	db.Now = w.clock.Now
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.harbor, err = db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	must(err)
	for _, u := range []cas.User{
		{Email: casAdminEmail, Name: "Casey Admin", Role: cas.RoleCASAdmin},
		{Email: hmisEmail, Name: "Hana HMIS", Role: cas.RoleHMISAdmin},
		{Email: agencyEmail, Name: "Harbor Staff", Role: cas.RoleAgencyUser, AgencyID: w.harbor.ID},
	} {
		_, err := db.CreateUser(ctx, cas.System, u, "a long enough password")
		must(err)
	}
	w.program, err = db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: w.harbor.ID, Name: "Harbor Family PSH", ProjectType: cas.ProjectPSH})
	must(err)
	w.commons, err = db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: w.program.ID, Name: "Harbor Commons", Address: "412 Harbor Street"})
	must(err)
	w.annex, err = db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: w.program.ID, Name: "Harbor Annex", Address: "418 Harbor Street"})
	must(err)
	both := []cas.HouseholdType{cas.WithoutChildren, cas.WithChildren}
	w.commonsUnit, err = db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: w.commons.ID, Label: "Apt 101", Bedrooms: 2, HouseholdTypes: both})
	must(err)
	w.annexUnit, err = db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: w.annex.ID, Label: "Annex 1", Bedrooms: 2, HouseholdTypes: both})
	must(err)
	_, err = db.CheckIn(ctx, cas.System, w.annexUnit.ID, "", "Current Tenant")
	must(err)
	return w
}

// addClient creates a client with consent and puts them on the HPL.
func (w *casWorld) addClient(t *testing.T, first, last, personalID string, score int, household cas.HouseholdType, size int) cas.Client {
	t.Helper()
	ctx := context.Background()
	c, err := w.db.CreateClient(ctx, cas.System, cas.Client{FirstName: first, LastName: last, BirthDate: "1980-03-04", HMISPersonalID: personalID,
		HouseholdSize: size, HouseholdType: household, Consent: true, Chronic: score > 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: c.ID, Score: score, AssessedOn: "2026-05-02", DaysHomeless: 100 + score,
		IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *casWorld) browser(t *testing.T, email string) *browser {
	b := newBrowser(t, w.url)
	b.signIn(email)
	return b
}

// inOrder reports whether the strings occur in body in this order.
func inOrder(body string, parts ...string) bool {
	at := 0
	for _, p := range parts {
		i := strings.Index(body[at:], p)
		if i < 0 {
			return false
		}
		at += i + len(p)
	}
	return true
}

func TestClientPageAndManualReferral(t *testing.T) {
	ctx := context.Background()
	w := newCASWorld(t)
	maria := w.addClient(t, "Maria", "Santos", "P000417", 14, cas.WithChildren, 3)
	bo := w.addClient(t, "Bo", "Young", "", 5, cas.WithoutChildren, 1)
	b := w.browser(t, casAdminEmail)

	status, body := b.getPage("/clients/" + maria.ID)
	if status != http.StatusOK {
		t.Fatalf("GET client page: %d\n%s", status, body)
	}
	for _, want := range []string{"Maria Santos", "P000417", `<strong>1</strong>`, `action="/clients/` + maria.ID + `/refer"`, `name="facility_id"`,
		`name="over_refer"`, `name="reason"`, `name="expected_vacancy"`, "Harbor Commons — Harbor Family PSH — 1 free unit",
		"Harbor Annex — Harbor Family PSH — no free unit", "No referrals yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the client page lacks %q", want)
		}
	}
	if status, body := w.browser(t, hmisEmail).getPage("/clients/" + maria.ID); status != http.StatusOK || strings.Contains(body, "/refer\"") {
		t.Errorf("the HMIS team's client page: %d, refer form shown: %v", status, strings.Contains(body, "/refer\""))
	}
	if status, _ := b.getPage("/clients/no-such-client"); status != http.StatusNotFound {
		t.Errorf("an unknown client: %d, want 404", status)
	}

	// No facility chosen.
	status, _, body = b.postForm("/clients/"+maria.ID+"/refer", url.Values{"facility_id": {""}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="facility_id-error"`) {
		t.Errorf("no facility: %d, want 400 with the message next to facility_id", status)
	}

	// A facility with a free unit: a referral that holds it.
	status, loc, _ := b.postForm("/clients/"+maria.ID+"/refer", url.Values{"facility_id": {w.commons.ID}})
	refs, _, err := w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: maria.ID}, store.Page{})
	if err != nil || len(refs) != 1 {
		t.Fatalf("after referring: %d %q, referrals %+v %v", status, loc, refs, err)
	}
	if status != http.StatusSeeOther || loc != "/referrals/"+refs[0].ID || refs[0].UnitID != w.commonsUnit.ID || refs[0].OverRefer {
		t.Errorf("referral: %d %q %+v", status, loc, refs[0])
	}
	if _, body := b.getPage("/clients/" + maria.ID); !strings.Contains(body, "Referral sent") || !strings.Contains(body, `href="/referrals/`+refs[0].ID+`"`) ||
		!strings.Contains(body, "Apt 101") {
		t.Errorf("the client page after referring lacks the flash or the referral")
	}

	// The Commons' unit is held now: the form says so, and Bo's referral there is refused.
	if _, body := b.getPage("/clients/" + bo.ID); !strings.Contains(body, "Harbor Commons — Harbor Family PSH — no free unit") {
		t.Errorf("a held unit is still offered as free")
	}
	status, _, body = b.postForm("/clients/"+bo.ID+"/refer", url.Values{"facility_id": {w.annex.ID}})
	if status != http.StatusConflict || !strings.Contains(body, `id="full-warning"`) || !strings.Contains(body, "reason to over-refer") {
		t.Errorf("referring to a full facility: %d, want 409 with the warning\n%s", status, body)
	}
	if !strings.Contains(body, `<option value="`+w.annex.ID+`" selected>`) {
		t.Errorf("the refused form forgets the facility")
	}
	if refs, _, _ := w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: bo.ID}, store.Page{}); len(refs) != 0 {
		t.Fatalf("a referral was made to a full facility: %+v", refs)
	}

	// Over-referring needs a reason.
	status, _, body = b.postForm("/clients/"+bo.ID+"/refer", url.Values{"facility_id": {w.annex.ID}, "over_refer": {"on"}, "expected_vacancy": {"2026-07-15"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="reason-error"`) || strings.Contains(body, `id="full-warning"`) {
		t.Errorf("over-referring without a reason: %d, want 400 with the message next to reason\n%s", status, body)
	}
	if !strings.Contains(body, `value="2026-07-15"`) {
		t.Errorf("the refused form forgets the expected vacancy")
	}
	status, _, body = b.postForm("/clients/"+bo.ID+"/refer", url.Values{"facility_id": {w.annex.ID}, "over_refer": {"on"}, "reason": {"x"},
		"expected_vacancy": {"soon"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="expected_vacancy-error"`) {
		t.Errorf("a bad expected vacancy: %d, want 400 with the message next to it", status)
	}

	status, loc, _ = b.postForm("/clients/"+bo.ID+"/refer", url.Values{"facility_id": {w.annex.ID}, "over_refer": {"on"},
		"reason": {"Annex 1 turns over on the 15th"}, "expected_vacancy": {"2026-07-15"}})
	refs, _, _ = w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: bo.ID}, store.Page{})
	if status != http.StatusSeeOther || len(refs) != 1 || loc != "/referrals/"+refs[0].ID || !refs[0].OverRefer ||
		refs[0].OverReferReason != "Annex 1 turns over on the 15th" || refs[0].ExpectedVacancy != "2026-07-15" {
		t.Fatalf("over-referral: %d %q %+v", status, loc, refs)
	}
	if _, body := b.getPage("/clients/" + bo.ID); !strings.Contains(body, "Over-referral sent") {
		t.Errorf("no Over-referral sent flash")
	}

	// A client without consent is refused above the form.
	noConsent, err := w.db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Nia", LastName: "Okafor", BirthDate: "1990-01-01", HouseholdSize: 1,
		HouseholdType: cas.WithoutChildren})
	if err != nil {
		t.Fatal(err)
	}
	if _, body := b.getPage("/clients/" + noConsent.ID); !strings.Contains(body, `id="no-consent"`) || !strings.Contains(body, "not on the HPL") {
		t.Errorf("the page of a client without consent and off the HPL does not say so")
	}
	status, _, body = b.postForm("/clients/"+noConsent.ID+"/refer", url.Values{"facility_id": {w.commons.ID}})
	if status != http.StatusConflict || !strings.Contains(body, "release of information") {
		t.Errorf("referring a client without consent: %d", status)
	}

	if status, _, _ := w.browser(t, hmisEmail).postForm("/clients/"+bo.ID+"/refer", url.Values{"facility_id": {w.commons.ID}}); status != http.StatusForbidden {
		t.Errorf("the HMIS team referred: %d, want 403", status)
	}
}

func TestClientPageShowsDemographics(t *testing.T) {
	ctx := context.Background()
	w := newCASWorld(t)
	maria := w.addClient(t, "Maria", "Santos", "P000417", 14, cas.WithChildren, 3)
	bo := w.addClient(t, "Bo", "Young", "", 5, cas.WithoutChildren, 1)
	if _, err := w.db.UpdateClient(ctx, cas.System, maria.ID, func(c *cas.Client) {
		c.Race, c.Gender, c.Sex = []cas.Race{cas.RaceWhite, cas.RaceHispanic}, []cas.Gender{cas.GenderWoman}, cas.SexFemale
	}); err != nil {
		t.Fatal(err)
	}
	b := w.browser(t, casAdminEmail)
	for _, c := range []struct {
		client cas.Client
		want   []string
	}{
		{maria, []string{`<dd id="client-race">Hispanic/Latina/e/o, White</dd>`, `<dd id="client-gender">Woman (Girl, if child)</dd>`,
			`<dd id="client-sex">Female</dd>`}},
		{bo, []string{`<dd id="client-race"><span class="muted">Not collected</span></dd>`,
			`<dd id="client-gender"><span class="muted">Not collected</span></dd>`, `<dd id="client-sex"><span class="muted">Not collected</span></dd>`}},
	} {
		status, body := b.getPage("/clients/" + c.client.ID)
		if status != http.StatusOK {
			t.Fatalf("GET client page: %d", status)
		}
		for _, want := range c.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s's page lacks %s", c.client.FirstName, want)
			}
		}
	}
}

func TestClientPageEligibilityOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testClientPageEligibilityOverride(t, newCASWorldOn(t, db)) })
}

func testClientPageEligibilityOverride(t *testing.T, w *casWorld) {
	ctx := context.Background()
	// Harbor Family PSH serves veterans only; Maria is not one.
	if _, err := w.db.UpdateProgram(ctx, cas.System, w.program.ID, func(p *cas.Program) {
		p.Requirements.Populations = []cas.Population{cas.Veteran}
	}); err != nil {
		t.Fatal(err)
	}
	maria := w.addClient(t, "Maria", "Santos", "P000417", 14, cas.WithChildren, 3)
	b := w.browser(t, casAdminEmail)
	if _, body := b.getPage("/clients/" + maria.ID); !strings.Contains(body, `name="eligibility_override_reason"`) || strings.Contains(body, `id="eligibility-refusal"`) {
		t.Errorf("the refer form lacks the optional override reason, or shows a refusal before any")
	}

	t.Run("a referral the rules refuse lists the failed rules next to the reason, and nothing is made", func(t *testing.T) {
		status, _, body := b.postForm("/clients/"+maria.ID+"/refer", url.Values{"facility_id": {w.commons.ID}})
		if status != http.StatusConflict {
			t.Fatalf("referring an ineligible client: %d, want 409\n%s", status, body)
		}
		for _, want := range []string{`id="eligibility-refusal"`, `<li>not a veteran</li>`, `id="eligibility_override_reason-error"`,
			"A reason is needed to refer anyway", "Give a reason to refer despite the rules listed above.", `aria-describedby="eligibility_override_reason-error eligibility_override_reason-rules"`,
			`<option value="` + w.commons.ID + `" selected>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if strings.Contains(body, "eligibility_override_reason.") || strings.Contains(body, `id="full-warning"`) {
			t.Errorf("the refusal names the API's field, or warns of a full facility")
		}
		if refs, _, _ := w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: maria.ID}, store.Page{}); len(refs) != 0 {
			t.Errorf("a refused referral was made: %+v", refs)
		}
	})

	t.Run("with a reason the referral is made and flagged", func(t *testing.T) {
		status, loc, _ := b.postForm("/clients/"+maria.ID+"/refer", url.Values{"facility_id": {w.commons.ID},
			"eligibility_override_reason": {"Veteran status confirmed by phone; DD-214 requested"}})
		refs, _, err := w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: maria.ID}, store.Page{})
		if err != nil || len(refs) != 1 {
			t.Fatalf("after referring with a reason: %d %q, referrals %+v %v", status, loc, refs, err)
		}
		ref := refs[0]
		if status != http.StatusSeeOther || loc != "/referrals/"+ref.ID || !ref.EligibilityOverride ||
			ref.EligibilityOverrideReason != "Veteran status confirmed by phone; DD-214 requested" || ref.UnitID != w.commonsUnit.ID {
			t.Errorf("referral: %d %q %+v", status, loc, ref)
		}
		if _, body := b.getPage(loc); !strings.Contains(body, `id="eligibility-override"`) || !strings.Contains(body, "DD-214 requested") {
			t.Errorf("the referral page does not flag the override with its reason")
		}
	})
}

// uploadConsent posts a consent list as the consent page's form and returns the status, the
// redirect and the page.
func (b *browser) uploadConsent(list string) (int, string, string) {
	b.t.Helper()
	resp, page := b.postMultipart("/clients/consent", func(mw *multipart.Writer) {
		fw, _ := mw.CreateFormFile("consent", "consent.csv")
		fw.Write([]byte(list))
	})
	return resp.StatusCode, resp.Header.Get("Location"), page
}

func TestConsentUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
		t.Cleanup(srv.Close)
		if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "CAS", Role: cas.RoleCASAdmin}, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		var clients []cas.Client
		for _, pid := range []string{"P1", "P2"} {
			c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Client", LastName: pid, BirthDate: "1980-01-01", HMISPersonalID: pid,
				HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
		b := newBrowser(t, srv.URL)
		b.signIn("cas@coc.test")
		if status, page := b.getPage("/clients/consent"); status != 200 || !strings.Contains(page, "PersonalID,ConsentDate,ExpirationDate") {
			t.Fatalf("consent page: %d", status)
		}

		status, _, page := b.uploadConsent("PersonalID,ConsentDate,ExpirationDate\nP1,2026-01-05,\nP9,2026-01-05,\nP2,05/01/2026,\n")
		if status != 400 || !strings.Contains(page, "consent.csv line 4, column ConsentDate") || !strings.Contains(page, "Nothing was recorded") {
			t.Fatalf("a list with a bad date: %d\n%s", status, page)
		}
		status, _, page = b.uploadConsent("PersonalID,ConsentDate,ExpirationDate\nP1,2026-01-05,\nP9,2026-01-05,\n")
		if status != 400 || !strings.Contains(page, `consent.csv line 3: no client has HMIS PersonalID &#34;P9&#34;`) {
			t.Fatalf("a list naming an unknown client: %d\n%s", status, page)
		}
		if c, _ := db.Client(ctx, cas.System, clients[0].ID); c.Consent {
			t.Fatal("a refused list recorded consent")
		}

		status, location, _ := b.uploadConsent("PersonalID,ConsentDate,ExpirationDate\nP1,2025-01-05,2025-06-30\nP2,2026-02-01,2099-01-31\n")
		if status != http.StatusSeeOther || location != "/clients/consent" {
			t.Fatalf("a good list: %d %s", status, location)
		}
		if _, page := b.getPage(location); !strings.Contains(page, "Consent recorded for 2 clients.") {
			t.Errorf("no confirmation:\n%s", page)
		}
		if c, _ := db.Client(ctx, cas.System, clients[1].ID); !c.Consent || c.ConsentDate != "2026-02-01" || c.ConsentExpiresOn != "2099-01-31" {
			t.Errorf("P2 after the upload: %+v", c)
		}
		if _, page := b.getPage("/clients/" + clients[0].ID); !strings.Contains(page, "release of information expired on 2025-06-30") {
			t.Errorf("the client page does not say P1's consent expired:\n%s", page)
		}
		if _, page := b.getPage("/clients/" + clients[1].ID); strings.Contains(page, `id="no-consent"`) || !strings.Contains(page, "holds until 2099-01-31") {
			t.Errorf("the client page of P2, whose consent holds:\n%s", page)
		}
	})
}

// TestMissingBirthDateShown: a client imported without a birth date is on the HPL, flagged, and
// the client page says what that means.
func TestMissingBirthDateShown(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	ctx := context.Background()
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "CAS", Role: cas.RoleCASAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Unknown", LastName: "Age", HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: c.ID, Score: 5, AssessedOn: "2026-01-05", IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv.URL)
	b.signIn("cas@coc.test")
	if _, page := b.getPage("/hpl"); !strings.Contains(page, "Birth date missing") {
		t.Errorf("the HPL does not flag the missing birth date:\n%s", page)
	}
	if _, page := b.getPage("/clients/" + c.ID); !strings.Contains(page, `id="no-birth-date"`) || strings.Contains(page, "years)") {
		t.Errorf("the client page does not say the birth date is missing:\n%s", page)
	}
}
