package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientContactAndNavigator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, _ := inv.mustClientOnHPL(t, "Ada", 10, func(c *cas.Client) {
			c.Phone, c.Email, c.ContactNotes = " 555-0100 ", "ada@example.test", "Mornings at the Main St day center"
			c.NavigatorUserID = inv.otherStaff.ID
		})
		got, err := db.Client(ctx, &inv.casAdmin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "555-0100" || got.Email != "ada@example.test" || got.ContactNotes != "Mornings at the Main St day center" ||
			got.NavigatorUserID != inv.otherStaff.ID {
			t.Errorf("client read back %+v", got)
		}

		t.Run("only an active agency user can be a navigator", func(t *testing.T) {
			disabled := MustUser(t, db, "gone@riverside.test", cas.RoleAgencyUser, inv.riverside.ID)
			if _, err := db.UpdateUser(ctx, &inv.hmis, disabled.ID, cas.UserPatch{Disabled: new(true)}); err != nil {
				t.Fatal(err)
			}
			for name, id := range map[string]string{"a CAS admin": inv.casAdmin.ID, "an HMIS admin": inv.hmis.ID,
				"a disabled user": disabled.ID, "no one": "no-such-user"} {
				_, err := db.UpdateClient(ctx, &inv.casAdmin, c.ID, func(c *cas.Client) { c.NavigatorUserID = id })
				if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != "navigator_user_id" {
					t.Errorf("%s as navigator: %v, want invalid navigator_user_id", name, err)
				}
			}
		})

		t.Run("contact details are checked", func(t *testing.T) {
			for field, change := range map[string]func(*cas.Client){
				"phone":         func(c *cas.Client) { c.Phone = strings.Repeat("5", cas.MaxPhoneLength+1) },
				"email":         func(c *cas.Client) { c.Email = "not an address" },
				"contact_notes": func(c *cas.Client) { c.ContactNotes = strings.Repeat("x", cas.MaxContactNotesLength+1) },
			} {
				_, err := db.UpdateClient(ctx, &inv.casAdmin, c.ID, change)
				if e := cas.ErrorOf(err); e == nil || e.Field != field {
					t.Errorf("bad %s: %v, want it refused naming the field", field, err)
				}
			}
		})

		t.Run("the navigator can be removed", func(t *testing.T) {
			after, err := db.UpdateClient(ctx, &inv.casAdmin, c.ID, func(c *cas.Client) { c.NavigatorUserID = "" })
			if err != nil || after.NavigatorUserID != "" {
				t.Errorf("remove navigator: %v, %q", err, after.NavigatorUserID)
			}
		})
	})
}

// navigated is a referral to Harbor of a client whose navigator is Riverside's staff member, with
// the client's contact details on file, and a second client of Harbor's whom they do not navigate.
type navigated struct {
	inv              *inventory
	contact          cas.User // Harbor's CAS Contact
	client, other    cas.Client
	referral, other2 cas.Referral
}

const (
	clientPhone = "555-0187"
	clientEmail = "ada.lovelace@example.test"
	clientWhere = "Sleeps near the Elm St library; call before noon"
)

func newNavigated(t *testing.T, db *store.DB) *navigated {
	t.Helper()
	inv := newInventory(t, db)
	n := &navigated{inv: inv, contact: inv.casContact(t)}
	n.client, _ = inv.mustClientOnHPL(t, "Ada", 10, func(c *cas.Client) {
		c.Phone, c.Email, c.ContactNotes, c.NavigatorUserID = clientPhone, clientEmail, clientWhere, inv.otherStaff.ID
	})
	n.other, _ = inv.mustClientOnHPL(t, "Ben", 9, nil)
	inv.mustUnit(t, "Apt 102", 2)
	var err error
	if n.referral, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: n.client.ID, FacilityID: inv.facility.ID}); err != nil {
		t.Fatal(err)
	}
	if n.other2, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: n.other.ID, FacilityID: inv.facility.ID}); err != nil {
		t.Fatal(err)
	}
	return n
}

func inboxKinds(t *testing.T, db *store.DB, u *cas.User) map[notify.Kind]int {
	t.Helper()
	list, _, _, err := db.Notifications(ctx, u, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	m := map[notify.Kind]int{}
	for _, n := range list {
		m[n.Kind]++
	}
	return m
}

func TestNavigatorSeesTheirClientOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := newNavigated(t, db)
		nav := &n.inv.otherStaff
		if _, _, err := db.Referral(ctx, nav, n.referral.ID); err != nil {
			t.Errorf("the navigator reads their client's referral: %v", err)
		}
		if _, err := db.Client(ctx, nav, n.client.ID); err != nil {
			t.Errorf("the navigator reads their client: %v", err)
		}
		_, _, err := db.Referral(ctx, nav, n.other2.ID)
		_, _, missing := db.Referral(ctx, nav, "no-such-referral")
		if cas.ErrorCode(err) != cas.ENotFound || err.Error() != missing.Error() {
			t.Errorf("another client's referral at the same agency: %v, want it answered as a missing one (%v)", err, missing)
		}
		if _, err := db.Client(ctx, nav, n.other.ID); cas.ErrorCode(err) != cas.ENotFound {
			t.Errorf("another client at the same agency: %v, want not found", err)
		}
		list, _, err := db.Referrals(ctx, nav, store.ReferralFilter{}, store.Page{})
		if err != nil || len(list) != 1 || list[0].ID != n.referral.ID {
			t.Errorf("the navigator's referrals: %v %v, want only their client's", list, err)
		}
		clients, _, err := db.Clients(ctx, nav, store.ClientFilter{}, store.Page{})
		if err != nil || len(clients) != 1 || clients[0].ID != n.client.ID {
			t.Errorf("the navigator's clients: %v %v, want only their client", clients, err)
		}
		units, _, err := db.Units(ctx, nav, store.UnitFilter{FacilityID: n.inv.facility.ID}, store.Page{})
		if err != nil || len(units) != 0 {
			t.Errorf("the navigator sees the receiving agency's units: %v %v", units, err)
		}
	})
}

func TestNavigatorCannotActOnTheReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := newNavigated(t, db)
		nav := &n.inv.otherStaff
		for name, act := range map[string]func() (cas.Referral, error){
			"accept": func() (cas.Referral, error) { return db.AcceptReferral(ctx, nav, n.referral.ID, "") },
			"decline": func() (cas.Referral, error) {
				return db.DeclineReferral(ctx, nav, n.referral.ID, cas.DeclineClientRefused, "")
			},
			"move in":  func() (cas.Referral, error) { return db.MoveIn(ctx, nav, n.referral.ID, n.inv.unit.ID) },
			"withdraw": func() (cas.Referral, error) { return db.WithdrawReferral(ctx, nav, n.referral.ID, "no") },
		} {
			if _, err := act(); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("the navigator may %s: %v, want forbidden", name, err)
			}
		}
		r, _, err := db.Referral(ctx, &n.inv.casAdmin, n.referral.ID)
		if err != nil || r.Status != cas.ReferralPending {
			t.Errorf("after the navigator's attempts: %s %v, want it still pending", r.Status, err)
		}
	})
}

func TestReferralNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := newNavigated(t, db)
		nav := &n.inv.otherStaff
		before := inboxKinds(t, db, &n.contact)
		if _, err := db.AddReferralNote(ctx, nav, n.referral.ID, "  Ada is at the Elm St library most mornings.  "); err != nil {
			t.Fatal(err)
		}
		if got := inboxKinds(t, db, &n.contact); got[notify.ReferralNoteAdded] != before[notify.ReferralNoteAdded]+1 {
			t.Errorf("the agency's CAS Contact was not told of the navigator's note: %v", got)
		}
		if got := inboxKinds(t, db, nav); got[notify.NavigatedReferral] != 1 {
			t.Errorf("the navigator's inbox %v, want only the referral sent, not their own note", got)
		}
		n.inv.clock.Advance(time.Minute)
		if _, err := db.AddReferralNote(ctx, &n.contact, n.referral.ID, "Thanks, we will go by tomorrow."); err != nil {
			t.Fatal(err)
		}
		if got := inboxKinds(t, db, nav); got[notify.NavigatedReferral] != 2 {
			t.Errorf("the navigator's inbox %v, want the agency's note", got)
		}
		if _, err := db.AddReferralNote(ctx, &n.inv.casAdmin, n.referral.ID, "CAS is following."); err != nil {
			t.Errorf("a CAS admin's note: %v", err)
		}
		_, events, err := db.Referral(ctx, nav, n.referral.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, e := range events {
			if e.Action == "note" {
				notes = append(notes, e.ByName+": "+e.Note)
			}
		}
		want := []string{"staff@riverside.test: Ada is at the Elm St library most mornings.", "Dana Intake: Thanks, we will go by tomorrow.",
			"cas@coc.test: CAS is following."}
		if strings.Join(notes, "|") != strings.Join(want, "|") {
			t.Errorf("timeline notes %q, want %q", notes, want)
		}

		for _, text := range []string{" ", strings.Repeat("x", cas.MaxNoteLength+1)} {
			if _, err := db.AddReferralNote(ctx, nav, n.referral.ID, text); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "text" {
				t.Errorf("a note of %d characters: %v, want invalid text", len(text), err)
			}
		}
		if _, err := db.AddReferralNote(ctx, nav, n.other2.ID, "not mine"); cas.ErrorCode(err) != cas.ENotFound {
			t.Errorf("a note on another client's referral: %v, want not found", err)
		}
		if _, err := db.AddReferralNote(ctx, &n.inv.staff, n.other2.ID, "ours"); err != nil {
			t.Errorf("the agency's note on its own referral: %v", err)
		}
		if got := countAudit(t, db, "referral.note"); got != 4 {
			t.Errorf("%d notes audited, want 4", got)
		}
	})
}

// TestEmailsCarryNoContactDetails: the navigator and the agency are emailed of each referral event,
// and no email says how to reach the client, nor any note.
func TestEmailsCarryNoContactDetails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := newNavigated(t, db)
		nav := &n.inv.otherStaff
		const note = "Ada's sister's number is 555-0199"
		if _, err := db.AddReferralNote(ctx, nav, n.referral.ID, note); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AcceptReferral(ctx, &n.inv.staff, n.referral.ID, "Accepted; will call "+clientPhone); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeclineReferral(ctx, &n.inv.staff, n.referral.ID, cas.DeclineOther, "Could not reach "+clientEmail); err != nil {
			t.Fatal(err)
		}
		toNavigator := 0
		for {
			e, _, err := db.ClaimEmail(ctx, "test", time.Minute)
			if errors.Is(err, store.ErrNoJob) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.To == nav.Email {
				toNavigator++
			}
			for _, secret := range []string{clientPhone, clientEmail, clientWhere, note, "Ada", "sister"} {
				if strings.Contains(e.Subject+e.Text+e.HTML, secret) {
					t.Errorf("an email to %s says %q:\n%s\n%s", e.To, secret, e.Subject, e.Text)
				}
			}
			if err := db.EmailSent(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		}
		// Sent, a note (by the navigator: not told), accepted, declined.
		if toNavigator != 3 {
			t.Errorf("%d emails to the navigator, want 3: sent, accepted, declined", toNavigator)
		}
	})
}
