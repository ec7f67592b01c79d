package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestReferralToAgencyWithoutContact: a referral that needs an agency's answer never goes nowhere.
// With no CAS Contact at the agency, the CAS admins are told instead; once one is designated, the
// contact is told and the CAS admins are not.
func TestReferralToAgencyWithoutContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		kinds := func(u *cas.User) map[notify.Kind]int { t.Helper(); return inboxKinds(t, db, u) }
		c, _ := inv.mustClientOnHPL(t, "Ada", 10, nil)
		if _, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: inv.facility.ID}); err != nil {
			t.Fatal(err)
		}
		if got := kinds(&inv.casAdmin); got[notify.NoCASContact] != 1 {
			t.Errorf("CAS admin's inbox %v, want one %s", got, notify.NoCASContact)
		}
		contact := inv.casContact(t)
		inv.mustUnit(t, "Apt 102", 2)
		c2, _ := inv.mustClientOnHPL(t, "Ben", 9, nil)
		if _, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c2.ID, FacilityID: inv.facility.ID}); err != nil {
			t.Fatal(err)
		}
		if got := kinds(&inv.casAdmin); got[notify.NoCASContact] != 1 {
			t.Errorf("CAS admins told again once the agency has a contact: %v", got)
		}
		if got := kinds(&contact); got[notify.NewReferral] != 1 {
			t.Errorf("contact's inbox %v, want the new referral", got)
		}
	})
}
