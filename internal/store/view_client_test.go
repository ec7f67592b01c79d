package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientPageView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		ref := inv.referralIn(t, cas.ReferralPending, 1)
		before := countAudit(t, db, "client.read")
		p, err := db.ClientPage(ctx, &inv.casAdmin, ref.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Client.ID != ref.ClientID || len(p.Referrals) != 1 || p.Referrals[0].ID != ref.ID || p.Referrals[0].Unit == "" {
			t.Errorf("client page %+v", p)
		}
		if len(p.Facilities) != 1 || p.Free[inv.facility.ID] != 1 {
			t.Errorf("facilities %d, free %v: want Harbor Commons with its one unit free", len(p.Facilities), p.Free)
		}
		if got := countAudit(t, db, "client.read") - before; got != 1 {
			t.Errorf("%d reads audited, want 1", got)
		}
		if _, err := db.ClientPage(ctx, &inv.otherStaff, ref.ClientID); cas.ErrorCode(err) != cas.ENotFound {
			t.Errorf("the client as Riverside: %v, want not_found", err)
		}
		if p, err := db.ClientPage(ctx, &inv.staff, ref.ClientID); err != nil || p.Free != nil {
			t.Errorf("the client as Harbor: free %v (%v), want none: only CAS admins refer", p.Free, err)
		}
	})
}
