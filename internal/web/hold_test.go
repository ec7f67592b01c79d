package web_test

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/worker"
)

// holdCoC is a CoC with a singles-only program for the chronically homeless at Harbor, one
// facility with two one-bedroom units, and three clients on the HPL: Ada and Ben (single,
// chronic) and the Family (three people).
type holdCoC struct {
	*coc
	clock             *storetest.Clock
	w                 *worker.Worker
	program, facility string
	units             []string
	ada, ben, family  string
}

func newHoldCoC(t *testing.T, db *store.DB, mode string) *holdCoC {
	t.Helper()
	h := &holdCoC{coc: newCoC(t, db), clock: storetest.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))}
	db.Now = h.clock.Now
	h.w = worker.New(db, slog.New(slog.DiscardHandler), "test", nil)
	h.program = h.mustPost(t, "hmis_admin", "/api/v1/programs", fmt.Sprintf(`{"agency_id": %q, "name": "Harbor Singles PSH", "project_type": 3,
		"response_days": 3, "referral_mode": %q, "requirements": {"household_types": ["without_children"], "populations": ["chronically_homeless"]}}`,
		h.harbor.ID, mode))["id"].(string)
	h.facility = h.mustPost(t, "hmis_admin", "/api/v1/facilities", fmt.Sprintf(`{"program_id": %q, "name": "Harbor Commons"}`, h.program))["id"].(string)
	for _, label := range []string{"Apt 1", "Apt 2"} {
		u := h.mustPost(t, "hmis_admin", "/api/v1/units", fmt.Sprintf(`{"facility_id": %q, "label": %q, "bedrooms": 1, "household_types": ["without_children"]}`,
			h.facility, label))
		h.units = append(h.units, u["id"].(string))
	}
	client := func(name string, score, size int, household string) string {
		c := h.mustPost(t, "cas_admin", "/api/v1/clients", fmt.Sprintf(`{"first_name": %q, "last_name": "Doe", "birth_date": "1975-03-04",
			"household_size": %d, "household_type": %q, "chronic": %v, "consent": true}`, name, size, household, household == "without_children"))
		h.mustPost(t, "cas_admin", "/api/v1/hpl", fmt.Sprintf(`{"client_id": %q, "score": %d, "assessed_on": "2026-01-10", "intake_status": "ready"}`,
			c["id"], score))
		return c["id"].(string)
	}
	h.ada, h.ben, h.family = client("Ada", 15, 1, "without_children"), client("Ben", 10, 1, "without_children"), client("Family", 18, 3, "with_children")
	return h
}

func (h *holdCoC) mustPost(t *testing.T, persona, path, body string) map[string]any {
	t.Helper()
	return h.expect(t, persona, "POST", path, body, 200, 201)
}

func (h *holdCoC) expect(t *testing.T, persona, method, path, body string, want ...int) map[string]any {
	t.Helper()
	status, out := h.do(t, persona, method, path, body)
	if !slices.Contains(want, status) {
		t.Fatalf("%s %s as %s: %d %v, want %v", method, path, persona, status, out, want)
	}
	return out
}

func (h *holdCoC) drain(t *testing.T) {
	t.Helper()
	if _, err := h.w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// occupy checks a tenant into every unit of the facility, so it is full.
func (h *holdCoC) occupy(t *testing.T) {
	t.Helper()
	for i, u := range h.units {
		h.mustPost(t, "agency_user", "/api/v1/units/"+u+"/check-in", fmt.Sprintf(`{"client_name": "Tenant %d"}`, i))
	}
}

func (h *holdCoC) unit(t *testing.T, id string) map[string]any {
	t.Helper()
	return h.expect(t, "agency_user", "GET", "/api/v1/units/"+id, "", 200)
}

func (h *holdCoC) referral(t *testing.T, id string) map[string]any {
	t.Helper()
	return h.expect(t, "cas_admin", "GET", "/api/v1/referrals/"+id, "", 200)
}

// openReferrals lists the open referrals, by client.
func (h *holdCoC) openReferrals(t *testing.T) map[string]map[string]any {
	t.Helper()
	list := h.expect(t, "cas_admin", "GET", "/api/v1/referrals?status=pending,accepted", "", 200)
	out := map[string]map[string]any{}
	for _, it := range list["items"].([]any) {
		r := it.(map[string]any)
		out[r["client_id"].(string)] = r
	}
	return out
}

// holdCase runs one case on a fresh holdCoC, on SQLite and on PostgreSQL.
func holdCase(t *testing.T, name, mode string, fn func(t *testing.T, db *store.DB, h *holdCoC)) {
	t.Run(name, func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, db *store.DB) { fn(t, db, newHoldCoC(t, db, mode)) })
	})
}

func TestUnitHolds(t *testing.T) {
	holdCase(t, "a unit a referral holds refuses check-in, reservation and offline, and keeps the referral", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		ref := h.mustPost(t, "cas_admin", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, h.ada, h.facility))
		unitID, refID := ref["unit_id"].(string), ref["id"].(string)
		unitPath := "/api/v1/units/" + unitID
		held := h.unit(t, unitID)["held_by"].(map[string]any)
		if held["kind"] != "referral" || held["id"] != refID {
			t.Fatalf("held_by %v, want the referral %s", held, refID)
		}
		free := h.expect(t, "agency_user", "GET", "/api/v1/units?free=true", "", 200)["items"].([]any)
		if len(free) != 1 || free[0].(map[string]any)["id"] == unitID {
			t.Errorf("free units %v: want the one unit nobody holds", free)
		}
		h.expect(t, "agency_user", "GET", "/api/v1/units?free=maybe", "", 400)
		today := h.clock.Now().Format(time.DateOnly)
		for _, try := range []struct{ persona, path, body string }{
			{"agency_user", unitPath + "/check-in", `{"client_name": "Someone Else"}`},
			{"agency_user", "/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "Lee Poe", "starts_on": %q, "expires_on": %q}`, unitID, today, today)},
			{"hmis_admin", unitPath + "/offline", `{"reason": "repairs"}`},
		} {
			body := h.expect(t, try.persona, "POST", try.path, try.body, 409)
			if msg := body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, refID) {
				t.Errorf("POST %s: %q does not name the referral", try.path, msg)
			}
		}
		after := h.unit(t, unitID)
		if after["status"] != "available" || after["held_by"].(map[string]any)["id"] != refID {
			t.Errorf("the unit changed: %v", after)
		}
		if r := h.referral(t, refID); r["status"] != "pending" {
			t.Errorf("the referral changed: %v", r["status"])
		}

		// Checking the referred client in is the referral's move-in.
		h.expect(t, "agency_user", "POST", unitPath+"/check-in", fmt.Sprintf(`{"client_id": %q}`, h.ada), 200)
		r := h.referral(t, refID)
		var actions []string
		for _, e := range r["timeline"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		if r["status"] != "housed" || !slices.Equal(actions, []string{"created", "accept", "move_in"}) {
			t.Errorf("after checking the referred client in: %v %v", r["status"], actions)
		}
		if u := h.unit(t, unitID); u["status"] != "occupied" || u["held_by"].(map[string]any)["kind"] != "occupancy" {
			t.Errorf("unit after the move-in: %v", u)
		}
	})

	holdCase(t, "the HMIS team or a CAS admin takes a held unit offline by withdrawing its referral", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		ref := h.mustPost(t, "cas_admin", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, h.ben, h.facility))
		unitPath := "/api/v1/units/" + ref["unit_id"].(string)
		h.expect(t, "cas_admin", "POST", "/api/v1/units/"+h.otherUnit(ref["unit_id"].(string))+"/offline", `{"reason": "repairs"}`, 403)
		u := h.expect(t, "cas_admin", "POST", unitPath+"/offline", `{"reason": "Burst pipe", "withdraw_referral_reason": "flooded"}`, 200)
		if u["status"] != "offline" || u["held_by"].(map[string]any)["kind"] != "offline_period" {
			t.Errorf("unit: %v", u)
		}
		if r := h.referral(t, ref["id"].(string)); r["status"] != "withdrawn" {
			t.Errorf("referral %v, want withdrawn", r["status"])
		}
		entries := h.expect(t, "cas_admin", "GET", "/api/v1/hpl?status=active", "", 200)["items"].([]any)
		if !slices.ContainsFunc(entries, func(e any) bool { return e.(map[string]any)["client_id"] == h.ben }) {
			t.Errorf("Ben is not back on the list unpenalised: %v", entries)
		}
		told := h.expect(t, "cas_admin", "GET", "/api/v1/notifications", "", 200)["items"].([]any)
		if !slices.ContainsFunc(told, func(n any) bool { return n.(map[string]any)["kind"] == "held_unit_offline" }) {
			t.Errorf("the CAS admins were not told: %v", told)
		}
	})

	holdCase(t, "an over-referral waits in line and takes the unit that frees, with its deadline from then", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		h.occupy(t)
		h.expect(t, "cas_admin", "POST", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, h.ada, h.facility), 409)
		over := h.mustPost(t, "cas_admin", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q, "over_refer": true,
				"reason": "Apt 2 turns over on the 1st", "expected_vacancy": "2026-12-01"}`, h.ada, h.facility))
		if over["waiting_for_unit"] != true || over["unit_id"] != nil {
			t.Fatalf("over-referral: %v", over)
		}
		h.clock.Advance(10 * 24 * time.Hour) // longer than the program's 3 response days
		if _, err := db.ExpireReferrals(ctx); err != nil {
			t.Fatal(err)
		}
		if r := h.referral(t, over["id"].(string)); r["status"] != "pending" {
			t.Fatalf("a waiting over-referral expired: %v", r["status"])
		}
		h.mustPost(t, "agency_user", "/api/v1/units/"+h.units[1]+"/check-out", ``)
		h.drain(t)
		r := h.referral(t, over["id"].(string))
		if r["unit_id"] != h.units[1] || r["waiting_for_unit"] != false || r["unit_assigned_at"] == nil {
			t.Fatalf("after the unit freed: %v", r)
		}
		if deadline := r["deadline"].(string); deadline != h.clock.Now().Add(3*24*time.Hour).Format(time.RFC3339) {
			t.Errorf("deadline %s, want three days from the unit's assignment", deadline)
		}
		if _, ok := h.openReferrals(t)[h.ben]; ok {
			t.Errorf("the engine referred Ben to the unit the over-referral waited for")
		}
		h.mustPost(t, "agency_user", "/api/v1/referrals/"+over["id"].(string)+"/accept", ``)
		housed := h.mustPost(t, "agency_user", "/api/v1/referrals/"+over["id"].(string)+"/move-in", fmt.Sprintf(`{"unit_id": %q}`, h.units[1]))
		if housed["status"] != "housed" {
			t.Errorf("move-in of the over-referred client: %v", housed)
		}
	})

	holdCase(t, "manual referrals check eligibility, and an override is flagged", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		body := fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, h.family, h.facility)
		refused := h.expect(t, "cas_admin", "POST", "/api/v1/referrals", body, 409)["error"].(map[string]any)
		var details []string
		for _, d := range refused["details"].([]any) {
			details = append(details, d.(string))
		}
		want := []string{"household type not served by the program", "not chronically homeless", "household type not served by the unit"}
		if !slices.Equal(details, want) || refused["field"] != "eligibility_override_reason" {
			t.Errorf("refusal %v, want every failed rule %v", refused, want)
		}
		if n := len(h.openReferrals(t)); n != 0 {
			t.Fatalf("%d referrals after a refusal", n)
		}
		over := h.mustPost(t, "cas_admin", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q,
				"eligibility_override_reason": "The program director agreed to house the family"}`, h.family, h.facility))
		if over["eligibility_override"] != true || over["eligibility_override_reason"] != "The program director agreed to house the family" {
			t.Errorf("override not flagged: %v", over)
		}
	})

	holdCase(t, "a client is not proposed again to a program after an expiry or a dismissal", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		h.occupy(t)
		h.mustPost(t, "agency_user", "/api/v1/units/"+h.units[0]+"/check-out", ``)
		h.drain(t)
		first := h.openReferrals(t)[h.ada]
		if first == nil {
			t.Fatalf("Ada, first on the list, was not referred")
		}
		h.clock.Advance(3*24*time.Hour + time.Minute)
		if n, err := db.ExpireReferrals(ctx); n != 1 || err != nil {
			t.Fatalf("expired %d: %v", n, err)
		}
		h.drain(t)
		open := h.openReferrals(t)
		if _, ok := open[h.ada]; ok {
			t.Errorf("Ada was referred again to the program right after her referral expired")
		}
		if open[h.ben] == nil || open[h.ben]["unit_id"] != h.units[0] {
			t.Errorf("the next eligible client was not referred: %v", open)
		}
	})

	holdCase(t, "a client is not proposed again to a program after a CAS admin dismissed the proposal", "review", func(t *testing.T, db *store.DB, review *holdCoC) {
		review.occupy(t)
		review.mustPost(t, "agency_user", "/api/v1/units/"+review.units[0]+"/check-out", ``)
		review.drain(t)
		proposed := func() []string {
			var clients []string
			for _, p := range review.expect(t, "cas_admin", "GET", "/api/v1/proposals", "", 200)["items"].([]any) {
				clients = append(clients, p.(map[string]any)["client_id"].(string))
			}
			return clients
		}
		props := review.expect(t, "cas_admin", "GET", "/api/v1/proposals", "", 200)["items"].([]any)
		if len(props) == 0 {
			t.Fatal("no proposal")
		}
		first2 := props[0].(map[string]any)
		review.expect(t, "cas_admin", "POST", "/api/v1/proposals/"+first2["id"].(string)+"/dismiss", ``, 204)
		review.drain(t)
		if got := proposed(); slices.Contains(got, first2["client_id"].(string)) || len(got) != 1 {
			t.Errorf("after the dismissal, proposed %v; want the next client, not %s", got, first2["client_id"])
		}
	})

	holdCase(t, "a reservation converts only for the person it was made for", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		today := h.clock.Now().Format(time.DateOnly)
		res := h.mustPost(t, "agency_user", "/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "Lee Poe", "starts_on": %q,
				"expires_on": %q}`, h.units[0], today, today))
		unitPath := "/api/v1/units/" + h.units[0]
		h.expect(t, "agency_user", "POST", unitPath+"/check-in", `{"client_name": "Pat Doe"}`, 409)
		if got := h.expect(t, "agency_user", "GET", "/api/v1/reservations/"+res["id"].(string), "", 200); got["status"] != "open" {
			t.Errorf("someone else's check-in touched the reservation: %v", got["status"])
		}
		// Nor does a referred client's move-in into it.
		ref := h.mustPost(t, "cas_admin", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, h.ada, h.facility))
		h.mustPost(t, "agency_user", "/api/v1/referrals/"+ref["id"].(string)+"/accept", ``)
		h.expect(t, "agency_user", "POST", "/api/v1/referrals/"+ref["id"].(string)+"/move-in", fmt.Sprintf(`{"unit_id": %q}`, h.units[0]), 409)
		if got := h.expect(t, "agency_user", "GET", "/api/v1/reservations/"+res["id"].(string), "", 200); got["status"] != "open" {
			t.Errorf("another client's move-in touched the reservation: %v", got["status"])
		}
		if r := h.referral(t, ref["id"].(string)); r["status"] != "accepted" || r["unit_id"] != h.units[1] {
			t.Errorf("the refused move-in changed the referral: %v %v", r["status"], r["unit_id"])
		}
		h.expect(t, "agency_user", "POST", unitPath+"/check-in", `{"client_name": "  lee   POE "}`, 200)
		if got := h.expect(t, "agency_user", "GET", "/api/v1/reservations/"+res["id"].(string), "", 200); got["status"] != "converted" {
			t.Errorf("the reservation's own person checked in: %v", got["status"])
		}
	})

	holdCase(t, "20 parallel check-ins and reservations on a held unit all get 409", "auto", func(t *testing.T, db *store.DB, h *holdCoC) {
		ref := h.mustPost(t, "cas_admin", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q}`, h.ada, h.facility))
		unitID := ref["unit_id"].(string)
		today := h.clock.Now().Format(time.DateOnly)
		statuses := make([]int, 20)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				if i%2 == 0 {
					statuses[i], _ = h.do(t, "agency_user", "POST", "/api/v1/units/"+unitID+"/check-in", fmt.Sprintf(`{"client_name": "Racer %d"}`, i))
				} else {
					statuses[i], _ = h.do(t, "agency_user", "POST", "/api/v1/reservations", fmt.Sprintf(`{"unit_id": %q, "client_name": "Racer %d",
							"starts_on": %q, "expires_on": %q}`, unitID, i, today, today))
				}
			})
		}
		wg.Wait()
		for i, s := range statuses {
			if s != 409 {
				t.Errorf("request %d: %d, want 409", i, s)
			}
		}
		if u := h.unit(t, unitID); u["held_by"].(map[string]any)["id"] != ref["id"] {
			t.Errorf("the unit's holder changed: %v", u["held_by"])
		}
	})
}

// otherUnit returns the facility's unit that is not id.
func (h *holdCoC) otherUnit(id string) string {
	if h.units[0] == id {
		return h.units[1]
	}
	return h.units[0]
}
