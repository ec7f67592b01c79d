package store_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// seedMetricsHistory writes three years of a CoC straight into the tables, the same for the same
// seed: 5 agencies with 50 programs and 500 units, each unit occupied for stays of two months to
// two years with vacancies between, now and then offline; 30,000 clients who joined the HPL over
// the three years, about 5,000 still on it; 20,000 referrals, mostly moved in or declined, with
// the acceptance on the timeline of those accepted.
func seedMetricsHistory(tb testing.TB, db *store.DB, now time.Time, units, referrals int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 0xd00e))
	start := now.AddDate(-3, 0, 0)
	moment := func(from time.Time) time.Time { return from.Add(time.Duration(rng.Int64N(int64(now.Sub(from))))) }
	days := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * 24 * time.Hour }
	tx, err := db.SQL().Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	insert := func(query string) *sql.Stmt {
		st, err := tx.Prepare(query)
		if err != nil {
			tb.Fatal(err)
		}
		return st
	}
	exec := func(st *sql.Stmt, args ...any) {
		if _, err := st.Exec(args...); err != nil {
			tb.Fatal(err)
		}
	}
	agency := insert(`INSERT INTO agencies (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)`)
	program := insert(`INSERT INTO programs (id, agency_id, name, project_type, requirements, response_days, referral_mode, created_at, updated_at)
		VALUES ($1, $2, $3, 3, '{}', 3, 'auto', $4, $4)`)
	facility := insert(`INSERT INTO facilities (id, program_id, agency_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`)
	unit := insert(`INSERT INTO units (id, facility_id, agency_id, label, bedrooms, household_types, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 1, '["without_children"]', $5, $5)`)
	occupancy := insert(`INSERT INTO occupancies (id, unit_id, client_name, started_at, started_by, ended_at) VALUES ($1, $2, 'Tenant', $3, 'seed', $4)`)
	offline := insert(`INSERT INTO offline_periods (id, unit_id, reason, started_at, started_by, ended_at) VALUES ($1, $2, 'repairs', $3, 'seed', $4)`)
	client := insert(`INSERT INTO clients (id, first_name, last_name, birth_date, household_size, household_type, race, gender, sex, created_at, updated_at)
		VALUES ($1, 'Client', $1, '1980-01-01', 1, $2, $3, $4, $5, $6, $6)`)
	entry := insert(`INSERT INTO hpl_entries (id, client_id, score, assessed_on, days_homeless, documents, intake_status, status, created_at, updated_at)
		VALUES ($1, $2, 10, '2024-01-01', 100, '[]', 'ready', $3, $4, $5)`)
	referral := insert(`INSERT INTO referrals (id, client_id, hpl_entry_id, program_id, facility_id, agency_id, status, source, rank, scheme_version,
		match_reason, deadline, reason_code, created_by, created_at, updated_at, closed_at)
		VALUES ($1, $2, $3, $4, $4, $5, $6, 'engine', 1, 1, 'seed', $7, $8, 'seed', $7, $7, $9)`)
	event := insert(`INSERT INTO referral_events (referral_id, at, status, action, by_id) VALUES ($1, $2, 'accepted', 'accept', 'seed')`)

	for a := range 5 {
		exec(agency, fmt.Sprintf("a%d", a), fmt.Sprintf("Agency %d", a), start)
	}
	for p := range 50 {
		id, agencyID := fmt.Sprintf("p%02d", p), fmt.Sprintf("a%d", p%5)
		exec(program, id, agencyID, "Program "+id, start)
		exec(facility, id, id, agencyID, "Facility "+id, start)
	}
	for u := range units {
		id, programID := fmt.Sprintf("u%04d", u), fmt.Sprintf("p%02d", u%50)
		created := start.Add(-days(0, 400))
		if u%10 == 0 {
			created = moment(start)
		}
		exec(unit, id, programID, fmt.Sprintf("a%d", u%50%5), id, created)
		for i, t := 0, created.Add(days(1, 60)); t.Before(now); i++ {
			interval := occupancy
			length := days(60, 730)
			if rng.IntN(10) == 0 {
				interval, length = offline, days(3, 90)
			}
			var ended any
			if end := t.Add(length); end.Before(now) {
				ended = end
			}
			exec(interval, fmt.Sprintf("%s-%d", id, i), id, t, ended)
			if ended == nil {
				break
			}
			t = t.Add(length).Add(days(0, 45))
		}
	}
	races := []string{"black_african_american", "white", "hispanic_latina_e_o,white", "american_indian_alaska_native", "asian,white", ""}
	genders := []string{"woman", "man", "non_binary", ""}
	sexes := []string{"female", "male", ""}
	clients := referrals * 3 / 2
	added := make([]time.Time, clients)
	for c := range clients {
		id := fmt.Sprintf("c%05d", c)
		added[c] = start.Add(-days(0, 365)).Add(time.Duration(rng.Int64N(int64(now.Sub(start)))))
		exec(client, id, cas.HouseholdTypes[rng.IntN(3)], races[rng.IntN(len(races))], genders[rng.IntN(len(genders))], sexes[rng.IntN(3)], added[c])
		status, changed := cas.HPLActive, added[c]
		if rng.IntN(6) > 0 {
			status, changed = []cas.HPLStatus{cas.HPLHoused, cas.HPLInactive}[rng.IntN(2)], moment(added[c])
		}
		exec(entry, id, id, status, added[c], changed)
	}
	for r := range referrals {
		c := r // one referral per client, so open ones never collide on (client, facility)
		p := rng.IntN(50)
		id, clientID, programID, agencyID := fmt.Sprintf("r%05d", r), fmt.Sprintf("c%05d", c), fmt.Sprintf("p%02d", p), fmt.Sprintf("a%d", p%5)
		created := moment(later(start, added[c]))
		var status cas.ReferralStatus
		var reason, closed any
		accepted := false
		switch x := rng.IntN(100); {
		case x < 5:
			status = cas.ReferralPending
		case x < 50:
			status, accepted = cas.ReferralHoused, true
		case x < 85:
			status, reason = cas.ReferralDeclined, string(cas.DeclineRules[rng.IntN(len(cas.DeclineRules))].Reason)
		case x < 93:
			status = cas.ReferralExpired
		default:
			status = cas.ReferralWithdrawn
		}
		if status != cas.ReferralPending {
			closed = created.Add(days(1, 60))
			if closed.(time.Time).After(now) {
				status, reason, closed, accepted = cas.ReferralAccepted, nil, nil, true
			}
		}
		exec(referral, id, clientID, clientID, programID, agencyID, status, created, reason, closed)
		if accepted {
			exec(event, id, created.Add(days(0, 1)))
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// BenchmarkMetrics gathers the dashboards' inputs for the default 90-day window from a CoC of
// 500 units and 20,000 referrals over three years, then computes the figures: what
// GET /api/v1/reports/metrics costs a CAS admin, without the HTTP.
func BenchmarkMetrics(b *testing.B) {
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	admin := cas.User{ID: "admin", Role: cas.RoleCASAdmin}
	for _, d := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteURL}, {"postgres", storetest.PostgresURL}} {
		b.Run(d.name, func(b *testing.B) {
			db := storetest.Open(b, d.url(b))
			db.Now = func() time.Time { return now }
			seedMetricsHistory(b, db, now, 500, 20_000)
			var in report.MetricsInputs
			for b.Loop() {
				var err error
				if in, err = db.MetricsInputs(ctx, &admin, now.AddDate(0, 0, -90), now); err != nil {
					b.Fatal(err)
				}
				report.ComputeMetrics(in)
			}
			b.ReportMetric(float64(len(in.Referrals)), "referrals")
			b.ReportMetric(float64(len(in.HPL)), "entries")
		})
	}
}
