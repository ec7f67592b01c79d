package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// agencyCoC is a small CoC for the agency pages: Harbor (with a facility of four units and a
// pending referral of Jane Doe) and Bayside (with a facility, a unit and a referral of Bob Roe).
type agencyCoC struct {
	db                 *store.DB
	url                string
	clock              *atomic.Int64 // how far the server's clock runs ahead, in nanoseconds
	commons, bayHouse  cas.Facility
	apt1, apt2, apt3   cas.Unit // Harbor Commons; apt1 is held by Jane's referral
	apt4, bayUnit      cas.Unit
	jane, bob          cas.Client
	janeRef, bobRef    cas.Referral
	harborID, bayID    string
	harborProgramName  string
	baysideProgramName string
}

const agencyPassword = "a long enough password"

func newAgencyCoC(t *testing.T) *agencyCoC {
	t.Helper()
	return newAgencyCoCOn(t, storetest.Open(t, storetest.SQLiteURL(t)))
}

// newAgencyCoCOn is newAgencyCoC on a given database, for tests that run on each of them.
func newAgencyCoCOn(t *testing.T, db *store.DB) *agencyCoC {
	t.Helper()
	ctx := context.Background()
	clock := &atomic.Int64{}
	db.Now = func() time.Time { return time.Now().Add(time.Duration(clock.Load())) }
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	c := &agencyCoC{db: db, url: srv.URL, clock: clock, harborProgramName: "Harbor PSH", baysideProgramName: "Bayside RRH"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	harbor, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	must(err)
	bayside, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Bayside Housing"})
	must(err)
	c.harborID, c.bayID = harbor.ID, bayside.ID
	for _, u := range []cas.User{
		{Email: "cas@coc.test", Name: "Casey Admin", Role: cas.RoleCASAdmin},
		{Email: "hmis@coc.test", Name: "Hana HMIS", Role: cas.RoleHMISAdmin},
		{Email: "harbor@coc.test", Name: "Hal Harbor", Role: cas.RoleAgencyUser, AgencyID: harbor.ID},
		{Email: "bayside@coc.test", Name: "Bea Bayside", Role: cas.RoleAgencyUser, AgencyID: bayside.ID},
	} {
		_, err := db.CreateUser(ctx, cas.System, u, agencyPassword)
		must(err)
	}
	harborProgram, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: harbor.ID, Name: c.harborProgramName, ProjectType: cas.ProjectPSH, ResponseDays: 3})
	must(err)
	baysideProgram, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: bayside.ID, Name: c.baysideProgramName, ProjectType: cas.ProjectRRH, ResponseDays: 5})
	must(err)
	c.commons, err = db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: harborProgram.ID, Name: "Harbor Commons", Address: "1 Harbor Way"})
	must(err)
	c.bayHouse, err = db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: baysideProgram.ID, Name: "Bayside House"})
	must(err)
	unit := func(f cas.Facility, label string, accessible bool) cas.Unit {
		t.Helper()
		u, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: label, Bedrooms: 1,
			HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren, cas.WithChildren}, Accessible: accessible})
		must(err)
		return u
	}
	c.apt1, c.apt2, c.apt3, c.apt4 = unit(c.commons, "Apt 1", true), unit(c.commons, "Apt 2", false), unit(c.commons, "Apt 3", false), unit(c.commons, "Apt 4", false)
	c.bayUnit = unit(c.bayHouse, "Bay 9", false)
	client := func(first, last, personalID string) cas.Client {
		t.Helper()
		cl, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: first, LastName: last, BirthDate: "1980-05-01",
			HMISPersonalID: personalID, HouseholdSize: 2, HouseholdType: cas.WithChildren, Veteran: true, Consent: true})
		must(err)
		_, err = db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cl.ID, Score: 12, AssessedOn: "2025-01-15", DaysHomeless: 200, IntakeStatus: cas.IntakeReady})
		must(err)
		return cl
	}
	c.jane, c.bob = client("Jane", "Doe", "P-100"), client("Bob", "Roe", "P-200")
	c.janeRef, err = db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: c.jane.ID, FacilityID: c.commons.ID})
	must(err)
	if c.janeRef.UnitID != c.apt1.ID {
		t.Fatalf("Jane's referral holds %q, want Apt 1", c.janeRef.UnitID)
	}
	c.bobRef, err = db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: c.bob.ID, FacilityID: c.bayHouse.ID})
	must(err)
	return c
}

// as returns a browser signed in as the user with the given email.
func (c *agencyCoC) as(t *testing.T, email string) *browser {
	t.Helper()
	b := newBrowser(t, c.url)
	b.signIn(email)
	return b
}

func agencyContains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func agencyLacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s shows %q", what, w)
		}
	}
}

func TestReferralListPage(t *testing.T) {
	c := newAgencyCoC(t)
	harbor := c.as(t, "harbor@coc.test")
	status, body := harbor.getPage("/referrals")
	if status != http.StatusOK {
		t.Fatalf("GET /referrals: %d", status)
	}
	agencyContains(t, "Harbor's incoming referrals", body, "Incoming referrals", `href="/referrals/`+c.janeRef.ID+`"`, "J. D. · HMIS P-100",
		"Harbor Commons", "Apt 1", "status-pending", datetimeIn(c.janeRef.Deadline, c.db.Zone), "due in",
		`<option value="`+c.commons.ID+`"`)
	agencyLacks(t, "Harbor's incoming referrals", body, c.bobRef.ID, "Bayside House", "P-200", "Bob", "Jane", `class="overdue"`)

	// Filters: a closed status, another facility.
	_, body = harbor.getPage("/referrals?status=declined")
	agencyLacks(t, "declined referrals", body, c.janeRef.ID)
	_, body = harbor.getPage("/referrals?status=all&facility_id=" + c.commons.ID + "&program_id=" + c.janeRef.ProgramID)
	agencyContains(t, "all referrals of Harbor Commons", body, c.janeRef.ID)
	if status, _ := harbor.getPage("/referrals?status=lost"); status != http.StatusBadRequest {
		t.Errorf("unknown status filter: %d, want 400", status)
	}

	// Bayside sees its own and not Harbor's; a CAS admin sees both.
	_, body = c.as(t, "bayside@coc.test").getPage("/referrals")
	agencyContains(t, "Bayside's incoming referrals", body, c.bobRef.ID, "B. R. · HMIS P-200")
	agencyLacks(t, "Bayside's incoming referrals", body, c.janeRef.ID, "Harbor Commons")
	_, body = c.as(t, "cas@coc.test").getPage("/referrals")
	agencyContains(t, "the CAS admin's referrals", body, c.bobRef.ID, c.janeRef.ID)

	// Paging.
	_, body = c.as(t, "cas@coc.test").getPage("/referrals?limit=1")
	if !strings.Contains(body, "cursor=") || strings.Count(body, `<tr id="referral-`) != 1 {
		t.Errorf("the first page of one does not link to the next")
	}

	// Past the deadline, a pending referral is flagged overdue.
	c.clock.Store(int64(4 * 24 * time.Hour))
	_, body = c.as(t, "harbor@coc.test").getPage("/referrals")
	agencyContains(t, "an overdue referral", body, `class="overdue"`, "overdue by")
}

func TestReferralPage(t *testing.T) {
	c := newAgencyCoC(t)
	ctx := context.Background()
	path := "/referrals/" + c.janeRef.ID
	harbor := c.as(t, "harbor@coc.test")
	status, body := harbor.getPage(path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, status)
	}
	agencyContains(t, "the referral page", body, "Jane Doe", "1980-05-01", "P-100", c.harborProgramName, "Harbor Commons", "Apt 1",
		c.janeRef.MatchReason, "Timeline", "Created", `id="accept"`, `id="decline"`, `name="reason_code"`, `name="note"`,
		"The client could not be reached")
	agencyLacks(t, "a pending referral's page", body, `id="move-in"`, `id="withdraw"`)

	// Another agency's user does not learn the referral exists.
	bayside := c.as(t, "bayside@coc.test")
	if status, _ := bayside.getPage(path); status != http.StatusNotFound {
		t.Errorf("Bayside reading Harbor's referral: %d, want 404", status)
	}
	if status, _, _ := bayside.postForm(path+"/accept", url.Values{}); status != http.StatusNotFound {
		t.Errorf("Bayside accepting Harbor's referral: %d, want 404", status)
	}

	// A CAS admin may withdraw, not respond.
	_, body = c.as(t, "cas@coc.test").getPage(path)
	agencyContains(t, "the CAS admin's view", body, `id="withdraw"`, "Jane Doe")
	agencyLacks(t, "the CAS admin's view", body, `id="accept"`, `id="decline"`)

	// Declining needs a reason, and a note for "other".
	status, _, body = harbor.postForm(path+"/decline", url.Values{"note": {"keep me"}, "confirm": {"yes"}})
	if status != http.StatusBadRequest {
		t.Fatalf("decline without a reason: %d, want 400", status)
	}
	agencyContains(t, "the refused decline", body, `id="reason_code-error"`, "Reason is required", "keep me")
	status, _, body = harbor.postForm(path+"/decline", url.Values{"reason_code": {"other"}, "confirm": {"yes"}})
	if status != http.StatusBadRequest {
		t.Fatalf("decline other without a note: %d, want 400", status)
	}
	agencyContains(t, "the refused decline", body, `id="note-error"`, "a note is required", `<option value="other" selected>`)

	// Accepting.
	status, loc, _ := harbor.postForm(path+"/accept", url.Values{})
	if status != http.StatusSeeOther || loc != path {
		t.Fatalf("accept: %d %q, want 303 to %s", status, loc, path)
	}
	ref, _, err := c.db.Referral(ctx, cas.System, c.janeRef.ID)
	if err != nil || ref.Status != cas.ReferralAccepted {
		t.Fatalf("after accept: %v %v, want accepted", ref.Status, err)
	}
	_, body = harbor.getPage(path)
	agencyContains(t, "the accepted referral", body, "Referral accepted", `id="move-in"`, `<option value="`+c.apt1.ID+`" selected>`, "Accept")
	agencyLacks(t, "the accepted referral", body, `id="accept"`, c.apt4.ID+`" selected`)
	// A second click follows the first (repeat.go).
	if status, loc, _ := harbor.postForm(path+"/accept", url.Values{}); status != http.StatusSeeOther || loc != path {
		t.Errorf("accepting twice: %d → %q, want the referral again", status, loc)
	}

	// Moving in needs a unit of the facility.
	status, _, body = harbor.postForm(path+"/move-in", url.Values{"unit_id": {c.bayUnit.ID}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="unit_id-error"`) {
		t.Errorf("move-in to another facility's unit: %d, want 400 with the field message", status)
	}
	status, loc, _ = harbor.postForm(path+"/move-in", url.Values{"unit_id": {c.apt1.ID}})
	if status != http.StatusSeeOther || loc != path {
		t.Fatalf("move-in: %d %q", status, loc)
	}
	ref, _, _ = c.db.Referral(ctx, cas.System, c.janeRef.ID)
	unit, _ := c.db.Unit(ctx, cas.System, c.apt1.ID)
	if ref.Status != cas.ReferralHoused || unit.Status != cas.UnitOccupied {
		t.Errorf("after move-in: referral %s, unit %s; want housed, occupied", ref.Status, unit.Status)
	}
	_, body = harbor.getPage(path)
	agencyContains(t, "the housed referral", body, "status-housed", "Move in")
	agencyLacks(t, "the housed referral", body, `id="move-in"`, `id="decline"`)
}

func TestReferralPageDeclineAndWithdraw(t *testing.T) {
	c := newAgencyCoC(t)
	ctx := context.Background()
	path := "/referrals/" + c.janeRef.ID
	status, loc, _ := c.as(t, "harbor@coc.test").postForm(path+"/decline", url.Values{"reason_code": {"other"}, "note": {"Family asked for another area"}, "confirm": {"yes"}})
	if status != http.StatusSeeOther || loc != path {
		t.Fatalf("decline: %d %q", status, loc)
	}
	ref, _, _ := c.db.Referral(ctx, cas.System, c.janeRef.ID)
	if ref.Status != cas.ReferralDeclined || ref.ReasonCode != cas.DeclineOther {
		t.Errorf("after decline: %s %s", ref.Status, ref.ReasonCode)
	}

	admin := c.as(t, "cas@coc.test")
	bob := "/referrals/" + c.bobRef.ID
	status, _, body := admin.postForm(bob+"/withdraw", url.Values{"reason": {"  "}, "confirm": {"yes"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="reason-error"`) {
		t.Errorf("withdraw without a reason: %d, want 400 with the field message", status)
	}
	status, loc, _ = admin.postForm(bob+"/withdraw", url.Values{"reason": {"Entered in error"}, "confirm": {"yes"}})
	if status != http.StatusSeeOther || loc != bob {
		t.Fatalf("withdraw: %d %q", status, loc)
	}
	_, body = admin.getPage(bob)
	agencyContains(t, "the withdrawn referral", body, "status-withdrawn", "Entered in error", "Referral withdrawn")
}

func TestReferralPageWaitingOverReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testReferralPageWaitingOverReferral(t, newAgencyCoCOn(t, db)) })
}

func testReferralPageWaitingOverReferral(t *testing.T, c *agencyCoC) {
	ctx := context.Background()
	// Harbor Commons is full: Jane's referral holds Apt 1 and the others are occupied.
	for _, u := range []cas.Unit{c.apt2, c.apt3, c.apt4} {
		if _, err := c.db.CheckIn(ctx, cas.System, u.ID, "", "Tenant of "+u.Label); err != nil {
			t.Fatal(err)
		}
	}
	cy, err := c.db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Cy", LastName: "Poe", BirthDate: "1985-02-03", HouseholdSize: 1,
		HouseholdType: cas.WithoutChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: cy.ID, Score: 8, AssessedOn: "2025-03-01", IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	over, err := c.db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: cy.ID, FacilityID: c.commons.ID, OverRefer: true,
		Reason: "Apt 2 turns over next week"})
	if err != nil || !over.Waiting() {
		t.Fatalf("over-referral %+v %v, want one waiting in line", over, err)
	}
	path := "/referrals/" + over.ID
	datetime := func(t time.Time) string { return datetimeIn(t, c.db.Zone) }

	t.Run("while it waits, the page says so and shows no deadline as due", func(t *testing.T) {
		_, body := c.as(t, "harbor@coc.test").getPage(path)
		agencyContains(t, "the waiting over-referral", body, `id="waiting"`,
			"Waiting for the next unit of this facility that fits; the response deadline starts when a unit is assigned.",
			"none yet: waiting in line", "starts when a unit is assigned", "Apt 2 turns over next week")
		agencyLacks(t, "the waiting over-referral", body, datetime(over.Deadline), "due in", "Unit assigned")
		_, list := c.as(t, "harbor@coc.test").getPage("/referrals")
		agencyContains(t, "the incoming referrals", hmisRow(t, list, "referral-"+over.ID), "waiting for a unit")
	})

	t.Run("past the deadline it would have had, it is not overdue", func(t *testing.T) {
		c.clock.Store(int64(4 * 24 * time.Hour))
		_, body := c.as(t, "harbor@coc.test").getPage(path)
		agencyContains(t, "the waiting over-referral", body, `id="waiting"`)
		agencyLacks(t, "the waiting over-referral", body, "overdue", "has passed")
		_, board := c.as(t, "cas@coc.test").getPage("/board")
		row := regexp.MustCompile(`(?s)<tr[^>]*>\s*<td><a href="/referrals/` + over.ID + `">.*?</tr>`).FindString(board)
		agencyContains(t, "the board's row of the over-referral", row, "waiting for a unit")
		agencyLacks(t, "the board's row of the over-referral", row, "overdue")
	})

	t.Run("when a unit frees, the over-referral takes it and its deadline starts", func(t *testing.T) {
		if _, err := c.db.CheckOut(ctx, cas.System, c.apt2.ID); err != nil {
			t.Fatal(err)
		}
		ref, _, err := c.db.Referral(ctx, cas.System, over.ID)
		if err != nil || ref.UnitID != c.apt2.ID || ref.UnitAssignedAt == nil {
			t.Fatalf("after Apt 2 freed: %+v %v, want it to hold Apt 2", ref, err)
		}
		_, body := c.as(t, "harbor@coc.test").getPage(path)
		agencyContains(t, "the over-referral with a unit", body, "Apt 2", "Unit assigned", datetime(*ref.UnitAssignedAt),
			"A unit opened and was assigned", datetime(ref.Deadline), "due in")
		agencyLacks(t, "the over-referral with a unit", body, `id="waiting"`, "none yet")
	})
}

func TestReferralPageEligibilityOverride(t *testing.T) {
	c := newAgencyCoC(t)
	ctx := context.Background()
	// Harbor PSH now serves DV survivors only; Dee is not one, and is referred anyway.
	if _, err := c.db.UpdateProgram(ctx, cas.System, c.janeRef.ProgramID, func(p *cas.Program) {
		p.Requirements.Populations = []cas.Population{cas.DVSurvivor}
	}); err != nil {
		t.Fatal(err)
	}
	dee, err := c.db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Dee", LastName: "Ray", BirthDate: "1990-06-07", HouseholdSize: 1,
		HouseholdType: cas.WithoutChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: dee.ID, Score: 8, AssessedOn: "2025-03-01", IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	ref, err := c.db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: dee.ID, FacilityID: c.commons.ID,
		EligibilityOverrideReason: "Fleeing violence; the DV documentation is on its way"})
	if err != nil || !ref.EligibilityOverride {
		t.Fatalf("referral with an override: %+v %v", ref, err)
	}
	for _, email := range []string{"harbor@coc.test", "cas@coc.test"} {
		_, body := c.as(t, email).getPage("/referrals/" + ref.ID)
		agencyContains(t, email+"'s view of the referral", body, `id="eligibility-override"`, "Eligibility overridden:",
			"Overridden by a CAS admin", "Fleeing violence; the DV documentation is on its way")
	}
	_, body := c.as(t, "harbor@coc.test").getPage("/referrals/" + c.janeRef.ID)
	agencyLacks(t, "a referral without an override", body, `id="eligibility-override"`, "Overridden")
}

func TestReferralBoard(t *testing.T) {
	ctx := context.Background()
	w := newCASWorld(t)
	maria := w.addClient(t, "Maria", "Santos", "P000417", 14, cas.WithChildren, 3)
	bo := w.addClient(t, "Bo", "Young", "", 5, cas.WithoutChildren, 1)
	held, err := w.db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: maria.ID, FacilityID: w.commons.ID})
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	over, err := w.db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: bo.ID, FacilityID: w.annex.ID, OverRefer: true,
		Reason: "Annex 1 turns over on the 15th", ExpectedVacancy: "2026-07-15"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AcceptReferral(ctx, cas.System, held.ID, ""); err != nil {
		t.Fatal(err)
	}
	// A program of another agency, with a referral of its own, is its own group.
	other, err := w.db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Riverside Housing Partners"})
	if err != nil {
		t.Fatal(err)
	}
	rrh, err := w.db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: other.ID, Name: "Riverside RRH", ProjectType: cas.ProjectRRH, ResponseDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	lofts, err := w.db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: rrh.ID, Name: "River Lofts"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: lofts.ID, Label: "Loft 2", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}); err != nil {
		t.Fatal(err)
	}
	ada := w.addClient(t, "Ada", "Lee", "", 20, cas.WithoutChildren, 1)
	if _, err := w.db.CreateReferral(ctx, cas.System, store.NewReferral{ClientID: ada.ID, FacilityID: lofts.ID}); err != nil {
		t.Fatal(err)
	}

	b := w.browser(t, casAdminEmail)
	status, body := b.getPage("/board")
	if status != http.StatusOK {
		t.Fatalf("GET /board: %d\n%s", status, body)
	}
	if !inOrder(body, "Harbor Family PSH", "1 pending, 1 accepted", "Maria Santos", "Harbor Commons", "Apt 101", "accepted",
		"Bo Young", "Harbor Annex", "Over-referral, unit expected 2026-07-15", "pending", "waiting for a unit",
		"Riverside RRH", "1 pending, 0 accepted", "Ada Lee", "River Lofts", "Loft 2") {
		t.Errorf("the board does not group the open referrals by program:\n%s", body)
	}
	if !strings.Contains(body, `href="/referrals/`+over.ID+`"`) || strings.Contains(body, `class="overdue"`) {
		t.Errorf("the board lacks the link to the over-referral, or marks something overdue too early")
	}
	if !strings.Contains(body, "No proposals are waiting") {
		t.Errorf("the board does not say there are no proposals")
	}

	// Bo's over-referral waits in line for a unit: its deadline has not started, so past the three
	// days it would have had it is not overdue.
	w.clock.Advance(3*24*time.Hour + time.Minute)
	b = w.browser(t, casAdminEmail) // the session went idle on the moved clock
	_, body = b.getPage("/board")
	if strings.Contains(body, `class="overdue"`) || !inOrder(body, "Bo Young", "waiting for a unit", "Riverside RRH") {
		t.Errorf("the board marks a waiting over-referral overdue, or does not say it waits:\n%s", body)
	}
	if !strings.Contains(body, "3 days") {
		t.Errorf("the board does not show referrals' age in days")
	}

	// Past Ada's deadline (10 days), her pending referral is overdue; the accepted one is not.
	w.clock.Advance(7 * 24 * time.Hour)
	b = w.browser(t, casAdminEmail)
	_, body = b.getPage("/board")
	if !strings.Contains(body, `<tr class="overdue">`) || !strings.Contains(body, "1 overdue") || strings.Count(body, `<tr class="overdue">`) != 1 {
		t.Errorf("the board does not mark exactly the overdue referral:\n%s", body)
	}
	if !inOrder(body, "Riverside RRH", "Ada Lee", "overdue</strong>") {
		t.Errorf("Ada's referral is not the one marked overdue")
	}

	status, body = w.browser(t, hmisEmail).getPage("/board")
	if status != http.StatusOK || !strings.Contains(body, "Bo Young") || strings.Contains(body, "Proposals waiting") {
		t.Errorf("the HMIS team's board: %d", status)
	}
	if status, _ := w.browser(t, agencyEmail).getPage("/board"); status != http.StatusForbidden {
		t.Errorf("an agency user on /board: %d, want 403", status)
	}
}

func TestReferralBoardProposals(t *testing.T) {
	ctx := context.Background()
	w := newCASWorld(t)
	// Only the review-mode program has free units.
	if _, err := w.db.CheckIn(ctx, cas.System, w.commonsUnit.ID, "", "Current Tenant"); err != nil {
		t.Fatal(err)
	}
	review, err := w.db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: w.harbor.ID, Name: "Harbor Reviewed RRH", ProjectType: cas.ProjectRRH})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.UpdateProgram(ctx, cas.System, review.ID, func(p *cas.Program) { p.ReferralMode = cas.ReferralReview }); err != nil {
		t.Fatal(err)
	}
	f, err := w.db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: review.ID, Name: "Harbor Flats"})
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"Flat A", "Flat B"} {
		if _, err := w.db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: label, Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}); err != nil {
			t.Fatal(err)
		}
	}
	ada := w.addClient(t, "Ada", "Lee", "", 20, cas.WithoutChildren, 1)
	bo := w.addClient(t, "Bo", "Young", "", 5, cas.WithoutChildren, 1)
	run, err := w.db.RunMatch(ctx, false)
	if err != nil || len(run.Proposals) != 2 || len(run.Referrals) != 0 {
		t.Fatalf("match run: %+v %v", run, err)
	}
	byClient := map[string]store.Proposal{}
	for _, p := range run.Proposals {
		byClient[p.ClientID] = p
	}

	b := w.browser(t, casAdminEmail)
	_, body := b.getPage("/board")
	for _, want := range []string{"Proposals waiting for review (2)", "Ada Lee", "Bo Young", "Harbor Reviewed RRH", "Harbor Flats", byClient[ada.ID].Reason,
		`action="/proposals/` + byClient[ada.ID].ID + `/send"`, `action="/proposals/` + byClient[bo.ID].ID + `/dismiss"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the board lacks %q", want)
		}
	}

	status, loc, _ := b.postForm("/proposals/"+byClient[ada.ID].ID+"/send", nil)
	if status != http.StatusSeeOther || loc != "/board" {
		t.Errorf("send: %d %q", status, loc)
	}
	refs, _, err := w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: ada.ID}, store.Page{})
	if err != nil || len(refs) != 1 || refs[0].Status != cas.ReferralPending || refs[0].UnitID != byClient[ada.ID].UnitID {
		t.Fatalf("sending the proposal: %+v %v", refs, err)
	}
	// A second click follows the first (repeat.go).
	if status, _, _ = b.postForm("/proposals/"+byClient[ada.ID].ID+"/send", nil); status != http.StatusSeeOther {
		t.Errorf("sending it twice: %d, want the first's redirect", status)
	}

	status, loc, _ = b.postForm("/proposals/"+byClient[bo.ID].ID+"/dismiss", confirmed)
	if status != http.StatusSeeOther || loc != "/board" {
		t.Errorf("dismiss: %d %q", status, loc)
	}
	if open, _ := w.db.Proposals(ctx, cas.System); len(open) != 0 {
		t.Errorf("open proposals after sending and dismissing: %+v", open)
	}
	if refs, _, _ := w.db.Referrals(ctx, cas.System, store.ReferralFilter{ClientID: bo.ID}, store.Page{}); len(refs) != 0 {
		t.Errorf("a dismissed proposal became a referral")
	}
	_, body = b.getPage("/board")
	if !strings.Contains(body, "Proposal dismissed") || !strings.Contains(body, "No proposals are waiting") || !inOrder(body, "Harbor Reviewed RRH", "Ada Lee", "Flat") {
		t.Errorf("the board after review:\n%s", body)
	}
	if status, _, _ := b.postForm("/proposals/no-such/send", nil); status != http.StatusNotFound {
		t.Errorf("an unknown proposal: %d, want 404", status)
	}
}
