package report

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.Add(-time.Duration(n) * day) }

// unit is an available unit with a freshly confirmed roster and no evidence against it.
func unit(id string, availableDays int, change func(*UnitEvidence)) UnitEvidence {
	u := UnitEvidence{UnitID: id, FacilityID: "f-" + id, ProgramID: "p-" + id, AgencyID: "harbor", UnitLabel: "Apt " + id,
		FacilityName: "Harbor Commons", ProgramName: "Harbor Family PSH", AvailableSince: daysAgo(availableDays),
		RosterConfirmedAt: ptr(daysAgo(2))}
	if change != nil {
		change(&u)
	}
	return u
}

func TestSuspects(t *testing.T) {
	noUnitDecline := func(u *UnitEvidence) { u.NoUnitDeclines = 1 }
	for _, c := range []struct {
		name    string
		unit    UnitEvidence
		reasons []string // nil: not a suspect
	}{
		{"long available with a no-unit decline is a suspect", unit("a", 21, noUnitDecline),
			[]string{"available for 21 days", "1 referral declined: no unit available"}},
		{"long available with unanswered expiries is a suspect", unit("a", 15, func(u *UnitEvidence) { u.UnansweredExpiries = 2 }),
			[]string{"available for 15 days", "2 referrals expired unanswered"}},
		{"long available with a never-confirmed roster is a suspect", unit("a", 14, func(u *UnitEvidence) { u.RosterConfirmedAt = nil }),
			[]string{"available for 14 days", "roster never confirmed"}},
		{"long available with a stale roster is a suspect", unit("a", 40, func(u *UnitEvidence) {
			u.RosterConfirmedAt = ptr(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC))
		}), []string{"available for 40 days", "roster not confirmed since 2026-09-01"}},
		{"all the evidence is listed in order", unit("a", 30, func(u *UnitEvidence) {
			u.NoUnitDeclines, u.UnansweredExpiries, u.RosterConfirmedAt = 2, 1, nil
		}), []string{"available for 30 days", "2 referrals declined: no unit available", "1 referral expired unanswered", "roster never confirmed"}},
		{"a roster confirmed exactly 30 days ago is not stale", unit("a", 60, func(u *UnitEvidence) { u.RosterConfirmedAt = ptr(daysAgo(30)) }), nil},
		{"long available with a fresh roster and no evidence is not a suspect", unit("a", 90, nil), nil},
		{"available a day short with all the evidence is not a suspect", unit("a", 14, func(u *UnitEvidence) {
			u.AvailableSince = daysAgo(14).Add(time.Second)
			u.NoUnitDeclines, u.UnansweredExpiries, u.RosterConfirmedAt = 3, 3, nil
		}), nil},
		{"a unit held by an open referral is never a suspect", unit("a", 200, func(u *UnitEvidence) {
			u.HeldByOpenReferral = true
			u.NoUnitDeclines, u.UnansweredExpiries, u.RosterConfirmedAt = 3, 3, nil
		}), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Suspects(now, DefaultThresholds(), []UnitEvidence{c.unit})
			if c.reasons == nil {
				if len(got) != 0 {
					t.Fatalf("flagged: %v", got[0].Reasons)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d suspects, want 1", len(got))
			}
			if diff := cmp.Diff(c.reasons, got[0].Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.unit, got[0].UnitEvidence); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuspectsMostDaysAvailableFirst(t *testing.T) {
	never := func(u *UnitEvidence) { u.RosterConfirmedAt = nil }
	units := []UnitEvidence{unit("short", 16, never), unit("fresh", 100, nil), unit("long", 45, never), unit("held", 300, func(u *UnitEvidence) {
		u.RosterConfirmedAt, u.HeldByOpenReferral = nil, true
	}), unit("mid", 20, never)}
	var got []string
	var days []int
	for _, s := range Suspects(now, DefaultThresholds(), units) {
		got, days = append(got, s.UnitID), append(days, s.DaysAvailable)
	}
	if diff := cmp.Diff([]string{"long", "mid", "short"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{45, 20, 16}, days); diff != "" {
		t.Errorf("days available (-want +got):\n%s", diff)
	}
}

func TestSuspectsThresholds(t *testing.T) {
	units := []UnitEvidence{unit("a", 8, func(u *UnitEvidence) { u.RosterConfirmedAt = ptr(daysAgo(10)) })}
	if got := Suspects(now, DefaultThresholds(), units); len(got) != 0 {
		t.Errorf("default thresholds flagged a unit 8 days available with a 10-day-old roster: %v", got[0].Reasons)
	}
	got := Suspects(now, Thresholds{AvailableDays: 7, StaleRosterDays: 7, Window: 7 * day}, units)
	want := []string{"available for 8 days", "roster not confirmed since 2026-10-23"}
	if len(got) != 1 {
		t.Fatalf("tighter thresholds: %d suspects, want 1", len(got))
	}
	if diff := cmp.Diff(want, got[0].Reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if got := Suspects(now, Thresholds{}, units); len(got) != 0 {
		t.Errorf("zero thresholds did not take the defaults: %v", got[0].Reasons)
	}
	if got := Suspects(now, Thresholds{}, []UnitEvidence{unit("b", 1, func(u *UnitEvidence) { u.RosterConfirmedAt = nil })}); len(got) != 0 {
		t.Errorf("zero thresholds flagged a unit available for a day: %v", got[0].Reasons)
	}
}

func TestDefaultThresholds(t *testing.T) {
	want := Thresholds{AvailableDays: 14, StaleRosterDays: 30, Window: 30 * 24 * time.Hour}
	if diff := cmp.Diff(want, DefaultThresholds()); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestConsistentlyUnderReferred(t *testing.T) {
	suspects := func(programs ...string) []Suspect {
		var list []Suspect
		for _, p := range programs {
			list = append(list, Suspect{UnitEvidence: UnitEvidence{ProgramID: p}})
		}
		return list
	}
	for _, c := range []struct {
		name               string
		thisWeek, lastWeek []Suspect
		want               []string
	}{
		{"suspects in both weeks", suspects("psh", "rrh", "psh"), suspects("th", "psh", "rrh"), []string{"psh", "rrh"}},
		{"suspects only this week", suspects("psh"), suspects("rrh"), []string{}},
		{"no packet last week", suspects("psh"), nil, []string{}},
		{"no suspects this week", nil, suspects("psh"), []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, ConsistentlyUnderReferred(c.thisWeek, c.lastWeek)); diff != "" {
				t.Errorf("programs (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
