// Package report computes what the CoC reviews each week: metrics, under-referral detection and
// the HPL meeting packet. It is pure: the store gathers the evidence and this package judges it,
// so every rule can be tested on hand-built data with known answers.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

const day = 24 * time.Hour

// UnitEvidence is what the store knows about one available unit that bears on whether it is
// really free: how long it has shown available, what happened to referrals to its facility in the
// window, and when its roster was last confirmed.
type UnitEvidence struct {
	UnitID, FacilityID, ProgramID, AgencyID string
	UnitLabel, FacilityName, ProgramName    string
	AvailableSince                          time.Time
	// NoUnitDeclines counts referrals to the unit's facility declined with
	// cas.DeclineNoUnitAvailable in the window.
	NoUnitDeclines int
	// UnansweredExpiries counts referrals to the unit's facility that expired unanswered in the window.
	UnansweredExpiries int
	// RosterConfirmedAt is when the agency last confirmed the facility's roster; nil if never.
	RosterConfirmedAt *time.Time
	// HeldByOpenReferral says a pending or accepted referral holds the unit: it is being referred.
	HeldByOpenReferral bool
}

// Thresholds tune under-referral detection.
type Thresholds struct {
	// AvailableDays is how long a unit must have shown available before it can be a suspect.
	AvailableDays int
	// StaleRosterDays is how old a roster confirmation may be before the roster counts as stale.
	StaleRosterDays int
	// Window is how far back declines and expiries count; the store applies it when it gathers
	// the evidence.
	Window time.Duration
}

// DefaultThresholds are the design's defaults: 14 days available, a 30-day-old roster, a 30-day window.
func DefaultThresholds() Thresholds {
	return Thresholds{AvailableDays: 14, StaleRosterDays: 30, Window: 30 * day}
}

// OrDefault fills the fields left zero with the defaults, so that a zero Thresholds does not flag
// every unit available for a moment.
func (th Thresholds) OrDefault() Thresholds {
	d := DefaultThresholds()
	if th.AvailableDays <= 0 {
		th.AvailableDays = d.AvailableDays
	}
	if th.StaleRosterDays <= 0 {
		th.StaleRosterDays = d.StaleRosterDays
	}
	if th.Window <= 0 {
		th.Window = d.Window
	}
	return th
}

// RosterStale reports whether a roster confirmed at confirmed (nil: never) is stale at now.
func (th Thresholds) RosterStale(confirmed *time.Time, now time.Time) bool {
	return confirmed == nil || now.Sub(*confirmed) > time.Duration(th.StaleRosterDays)*day
}

// Suspect is an available unit that may not really be available, with the reasons in plain words.
type Suspect struct {
	UnitEvidence
	DaysAvailable int
	Reasons       []string
	// FlaggedLastWeek says the unit was a suspect in last week's record too (see MarkRepeats).
	FlaggedLastWeek bool
}

// Suspects finds the under-referral suspects among available units: a unit available for at least
// AvailableDays whose facility had a referral declined because no unit was available, or a
// referral that expired unanswered, or whose roster is stale. A unit held by an open referral is
// being referred, so it is never a suspect, however long it has shown available. Thresholds left
// zero take their defaults. The most days available come first.
func Suspects(now time.Time, th Thresholds, units []UnitEvidence) []Suspect {
	th = th.OrDefault()
	suspects := []Suspect{}
	for _, u := range units {
		if u.HeldByOpenReferral {
			continue
		}
		days := int(now.Sub(u.AvailableSince) / day)
		if days < th.AvailableDays {
			continue
		}
		var evidence []string
		if u.NoUnitDeclines > 0 {
			evidence = append(evidence, Count(u.NoUnitDeclines, "referral", "referrals")+" declined: no unit available")
		}
		if u.UnansweredExpiries > 0 {
			evidence = append(evidence, Count(u.UnansweredExpiries, "referral", "referrals")+" expired unanswered")
		}
		switch {
		case u.RosterConfirmedAt == nil:
			evidence = append(evidence, "roster never confirmed")
		case th.RosterStale(u.RosterConfirmedAt, now):
			evidence = append(evidence, "roster not confirmed since "+u.RosterConfirmedAt.UTC().Format(time.DateOnly))
		}
		if len(evidence) == 0 {
			continue
		}
		suspects = append(suspects, Suspect{UnitEvidence: u, DaysAvailable: days,
			Reasons: append([]string{"available for " + Count(days, "day", "days")}, evidence...)})
	}
	slices.SortStableFunc(suspects, func(a, b Suspect) int {
		return cmp.Or(cmp.Compare(b.DaysAvailable, a.DaysAvailable), cmp.Compare(a.FacilityName, b.FacilityName),
			cmp.Compare(a.UnitLabel, b.UnitLabel), cmp.Compare(a.UnitID, b.UnitID))
	})
	return suspects
}

// ConsistentlyUnderReferred lists, sorted, the programs with suspects in both of two consecutive
// weekly packets.
func ConsistentlyUnderReferred(thisWeek, lastWeek []Suspect) []string {
	before := map[string]bool{}
	for _, s := range lastWeek {
		before[s.ProgramID] = true
	}
	programs := []string{}
	for _, s := range thisWeek {
		if before[s.ProgramID] && !slices.Contains(programs, s.ProgramID) {
			programs = append(programs, s.ProgramID)
		}
	}
	slices.Sort(programs)
	return programs
}

// MarkRepeats sets FlaggedLastWeek on each of this week's suspects that was a suspect in last
// week's record too.
func MarkRepeats(thisWeek, lastWeek []Suspect) {
	before := map[string]bool{}
	for _, s := range lastWeek {
		before[s.UnitID] = true
	}
	for i := range thisWeek {
		thisWeek[i].FlaggedLastWeek = before[thisWeek[i].UnitID]
	}
}

// Count writes a number with its noun, for the words of reports and notifications: "1 unit",
// "3 units".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
