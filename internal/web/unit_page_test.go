package web

import (
	"context"
	"log/slog"
	"maps"
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
	if method == http.MethodPost {
		// Past the question a destructive action asks first (confirm.go), which the HMIS team's
		// forms are not here to test.
		form = url.Values(maps.Clone(form))
		if form == nil {
			form = url.Values{}
		}
		form.Set("confirm", "yes")
	}
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

func TestUnitInventoryPage(t *testing.T) {
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

func TestUnitInventoryTakeOfflineAndBringOnline(t *testing.T) {
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

func TestUnitInventoryTakeHeldUnitOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testUnitInventoryTakeHeldUnitOffline(t, newHMISCoCOn(t, db)) })
}

func testUnitInventoryTakeHeldUnitOffline(t *testing.T, c *hmisCoC) {
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

func TestUnitRosterPage(t *testing.T) {
	c := newAgencyCoC(t)
	ctx := context.Background()
	if _, err := c.db.CheckIn(ctx, cas.System, c.apt2.ID, "", "Tenant Two"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.CreateReservation(ctx, cas.System, cas.Reservation{UnitID: c.apt3.ID, ClientName: "Walk In",
		StartsOn: cas.DateOf(time.Now(), time.UTC), ExpiresOn: cas.DateOf(time.Now(), time.UTC).AddDays(10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.TakeOffline(ctx, cas.System, c.apt4.ID, cas.OfflinePeriod{Reason: "Water damage"}, ""); err != nil {
		t.Fatal(err)
	}
	harbor := c.as(t, "harbor@coc.test")
	status, body := harbor.getPage("/units")
	if status != http.StatusOK {
		t.Fatalf("GET /units: %d", status)
	}
	agencyContains(t, "the roster", body, "Harbor Commons", "Apt 1", "Apt 2", "Apt 3", "Apt 4",
		"status-available", "status-occupied", "status-reserved", "status-offline", "since ", "Walk In", "Water damage",
		"never been confirmed", `action="/facilities/`+c.commons.ID+`/confirm-inventory"`, "Confirm this roster is accurate",
		`id="held-`+c.apt1.ID+`"`, `id="check-out-`+c.apt2.ID+`"`, `id="check-in-`+c.apt3.ID+`"`,
		`id="release-`+c.apt3.ID+`"`, `href="/referrals/`+c.janeRef.ID+`"`)
	agencyLacks(t, "the roster", body, "Bayside House", "Bay 9", `id="check-in-`+c.apt4.ID+`"`, `id="check-out-`+c.apt1.ID+`"`,
		`id="reserve-`+c.apt3.ID+`"`, `id="check-in-`+c.apt1.ID+`"`, `id="reserve-`+c.apt1.ID+`"`)
	if status, _ := c.as(t, "cas@coc.test").getPage("/units"); status != http.StatusForbidden {
		t.Errorf("a CAS admin on /units: %d, want 403", status)
	}
	if status, _ := harbor.getPage("/units?facility_id=" + c.bayHouse.ID); status != http.StatusNotFound {
		t.Errorf("Harbor filtering on Bayside's facility: %d, want 404", status)
	}
	_, body = c.as(t, "hmis@coc.test").getPage("/units?facility_id=" + c.bayHouse.ID)
	agencyContains(t, "the HMIS team's filtered roster", body, "Bay 9")
	agencyLacks(t, "the HMIS team's filtered roster", body, "Apt 1")

	unitStatus := func(u cas.Unit) cas.UnitStatus {
		t.Helper()
		got, err := c.db.Unit(ctx, cas.System, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	post := func(path string, form url.Values) {
		t.Helper()
		status, loc, body := harbor.postForm(path, form)
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/units") {
			t.Fatalf("POST %s: %d %q %s", path, status, loc, body)
		}
	}

	// Check-out, check-in.
	post("/units/"+c.apt2.ID+"/check-out", confirmed)
	if got := unitStatus(c.apt2); got != cas.UnitAvailable {
		t.Errorf("after check-out: %s", got)
	}
	status, _, body = harbor.postForm("/units/"+c.apt2.ID+"/check-in", url.Values{"client_name": {" "}})
	if status != http.StatusBadRequest {
		t.Errorf("check-in without a name: %d, want 400", status)
	}
	agencyContains(t, "the refused check-in", body, `id="client_name-`+c.apt2.ID+`-error"`, `aria-describedby="client_name-`+c.apt2.ID+`-error"`)
	post("/units/"+c.apt2.ID+"/check-in", url.Values{"client_name": {"New Tenant"}})
	if got := unitStatus(c.apt2); got != cas.UnitOccupied {
		t.Errorf("after check-in: %s", got)
	}
	_, body = harbor.getPage("/units")
	agencyContains(t, "the roster after check-in", body, "Checked in: unit Apt 2 is occupied.")

	// Check-in converts a reservation.
	post("/units/"+c.apt3.ID+"/check-in", url.Values{"client_name": {"Walk In"}})
	if got := unitStatus(c.apt3); got != cas.UnitOccupied {
		t.Errorf("after converting the reservation: %s", got)
	}

	// Reserve with bad dates, then good ones; release.
	post("/units/"+c.apt3.ID+"/check-out", confirmed)
	today := cas.DateOf(time.Now(), time.UTC)
	status, _, body = harbor.postForm("/units/"+c.apt3.ID+"/reserve", url.Values{"client_name": {"Ana Lee"},
		"starts_on": {string(today.AddDays(5))}, "expires_on": {string(today.AddDays(2))}})
	if status != http.StatusBadRequest {
		t.Fatalf("reserve ending before it starts: %d, want 400", status)
	}
	agencyContains(t, "the refused reservation", body, `id="expires_on-`+c.apt3.ID+`-error"`, "Until must not be before From",
		`value="Ana Lee"`, `value="`+string(today.AddDays(2))+`"`)
	status, _, body = harbor.postForm("/units/"+c.apt3.ID+"/reserve", url.Values{"client_name": {"Ana Lee"},
		"starts_on": {"5 May"}, "expires_on": {string(today.AddDays(2))}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="starts_on-`+c.apt3.ID+`-error"`) {
		t.Errorf("reserve with an unreadable start: %d, want 400 with the field message", status)
	}
	post("/units/"+c.apt3.ID+"/reserve", url.Values{"client_name": {"Ana Lee"}, "starts_on": {string(today)}, "expires_on": {string(today.AddDays(7))},
		"facility_id": {c.commons.ID}})
	if got := unitStatus(c.apt3); got != cas.UnitReserved {
		t.Fatalf("after reserving: %s", got)
	}
	open, _, err := c.db.Reservations(ctx, cas.System, store.ReservationFilter{UnitID: c.apt3.ID, Status: cas.ReservationOpen}, store.Page{})
	if err != nil || len(open) != 1 {
		t.Fatalf("open reservations of Apt 3: %v %v", open, err)
	}
	post("/reservations/"+open[0].ID+"/release", confirmed)
	if got := unitStatus(c.apt3); got != cas.UnitAvailable {
		t.Errorf("after release: %s", got)
	}
	// A second click follows the first (repeat.go).
	if status, _, _ = harbor.postForm("/reservations/"+open[0].ID+"/release", confirmed); status != http.StatusSeeOther {
		t.Errorf("releasing twice: %d, want the first's redirect", status)
	}

	// Confirming the roster.
	post("/facilities/"+c.commons.ID+"/confirm-inventory", url.Values{})
	f, err := c.db.Facility(ctx, cas.System, c.commons.ID)
	if err != nil || f.InventoryConfirmedAt == nil {
		t.Fatalf("after confirming: %v %v", f.InventoryConfirmedAt, err)
	}
	_, body = harbor.getPage("/units")
	agencyContains(t, "the confirmed roster", body, "Roster last confirmed", "the roster of Harbor Commons is confirmed")
	agencyLacks(t, "the confirmed roster", body, "never been confirmed")

	// Another agency cannot touch Harbor's units.
	bayside := c.as(t, "bayside@coc.test")
	if status, _, _ := bayside.postForm("/units/"+c.apt1.ID+"/check-in", url.Values{"client_name": {"Someone"}}); status != http.StatusNotFound {
		t.Errorf("Bayside checking into Harbor's unit: %d, want 404", status)
	}
	if status, _, _ := bayside.postForm("/facilities/"+c.commons.ID+"/confirm-inventory", url.Values{}); status != http.StatusNotFound {
		t.Errorf("Bayside confirming Harbor's roster: %d, want 404", status)
	}
}

// agencyRow returns the HTML of the roster's row of a unit.
func agencyRow(t *testing.T, body string, u cas.Unit) string {
	t.Helper()
	return hmisRow(t, body, "unit-"+u.ID)
}

func TestUnitRosterPageHeldUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testUnitRosterPageHeldUnit(t, newAgencyCoCOn(t, db)) })
}

func testUnitRosterPageHeldUnit(t *testing.T, c *agencyCoC) {
	ctx := context.Background()
	harbor := c.as(t, "harbor@coc.test")

	t.Run("a unit a referral holds offers no check-in or reservation, and says where the move-in goes", func(t *testing.T) {
		_, body := harbor.getPage("/units")
		held := agencyRow(t, body, c.apt1)
		agencyContains(t, "the held unit's row", held, `id="held-`+c.apt1.ID+`"`, `<a href="/referrals/`+c.janeRef.ID+`">Held for a referral</a> since `,
			"The referred client's move-in is recorded on the referral.")
		agencyLacks(t, "the held unit's row", held, "<form", `name="client_name"`)
		free := agencyRow(t, body, c.apt2)
		agencyContains(t, "a free unit's row", free, `id="check-in-`+c.apt2.ID+`"`, `id="reserve-`+c.apt2.ID+`"`)
		agencyLacks(t, "a free unit's row", free, "Held for a referral")
	})

	t.Run("checking someone else into the held unit is refused, and the unit stays the referral's", func(t *testing.T) {
		status, _, body := harbor.postForm("/units/"+c.apt1.ID+"/check-in", url.Values{"client_name": {"Walk In"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "held by referral") {
			t.Errorf("check-in on a held unit: %d, want 400 with the reason", status)
		}
		if u, _ := c.db.Unit(ctx, cas.System, c.apt1.ID); u.Status != cas.UnitAvailable || holdOf(u, cas.HoldReferral) == nil {
			t.Errorf("after the refused check-in the unit is %s, held by %+v", u.Status, u.HeldBy)
		}
	})

	t.Run("once the referral is withdrawn the unit offers its forms again", func(t *testing.T) {
		if _, err := c.db.WithdrawReferral(ctx, cas.System, c.janeRef.ID, "Entered in error"); err != nil {
			t.Fatal(err)
		}
		_, body := harbor.getPage("/units")
		row := agencyRow(t, body, c.apt1)
		agencyContains(t, "the freed unit's row", row, `id="check-in-`+c.apt1.ID+`"`, `id="reserve-`+c.apt1.ID+`"`)
		agencyLacks(t, "the freed unit's row", row, "Held for a referral")
	})

	t.Run("a unit a proposal holds keeps its forms, and the agency is not told of the proposal", func(t *testing.T) {
		if _, err := c.db.UpdateProgram(ctx, cas.System, c.janeRef.ProgramID, func(p *cas.Program) { p.ReferralMode = cas.ReferralReview }); err != nil {
			t.Fatal(err)
		}
		run, err := c.db.RunMatch(ctx, false)
		if err != nil || len(run.Proposals) != 1 {
			t.Fatalf("match run: %+v %v, want one proposal", run, err)
		}
		proposed := cas.Unit{ID: run.Proposals[0].UnitID}
		_, body := harbor.getPage("/units")
		row := agencyRow(t, body, proposed)
		agencyContains(t, "the proposed unit's row", row, `id="check-in-`+proposed.ID+`"`, `id="reserve-`+proposed.ID+`"`)
		agencyLacks(t, "the proposed unit's row", row, "Held for", "roposal")
	})
}
