package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		noConsent := func(c *cas.Client) { c.Consent = false }
		ada, _ := inv.mustClientOnHPL(t, "Ada", 12, func(c *cas.Client) { c.Consent, c.HMISPersonalID = false, "P-ADA" })
		ben, _ := inv.mustClientOnHPL(t, "Ben", 11, noConsent)
		cy, _ := inv.mustClientOnHPL(t, "Cy", 10, noConsent)
		today := cas.DateOf(inv.clock.Now(), db.Zone)

		t.Run("a bulk recording with any problem records nothing and names every problem", func(t *testing.T) {
			_, err := db.RecordConsent(ctx, &inv.casAdmin, []store.ConsentRecord{
				{HMISPersonalID: "P-ADA", ConsentDate: today, Where: "line 2"},
				{HMISPersonalID: "P-NOBODY", ConsentDate: today, Where: "line 3"},
				{ClientID: ben.ID, ConsentDate: today.AddDays(1), Where: "line 4"},
				{ClientID: cy.ID, ConsentDate: today, ExpiresOn: today.AddDays(-1), Where: "line 5"},
				{ClientID: ada.ID, ConsentDate: today, Where: "line 6"},
			})
			e := cas.ErrorOf(err)
			if e == nil || e.Code != cas.EInvalid || len(e.Details) != 4 {
				t.Fatalf("refusal %v, want 4 problems", err)
			}
			for i, want := range []string{`line 3: no client has HMIS PersonalID "P-NOBODY"`, "line 4: consent_date", "line 5: consent_expires_on",
				"line 6: the same client as line 2"} {
				if !strings.HasPrefix(e.Details[i], want) {
					t.Errorf("problem %d: %q, want it to start %q", i, e.Details[i], want)
				}
			}
			for _, c := range []cas.Client{ada, ben, cy} {
				if got, _ := db.Client(ctx, &inv.casAdmin, c.ID); got.Consent {
					t.Errorf("%s has consent after a refused recording", c.FirstName)
				}
			}
		})

		t.Run("a good recording records every client", func(t *testing.T) {
			n, err := db.RecordConsent(ctx, &inv.hmis, []store.ConsentRecord{
				{HMISPersonalID: "P-ADA", ConsentDate: today.AddDays(-30), ExpiresOn: today, Where: "items[0]"},
				{ClientID: ben.ID, ConsentDate: today, Where: "items[1]"},
			})
			if n != 2 || err != nil {
				t.Fatalf("recorded %d: %v", n, err)
			}
			got, _ := db.Client(ctx, &inv.casAdmin, ada.ID)
			if !got.ConsentOn(today) || got.ConsentDate != today.AddDays(-30) || got.ConsentExpiresOn != today {
				t.Errorf("Ada: %+v", got)
			}
			for _, c := range []cas.Client{ada, ben} { // each change audited, as it was
				var before, after string
				if err := db.SQL().QueryRow(`SELECT before, after FROM audit_events WHERE action = 'client.consent' AND entity_id = $1`, c.ID).
					Scan(&before, &after); err != nil {
					t.Fatalf("%s's audit event: %v", c.FirstName, err)
				}
				if !strings.Contains(before, `"consent": false`) && !strings.Contains(before, `"consent":false`) ||
					!strings.Contains(after, `"consent": true`) && !strings.Contains(after, `"consent":true`) {
					t.Errorf("%s's audit event: before %s, after %s", c.FirstName, before, after)
				}
			}
			if _, err := db.RecordConsent(ctx, &inv.staff, []store.ConsentRecord{{ClientID: cy.ID, ConsentDate: today}}); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("an agency user recorded consent: %v", err)
			}
		})

		t.Run("expired consent stops referrals until it is renewed", func(t *testing.T) {
			inv.clock.Advance(24 * time.Hour) // Ada's consent held until yesterday
			run := inv.runMatch(t)
			if len(run.Referrals) != 1 || run.Referrals[0].ClientID != ben.ID {
				t.Fatalf("the engine referred %+v; want Ben, not Ada whose consent expired", run.Referrals)
			}
			inv.mustUnit(t, "Apt 102", 2)
			_, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: ada.ID, FacilityID: inv.facility.ID})
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EConflict || !strings.Contains(e.Message, "expired on "+string(today)) {
				t.Fatalf("manual referral with expired consent: %v", err)
			}
			renewed, err := db.UpdateClient(ctx, &inv.casAdmin, ada.ID, func(c *cas.Client) { c.Consent = true })
			tomorrow := cas.DateOf(inv.clock.Now(), db.Zone)
			if err != nil || renewed.ConsentDate != tomorrow || renewed.ConsentExpiresOn != "" {
				t.Fatalf("renewed: %+v %v", renewed, err)
			}
			if _, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: ada.ID, FacilityID: inv.facility.ID}); err != nil {
				t.Errorf("referral after renewal: %v", err)
			}
		})
	})
}
