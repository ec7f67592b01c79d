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

func TestUnderReferralWeeks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)) // a Thursday
		db.Now = clock.Now
		c := newCoC(t, db)
		ref, _ := referralFixture(t, db, c)
		if _, err := db.DeclineReferral(ctx, cas.System, ref.ID, cas.DeclineNoUnitAvailable, ""); err != nil {
			t.Fatal(err)
		}
		clock.Advance(18 * 24 * time.Hour) // Monday 19 October: Apt 101 has shown available for 18 days
		if n, err := db.RecordSuspectWeek(ctx); n != 1 || err != nil {
			t.Fatalf("record the week: %d %v", n, err)
		}
		_, before := c.do(t, "cas_admin", "GET", "/api/v1/reports/under-referral", "")
		if lw := before["last_week"].(map[string]any); lw["week"] != "2026-10-12" || lw["recorded"] != false ||
			len(before["consistently_under_referred"].([]any)) != 0 {
			t.Errorf("the first recorded week: %v", before)
		}
		clock.Advance(7 * 24 * time.Hour)
		status, body := c.do(t, "cas_admin", "GET", "/api/v1/reports/under-referral", "")
		items, _ := body["items"].([]any)
		if status != 200 || len(items) != 1 || items[0].(map[string]any)["flagged_last_week"] != true {
			t.Fatalf("a week on: %d %v", status, body)
		}
		if err := responseSchema(t, c, "/reports/under-referral").VisitJSON(body); err != nil {
			t.Errorf("the report does not match openapi.yaml: %v", err)
		}
		consistent := body["consistently_under_referred"].([]any)
		if len(consistent) != 1 || consistent[0].(map[string]any)["program_name"] != "Harbor Family PSH" {
			t.Errorf("consistently under-referred %v", consistent)
		}
		if _, other := c.do(t, "other_agency_user", "GET", "/api/v1/reports/under-referral", ""); len(other["consistently_under_referred"].([]any)) != 0 {
			t.Errorf("another agency sees Harbor's record: %v", other)
		}
		_, packet := c.do(t, "agency_user", "GET", "/api/v1/reports/hpl-packet", "")
		if err := responseSchema(t, c, "/reports/hpl-packet").VisitJSON(packet); err != nil {
			t.Errorf("the packet does not match openapi.yaml: %v", err)
		}
		if p := packet["programs"].([]any)[0].(map[string]any); p["consistently_under_referred"] != true {
			t.Errorf("Harbor's packet section %v, want consistently under-referred", p)
		}
	})
}

func TestUnitsOfflineAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		ref, _ := referralFixture(t, db, c)
		if _, err := db.DeclineReferral(ctx, cas.System, ref.ID, cas.DeclineNoUnitAvailable, ""); err != nil {
			t.Fatal(err)
		}
		body := `{"unit_ids": ["` + ref.UnitID + `"], "reason": "under-referral review", "expected_return": "2099-01-31"}`
		if status, _ := c.do(t, "agency_user", "POST", "/api/v1/reports/under-referral/offline", body); status != 403 {
			t.Errorf("agency user: %d, want 403", status)
		}
		for _, bad := range []struct{ body, field string }{
			{`{"reason": "x"}`, "unit_ids"},
			{`{"unit_ids": []}`, "reason"},
			{`{"unit_ids": [], "reason": "x"}`, "unit_ids"},
			{`{"unit_ids": ["` + ref.UnitID + `"], "reason": "x", "expected_return": "soon"}`, "expected_return"},
		} {
			if status, out := c.do(t, "hmis_admin", "POST", "/api/v1/reports/under-referral/offline", bad.body); status != 400 || errorOf(out)["field"] != bad.field {
				t.Errorf("%s: %d %v, want 400 naming %s", bad.body, status, out, bad.field)
			}
		}
		if status, out := c.do(t, "hmis_admin", "POST", "/api/v1/reports/under-referral/offline", `{"unit_ids": ["nope"], "reason": "x"}`); status != 404 {
			t.Errorf("unknown unit: %d %v", status, out)
		}
		status, out := c.do(t, "hmis_admin", "POST", "/api/v1/reports/under-referral/offline", body)
		items, _ := out["items"].([]any)
		if status != 200 || len(items) != 1 || items[0].(map[string]any)["status"] != "offline" {
			t.Fatalf("take offline: %d %v", status, out)
		}
		if status, again := c.do(t, "hmis_admin", "POST", "/api/v1/reports/under-referral/offline", body); status != 409 {
			t.Errorf("again: %d %v, want 409", status, again)
		}
	})
}

func TestAskToConfirmAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCoC(t, db)
		ref, _ := referralFixture(t, db, c)
		if _, err := db.DeclineReferral(ctx, cas.System, ref.ID, cas.DeclineNoUnitAvailable, ""); err != nil {
			t.Fatal(err)
		}
		body := `{"unit_ids": ["` + ref.UnitID + `"]}`
		if status, _ := c.do(t, "agency_user", "POST", "/api/v1/reports/under-referral/ask", body); status != 403 {
			t.Errorf("agency user: %d, want 403", status)
		}
		if status, out := c.do(t, "cas_admin", "POST", "/api/v1/reports/under-referral/ask", `{}`); status != 400 || errorOf(out)["field"] != "unit_ids" {
			t.Errorf("no units: %d %v", status, out)
		}
		if status, out := c.do(t, "cas_admin", "POST", "/api/v1/reports/under-referral/ask", body); status != 200 || out["asked"] != float64(1) {
			t.Errorf("ask: %d %v", status, out)
		}
	})
}
