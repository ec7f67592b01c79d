package worker_test

import (
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/notify/smtptest"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/worker"
)

// mailCoC is an agency with two CAS Contacts and n units, on a controlled clock, with a real SMTP
// server to deliver to.
type mailCoC struct {
	db       *store.DB
	clock    *storetest.Clock
	smtp     *smtptest.Server
	sender   notify.Sender
	agency   cas.Agency
	contacts []cas.User
	units    []cas.Unit
}

func newMailCoC(t *testing.T, db *store.DB, units int) *mailCoC {
	t.Helper()
	m := &mailCoC{db: db, clock: storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)), smtp: smtptest.Start(t)}
	db.Now = m.clock.Now
	var err error
	if m.sender, err = notify.NewSMTP(m.smtp.URL(), "doorway@coc.test"); err != nil {
		t.Fatal(err)
	}
	freeUnits(t, db, units)
	list, _, err := db.Units(ctx, cas.System, store.UnitFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	m.units = list
	agencies, _, _ := db.Agencies(ctx, cas.System, store.Page{})
	m.agency = agencies[0]
	for i := range 2 {
		u, err := db.CreateUser(ctx, cas.System, cas.User{Email: fmt.Sprintf("contact%d@harbor.test", i), Name: "Contact", Role: cas.RoleAgencyUser,
			AgencyID: m.agency.ID, CASContact: true}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		m.contacts = append(m.contacts, u)
	}
	return m
}

// takeOffline takes each unit offline: one notification, and one email, per unit per contact.
func (m *mailCoC) takeOffline(t *testing.T) {
	t.Helper()
	for _, u := range m.units {
		if _, err := m.db.TakeOffline(ctx, cas.System, u.ID, cas.OfflinePeriod{Reason: "Inspection"}, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func (m *mailCoC) worker(name string) *worker.Worker {
	return &worker.Worker{DB: m.db, Log: slog.New(slog.DiscardHandler), Name: name, Sender: m.sender}
}

// deliveredOnce checks that want emails arrived, each Message-ID once.
func (m *mailCoC) deliveredOnce(t *testing.T, want int) {
	t.Helper()
	seen := map[string]int{}
	for _, msg := range m.smtp.Messages() {
		seen[msg.MessageID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
	}
	if len(seen) != want {
		t.Errorf("%d distinct emails delivered, want %d", len(seen), want)
	}
	counts, err := m.db.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["sent"] != want || counts["pending"] != 0 {
		t.Errorf("outbox %v, want %d sent and none pending", counts, want)
	}
}

func TestMailServerDownThenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailCoC(t, db, 3)
		m.takeOffline(t)
		w := m.worker("w")
		m.smtp.SetDown(true)
		for range 3 {
			if n, err := w.DeliverEmail(ctx); err != nil || n != 0 {
				t.Fatalf("while down: sent %d (%v)", n, err)
			}
			m.clock.Advance(time.Hour)
		}
		if got := len(m.smtp.Messages()); got != 0 {
			t.Fatalf("%d messages accepted while down", got)
		}
		m.smtp.SetDown(false)
		for range 10 {
			if _, err := w.DeliverEmail(ctx); err != nil {
				t.Fatal(err)
			}
			m.clock.Advance(time.Hour)
		}
		m.deliveredOnce(t, 6)
	})
}

func TestACrashBetweenCommitAndSendLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailCoC(t, db, 2)
		m.takeOffline(t)
		// A worker claims an email and dies before sending it.
		if _, _, err := db.ClaimEmail(ctx, "crashed", 5*time.Minute); err != nil {
			t.Fatal(err)
		}
		w := m.worker("new")
		if n, err := w.DeliverEmail(ctx); err != nil || n != 3 {
			t.Fatalf("the new worker sent %d (%v), want the 3 unclaimed", n, err)
		}
		m.clock.Advance(5*time.Minute + time.Second)
		if n, err := w.DeliverEmail(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease: sent %d (%v), want the crashed worker's one", n, err)
		}
		m.deliveredOnce(t, 4)
	})
}

func TestTwoWorkersNeverSendTheSameEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailCoC(t, db, 15)
		m.takeOffline(t)
		var wg sync.WaitGroup
		for _, name := range []string{"a", "b"} {
			w := m.worker(name)
			wg.Go(func() {
				if _, err := w.DeliverEmail(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		m.deliveredOnce(t, 30)
	})
}

func TestRemindersAndDigests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailCoC(t, db, 1)
		if _, err := db.UpdateUser(ctx, cas.System, m.contacts[1].ID, cas.UserPatch{EmailMode: ptr(cas.EmailDigest)}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Pat", LastName: "Doe", BirthDate: "1980-01-01", HouseholdSize: 1,
			HouseholdType: cas.WithoutChildren, Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: c.ID, Score: 9, AssessedOn: "2026-10-01", IntakeStatus: cas.IntakeReady}); err != nil {
			t.Fatal(err)
		}
		run, err := db.RunMatch(ctx, false) // refers Pat; deadline in 3 days
		if err != nil || len(run.Referrals) != 1 {
			t.Fatalf("match: %+v %v", run.Referrals, err)
		}
		w := m.worker("w")
		deliver := func() []string {
			t.Helper()
			before := len(m.smtp.Messages())
			if _, err := w.DeliverEmail(ctx); err != nil {
				t.Fatal(err)
			}
			var subjects []string
			for _, msg := range m.smtp.Messages()[before:] {
				subjects = append(subjects, msg.To[0]+": "+msg.Subject)
			}
			return subjects
		}
		if got := deliver(); len(got) != 1 || got[0] != "contact0@harbor.test: New referral to PSH" {
			t.Fatalf("at referral: %v, want only the immediate reader told", got)
		}

		reminders := func() int {
			n, err := db.SendReminders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		m.clock.Advance(24 * time.Hour)
		if n := reminders(); n != 0 {
			t.Errorf("a reminder two days before the deadline")
		}
		m.clock.Advance(25 * time.Hour) // 23 hours before the deadline
		if n := reminders(); n != 1 {
			t.Errorf("%d reminders within a day of the deadline, want 1", n)
		}
		m.clock.Advance(time.Hour)
		reminders()
		got := deliver()
		if len(got) != 1 || got[0] != "contact0@harbor.test: Reminder: a referral to PSH needs an answer by Thu 5 Nov 2026 09:00 UTC" {
			t.Errorf("reminder emails %v, want one to the immediate reader, once", got)
		}

		digests := func() int {
			n, err := db.SendDigests(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// It is now 11:00 on day 3; the digest reader has the referral and the reminder waiting.
		if n := digests(); n != 1 {
			t.Fatalf("%d digests, want 1", n)
		}
		if n := digests(); n != 0 {
			t.Errorf("a second digest the same day")
		}
		got = deliver()
		if len(got) != 1 || got[0] != "contact1@harbor.test: Doorway: 2 notifications for 2026-11-04" {
			t.Errorf("digest emails %v", got)
		}
		m.clock.Advance(17 * time.Hour) // 04:00 next day: before the digest hour
		// The unit is held by the referral: taking it offline withdraws it, in an emergency.
		if _, err := db.TakeOffline(ctx, cas.System, m.units[0].ID, cas.OfflinePeriod{Reason: "repairs"}, "burst pipe"); err != nil {
			t.Fatalf("take offline: %v", err)
		}
		if n := digests(); n != 0 {
			t.Errorf("a digest before 07:00")
		}
		m.clock.Advance(4 * time.Hour)
		if n := digests(); n != 1 {
			t.Errorf("%d digests the next morning, want 1", n)
		}
		for _, msg := range m.smtp.Messages() {
			if clientName.MatchString(msg.Text()) {
				t.Errorf("email %q names the client", msg.Subject)
			}
		}
	})
}

// clientName finds the test client's name as a word in an email.
var clientName = regexp.MustCompile(`\b(Pat|Doe)\b`)

func ptr[T any](v T) *T { return &v }

// TestLeaseRenewedWhileTheMailServerIsSlow: a worker holds an email for as long as the mail server
// takes to accept it, renewing its short lease, so a second worker never sends the same email
// meanwhile, however slow the server.
func TestLeaseRenewedWhileTheMailServerIsSlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailCoC(t, db, 1)
		db.Now = time.Now // the leases run out in real time here
		m.takeOffline(t)
		m.smtp.SetDelay(time.Second)
		var wg sync.WaitGroup
		for _, name := range []string{"a", "b"} {
			w := m.worker(name)
			w.EmailLease = 150 * time.Millisecond
			wg.Go(func() {
				if _, err := w.DeliverEmail(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		m.deliveredOnce(t, 2)
	})
}
