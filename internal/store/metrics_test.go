package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// metricsHistory is eight days at Harbor and Riverside, day by day from start (t0):
//
//	t0    Harbor's Apt 101 and Apt 102 and Riverside's R1 exist; Ana, Ben and Cy join the HPL
//	t0+1  Apt 102 goes offline; R1 is reserved
//	t0+2  Ana is referred to Harbor (holding Apt 101); R1's reservation is released
//	t0+3  Harbor accepts Ana; Ben is referred to Riverside
//	t0+4  Ben declines Riverside (client refused) and goes back on the list
//	t0+5  Apt 102 comes back online
//	t0+7  Ana moves into Apt 101
//	t0+8  now
type metricsHistory struct {
	inv            *inventory
	riverside      cas.Program
	apt102, r1     cas.Unit
	ana, ben, cy   cas.Client
	anaRef, benRef cas.Referral
}

func newMetricsHistory(t *testing.T, db *store.DB) *metricsHistory {
	t.Helper()
	h := &metricsHistory{inv: newInventory(t, db)}
	inv := h.inv
	var err error
	h.apt102 = inv.mustUnit(t, "Apt 102", 2)
	if h.riverside, err = db.CreateProgram(ctx, &inv.hmis, cas.Program{AgencyID: inv.riverside.ID, Name: "Riverside RRH", ProjectType: cas.ProjectRRH}); err != nil {
		t.Fatal(err)
	}
	rf, err := db.CreateFacility(ctx, &inv.hmis, cas.Facility{ProgramID: h.riverside.ID, Name: "Riverside Court"})
	if err != nil {
		t.Fatal(err)
	}
	if h.r1, err = db.CreateUnit(ctx, &inv.hmis, cas.Unit{FacilityID: rf.ID, Label: "R1", Bedrooms: 2,
		HouseholdTypes: []cas.HouseholdType{cas.WithChildren}}); err != nil {
		t.Fatal(err)
	}
	h.ana, _ = inv.mustClientOnHPL(t, "Ana", 50, func(c *cas.Client) { c.Race, c.Gender = []cas.Race{cas.RaceBlack}, []cas.Gender{cas.GenderWoman} })
	h.ben, _ = inv.mustClientOnHPL(t, "Ben", 40, func(c *cas.Client) { c.Race, c.Gender = []cas.Race{cas.RaceWhite}, []cas.Gender{cas.GenderMan} })
	h.cy, _ = inv.mustClientOnHPL(t, "Cy", 30, nil)

	next := func() { inv.clock.Advance(24 * time.Hour) }
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	next() // t0+1
	must(db.TakeOffline(ctx, &inv.hmis, h.apt102.ID, cas.OfflinePeriod{Reason: "repairs"}, ""))
	today := cas.DateOf(inv.clock.Now(), time.UTC)
	reservation, err := db.CreateReservation(ctx, &inv.hmis, reservationFor(h.r1.ID, "Walk-in", today, 7))
	must(reservation, err)
	next() // t0+2
	h.anaRef, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: h.ana.ID, FacilityID: inv.facility.ID})
	must(h.anaRef, err)
	must(db.ReleaseReservation(ctx, &inv.hmis, reservation.ID))
	next() // t0+3
	must(db.AcceptReferral(ctx, &inv.staff, h.anaRef.ID, ""))
	h.benRef, err = db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: h.ben.ID, FacilityID: rf.ID})
	must(h.benRef, err)
	next() // t0+4
	must(db.DeclineReferral(ctx, &inv.otherStaff, h.benRef.ID, cas.DeclineClientRefused, ""))
	next() // t0+5
	must(db.BringOnline(ctx, &inv.hmis, h.apt102.ID))
	next()
	next() // t0+7
	must(db.MoveIn(ctx, &inv.staff, h.anaRef.ID, inv.unit.ID))
	next() // t0+8
	return h
}

// metricsWindow is 2 to 12 November 2026; the clock (t0+8, 10 November 15:00) ends it early.
var metricsFrom, metricsTo = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC)

func tableOf(t *testing.T, m report.Metrics, name string) [][]string {
	t.Helper()
	f, ok := m.Figure(name)
	if !ok {
		t.Fatalf("no figure %s", name)
	}
	var rows [][]string
	for _, row := range f.Rows {
		var cells []string
		for _, c := range row {
			cells = append(cells, c.String())
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestMetricsInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newMetricsHistory(t, db)
		inv := h.inv
		day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
		dayPtr := func(n int) *time.Time { d := day(n); return &d }

		t.Run("CoC staff gather the whole CoC", func(t *testing.T) {
			in, err := db.MetricsInputs(ctx, &inv.casAdmin, metricsFrom, metricsTo)
			if err != nil {
				t.Fatal(err)
			}
			if !in.WholeList || !in.Now.Equal(day(8)) || !in.From.Equal(metricsFrom) || !in.To.Equal(metricsTo) {
				t.Errorf("window %v–%v now %v whole list %v", in.From, in.To, in.Now, in.WholeList)
			}
			if len(in.Programs) != 2 || len(in.Units) != 3 || len(in.Referrals) != 2 {
				t.Fatalf("programs %+v units %+v referrals %+v", in.Programs, in.Units, in.Referrals)
			}
			busy := map[string][]report.Interval{}
			for _, u := range in.Units {
				if !u.CreatedAt.Equal(start) {
					t.Errorf("unit %s created %v, want %v", u.ID, u.CreatedAt, start)
				}
				busy[u.ID] = u.Busy
			}
			want := map[string][]report.Interval{
				inv.unit.ID: {{Start: day(7)}},                 // Ana's stay, open
				h.apt102.ID: {{Start: day(1), End: dayPtr(5)}}, // offline
				h.r1.ID:     {{Start: day(1), End: dayPtr(2)}}, // the released reservation
			}
			if diff := cmp.Diff(want, busy); diff != "" {
				t.Errorf("busy intervals (-want +got):\n%s", diff)
			}
			byID := map[string]report.MetricsReferral{}
			for _, r := range in.Referrals {
				byID[r.ID] = r
			}
			wantRefs := map[string]report.MetricsReferral{
				h.anaRef.ID: {ID: h.anaRef.ID, ProgramID: inv.program.ID, ClientID: h.ana.ID, Status: cas.ReferralHoused, CreatedAt: day(2),
					AcceptedAt: dayPtr(3), ClosedAt: dayPtr(7), HPLAddedAt: start},
				h.benRef.ID: {ID: h.benRef.ID, ProgramID: h.riverside.ID, ClientID: h.ben.ID, Status: cas.ReferralDeclined,
					ReasonCode: cas.DeclineClientRefused, CreatedAt: day(3), ClosedAt: dayPtr(4), HPLAddedAt: start},
			}
			if diff := cmp.Diff(wantRefs, byID); diff != "" {
				t.Errorf("referrals (-want +got):\n%s", diff)
			}
			// Ana left the list when she moved in, before the window's end; Ben and Cy are on it.
			var waiting []string
			for _, e := range in.HPL {
				if e.LeftAt != nil || !e.AddedAt.Equal(start) {
					t.Errorf("HPL entry %+v", e)
				}
				waiting = append(waiting, e.ClientID)
			}
			slices.Sort(waiting)
			if want := slices.Sorted(slices.Values([]string{h.ben.ID, h.cy.ID})); !cmp.Equal(want, waiting) {
				t.Errorf("waiting %v, want Ben and Cy %v", waiting, want)
			}
			groups := map[string]string{}
			for _, c := range in.Clients {
				groups[c.ID] = c.Race + " / " + c.Gender
			}
			wantGroups := map[string]string{h.ana.ID: "Black, African American, or African / Woman (Girl, if child)",
				h.ben.ID: "White / Man (Boy, if child)", h.cy.ID: cas.NotCollected + " / " + cas.NotCollected}
			if diff := cmp.Diff(wantGroups, groups); diff != "" {
				t.Errorf("client groups (-want +got):\n%s", diff)
			}

			// The figures over this history, worked out by hand (the window ends now, t0+8):
			//   Apt 101: 8 unit-days, vacant t0–t0+7 = 7 (a vacancy of 7 that ended)
			//   Apt 102: 8, vacant t0–t0+1 = 1 (ended) and t0+5–t0+8 = 3 (still vacant): 4
			//   R1: 8, vacant t0–t0+1 = 1 (ended) and t0+2–t0+8 = 6 (still vacant): 7
			// Harbor 11 of 16 = 68.75%; Riverside 7 of 8 = 87.5%; all 18 of 24 = 75%.
			// Ended vacancies 7, 1, 1: median 1, mean 3. Still vacant 3 and 6: median 4.5.
			m := report.ComputeMetrics(in)
			for name, want := range map[string][][]string{
				report.FigureVacancy: {{"Harbor Family PSH", "2", "16.0", "11.0", "68.8"}, {"Riverside RRH", "1", "8.0", "7.0", "87.5"},
					{"All programs", "3", "24.0", "18.0", "75.0"}},
				report.FigureDaysVacant: {{"Harbor Family PSH", "2", "4.0", "4.0", "1", "3.0"}, {"Riverside RRH", "1", "1.0", "1.0", "1", "6.0"},
					{"All programs", "3", "1.0", "3.0", "2", "4.5"}},
				// Ana: referred t0+2, accepted t0+3 (1 day), moved in t0+7 (5 days), on the list since t0 (7 days).
				report.FigureTimeToAcceptance: {{"Harbor Family PSH", "1", "1.0", "1.0", "1.0"}, {"Riverside RRH", "0", "", "", ""},
					{"All programs", "1", "1.0", "1.0", "1.0"}},
				report.FigureTimeToMoveIn: {{"Harbor Family PSH", "1", "5.0", "5.0", "5.0"}, {"Riverside RRH", "0", "", "", ""},
					{"All programs", "1", "5.0", "5.0", "5.0"}},
				// Ben and Cy have waited since t0: 8 days.
				report.FigureWait: {{"HPL entry to move-in", "1", "7.0", "7.0"}, {"Still waiting on the HPL", "2", "8.0", "8.0"}},
				// Ana moved in; Ben declined; Cy was not referred but is waiting.
				report.FigureEquityRace: {{"Black, African American, or African", "1", "1", "1", "0", "0", "100.0", "0", ""},
					{"White", "1", "0", "0", "1", "0", "0.0", "1", "8.0"},
					{cas.NotCollected, "0", "0", "0", "0", "0", "", "1", "8.0"},
					{"All clients", "2", "1", "1", "1", "0", "50.0", "2", "8.0"}},
			} {
				if diff := cmp.Diff(want, tableOf(t, m, name)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
		})

		t.Run("an agency user gathers only their agency's, and not the HPL", func(t *testing.T) {
			in, err := db.MetricsInputs(ctx, &inv.staff, metricsFrom, metricsTo)
			if err != nil {
				t.Fatal(err)
			}
			if in.WholeList || len(in.HPL) != 0 {
				t.Errorf("whole list %v, HPL %+v", in.WholeList, in.HPL)
			}
			if len(in.Programs) != 1 || in.Programs[0].ID != inv.program.ID || in.Programs[0].AgencyName != "Harbor Family Services" {
				t.Errorf("programs %+v", in.Programs)
			}
			for _, u := range in.Units {
				if u.ProgramID != inv.program.ID {
					t.Errorf("unit %+v of another agency", u)
				}
			}
			if len(in.Units) != 2 || len(in.Referrals) != 1 || in.Referrals[0].ID != h.anaRef.ID || len(in.Clients) != 1 || in.Clients[0].ID != h.ana.ID {
				t.Errorf("units %+v referrals %+v clients %+v", in.Units, in.Referrals, in.Clients)
			}
			m := report.ComputeMetrics(in)
			if diff := cmp.Diff([][]string{{"Harbor Family PSH", "2", "16.0", "11.0", "68.8"}, {"All programs", "2", "16.0", "11.0", "68.8"}},
				tableOf(t, m, report.FigureVacancy)); diff != "" {
				t.Errorf("vacancy (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([][]string{{"HPL entry to move-in", "1", "7.0", "7.0"}, {"Still waiting on the HPL", "", "", ""}},
				tableOf(t, m, report.FigureWait)); diff != "" {
				t.Errorf("wait (-want +got):\n%s", diff)
			}
			for _, f := range m.Figures {
				for _, row := range f.Rows {
					for _, c := range row {
						if strings.Contains(c.Text, "Riverside") {
							t.Errorf("%s shows %q to a Harbor user", f.Name, c.Text)
						}
					}
				}
			}
		})

		t.Run("a window closed before the history changes reads it as it stood", func(t *testing.T) {
			// 2 November to t0+3 (5 November 15:00): Ana accepted, not yet moved in; Apt 102 offline.
			in, err := db.MetricsInputs(ctx, &inv.hmis, metricsFrom, day(3).Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			m := report.ComputeMetrics(in)
			funnel := tableOf(t, m, report.FigureFunnel)
			if funnel[0][1] != "2" || funnel[1][1] != "1" || funnel[2][1] != "0" || funnel[6][1] != "2" {
				t.Errorf("funnel %v, want 2 made, 1 accepted, none moved in, both open", funnel)
			}
			if len(in.HPL) != 3 {
				t.Errorf("HPL %+v, want all three waiting then", in.HPL)
			}
		})

		t.Run("the window must end after it starts", func(t *testing.T) {
			if _, err := db.MetricsInputs(ctx, &inv.casAdmin, metricsTo, metricsFrom); cas.ErrorCode(err) != cas.EInvalid {
				t.Errorf("reversed window: %v, want invalid", err)
			}
		})
	})
}
