package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// hmisCoC is a small CoC for the HMIS team's pages: two agencies with a facility each, an HMIS
// admin, and an agency user at each agency.
type hmisCoC struct {
	db                   *store.DB
	url                  string
	harbor, riverside    cas.Agency
	hmis, harborStaff    cas.User
	riversideStaff       cas.User
	commons, oaks        cas.Facility
	oaksProgram          string
	apt101, apt102, room cas.Unit // available, occupied (Harbor Commons); offline (Riverside Oaks)
}

func newHMISCoC(t *testing.T) *hmisCoC {
	t.Helper()
	return newHMISCoCOn(t, storetest.Open(t, storetest.SQLiteURL(t)))
}

// newHMISCoCOn is newHMISCoC on a given database, for tests that run on each of them.
func newHMISCoCOn(t *testing.T, db *store.DB) *hmisCoC {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	c := &hmisCoC{db: db, url: srv.URL}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	c.harbor, err = db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	must(err)
	c.riverside, err = db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Riverside Housing Partners", HMISOrganizationID: "RHP-7"})
	must(err)
	user := func(email, name string, role cas.Role, agencyID string) cas.User {
		u, err := db.CreateUser(ctx, cas.System, cas.User{Email: email, Name: name, Role: role, AgencyID: agencyID}, "a long enough password")
		must(err)
		return u
	}
	c.hmis = user("hmis@coc.test", "Hana HMIS", cas.RoleHMISAdmin, "")
	c.harborStaff = user("staff@harbor.test", "Harper Staff", cas.RoleAgencyUser, c.harbor.ID)
	c.riversideStaff = user("staff@riverside.test", "Rivka Staff", cas.RoleAgencyUser, c.riverside.ID)

	facility := func(agencyID, program, name string) cas.Facility {
		p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: agencyID, Name: program, ProjectType: cas.ProjectPSH})
		must(err)
		f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: name, Address: "1 Main St"})
		must(err)
		return f
	}
	c.commons = facility(c.harbor.ID, "Harbor PSH", "Harbor Commons")
	c.oaks = facility(c.riverside.ID, "Riverside RRH", "Riverside Oaks")
	c.oaksProgram = c.oaks.ProgramID
	unit := func(f cas.Facility, label string, accessible bool) cas.Unit {
		u, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: label, Bedrooms: 2,
			HouseholdTypes: []cas.HouseholdType{cas.WithChildren}, Accessible: accessible})
		must(err)
		return u
	}
	c.apt101 = unit(c.commons, "Apt 101", true)
	c.apt102 = unit(c.commons, "Apt 102", false)
	c.room = unit(c.oaks, "Room 7", false)
	_, err = db.CheckIn(ctx, cas.System, c.apt102.ID, "", "Pat Doe")
	must(err)
	_, err = db.TakeOffline(ctx, cas.System, c.room.ID, cas.OfflinePeriod{Reason: "Mold remediation", ExpectedReturn: "2099-03-01"}, "")
	must(err)
	_, err = db.ConfirmInventory(ctx, cas.System, c.commons.ID)
	must(err)
	return c
}

// hmisBrowser is a browser signed in as the HMIS admin.
func (c *hmisCoC) hmisBrowser(t *testing.T) *browser {
	b := newBrowser(t, c.url)
	b.signIn("hmis@coc.test")
	return b
}

// hmisRequest sends a same-origin request like b.do, and returns the response with its body read.
func (b *browser) hmisRequest(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.request(method, path, form)
}

// getHMISPage fetches a page that must answer 200, and returns its body.
func (b *browser) getHMISPage(path string) string {
	b.t.Helper()
	resp, body := b.hmisRequest("GET", path, nil)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	return body
}

// postHMISForm posts a form that must succeed with a redirect, and returns where to.
func (b *browser) postHMISForm(path string, form url.Values) string {
	b.t.Helper()
	resp, body := b.hmisRequest("POST", path, form)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %d, want 303\n%s", path, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// hmisRow returns the HTML of the table row with the given id.
func hmisRow(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="` + regexp.QuoteMeta(id) + `">.*?</tr>`).FindString(body)
	if m == "" {
		t.Fatalf("no row %s in\n%s", id, body)
	}
	return m
}

func TestHMISInventoryPage(t *testing.T) {
	c := newHMISCoC(t)
	ctx := context.Background()
	// Riverside confirmed its roster 40 days ago, before any page was asked for.
	now := c.db.Now
	c.db.Now = func() time.Time { return now().Add(-40 * 24 * time.Hour) }
	if _, err := c.db.ConfirmInventory(ctx, cas.System, c.oaks.ID); err != nil {
		t.Fatal(err)
	}
	c.db.Now = now
	if _, err := c.db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: c.oaksProgram, Name: "Riverside Annex"}); err != nil {
		t.Fatal(err)
	}
	b := c.hmisBrowser(t)
	body := b.getHMISPage("/inventory")
	for _, want := range []string{"Harbor Family Services", "Riverside Housing Partners", "Harbor Commons", "Riverside Oaks",
		"Apt 101", "Apt 102", "Room 7", "Reason: Mold remediation", "with children",
		`<p class="muted">Inventory confirmed `,               // Harbor Commons, today
		`<p class="warning">Inventory last confirmed `,        // Riverside Oaks, 40 days ago
		`<p class="warning">Inventory never confirmed by the`, // Riverside Annex
		`action="/units/` + c.apt101.ID + `/offline"`, `action="/units/` + c.room.ID + `/online"`} {
		if !strings.Contains(body, want) {
			t.Errorf("inventory lacks %q", want)
		}
	}
	for unit, status := range map[string]string{c.apt101.ID: "available", c.apt102.ID: "occupied", c.room.ID: "offline"} {
		if row := hmisRow(t, body, "unit-"+unit); !strings.Contains(row, `<span class="status status-`+status+`">`+status+`</span>`) {
			t.Errorf("unit %s is not shown %s:\n%s", unit, status, row)
		}
	}
	if row := hmisRow(t, body, "unit-"+c.apt102.ID); strings.Contains(row, "<form") {
		t.Errorf("an occupied unit offers an action:\n%s", row)
	}
	if strings.Contains(body, "Pat Doe") {
		t.Error("the inventory shows an occupant's name")
	}

	t.Run("filters", func(t *testing.T) {
		body := b.getHMISPage("/inventory?" + url.Values{"agency_id": {c.riverside.ID}}.Encode())
		if !strings.Contains(body, "Room 7") || strings.Contains(body, "Apt 101") || strings.Contains(body, "<h2>Harbor Family Services</h2>") {
			t.Errorf("filtered by Riverside:\n%s", body)
		}
		body = b.getHMISPage("/inventory?status=offline")
		if !strings.Contains(body, "Room 7") || strings.Contains(body, "Apt 101") || strings.Contains(body, "Harbor Commons") {
			t.Errorf("filtered by offline:\n%s", body)
		}
		if !strings.Contains(body, `action="/units/`+c.room.ID+`/online?status=offline"`) {
			t.Error("the unit form does not keep the filter")
		}
		resp, body := b.hmisRequest("GET", "/inventory?status=gone", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="status-error"`) {
			t.Errorf("bad status filter: %d", resp.StatusCode)
		}
	})
}

func TestHMISTakeOfflineAndBringOnline(t *testing.T) {
	c := newHMISCoC(t)
	b := c.hmisBrowser(t)
	ctx := context.Background()

	t.Run("a reason is required, and the message is next to that unit's field", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/units/"+c.apt101.ID+"/offline", url.Values{"reason": {"  "}, "expected_return": {"2099-05-01"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("no reason: %d, want 400", resp.StatusCode)
		}
		row := hmisRow(t, body, "unit-"+c.apt101.ID)
		if !strings.Contains(row, `<span class="field-error" id="reason-`+c.apt101.ID+`-error">a reason is required`) ||
			!strings.Contains(row, `aria-describedby="reason-`+c.apt101.ID+`-error"`) || !strings.Contains(row, `value="2099-05-01"`) {
			t.Errorf("the message is not next to the unit's reason field:\n%s", row)
		}
		if u, _ := c.db.Unit(ctx, cas.System, c.apt101.ID); u.Status != cas.UnitAvailable {
			t.Errorf("unit is %s", u.Status)
		}
	})

	t.Run("take offline", func(t *testing.T) {
		to := b.postHMISForm("/units/"+c.apt101.ID+"/offline?agency_id="+c.harbor.ID,
			url.Values{"reason": {"Water damage"}, "expected_return": {"2099-05-01"}})
		if to != "/inventory?agency_id="+c.harbor.ID+"#unit-"+c.apt101.ID {
			t.Errorf("redirect to %s", to)
		}
		if u, _ := c.db.Unit(ctx, cas.System, c.apt101.ID); u.Status != cas.UnitOffline {
			t.Errorf("unit is %s, want offline", u.Status)
		}
		body := b.getHMISPage(to)
		row := hmisRow(t, body, "unit-"+c.apt101.ID)
		if !strings.Contains(row, "Reason: Water damage") || !strings.Contains(row, "/online") {
			t.Errorf("offline unit row:\n%s", row)
		}
		if !strings.Contains(body, "Unit Apt 101 is offline: Water damage.") {
			t.Error("no flash message")
		}
	})

	t.Run("an unavailable unit cannot go offline", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/units/"+c.apt102.ID+"/offline", url.Values{"reason": {"Paint"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(hmisRow(t, body, "unit-"+c.apt102.ID), "it is occupied") {
			t.Errorf("occupied unit taken offline: %d", resp.StatusCode)
		}
	})

	t.Run("bring online", func(t *testing.T) {
		b.postHMISForm("/units/"+c.room.ID+"/online", nil)
		if u, _ := c.db.Unit(ctx, cas.System, c.room.ID); u.Status != cas.UnitAvailable {
			t.Errorf("unit is %s, want available", u.Status)
		}
		row := hmisRow(t, b.getHMISPage("/inventory"), "unit-"+c.room.ID)
		if !strings.Contains(row, "status-available") || strings.Contains(row, "Mold") || !strings.Contains(row, "Take offline") {
			t.Errorf("unit back online:\n%s", row)
		}
	})

	t.Run("an unknown unit is not found", func(t *testing.T) {
		if resp, _ := b.hmisRequest("POST", "/units/nope/online", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown unit: %d", resp.StatusCode)
		}
	})
}

func TestHMISUsersPage(t *testing.T) {
	c := newHMISCoC(t)
	b := c.hmisBrowser(t)
	ctx := context.Background()

	body := b.getHMISPage("/admin/users")
	for _, want := range []string{"Hana HMIS", "HMIS admin", "Harper Staff", "staff@riverside.test", "Riverside Housing Partners",
		"Designate CAS Contact", "Immediate", `name="password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if row := hmisRow(t, body, "user-"+c.hmis.ID); strings.Contains(row, "/disable") {
		t.Error("the signed-in admin is offered to disable their own account")
	}

	t.Run("a bad email is shown next to the field, the form refilled", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users", url.Values{"email": {"not an email"}, "name": {"Nia Newcomer"},
			"role": {"agency_user"}, "agency_id": {c.harbor.ID}, "cas_contact": {"on"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad email: %d", resp.StatusCode)
		}
		for _, want := range []string{`<span class="field-error" id="email-error">`, `aria-describedby="email-error"`,
			`value="Nia Newcomer"`, `value="not an email"`, `<option value="` + c.harbor.ID + `" selected>`,
			`name="cas_contact" type="checkbox" value="on" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("refused form lacks %q", want)
			}
		}
		if strings.Contains(body, "a long enough password") {
			t.Error("the password is refilled")
		}
	})

	t.Run("an agency user needs an agency", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users", url.Values{"email": {"x@harbor.test"}, "name": {"X"},
			"role": {"agency_user"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="agency_id-error"`) {
			t.Errorf("no agency: %d", resp.StatusCode)
		}
	})

	t.Run("create a user", func(t *testing.T) {
		to := b.postHMISForm("/admin/users", url.Values{"email": {"Nia@Harbor.test"}, "name": {"Nia Newcomer"},
			"role": {"agency_user"}, "agency_id": {c.harbor.ID}, "password": {"a long enough password"}})
		if to != "/admin/users" {
			t.Errorf("redirect to %s", to)
		}
		u, err := c.db.UserByEmail(ctx, cas.System, "nia@harbor.test")
		if err != nil || u.Name != "Nia Newcomer" || u.AgencyID != c.harbor.ID || u.CASContact || u.Role != cas.RoleAgencyUser {
			t.Fatalf("created user: %+v %v", u, err)
		}
		if _, err := c.db.Authenticate(ctx, "nia@harbor.test", "a long enough password"); err != nil {
			t.Errorf("new user cannot sign in: %v", err)
		}
		if body := b.getHMISPage("/admin/users"); !strings.Contains(body, "Account created for Nia Newcomer") {
			t.Error("no flash message")
		}
	})

	t.Run("a duplicate email", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users", url.Values{"email": {"staff@harbor.test"}, "name": {"Again"},
			"role": {"cas_admin"}, "password": {"a long enough password"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already exists</span>") {
			t.Errorf("duplicate email: %d", resp.StatusCode)
		}
	})

	t.Run("an admin cannot be a CAS Contact", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/users/"+c.hmis.ID+"/cas-contact", url.Values{"cas_contact": {"on"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(hmisRow(t, body, "user-"+c.hmis.ID), "only agency users") {
			t.Errorf("admin as CAS Contact: %d", resp.StatusCode)
		}
	})

	t.Run("disabling a user ends their sign-in; enabling restores it", func(t *testing.T) {
		b.postHMISForm("/admin/users/"+c.riversideStaff.ID+"/disable", nil)
		if _, err := c.db.Authenticate(ctx, "staff@riverside.test", "a long enough password"); cas.ErrorCode(err) != cas.EUnauthorized {
			t.Errorf("disabled user authenticates: %v", err)
		}
		row := hmisRow(t, b.getHMISPage("/admin/users"), "user-"+c.riversideStaff.ID)
		if !strings.Contains(row, "disabled") || !strings.Contains(row, "/enable") {
			t.Errorf("disabled user's row:\n%s", row)
		}
		b.postHMISForm("/admin/users/"+c.riversideStaff.ID+"/enable", nil)
		if _, err := c.db.Authenticate(ctx, "staff@riverside.test", "a long enough password"); err != nil {
			t.Errorf("enabled user cannot sign in: %v", err)
		}
	})

	t.Run("an admin cannot disable their own account", func(t *testing.T) {
		resp, _ := b.hmisRequest("POST", "/admin/users/"+c.hmis.ID+"/disable", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("self-disable: %d", resp.StatusCode)
		}
		if u, _ := c.db.User(ctx, cas.System, c.hmis.ID); u.Disabled() {
			t.Error("the admin disabled themself")
		}
	})
}

func TestHMISAgenciesPage(t *testing.T) {
	c := newHMISCoC(t)
	b := c.hmisBrowser(t)
	ctx := context.Background()
	const warning = `class="warning">No CAS Contact: its referrals reach no one there (the CAS admins are told instead).`

	body := b.getHMISPage("/admin/agencies")
	for _, id := range []string{c.harbor.ID, c.riverside.ID} {
		if row := hmisRow(t, body, "agency-"+id); !strings.Contains(row, warning) {
			t.Errorf("agency %s without a CAS Contact shows no warning:\n%s", id, row)
		}
	}
	if !strings.Contains(body, "RHP-7") {
		t.Error("HMIS organization ID not shown")
	}

	t.Run("designating a CAS Contact ends the warning", func(t *testing.T) {
		b.postHMISForm("/admin/users/"+c.harborStaff.ID+"/cas-contact", url.Values{"cas_contact": {"on"}})
		if u, _ := c.db.User(ctx, cas.System, c.harborStaff.ID); !u.CASContact {
			t.Fatal("not designated")
		}
		body := b.getHMISPage("/admin/agencies")
		if row := hmisRow(t, body, "agency-"+c.harbor.ID); strings.Contains(row, warning) || !strings.Contains(row, "Harper Staff") {
			t.Errorf("Harbor with a CAS Contact:\n%s", row)
		}
		if row := hmisRow(t, body, "agency-"+c.riverside.ID); !strings.Contains(row, warning) {
			t.Errorf("Riverside lost its warning:\n%s", row)
		}
		if row := hmisRow(t, b.getHMISPage("/admin/users"), "user-"+c.harborStaff.ID); !strings.Contains(row, "Remove as CAS Contact") {
			t.Errorf("user row after designation:\n%s", row)
		}
		b.postHMISForm("/admin/users/"+c.harborStaff.ID+"/cas-contact", url.Values{"cas_contact": {"off"}})
		if row := hmisRow(t, b.getHMISPage("/admin/agencies"), "agency-"+c.harbor.ID); !strings.Contains(row, warning) {
			t.Errorf("Harbor after removal:\n%s", row)
		}
	})

	t.Run("create an agency", func(t *testing.T) {
		to := b.postHMISForm("/admin/agencies", url.Values{"name": {"Lighthouse Youth"}, "hmis_organization_id": {"LY-1"}})
		if to != "/admin/agencies" {
			t.Errorf("redirect to %s", to)
		}
		list, _, err := c.db.Agencies(ctx, cas.System, store.Page{})
		if err != nil || len(list) != 3 {
			t.Fatalf("agencies: %v %v", list, err)
		}
		if body := b.getHMISPage("/admin/agencies"); !strings.Contains(body, "Lighthouse Youth") || !strings.Contains(body, "LY-1") {
			t.Error("new agency not listed")
		}
	})

	t.Run("a duplicate name is shown next to the name", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/agencies", url.Values{"name": {"harbor family services"}, "hmis_organization_id": {"HF-9"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("duplicate: %d", resp.StatusCode)
		}
		for _, want := range []string{`<span class="field-error" id="name-error">an agency named`, `aria-describedby="name-error"`, `value="HF-9"`} {
			if !strings.Contains(body, want) {
				t.Errorf("refused agency form lacks %q", want)
			}
		}
	})
}

func TestHMISTakeHeldUnitOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testHMISTakeHeldUnitOffline(t, newHMISCoCOn(t, db)) })
}

func testHMISTakeHeldUnitOffline(t *testing.T, c *hmisCoC) {
	b := c.hmisBrowser(t)
	ctx := context.Background()
	free, err := c.db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: c.commons.ID, Label: "Apt 103", Bedrooms: 2,
		HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := c.db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Lena", LastName: "Park", BirthDate: "1984-08-09", HouseholdSize: 3,
		HouseholdType: cas.WithChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: client.ID, Score: 11, AssessedOn: "2026-02-01", IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	ref, err := c.db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: client.ID, FacilityID: c.commons.ID})
	if err != nil || ref.UnitID != c.apt101.ID {
		t.Fatalf("referral %+v %v, want it to hold Apt 101", ref, err)
	}
	path := "/units/" + c.apt101.ID + "/offline"

	t.Run("the held unit says who holds it and asks for a reason to withdraw the referral", func(t *testing.T) {
		body := b.getHMISPage("/inventory")
		row := hmisRow(t, body, "unit-"+c.apt101.ID)
		for _, want := range []string{`Held for <a href="/referrals/` + ref.ID + `">a referral</a> since `, "Take offline and withdraw its referral",
			"Taking it offline withdraws that referral and returns the client to the HPL",
			`<label for="withdraw_referral_reason-` + c.apt101.ID + `">Reason to withdraw the referral that holds it</label>`,
			`name="withdraw_referral_reason" required`} {
			if !strings.Contains(row, want) {
				t.Errorf("the held unit's row lacks %q:\n%s", want, row)
			}
		}
		if row := hmisRow(t, body, "unit-"+free.ID); strings.Contains(row, "withdraw_referral_reason") || strings.Contains(row, "Held for") {
			t.Errorf("a free unit asks to withdraw a referral:\n%s", row)
		}
	})

	t.Run("without that reason it is refused next to the field, and nothing changes", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", path, url.Values{"reason": {"Burst pipe"}, "withdraw_referral_reason": {"  "}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("no withdraw reason: %d, want 400", resp.StatusCode)
		}
		row := hmisRow(t, body, "unit-"+c.apt101.ID)
		for _, want := range []string{`<details open>`, `<span class="field-error" id="withdraw_referral_reason-` + c.apt101.ID + `-error">a referral holds this unit`,
			`aria-describedby="withdraw-note-` + c.apt101.ID + ` withdraw_referral_reason-` + c.apt101.ID + `-error" aria-invalid="true"`, `value="Burst pipe"`} {
			if !strings.Contains(row, want) {
				t.Errorf("the refused form lacks %q:\n%s", want, row)
			}
		}
		if strings.Contains(row, "give withdraw_referral_reason") {
			t.Error("the refusal names the API's field")
		}
		if got, _, _ := c.db.Referral(ctx, cas.System, ref.ID); got.Status != cas.ReferralPending {
			t.Errorf("referral is %s, want pending", got.Status)
		}
		if u, _ := c.db.Unit(ctx, cas.System, c.apt101.ID); u.Status != cas.UnitAvailable {
			t.Errorf("unit is %s, want available", u.Status)
		}
	})

	t.Run("with the reason the unit goes offline and the referral is withdrawn", func(t *testing.T) {
		to := b.postHMISForm(path, url.Values{"reason": {"Burst pipe"}, "withdraw_referral_reason": {"The unit flooded overnight"}})
		if u, _ := c.db.Unit(ctx, cas.System, c.apt101.ID); u.Status != cas.UnitOffline {
			t.Errorf("unit is %s, want offline", u.Status)
		}
		got, _, err := c.db.Referral(ctx, cas.System, ref.ID)
		if err != nil || got.Status != cas.ReferralWithdrawn || !strings.Contains(got.Note, "The unit flooded overnight") {
			t.Errorf("referral %s %q (%v), want withdrawn with the reason", got.Status, got.Note, err)
		}
		body := b.getHMISPage(to)
		if !strings.Contains(body, "Unit Apt 101 is offline: Burst pipe. The referral that held it is withdrawn and the client is back on the HPL.") {
			t.Error("the flash does not say the referral was withdrawn")
		}
		if row := hmisRow(t, body, "unit-"+c.apt101.ID); strings.Contains(row, "Held for") || !strings.Contains(row, "Reason: Burst pipe") {
			t.Errorf("the offline unit's row:\n%s", row)
		}
	})
}
