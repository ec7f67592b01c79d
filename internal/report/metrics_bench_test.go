package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// benchHistory is a CoC's three years, the same for the same seed: 50 programs with 500 units in
// all, each unit occupied for stays of two months to two years with vacancies of days to weeks
// between them, now and then reserved or offline; 20,000 referrals spread over the three years,
// mostly moved in or declined, some expired, withdrawn or open; 30,000 clients who joined the HPL
// over those years, about 5,000 still on it.
func benchHistory(seed uint64, units, referrals int) MetricsInputs {
	rng := rand.New(rand.NewPCG(seed, 0xd00e))
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	start := now.AddDate(-3, 0, 0)
	span := now.Sub(start)
	moment := func(from time.Time) time.Time { return from.Add(time.Duration(rng.Int64N(int64(now.Sub(from))))) }
	days := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * 24 * time.Hour }
	in := MetricsInputs{Now: now, WholeList: true}
	for i := range 50 {
		in.Programs = append(in.Programs, MetricsProgram{ID: fmt.Sprintf("p%02d", i), Name: fmt.Sprintf("Program %02d", i)})
	}
	for i := range units {
		u := MetricsUnit{ID: fmt.Sprintf("u%04d", i), ProgramID: in.Programs[i%len(in.Programs)].ID, CreatedAt: start.Add(-days(0, 400))}
		if i%10 == 0 { // some units are new
			u.CreatedAt = moment(start)
		}
		for t := u.CreatedAt.Add(days(1, 60)); t.Before(now); {
			length := days(60, 730)
			switch rng.IntN(10) {
			case 0:
				length = days(3, 90) // offline
			case 1:
				u.Busy = append(u.Busy, Interval{Start: t, End: ptr(t.Add(days(1, 14)))}) // a reservation, converted
			}
			end := t.Add(length)
			if !end.Before(now) {
				u.Busy = append(u.Busy, Interval{Start: t})
				break
			}
			u.Busy = append(u.Busy, Interval{Start: t, End: &end})
			t = end.Add(days(0, 45))
		}
		in.Units = append(in.Units, u)
	}
	races := [][]cas.Race{{cas.RaceBlack}, {cas.RaceWhite}, {cas.RaceWhite, cas.RaceHispanic}, {cas.RaceAmericanIndian}, {cas.RaceAsian, cas.RaceWhite}, nil}
	genders := [][]cas.Gender{{cas.GenderWoman}, {cas.GenderMan}, {cas.GenderNonBinary}, nil}
	clients := referrals * 3 / 2
	for i := range clients {
		added := start.Add(-days(0, 365)).Add(time.Duration(rng.Int64N(int64(span))))
		e := MetricsHPLEntry{ClientID: fmt.Sprintf("c%05d", i), AddedAt: added}
		if rng.IntN(6) > 0 {
			e.LeftAt = ptr(moment(added))
		}
		in.HPL = append(in.HPL, e)
		in.Clients = append(in.Clients, MetricsClientOf(cas.Client{ID: e.ClientID, HouseholdType: cas.HouseholdTypes[rng.IntN(3)],
			Race: races[rng.IntN(len(races))], Gender: genders[rng.IntN(len(genders))], Sex: []cas.Sex{cas.SexFemale, cas.SexMale, ""}[rng.IntN(3)]}))
	}
	for i := range referrals {
		c := in.HPL[rng.IntN(len(in.HPL))]
		r := MetricsReferral{ID: fmt.Sprintf("r%05d", i), ProgramID: in.Programs[rng.IntN(len(in.Programs))].ID, ClientID: c.ClientID,
			CreatedAt: moment(later(start, c.AddedAt)), HPLAddedAt: c.AddedAt}
		closed := r.CreatedAt.Add(days(0, 60))
		switch x := rng.IntN(100); {
		case closed.After(now) || x < 3:
			r.Status = cas.ReferralPending
		case x < 45:
			r.Status, r.AcceptedAt, r.ClosedAt = cas.ReferralHoused, ptr(r.CreatedAt.Add(days(0, 5))), ptr(closed.Add(days(5, 30)))
		case x < 80:
			r.Status, r.ClosedAt = cas.ReferralDeclined, &closed
			r.ReasonCode = cas.DeclineRules[rng.IntN(len(cas.DeclineRules))].Reason
		case x < 92:
			r.Status, r.ClosedAt = cas.ReferralExpired, ptr(r.CreatedAt.Add(3*24*time.Hour))
		default:
			r.Status, r.ClosedAt = cas.ReferralWithdrawn, &closed
		}
		if r.ClosedAt != nil && r.ClosedAt.After(now) {
			r.ClosedAt = nil
		}
		in.Referrals = append(in.Referrals, r)
	}
	return in
}

// BenchmarkComputeMetrics computes every figure over 500 units and 20,000 referrals for the
// default 90-day window and for the longest, three years.
func BenchmarkComputeMetrics(b *testing.B) {
	in := benchHistory(1, 500, 20_000)
	for _, w := range []struct {
		name string
		days int
	}{{"90_days", 90}, {"3_years", 3 * 365}} {
		b.Run(w.name, func(b *testing.B) {
			in.To = in.Now
			in.From = in.Now.AddDate(0, 0, -w.days)
			var m Metrics
			for b.Loop() {
				m = ComputeMetrics(in)
			}
			b.ReportMetric(float64(m.Headline.VacanciesEnded), "vacancies")
			b.ReportMetric(float64(m.Headline.MovedIn), "move-ins")
			b.ReportMetric(float64(m.Headline.StillWaiting), "waiting")
		})
	}
}
