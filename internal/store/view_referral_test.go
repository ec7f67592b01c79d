package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestReferralViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		pending, accepted := inv.referralIn(t, cas.ReferralPending, 1), inv.referralIn(t, cas.ReferralAccepted, 2)
		reads := func() int { t.Helper(); return countAudit(t, db, "client.read") }

		t.Run("the list names each row's client and unit and audits each client read once", func(t *testing.T) {
			before := reads()
			l, err := db.ReferralList(ctx, &inv.staff, store.ReferralFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Referrals) != 2 || l.Referrals[0].ID != accepted.ID || l.Referrals[1].ID != pending.ID {
				t.Fatalf("rows %+v, want the accepted then the pending referral", l.Referrals)
			}
			for _, row := range l.Referrals {
				if row.Client == nil || row.Client.ID != row.ClientID || row.Unit == "" {
					t.Errorf("row %s: client %+v, unit %q", row.ID, row.Client, row.Unit)
				}
			}
			if len(l.Programs) != 1 || len(l.Facilities) != 1 {
				t.Errorf("programs %d, facilities %d, want Harbor's one each", len(l.Programs), len(l.Facilities))
			}
			if got := reads() - before; got != 2 {
				t.Errorf("%d client reads audited, want 2", got)
			}
			other, err := db.ReferralList(ctx, &inv.otherStaff, store.ReferralFilter{}, store.Page{})
			if err != nil || len(other.Referrals) != 0 || len(other.Programs) != 0 {
				t.Errorf("Riverside's list %+v %v, want nothing of Harbor's", other, err)
			}
		})

		t.Run("a referral's page has its timeline, client, names and the facility's units", func(t *testing.T) {
			before := reads()
			p, err := db.ReferralPage(ctx, &inv.staff, accepted.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Referral.ID != accepted.ID || len(p.Events) != 2 || p.Client == nil || p.Client.ID != accepted.ClientID ||
				p.Program != inv.program.Name || p.Facility != inv.facility.Name || p.Unit == "" || len(p.FacilityUnits) != 3 {
				t.Errorf("page %+v", p)
			}
			if got := reads() - before; got != 1 {
				t.Errorf("%d client reads audited, want 1", got)
			}
			if _, err := db.ReferralPage(ctx, &inv.otherStaff, accepted.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("Harbor's referral as Riverside: %v, want not_found", err)
			}
		})

		t.Run("the board lists open referrals with their names, and CAS admins' proposals", func(t *testing.T) {
			b, err := db.Board(ctx, &inv.casAdmin)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Referrals) != 2 || len(b.Proposals) != 0 {
				t.Fatalf("board %+v", b)
			}
			for _, r := range b.Referrals {
				if r.Client == "" || r.Program != inv.program.Name || r.Facility != inv.facility.Name || r.Unit == "" {
					t.Errorf("board row %+v", r)
				}
			}
		})
	})
}
