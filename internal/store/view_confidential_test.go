package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// The confidential client's identifying details: none may reach a receiving agency before it
// accepts a referral of her.
const (
	secretFirst = "Rosalind"
	secretLast  = "Quillfeather"
	secretBirth = "1979-03-14"
	secretHMIS  = "HMIS-ROSA-77"
	secretPhone = "555-0199"
	secretEmail = "rosalind.q@example.test"
	secretWhere = "Staying at the Elm St safe house"
)

var secrets = []string{secretFirst, secretLast, secretBirth, secretHMIS, secretPhone, secretEmail, secretWhere}

// leaks returns the confidential details that text contains.
func leaks(text string) []string {
	var found []string
	for _, s := range secrets {
		if strings.Contains(text, s) {
			found = append(found, s)
		}
	}
	return found
}

// confidentialReferral is a confidential client referred to Harbor, her navigator Riverside's
// staff member, with Harbor's CAS Contact told.
type confidentialReferral struct {
	inv      *inventory
	contact  cas.User
	client   cas.Client
	referral cas.Referral
}

func newConfidentialReferral(t *testing.T, db *store.DB) *confidentialReferral {
	t.Helper()
	inv := newInventory(t, db)
	c := &confidentialReferral{inv: inv, contact: inv.casContact(t)}
	c.client, _ = inv.mustClientOnHPL(t, secretFirst, 10, func(cl *cas.Client) {
		cl.LastName, cl.BirthDate, cl.HMISPersonalID = secretLast, secretBirth, secretHMIS
		cl.Phone, cl.Email, cl.ContactNotes, cl.NavigatorUserID = secretPhone, secretEmail, secretWhere, inv.otherStaff.ID
		cl.Race, cl.Sex = []cas.Race{cas.RaceAsian}, cas.SexFemale
		cl.Confidential, cl.DVSurvivor = true, true
	})
	var err error
	if c.referral, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.client.ID, FacilityID: inv.facility.ID}); err != nil {
		t.Fatal(err)
	}
	return c
}

// everything reads every surface where the client could appear to u, as text.
func (c *confidentialReferral) everything(t *testing.T, db *store.DB, u *cas.User) map[string]string {
	t.Helper()
	out := map[string]string{}
	client, err := db.Client(ctx, u, c.client.ID)
	if err != nil {
		t.Fatalf("%s reads the client: %v", u.Email, err)
	}
	out["client"] = fmt.Sprintf("%+v", client)
	list, _, err := db.Clients(ctx, u, store.ClientFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	out["client list"] = fmt.Sprintf("%+v", list)
	refs, err := db.ReferralList(ctx, u, store.ReferralFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs.Referrals {
		out["referral list"] += fmt.Sprintf("%+v %+v", r, r.Client)
	}
	page, err := db.ReferralPage(ctx, u, c.referral.ID)
	if err != nil {
		t.Fatal(err)
	}
	out["referral page"] = fmt.Sprintf("%+v %+v", page, page.Client)
	cp, err := db.ClientPage(ctx, u, c.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	out["client page"] = fmt.Sprintf("%+v", cp)
	packet, err := db.PacketInputs(ctx, u, report.Thresholds{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	out["packet"] = fmt.Sprintf("%+v", report.BuildPacket(packet))
	notes, _, _, err := db.Notifications(ctx, u, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out["notifications"] = fmt.Sprintf("%+v", notes)
	rows, err := db.SQL().Query(`SELECT subject, text_body, html_body FROM email_outbox WHERE user_id = $1`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var emails string
	for rows.Next() {
		var subject, text, html string
		if err := rows.Scan(&subject, &text, &html); err != nil {
			t.Fatal(err)
		}
		emails += subject + text + html
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out["emails"] = emails
	return out
}

func TestConfidentialClientShieldedUntilAccepted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newConfidentialReferral(t, db)
		inv := c.inv
		alias := c.client.Alias()

		t.Run("the receiving agency sees an alias and the Doorway reference only, on every surface", func(t *testing.T) {
			for _, u := range []*cas.User{&inv.staff, &c.contact} {
				for surface, text := range c.everything(t, db, u) {
					if found := leaks(text); len(found) > 0 {
						t.Errorf("%s: %s shows %q", u.Email, surface, found)
					}
				}
				got, err := db.Client(ctx, u, c.client.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Shielded || got.Name() != alias || got.ID != c.client.ID || got.NavigatorUserID != inv.otherStaff.ID ||
					got.HouseholdSize != 3 || !got.DVSurvivor {
					t.Errorf("%s reads %+v, want it shielded as %s with household and navigator kept", u.Email, got, alias)
				}
			}
			if n := len(c.everything(t, db, &c.contact)["emails"]); n == 0 {
				t.Error("the CAS Contact was sent no email of the referral; the test proves nothing")
			}
		})

		t.Run("a search by the client's name or HMIS ID finds nothing; the reference finds the alias", func(t *testing.T) {
			for _, q := range []string{secretFirst, secretLast, secretHMIS, "r"} {
				list, _, err := db.Clients(ctx, &inv.staff, store.ClientFilter{Search: q}, store.Page{})
				if err != nil || len(list) != 0 {
					t.Errorf("search %q: %d clients, %v; want none", q, len(list), err)
				}
			}
			list, _, err := db.Clients(ctx, &inv.staff, store.ClientFilter{Search: c.client.ID}, store.Page{})
			if err != nil || len(list) != 1 || list[0].Name() != alias {
				t.Errorf("search by reference: %+v, %v", list, err)
			}
		})

		t.Run("shielded reads are audited as every read of a client record is", func(t *testing.T) {
			before := countAudit(t, db, "client.read")
			if _, err := db.ReferralPage(ctx, &inv.staff, c.referral.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Clients(ctx, &inv.staff, store.ClientFilter{}, store.Page{}); err != nil {
				t.Fatal(err)
			}
			if n := countAudit(t, db, "client.read"); n != before+2 {
				t.Errorf("client.read events went from %d to %d, want two more", before, n)
			}
		})

		t.Run("CAS admins, the HMIS team and the navigator see the whole record", func(t *testing.T) {
			for _, u := range []*cas.User{&inv.casAdmin, &inv.hmis, &inv.otherStaff} {
				got, err := db.Client(ctx, u, c.client.ID)
				if err != nil || got.Shielded || got.FirstName != secretFirst || got.Phone != secretPhone || got.BirthDate != secretBirth {
					t.Errorf("%s reads %+v, %v; want the whole record", u.Email, got, err)
				}
			}
		})

		t.Run("once the agency accepts, it sees the record as any other, even after the referral closes", func(t *testing.T) {
			if _, err := db.AcceptReferral(ctx, &c.contact, c.referral.ID, ""); err != nil {
				t.Fatal(err)
			}
			for _, step := range []string{"accepted", "withdrawn"} {
				if step == "withdrawn" {
					if _, err := db.WithdrawReferral(ctx, &inv.casAdmin, c.referral.ID, "client moved away"); err != nil {
						t.Fatal(err)
					}
				}
				page, err := db.ReferralPage(ctx, &inv.staff, c.referral.ID)
				if err != nil || page.Client == nil || page.Client.Shielded || page.Client.FirstName != secretFirst || page.Client.Phone != secretPhone {
					t.Errorf("%s: referral page shows %+v, %v; want the whole record", step, page.Client, err)
				}
				list, _, err := db.Clients(ctx, &inv.staff, store.ClientFilter{Search: secretLast}, store.Page{})
				if err != nil || len(list) != 1 || list[0].Shielded {
					t.Errorf("%s: search by name finds %+v, %v", step, list, err)
				}
			}
		})

		t.Run("a confidential client without a navigator is shielded too", func(t *testing.T) {
			alone, _ := inv.mustClientOnHPL(t, "Solitaire", 8, func(cl *cas.Client) { cl.LastName, cl.Confidential = secretLast, true })
			inv.mustUnit(t, "Apt 102", 2)
			if _, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: alone.ID, FacilityID: inv.facility.ID}); err != nil {
				t.Fatal(err)
			}
			got, err := db.Client(ctx, &inv.staff, alone.ID)
			if err != nil || !got.Shielded || got.LastName != "" {
				t.Errorf("read %+v, %v; want it shielded", got, err)
			}
		})

		t.Run("another agency never sees the client at all", func(t *testing.T) {
			other := MustUser(t, db, "intake@riverside.test", cas.RoleAgencyUser, inv.riverside.ID)
			if _, err := db.Client(ctx, &other, c.client.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("Riverside's other user reads the client: %v, want not found", err)
			}
		})
	})
}

func TestConfidentialFlagIsKeptAndAliasIsStable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, _ := inv.mustClientOnHPL(t, "Mara", 5, nil)
		if c.Confidential {
			t.Fatal("a new client is confidential unless flagged")
		}
		after, err := db.UpdateClient(ctx, &inv.hmis, c.ID, func(c *cas.Client) { c.Confidential = true })
		if err != nil || !after.Confidential {
			t.Fatalf("the HMIS team flags the client: %+v, %v", after, err)
		}
		got, err := db.Client(ctx, &inv.casAdmin, c.ID)
		if err != nil || !got.Confidential || got.Shielded || got.Alias() != c.Alias() {
			t.Errorf("read back %+v, %v", got, err)
		}
		if _, err := db.UpdateClient(ctx, &inv.staff, c.ID, func(c *cas.Client) { c.Confidential = false }); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("an agency user unflags the client: %v, want forbidden", err)
		}
	})
}
