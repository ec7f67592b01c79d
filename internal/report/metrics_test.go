package report

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/google/go-cmp/cmp"
)

// The fixture's window is January 2026: 30 days from windowStart, [d(0), d(30)).
var windowStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// d is the moment n days after the window opens (n may be negative or fractional).
func d(n float64) time.Time { return windowStart.Add(time.Duration(n * float64(day))) }

func at(n float64) *time.Time { return ptr(d(n)) }

func busy(from float64, to *time.Time) Interval { return Interval{Start: d(from), End: to} }

// fixture is a small CoC whose every figure is worked out by hand in TestComputeMetrics. The
// clock reads d(45), well after the window, so the window ends at To = d(30).
func fixture() MetricsInputs {
	return MetricsInputs{
		From: d(0), To: d(30), Now: d(45), WholeList: true,
		Programs: []MetricsProgram{{ID: "p2", Name: "Quiet RRH"}, {ID: "p1", Name: "Harbor PSH"}, {ID: "p3", Name: "Empty TH"}},
		Units: []MetricsUnit{
			// u1: occupied until d(10), vacant 10 days, occupied again from d(20).
			{ID: "u1", ProgramID: "p1", CreatedAt: d(-100), Busy: []Interval{busy(20, nil), busy(-50, at(10))}},
			// u2: offline across the window's start until d(5), vacant 20 days, then reserved from d(25)
			// with the stay that converted the reservation overlapping it (d(27) to d(27.5)).
			{ID: "u2", ProgramID: "p1", CreatedAt: d(-40), Busy: []Interval{busy(-30, at(5)), busy(25, at(27.5)), busy(27, nil)}},
			// u3: created mid-window at d(12) and never used: vacant since.
			{ID: "u3", ProgramID: "p1", CreatedAt: d(12)},
			// u4: vacant since d(3) and still at the end.
			{ID: "u4", ProgramID: "p2", CreatedAt: d(-10), Busy: []Interval{busy(-5, at(3))}},
			// u5: occupied throughout.
			{ID: "u5", ProgramID: "p2", CreatedAt: d(-200), Busy: []Interval{busy(-200, nil)}},
			// u6: created after the window: not counted.
			{ID: "u6", ProgramID: "p2", CreatedAt: d(40)},
			// u7: a vacancy from d(-20) to d(4), straddling the window's start.
			{ID: "u7", ProgramID: "p2", CreatedAt: d(-60), Busy: []Interval{busy(-60, at(-20)), busy(4, nil)}},
		},
		Referrals: []MetricsReferral{
			// Made before the window, moved in during it.
			{ID: "r1", ProgramID: "p1", ClientID: "c1", Status: cas.ReferralHoused, CreatedAt: d(-10), AcceptedAt: at(-8), ClosedAt: at(2), HPLAddedAt: d(-100)},
			{ID: "r2", ProgramID: "p1", ClientID: "c2", Status: cas.ReferralHoused, CreatedAt: d(1), AcceptedAt: at(3), ClosedAt: at(11), HPLAddedAt: d(-49)},
			{ID: "r3", ProgramID: "p1", ClientID: "c3", Status: cas.ReferralDeclined, ReasonCode: cas.DeclineNoUnitAvailable, CreatedAt: d(2),
				AcceptedAt: at(3.5), ClosedAt: at(9), HPLAddedAt: d(-20)},
			{ID: "r4", ProgramID: "p2", ClientID: "c4", Status: cas.ReferralDeclined, ReasonCode: cas.DeclineClientRefused, CreatedAt: d(5),
				ClosedAt: at(6), HPLAddedAt: d(-5)},
			{ID: "r5", ProgramID: "p2", ClientID: "c5", Status: cas.ReferralExpired, CreatedAt: d(10), ClosedAt: at(13), HPLAddedAt: d(0)},
			{ID: "r6", ProgramID: "p2", ClientID: "c6", Status: cas.ReferralWithdrawn, CreatedAt: d(20), ClosedAt: at(21), HPLAddedAt: d(-70)},
			{ID: "r7", ProgramID: "p1", ClientID: "c7", Status: cas.ReferralPending, CreatedAt: d(25), HPLAddedAt: d(-10)},
			// Accepted in the window, moved in after it: accepted and open at the window's end.
			{ID: "r8", ProgramID: "p2", ClientID: "c8", Status: cas.ReferralHoused, CreatedAt: d(26), AcceptedAt: at(28), ClosedAt: at(35), HPLAddedAt: d(-30)},
			{ID: "r9", ProgramID: "p2", ClientID: "c5", Status: cas.ReferralDeclined, ReasonCode: cas.DeclineIneligible, CreatedAt: d(28),
				ClosedAt: at(29), HPLAddedAt: d(0)},
			// Made before the window, declined during it.
			{ID: "r10", ProgramID: "p1", ClientID: "c2", Status: cas.ReferralDeclined, ReasonCode: cas.DeclineSafetyConcern, CreatedAt: d(-3),
				ClosedAt: at(4), HPLAddedAt: d(-49)},
		},
		HPL: []MetricsHPLEntry{
			{ClientID: "c1", AddedAt: d(-100), LeftAt: at(2)},
			{ClientID: "c2", AddedAt: d(-49), LeftAt: at(11)},
			{ClientID: "c3", AddedAt: d(-20)},
			{ClientID: "c4", AddedAt: d(-5)},
			{ClientID: "c5", AddedAt: d(0)},
			{ClientID: "c6", AddedAt: d(-70), LeftAt: at(40)}, // removed after the window: waiting at its end
			{ClientID: "c7", AddedAt: d(-10)},
			{ClientID: "c8", AddedAt: d(-30), LeftAt: at(35)},
			{ClientID: "c9", AddedAt: d(31)},                    // added after the window
			{ClientID: "c10", AddedAt: d(-300), LeftAt: at(-1)}, // removed before it
		},
		Clients: []MetricsClient{
			client("c1", cas.WithChildren, []cas.Race{cas.RaceBlack}, []cas.Gender{cas.GenderWoman}, cas.SexFemale),
			client("c2", cas.WithoutChildren, []cas.Race{cas.RaceWhite, cas.RaceHispanic}, []cas.Gender{cas.GenderMan}, cas.SexMale),
			client("c3", cas.WithChildren, []cas.Race{cas.RaceBlack}, []cas.Gender{cas.GenderWoman}, cas.SexFemale),
			client("c4", cas.WithoutChildren, []cas.Race{cas.RaceAsian, cas.RaceWhite}, []cas.Gender{cas.GenderWoman, cas.GenderNonBinary}, ""),
			client("c5", cas.WithoutChildren, nil, nil, ""),
			client("c6", cas.OnlyChildren, []cas.Race{cas.RaceHispanic}, []cas.Gender{cas.GenderMan}, cas.SexMale),
			client("c7", cas.WithoutChildren, []cas.Race{cas.RaceWhite}, []cas.Gender{cas.GenderMan}, cas.SexMale),
			client("c8", cas.WithChildren, []cas.Race{cas.RaceBlack}, []cas.Gender{cas.GenderWoman}, cas.SexFemale),
		},
	}
}

func client(id string, household cas.HouseholdType, race []cas.Race, gender []cas.Gender, sex cas.Sex) MetricsClient {
	return MetricsClientOf(cas.Client{ID: id, HouseholdType: household, Race: race, Gender: gender, Sex: sex})
}

// table writes a figure as the CSV does: its column names, then its rows.
func table(f Figure) [][]string {
	header := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		header[i] = c.Name
	}
	out := [][]string{header}
	for _, row := range f.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = c.String()
		}
		out = append(out, cells)
	}
	return out
}

func figure(t *testing.T, m Metrics, name string) Figure {
	t.Helper()
	f, ok := m.Figure(name)
	if !ok {
		t.Fatalf("no figure %s", name)
	}
	return f
}

// equityHeader heads every equity figure.
var equityHeader = []string{"group", "referrals", "accepted", "moved_in", "declined_by_client", "declined_by_provider", "move_in_rate", "waiting", "median_days_waiting"}

func TestComputeMetrics(t *testing.T) {
	m := ComputeMetrics(fixture())
	for _, c := range []struct {
		name string
		want [][]string
	}{
		// Unit-days in the window and vacant unit-days, unit by unit:
		//   u1 30 days, vacant d(10)–d(20) = 10     u4 30, vacant d(3)–d(30) = 27
		//   u2 30, vacant d(5)–d(25) = 20           u5 30, vacant 0
		//   u3 created d(12): 18, vacant 18         u7 30, vacant d(0)–d(4) = 4 (u6 comes after the window)
		// Harbor 78 unit-days, 48 vacant: 48/78 = 61.54%; Quiet 90, 31 vacant: 34.44%;
		// all 168, 79 vacant: 47.02%. Empty TH has no units: no rate rather than 0%.
		{FigureVacancy, [][]string{
			{"program", "units", "unit_days", "vacant_unit_days", "vacancy_rate"},
			{"Empty TH", "0", "0.0", "0.0", ""},
			{"Harbor PSH", "3", "78.0", "48.0", "61.5"},
			{"Quiet RRH", "3", "90.0", "31.0", "34.4"},
			{"All programs", "6", "168.0", "79.0", "47.0"},
		}},
		// Vacancies that ended in the window, at full length: u1 10 days (d10–d20), u2 20 (d5–d25),
		// u7 24 (d-20–d4, mostly before the window). u1's d(-100)–d(-50) and u2's d(-40)–d(-30)
		// ended before it. Still vacant at d(30): u3 since d(12) (18 days), u4 since d(3) (27).
		// Harbor: median and mean of 10 and 20 are 15. All: 10, 20, 24: median 20, mean 54/3 = 18;
		// still vacant 18 and 27: median 22.5.
		{FigureDaysVacant, [][]string{
			{"program", "vacancies_ended", "median_days", "mean_days", "still_vacant", "still_vacant_median_days"},
			{"Empty TH", "0", "", "", "0", ""},
			{"Harbor PSH", "2", "15.0", "15.0", "1", "18.0"},
			{"Quiet RRH", "1", "24.0", "24.0", "1", "27.0"},
			{"All programs", "3", "20.0", "18.0", "2", "22.5"},
		}},
		// Made in the window: r2–r9, 8 referrals (r1 and r10 came before). Accepted by d(30): r2,
		// r3, r8. Moved in: r2 (r8 moved in after the window: still open). Declined r3, r4, r9;
		// expired r5; withdrawn r6; open r7, r8. 1+3+1+1+2 = 8.
		{FigureFunnel, [][]string{
			{"stage", "referrals", "percent_of_made"},
			{"Made", "8", "100.0"},
			{"Accepted", "3", "37.5"},
			{"Moved in", "1", "12.5"},
			{"Declined", "3", "37.5"},
			{"Expired", "1", "12.5"},
			{"Withdrawn", "1", "12.5"},
			{"Still open", "2", "25.0"},
		}},
		// Accepted in the window: r2 after 2 days and r3 after 1.5 (Harbor), r8 after 2 (Quiet);
		// r1 was accepted before it. Harbor: median (1.5+2)/2 = 1.75 → 1.8; p90 is the ⌈0.9·2⌉ = 2nd
		// value, 2. All: 1.5, 2, 2: median 2, p90 the ⌈2.7⌉ = 3rd, 2; mean 5.5/3 = 1.83 → 1.8.
		{FigureTimeToAcceptance, [][]string{
			{"program", "referrals", "median_days", "p90_days", "mean_days"},
			{"Empty TH", "0", "", "", ""},
			{"Harbor PSH", "2", "1.8", "2.0", "1.8"},
			{"Quiet RRH", "1", "2.0", "2.0", "2.0"},
			{"All programs", "3", "2.0", "2.0", "1.8"},
		}},
		// Moved in during the window: r1 12 days after referral (d-10 → d2), r2 10 (d1 → d11).
		{FigureTimeToMoveIn, [][]string{
			{"program", "referrals", "median_days", "p90_days", "mean_days"},
			{"Empty TH", "0", "", "", ""},
			{"Harbor PSH", "2", "11.0", "12.0", "11.0"},
			{"Quiet RRH", "0", "", "", ""},
			{"All programs", "2", "11.0", "12.0", "11.0"},
		}},
		// Moved in: c1 waited d(-100) → d(2) = 102 days, c2 d(-49) → d(11) = 60: median 81, p90 102.
		// Still on the list at d(30): c3 50, c4 35, c5 30, c6 100 (removed later), c7 40, c8 60
		// (housed later); sorted 30 35 40 50 60 100: median (40+50)/2 = 45, p90 the ⌈5.4⌉ = 6th, 100.
		{FigureWait, [][]string{
			{"wait", "people", "median_days", "p90_days"},
			{"HPL entry to move-in", "2", "81.0", "102.0"},
			{"Still waiting on the HPL", "6", "45.0", "100.0"},
		}},
		// Declined in the window: r4 client refused (2), r3 no unit (3), r9 ineligible (3), r10
		// safety (3, made before the window).
		{FigureDeclineReasons, [][]string{
			{"reason", "reason_code", "hud_result", "hud_result_label", "declines"},
			{"The client declined this housing", "client_refused", "2", "Client rejected", "1"},
			{"The client could not be reached", "client_unreachable", "2", "Client rejected", "0"},
			{"The client is already housed elsewhere", "client_housed_elsewhere", "2", "Client rejected", "0"},
			{"The client is not eligible for this program", "ineligible", "3", "Provider rejected", "1"},
			{"No unit is actually available", "no_unit_available", "3", "Provider rejected", "1"},
			{"Safety concern", "safety_concern", "3", "Provider rejected", "1"},
			{"Other (explain in the note)", "other", "3", "Provider rejected", "0"},
			{"Subtotal: Client rejected", "", "2", "Client rejected", "1"},
			{"Subtotal: Provider rejected", "", "3", "Provider rejected", "3"},
			{"All declines", "", "", "", "4"},
		}},
		// By race: Black c3 (r3 accepted, provider-declined; waiting 50) and c8 (r8 accepted, open;
		// waiting 60): median wait 55. White: c2 counts as White (Hispanic is the ethnicity), r2
		// moved in; c7 r7 open, waiting 40: 1 of 2 moved in, 50%. Multiracial c4 (r4 client
		// declined, waiting 35). Hispanic only c6 (r6 withdrawn, waiting 100). Not collected c5 (r5
		// expired, r9 provider-declined, waiting 30). c1 made no referral in the window and is not
		// waiting: no row. All: 8 referrals, 3 accepted, 1 moved in (12.5%), 1 client and 2
		// provider declines, 6 waiting, median 45.
		{FigureEquityRace, [][]string{
			equityHeader,
			{"Black, African American, or African", "2", "2", "0", "0", "1", "0.0", "2", "55.0"},
			{"Hispanic/Latina/e/o only", "1", "0", "0", "0", "0", "0.0", "1", "100.0"},
			{"Multiracial", "1", "0", "0", "1", "0", "0.0", "1", "35.0"},
			{"White", "2", "1", "1", "0", "0", "50.0", "1", "40.0"},
			{"Not collected or not answered", "2", "0", "0", "0", "1", "0.0", "1", "30.0"},
			{"All clients", "8", "3", "1", "1", "2", "12.5", "6", "45.0"},
		}},
		// By ethnicity: Hispanic c2 (r2 moved in) and c6 (r6, waiting 100); not Hispanic c3, c4,
		// c7, c8 (r3, r4, r7, r8; waiting 50, 35, 40, 60: median 45); not collected c5.
		{FigureEquityEthnicity, [][]string{
			equityHeader,
			{"Hispanic/Latina/e/o", "2", "1", "1", "0", "0", "50.0", "1", "100.0"},
			{"Not Hispanic/Latina/e/o", "4", "2", "0", "1", "1", "0.0", "4", "45.0"},
			{"Not collected or not answered", "2", "0", "0", "0", "1", "0.0", "1", "30.0"},
			{"All clients", "8", "3", "1", "1", "2", "12.5", "6", "45.0"},
		}},
		// By gender: men c2, c6, c7 (r2 moved in, r6, r7: 1 of 3, 33.3%; waiting 100 and 40: 70);
		// c4 chose two genders; women c3, c8; c5 not collected.
		{FigureEquityGender, [][]string{
			equityHeader,
			{"Man (Boy, if child)", "3", "1", "1", "0", "0", "33.3", "2", "70.0"},
			{"More than one gender", "1", "0", "0", "1", "0", "0.0", "1", "35.0"},
			{"Woman (Girl, if child)", "2", "2", "0", "0", "1", "0.0", "2", "55.0"},
			{"Not collected or not answered", "2", "0", "0", "0", "1", "0.0", "1", "30.0"},
			{"All clients", "8", "3", "1", "1", "2", "12.5", "6", "45.0"},
		}},
		// By sex: female c3, c8; male c2, c6, c7; not collected c4 and c5 (r4, r5, r9; waiting 35
		// and 30: 32.5).
		{FigureEquitySex, [][]string{
			equityHeader,
			{"Female", "2", "2", "0", "0", "1", "0.0", "2", "55.0"},
			{"Male", "3", "1", "1", "0", "0", "33.3", "2", "70.0"},
			{"Not collected or not answered", "3", "0", "0", "1", "1", "0.0", "2", "32.5"},
			{"All clients", "8", "3", "1", "1", "2", "12.5", "6", "45.0"},
		}},
		// By household type, in HUD's order: without children c2, c4, c5, c7 (r2, r4, r5, r7, r9:
		// 1 of 5 moved in, 20%; waiting 35, 30, 40: 35); with children c3, c8; only children c6.
		{FigureEquityHouseholdType, [][]string{
			equityHeader,
			{"Without children", "5", "1", "1", "1", "1", "20.0", "3", "35.0"},
			{"With children", "2", "2", "0", "0", "1", "0.0", "2", "55.0"},
			{"Only children", "1", "0", "0", "0", "0", "0.0", "1", "100.0"},
			{"All clients", "8", "3", "1", "1", "2", "12.5", "6", "45.0"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, table(figure(t, m, c.name))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("headline", func(t *testing.T) {
		want := Headline{VacancyMedianDays: tenths(20), VacanciesEnded: 3, WaitMedianDays: tenths(81), MovedIn: 2,
			StillWaitingMedianDays: tenths(45), StillWaiting: 6, WholeList: true}
		if diff := cmp.Diff(want, m.Headline); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("every figure, in order", func(t *testing.T) {
		var names []string
		for _, f := range m.Figures {
			names = append(names, f.Name)
			if len(f.Columns) == 0 || f.Title == "" || f.About == "" || f.ChartColumn >= len(f.Columns) {
				t.Errorf("figure %s is incomplete: %+v", f.Name, f)
			}
			for _, row := range f.Rows {
				if len(row) != len(f.Columns) {
					t.Errorf("figure %s: row %v has %d cells for %d columns", f.Name, row, len(row), len(f.Columns))
				}
			}
		}
		if diff := cmp.Diff(FigureNames, names); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if !m.End.Equal(d(30)) || !m.From.Equal(d(0)) || !m.To.Equal(d(30)) {
			t.Errorf("window %v–%v ends %v, want at To", m.From, m.To, m.End)
		}
	})
}

func TestMetricsWithoutTheWholeList(t *testing.T) {
	in := fixture()
	in.WholeList = false
	m := ComputeMetrics(in)
	wait := table(figure(t, m, FigureWait))
	if diff := cmp.Diff([]string{"Still waiting on the HPL", "", "", ""}, wait[2]); diff != "" {
		t.Errorf("still waiting without the list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"HPL entry to move-in", "2", "81.0", "102.0"}, wait[1]); diff != "" {
		t.Errorf("moved in (-want +got):\n%s", diff)
	}
	// Groups come from the referrals alone: the waiting columns are empty, and so is a group
	// that only waiting clients made (none here, as every waiting client was referred).
	race := table(figure(t, m, FigureEquityRace))
	if diff := cmp.Diff([]string{"White", "2", "1", "1", "0", "0", "50.0", "", ""}, race[4]); diff != "" {
		t.Errorf("race row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"All clients", "8", "3", "1", "1", "2", "12.5", "", ""}, race[len(race)-1]); diff != "" {
		t.Errorf("race total (-want +got):\n%s", diff)
	}
	if h := m.Headline; h.WholeList || h.StillWaiting != 0 || h.StillWaitingMedianDays.Kind != CellEmpty || h.MovedIn != 2 {
		t.Errorf("headline %+v", h)
	}
}

func TestMetricsWindowEndsAtNow(t *testing.T) {
	// The window runs to d(30) but the clock reads d(12.5): nothing after now is counted.
	in := MetricsInputs{From: d(0), To: d(30), Now: d(12.5), WholeList: true,
		Programs: []MetricsProgram{{ID: "p", Name: "Harbor PSH"}},
		// Vacant from d(-10) until now: 12.5 vacant unit-days of 12.5, a vacancy 22.5 days old.
		Units: []MetricsUnit{{ID: "u", ProgramID: "p", CreatedAt: d(-10)}},
		// Accepted at d(10), still open now.
		Referrals: []MetricsReferral{{ID: "r", ProgramID: "p", ClientID: "c", Status: cas.ReferralAccepted, CreatedAt: d(1), AcceptedAt: at(10),
			HPLAddedAt: d(-7.5)}},
		HPL: []MetricsHPLEntry{{ClientID: "c", AddedAt: d(-7.5)}},
	}
	m := ComputeMetrics(in)
	if !m.End.Equal(d(12.5)) {
		t.Errorf("end %v, want now", m.End)
	}
	for name, want := range map[string][]string{
		FigureVacancy:          {"All programs", "1", "12.5", "12.5", "100.0"},
		FigureDaysVacant:       {"All programs", "0", "", "", "1", "22.5"},
		FigureTimeToAcceptance: {"All programs", "1", "9.0", "9.0", "9.0"},
	} {
		rows := table(figure(t, m, name))
		if diff := cmp.Diff(want, rows[len(rows)-1]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	funnel := table(figure(t, m, FigureFunnel))
	if funnel[1][1] != "1" || funnel[2][1] != "1" || funnel[7][1] != "1" {
		t.Errorf("funnel %v, want 1 made, accepted and still open", funnel)
	}
	// Waiting 7.5 + 12.5 = 20 days so far.
	if got := table(figure(t, m, FigureWait))[2]; !cmp.Equal(got, []string{"Still waiting on the HPL", "1", "20.0", "20.0"}) {
		t.Errorf("still waiting %v", got)
	}
}

func TestMetricsOfNothing(t *testing.T) {
	m := ComputeMetrics(MetricsInputs{From: d(0), To: d(30), Now: d(45), WholeList: true})
	if len(m.Figures) != len(FigureNames) {
		t.Fatalf("%d figures, want %d", len(m.Figures), len(FigureNames))
	}
	for _, f := range m.Figures {
		for _, row := range f.Rows {
			for _, c := range row {
				if c.Kind == CellNumber && (math.IsNaN(c.Number) || math.IsInf(c.Number, 0) || c.Number != 0) && f.Name != FigureDeclineReasons {
					t.Errorf("%s: %v in an empty CoC", f.Name, row)
				}
			}
		}
	}
	for name, want := range map[string][]string{
		FigureVacancy:    {"All programs", "0", "0.0", "0.0", ""},
		FigureDaysVacant: {"All programs", "0", "", "", "0", ""},
		FigureFunnel:     {"Still open", "0", ""},
		FigureWait:       {"Still waiting on the HPL", "0", "", ""},
		FigureEquitySex:  {"All clients", "0", "0", "0", "0", "0", "", "0", ""},
	} {
		rows := table(figure(t, m, name))
		if diff := cmp.Diff(want, rows[len(rows)-1]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if h := m.Headline; h.VacancyMedianDays.Kind != CellEmpty || h.WaitMedianDays.Kind != CellEmpty || h.StillWaitingMedianDays.Kind != CellEmpty {
		t.Errorf("headline %+v, want empty medians", h)
	}
	// A window wholly in the future counts nothing.
	if m := ComputeMetrics(MetricsInputs{From: d(50), To: d(60), Now: d(45)}); !m.End.Equal(d(50)) {
		t.Errorf("future window ends %v, want at its start", m.End)
	}
}

func TestPercentiles(t *testing.T) {
	values := func(xs ...float64) []float64 { return xs }
	oneToTen := values(10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
	for _, c := range []struct {
		name      string
		xs        []float64
		med, p90  string
		meanValue string
	}{
		{"no values", nil, "", "", ""},
		{"one value", values(4), "4.0", "4.0", "4.0"},
		// Even: the mean of the 5th and 6th; p90: the ⌈9⌉ = 9th.
		{"one to ten", oneToTen, "5.5", "9.0", "5.5"},
		// Odd: the 6th; p90: ⌈9.9⌉ = the 10th value, 10.
		{"one to eleven", append(oneToTen, 11), "6.0", "10.0", "6.0"},
		// Twenty values 1..20: ⌈18⌉ = 18th.
		{"one to twenty", func() []float64 {
			var xs []float64
			for i := 20; i >= 1; i-- {
				xs = append(xs, float64(i))
			}
			return xs
		}(), "10.5", "18.0", "10.5"},
		// A long tail pulls the mean, not the median.
		{"a long tail", values(1, 2, 3, 400), "2.5", "400.0", "101.5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := median(c.xs).String(); got != c.med {
				t.Errorf("median %q, want %q", got, c.med)
			}
			if got := nearestRank(c.xs, 90).String(); got != c.p90 {
				t.Errorf("p90 %q, want %q", got, c.p90)
			}
			if got := mean(c.xs).String(); got != c.meanValue {
				t.Errorf("mean %q, want %q", got, c.meanValue)
			}
		})
	}
}

func TestCellJSON(t *testing.T) {
	row := []Cell{text("Harbor PSH"), count(3), tenths(61.538), {}}
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `["Harbor PSH",3,61.5,null]`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
}
