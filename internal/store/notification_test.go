package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestInboxSaysWhereEachReferralStands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := newNavigated(t, db)
		if _, err := db.AcceptReferral(ctx, &n.contact, n.referral.ID, ""); err != nil {
			t.Fatal(err)
		}
		list, _, unread, err := db.Notifications(ctx, &n.contact, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if unread == 0 {
			t.Fatal("the CAS Contact has nothing unread")
		}
		held, err := db.Unit(ctx, cas.System, n.referral.UnitID)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, item := range list {
			if item.ReferralID != n.referral.ID {
				continue
			}
			seen++
			if item.Program != n.inv.program.Name || item.Unit != held.Label || item.ReferralStatus != cas.ReferralAccepted {
				t.Errorf("%s: program %q, unit %q, status %q; want %q, %q, accepted (as it is now)", item.Subject, item.Program, item.Unit,
					item.ReferralStatus, n.inv.program.Name, held.Label)
			}
		}
		if seen == 0 {
			t.Fatal("no notification of the referral")
		}

		marked, err := db.MarkAllNotificationsRead(ctx, &n.contact)
		if err != nil || marked != unread {
			t.Errorf("mark all read: %d (%v), want %d", marked, err, unread)
		}
		if left, _ := db.UnreadCount(ctx, &n.contact); left != 0 {
			t.Errorf("%d unread after marking all read", left)
		}
		if again, err := db.MarkAllNotificationsRead(ctx, &n.contact); err != nil || again != 0 {
			t.Errorf("marking all read again: %d (%v)", again, err)
		}
		if others, _ := db.UnreadCount(ctx, &n.inv.otherStaff); others == 0 {
			t.Error("marking the contact's inbox read marked the navigator's too")
		}
	})
}
