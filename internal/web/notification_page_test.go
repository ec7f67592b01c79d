package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestNotificationLinksOpen makes Doorway send every kind of notification, then follows each
// notification's link as its recipient: every link opens a page that answers 200.
func TestNotificationLinksOpen(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	clock := storetest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) // a Monday
	db.Now = clock.Now
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	user := func(email string, role cas.Role, agencyID string, contact bool) *cas.User {
		t.Helper()
		u, err := db.CreateUser(ctx, cas.System, cas.User{Email: email, Name: email, Role: role, AgencyID: agencyID, CASContact: contact}, agencyPassword)
		must(err)
		return &u
	}
	harbor, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	must(err)
	quiet, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Quiet Housing"}) // no CAS Contact
	must(err)
	casAdmin, hmis := user("cas@coc.test", cas.RoleCASAdmin, "", false), user("hmis@coc.test", cas.RoleHMISAdmin, "", false)
	contact := user("contact@harbor.test", cas.RoleAgencyUser, harbor.ID, true)
	quietStaff := user("staff@quiet.test", cas.RoleAgencyUser, quiet.ID, false)
	program := func(a cas.Agency, name string) cas.Program {
		p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: a.ID, Name: name, ProjectType: cas.ProjectPSH, ResponseDays: 3})
		must(err)
		return p
	}
	harborPSH, quietPSH := program(harbor, "Harbor PSH"), program(quiet, "Quiet PSH")
	facility := func(p cas.Program, name string, labels ...string) (cas.Facility, []cas.Unit) {
		f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: name})
		must(err)
		var units []cas.Unit
		for _, l := range labels {
			u, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: l, Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
			must(err)
			units = append(units, u)
		}
		return f, units
	}
	commons, apts := facility(harborPSH, "Harbor Commons", "A1", "A2", "A3", "A4", "A5", "A6")
	annex, _ := facility(harborPSH, "Harbor Annex", "X1")
	quietHouse, _ := facility(quietPSH, "Quiet House", "Q1")
	clients := 0
	refer := func(f cas.Facility, over bool) cas.Referral {
		t.Helper()
		clients++
		c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Client", LastName: string(rune('A' + clients)), BirthDate: "1980-01-01",
			HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true})
		must(err)
		_, err = db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: c.ID, Score: 10, AssessedOn: "2026-01-05", IntakeStatus: cas.IntakeReady})
		must(err)
		in := store.NewReferral{ClientID: c.ID, FacilityID: f.ID}
		if over {
			in.OverRefer, in.Reason, in.ExpectedVacancy = true, "a unit opens soon", "2026-03-20"
		}
		ref, err := db.CreateReferral(ctx, casAdmin, in)
		must(err)
		return ref
	}
	offline := cas.OfflinePeriod{Reason: "water damage", ExpectedReturn: "2026-04-01"}

	moved := refer(commons, false) // new_referral
	// Quiet's staff member navigates the client (navigated_referral) and adds a note (referral_note_added).
	_, err = db.UpdateClient(ctx, cas.System, moved.ClientID, func(c *cas.Client) { c.NavigatorUserID = quietStaff.ID })
	must(err)
	_, err = db.AddReferralNote(ctx, quietStaff, moved.ID, "Reachable at the day center")
	must(err)
	_, err = db.AcceptReferral(ctx, contact, moved.ID, "")
	must(err)
	_, err = db.MoveIn(ctx, contact, moved.ID, moved.UnitID)
	must(err)
	declined := refer(commons, false)
	_, err = db.DeclineReferral(ctx, contact, declined.ID, cas.DeclineClientRefused, "")
	must(err)
	withdrawn := refer(commons, false)
	_, err = db.WithdrawReferral(ctx, casAdmin, withdrawn.ID, "client moved away")
	must(err)
	held := refer(commons, false) // its unit taken offline: held_unit_offline, unit_offline
	_, err = db.TakeOffline(ctx, hmis, held.UnitID, offline, "the unit flooded")
	must(err)
	_, err = db.BringOnline(ctx, hmis, held.UnitID)
	must(err)
	refer(quietHouse, false) // no_cas_contact
	first := refer(annex, false)
	refer(annex, true)
	_, err = db.WithdrawReferral(ctx, casAdmin, first.ID, "client housed elsewhere") // over_referral_unit
	must(err)
	_, err = db.CreateReservation(ctx, contact, cas.Reservation{UnitID: apts[5].ID, ClientName: "Walk-in", StartsOn: "2026-03-02", ExpiresOn: "2026-03-04"})
	must(err)
	due := refer(commons, false)
	clock.Advance(60 * time.Hour)
	_, err = db.SendReminders(ctx) // deadline_approaching, reservation_expiring
	must(err)
	clock.Advance(13 * time.Hour)
	_, err = db.ExpireReferrals(ctx) // referral_expired
	must(err)
	if r, _, err := db.Referral(ctx, casAdmin, due.ID); err != nil || r.Status != cas.ReferralExpired {
		t.Fatalf("the due referral is %s (%v), want expired", r.Status, err)
	}
	report, err := db.FileDiscrepancy(ctx, contact, cas.Discrepancy{FacilityID: commons.ID, UnitIDs: []string{apts[4].ID}, Note: "A5 is occupied"})
	must(err)
	_, err = db.ResolveDiscrepancy(ctx, casAdmin, report.ID, cas.Resolution{Action: cas.ResolveNone, Note: "checked: it is free"})
	must(err)
	req, err := db.CreateFacilityRequest(ctx, contact, cas.FacilityRequest{ProgramID: harborPSH.ID, Kind: cas.NewFacilityRequest,
		Details: cas.FacilityRequestDetails{Name: "Harbor Court", Units: []cas.UnitSpec{{Label: "C1", Bedrooms: 1, HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}}}})
	must(err)
	_, err = db.ApproveFacilityRequest(ctx, hmis, req.ID)
	must(err)
	_, err = db.AskToConfirm(ctx, casAdmin, []string{apts[4].ID})
	must(err)
	_, err = db.TakeUnitsOffline(ctx, hmis, []string{apts[4].ID}, offline)
	must(err)
	clock.Advance(15 * 24 * time.Hour) // a new week, units available for two: suspects
	_, err = db.RecordSuspectWeek(ctx)
	must(err)

	rows, err := db.SQL().QueryContext(ctx, `SELECT n.kind, n.link, u.email FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY n.kind, n.id`)
	must(err)
	defer rows.Close()
	type sent struct{ kind, link, email string }
	var all []sent
	for rows.Next() {
		var s sent
		must(rows.Scan(&s.kind, &s.link, &s.email))
		all = append(all, s)
	}
	must(rows.Err())
	seen := map[string]bool{}
	followed := map[sent]bool{}
	for _, s := range all {
		seen[s.kind] = true
		if followed[sent{link: s.link, email: s.email}] {
			continue
		}
		followed[sent{link: s.link, email: s.email}] = true
		b := newBrowser(t, srv.URL)
		b.signIn(s.email)
		if status, _ := b.getPage(localPath(s.link)); status != http.StatusOK {
			t.Errorf("%s: %s opens %s with %d, want 200", s.kind, s.email, s.link, status)
		}
	}
	for _, k := range notify.Kinds() {
		if !seen[string(k)] {
			t.Errorf("no %s notification was sent: the test does not follow its link", k)
		}
	}
}

func TestInboxGroupsByReferral(t *testing.T) {
	c := newAgencyCoC(t)
	harbor, bayside := c.as(t, "harbor@coc.test"), c.as(t, "bayside@coc.test")
	for _, step := range []struct {
		b    *browser
		path string
		form url.Values
	}{
		{harbor, "/referrals/" + c.janeRef.ID + "/accept", nil},
		{harbor, "/referrals/" + c.janeRef.ID + "/move-in", url.Values{"unit_id": {c.apt1.ID}}},
		{bayside, "/referrals/" + c.bobRef.ID + "/decline", url.Values{"reason_code": {"client_refused"}, "confirm": {"yes"}}},
	} {
		if status, _, body := step.b.postForm(step.path, step.form); status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.path, status, body)
		}
	}
	admin := c.as(t, "cas@coc.test")
	_, body := admin.getPage("/inbox")
	groups := regexp.MustCompile(`(?s)<li class="inbox-group">(.*?)</ul>\s*</li>`).FindAllStringSubmatch(body, -1)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want one per referral:\n%s", len(groups), body)
	}
	jane := groups[1][1]
	if strings.Contains(groups[0][1], "Harbor PSH") {
		jane = groups[0][1]
	}
	if !strings.Contains(jane, "<strong>Harbor PSH</strong> · unit Apt 1 · now") || !strings.Contains(jane, ">Housed</span>") ||
		strings.Count(jane, `action="/inbox/`) < 3 {
		t.Errorf("Jane's referral's group does not say where it stands or lacks its notifications (sent, accepted, moved in):\n%s", jane)
	}
	if !strings.Contains(body, `action="/inbox/read-all"`) {
		t.Fatal("no way to mark all read")
	}
	status, where, _ := admin.postForm("/inbox/read-all", nil)
	if status != http.StatusSeeOther || where != "/inbox" {
		t.Fatalf("mark all read: %d → %s", status, where)
	}
	_, body = admin.getPage("/inbox")
	if !strings.Contains(body, " notifications marked read.") || strings.Contains(body, `action="/inbox/read-all"`) || strings.Contains(body, "(unread)") {
		t.Errorf("after marking all read:\n%s", body)
	}

	t.Run("through the API", func(t *testing.T) {
		u, err := c.db.UserByEmail(context.Background(), cas.System, "hmis@coc.test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.db.TakeOffline(context.Background(), cas.System, c.apt2.ID, cas.OfflinePeriod{Reason: "repairs"}, ""); err != nil {
			t.Fatal(err)
		}
		secret, _, err := c.db.CreateToken(context.Background(), cas.System, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", c.url+"/api/v1/notifications/read-all", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct{ Marked int }
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %v", resp.StatusCode, err)
		}
		if left, _ := c.db.UnreadCount(context.Background(), &u); left != 0 {
			t.Errorf("%d unread after marking %d read", left, got.Marked)
		}
	})
}
