package worker_test

import (
	"slices"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestEmailByKind: each CAS Contact chooses, kind by kind, immediate email or the daily digest.
// One reads email at once but digests units taken offline; the other digests everything but units
// taken offline. A unit goes offline: each is emailed as they chose, over a real SMTP server.
func TestEmailByKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailCoC(t, db, 1)
		prefer := func(u cas.User, mode, offline cas.EmailMode) {
			t.Helper()
			if _, err := db.SetEmailPreferences(ctx, &u, mode, map[notify.Kind]cas.EmailMode{notify.UnitOffline: offline}); err != nil {
				t.Fatal(err)
			}
		}
		prefer(m.contacts[0], cas.EmailImmediate, cas.EmailDigest)
		prefer(m.contacts[1], cas.EmailDigest, cas.EmailImmediate)
		if p, err := db.EmailPreferences(ctx, &m.contacts[0]); err != nil || p.Mode(notify.UnitOffline) != cas.EmailDigest || p.Mode(notify.NewReferral) != cas.EmailImmediate {
			t.Fatalf("preferences %+v %v", p, err)
		}
		m.takeOffline(t)
		w := m.worker("w")
		for range 3 {
			if _, err := w.DeliverEmail(ctx); err != nil {
				t.Fatal(err)
			}
		}
		sent := func() []string {
			var got []string
			for _, msg := range m.smtp.Messages() {
				got = append(got, msg.To[0]+": "+msg.Subject)
			}
			slices.Sort(got)
			return got
		}
		if got := sent(); len(got) != 1 || got[0] != "contact1@harbor.test: Unit A at Commons taken offline" {
			t.Errorf("at once: %v, want only the contact who reads units offline at once", got)
		}
		if n, err := db.SendDigests(ctx); err != nil || n != 1 {
			t.Fatalf("%d digests: %v, want one, for the contact who digests units offline", n, err)
		}
		for range 2 {
			if _, err := w.DeliverEmail(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := sent(); len(got) != 2 || got[0] != "contact0@harbor.test: Doorway: 1 notifications for 2026-11-02" {
			t.Errorf("after the digest: %v", got)
		}
	})
}
