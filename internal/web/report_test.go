package web_test

import (
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestUnderReferralReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		c := newCoC(t, db)
		ref, _ := referralFixture(t, db, c) // one unit at Harbor Commons, referred by the engine
		if _, err := db.DeclineReferral(ctx, cas.System, ref.ID, cas.DeclineNoUnitAvailable, ""); err != nil {
			t.Fatal(err)
		}
		clock.Advance(20 * 24 * time.Hour)
		status, body := c.do(t, "hmis_admin", "GET", "/api/v1/reports/under-referral", "")
		items, _ := body["items"].([]any)
		if status != 200 || len(items) != 1 {
			t.Fatalf("report: %d %v", status, body)
		}
		item := items[0].(map[string]any)
		if item["unit_label"] != "Apt 101" || item["no_unit_declines"] != float64(1) || item["days_available"].(float64) < 14 {
			t.Errorf("suspect %v", item)
		}
		if _, other := c.do(t, "other_agency_user", "GET", "/api/v1/reports/under-referral", ""); len(other["items"].([]any)) != 0 {
			t.Errorf("another agency sees Harbor's suspects: %v", other)
		}
		if _, strict := c.do(t, "cas_admin", "GET", "/api/v1/reports/under-referral?available_days=30", ""); len(strict["items"].([]any)) != 0 {
			t.Errorf("a 30-day threshold still flags a unit available 20 days: %v", strict)
		}
		status, bad := c.do(t, "cas_admin", "GET", "/api/v1/reports/under-referral?window_days=lots", "")
		if e := errorOf(bad); status != 400 || e["field"] != "window_days" {
			t.Errorf("bad window: %d %v", status, bad)
		}
	})
}
