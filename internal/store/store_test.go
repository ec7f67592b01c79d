package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

var ctx = context.Background()

func TestOpenRejectsUnknownURLs(t *testing.T) {
	for _, u := range []string{"", "mysql://x", "sqlite:", "sqlite::memory:", "doorway.db"} {
		if _, err := store.Open(ctx, u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestMigrateFromEmptyIsRepeatable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// storetest.Open has migrated once; a second run must find nothing to do.
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"agencies", "users", "api_tokens", "audit_events"} {
			var n int
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
				t.Errorf("table %s: %v", table, err)
			}
		}
	})
}

func TestAuditEventGoesWithItsChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("a failed change leaves no audit row", func(t *testing.T) {
			boom := errors.New("boom")
			if err := db.AuditThen(ctx, cas.System, boom); !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			if n := countAudit(t, db, "test.fail"); n != 0 {
				t.Errorf("%d audit rows after a rolled-back change, want 0", n)
			}
		})
		t.Run("a committed change leaves one", func(t *testing.T) {
			if err := db.AuditThen(ctx, cas.System, nil); err != nil {
				t.Fatal(err)
			}
			if n := countAudit(t, db, "test.fail"); n != 1 {
				t.Errorf("%d audit rows, want 1", n)
			}
		})
		t.Run("a refused service call leaves no audit row", func(t *testing.T) {
			MustAgency(t, db, "Harbor Family Services")
			before := countAudit(t, db, "agency.create")
			if _, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "harbor family services"}); cas.ErrorCode(err) != cas.EConflict {
				t.Fatalf("duplicate name: err = %v, want conflict", err)
			}
			if n := countAudit(t, db, "agency.create"); n != before {
				t.Errorf("audit rows went from %d to %d", before, n)
			}
		})
	})
}

func countAudit(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action LIKE $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// MustAgency creates an agency as the operator.
func MustAgency(tb testing.TB, db *store.DB, name string) cas.Agency {
	tb.Helper()
	a, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: name})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// MustUser creates an account as the operator.
func MustUser(tb testing.TB, db *store.DB, email string, role cas.Role, agencyID string) cas.User {
	tb.Helper()
	u, err := db.CreateUser(ctx, cas.System, cas.User{Email: email, Name: email, Role: role, AgencyID: agencyID}, "a long enough password")
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestClockIsInjected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)
		db.Now = storetest.NewClock(at).Now
		a := MustAgency(t, db, "Clockwork Housing")
		got, err := db.Agency(ctx, cas.System, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(at, got.CreatedAt); diff != "" {
			t.Errorf("created_at (-want +got):\n%s", diff)
		}
	})
}
