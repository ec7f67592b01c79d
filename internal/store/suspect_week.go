package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/report"
)

// WeekOf is the Monday that starts the CoC's week containing t: weekly packets are kept by it.
func (db *DB) WeekOf(t time.Time) cas.Date {
	local := t.In(db.Zone)
	back := (int(local.Weekday()) + 6) % 7 // days since Monday
	return cas.DateOf(t, db.Zone).AddDays(-back)
}

// RecordSuspectWeek keeps this week's under-referral suspects, judged with db.Thresholds, once per
// week: the first call in a week records them and returns 1, later calls in the same week return 0.
// The worker's sweep calls it, so the record is the suspects as the week began. A week with no
// suspect is recorded too, so that "none last week" differs from "not recorded".
func (db *DB) RecordSuspectWeek(ctx context.Context) (int, error) {
	now := db.now()
	week := db.WeekOf(now)
	var done bool
	if err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suspect_weeks WHERE week = $1)`, string(week)).Scan(&done); err != nil || done {
		return 0, err // most sweeps: the week is recorded already
	}
	th := db.Thresholds.OrDefault()
	evidence, err := db.UnderReferralEvidence(ctx, cas.System, th.Window)
	if err != nil {
		return 0, err
	}
	suspects := report.Suspects(now, th, evidence)
	lastWeek, _, err := db.SuspectWeek(ctx, cas.System, week.AddDays(-7))
	if err != nil {
		return 0, err
	}
	recorded := 0
	err = db.inTx(ctx, cas.System, func(tx *Tx) error {
		res, err := tx.exec(`INSERT INTO suspect_weeks (week, recorded_at) VALUES ($1, $2) ON CONFLICT (week) DO NOTHING`, string(week), tx.now)
		if err != nil {
			return fmt.Errorf("record week %s: %w", week, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // another worker recorded the week first
		}
		for _, s := range suspects {
			if _, err := tx.exec(`INSERT INTO suspect_week_units (week, unit_id, program_id, agency_id, days_available, reasons)
				VALUES ($1, $2, $3, $4, $5, $6)`, string(week), s.UnitID, s.ProgramID, s.AgencyID, s.DaysAvailable, strings.Join(s.Reasons, "\n")); err != nil {
				return fmt.Errorf("record suspect %s for week %s: %w", s.UnitID, week, err)
			}
		}
		recorded = 1
		if err := tx.audit("suspects.record_week", "suspect_week", string(week), nil, map[string]any{"suspects": len(suspects)}); err != nil {
			return err
		}
		if len(suspects) == 0 {
			return nil
		}
		summary := report.Count(len(suspects), "unit", "units") + " to review"
		if n := len(report.ConsistentlyUnderReferred(suspects, lastWeek)); n > 0 {
			summary += ", " + report.Count(n, "program", "programs") + " under-referred two weeks running"
		}
		return tx.notify(notify.SuspectsRecorded, "", notify.Data{Deadline: string(week), Reason: summary},
			about{path: links.UnderReferral, once: string(week)})
	})
	return recorded, err
}

// SuspectWeek lists the suspects recorded for the week starting on Monday week that the actor may
// see (an agency user: its own units), by program and unit; recorded says whether the week was
// recorded at all.
func (db *DB) SuspectWeek(ctx context.Context, actor *cas.User, week cas.Date) (suspects []report.Suspect, recorded bool, err error) {
	return suspectWeek(ctx, db.sql, actor, week)
}

func suspectWeek(ctx context.Context, q querier, actor *cas.User, week cas.Date) (suspects []report.Suspect, recorded bool, err error) {
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suspect_weeks WHERE week = $1)`, string(week)).Scan(&recorded); err != nil {
		return nil, false, fmt.Errorf("suspect week %s: %w", week, err)
	}
	suspects = []report.Suspect{}
	err = eachRow(ctx, q, `SELECT s.unit_id, u.label, u.facility_id, f.name, s.program_id, p.name, s.agency_id, s.days_available, s.reasons
		FROM suspect_week_units s JOIN units u ON u.id = s.unit_id JOIN facilities f ON f.id = u.facility_id JOIN programs p ON p.id = s.program_id
		WHERE s.week = $1 AND ($2 = '' OR s.agency_id = $2)
		ORDER BY p.name, f.name, u.label, s.unit_id`, []any{string(week), agencyScope(actor)}, func(row scanner) error {
		var s report.Suspect
		var reasons string
		if err := row.Scan(&s.UnitID, &s.UnitLabel, &s.FacilityID, &s.FacilityName, &s.ProgramID, &s.ProgramName, &s.AgencyID,
			&s.DaysAvailable, &reasons); err != nil {
			return err
		}
		s.Reasons = strings.Split(reasons, "\n")
		suspects = append(suspects, s)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("suspect week %s: %w", week, err)
	}
	return suspects, recorded, nil
}

// MaxUnitsAtOnce is how many units one action on the under-referral suspects may name.
const MaxUnitsAtOnce = 200

// TakeUnitsOffline takes several available units offline in one action, all or none, with one
// reason and expected return: the HMIS team acting on the under-referral suspects. Each agency's
// CAS Contacts get one notification per facility naming its units. A unit that is no longer
// available (someone checked in meanwhile) refuses the whole action with a conflict naming it.
func (db *DB) TakeUnitsOffline(ctx context.Context, actor *cas.User, unitIDs []string, o cas.OfflinePeriod) ([]cas.OfflinePeriod, error) {
	if !cas.CanManageAgencies(actor) {
		return nil, cas.Errorf(cas.EForbidden, "only the HMIS team can take units offline")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var periods []cas.OfflinePeriod
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		periods = nil
		units, err := tx.lockUnitList(unitIDs, hmisTeam, "take offline")
		if err != nil {
			return err
		}
		for _, u := range units {
			p, _, err := tx.takeOffline(u, o, "")
			if err != nil {
				return err
			}
			periods = append(periods, p)
		}
		return tx.notifyUnitsOffline(units, o)
	})
	if err != nil {
		return nil, err
	}
	return periods, nil
}

// notifyUnitsOffline tells each facility's agency, once, which of its units went offline.
func (tx *Tx) notifyUnitsOffline(units []cas.Unit, o cas.OfflinePeriod) error {
	for _, group := range byFacility(units) {
		d := notify.Data{Unit: unitLabels(group), Reason: o.Reason, Deadline: string(o.ExpectedReturn)}
		if err := tx.facilityNames(group[0].FacilityID, &d); err != nil {
			return err
		}
		if err := tx.notify(notify.UnitsOffline, group[0].AgencyID, d, about{path: links.Roster(group[0].FacilityID)}); err != nil {
			return err
		}
	}
	return nil
}

// byFacility groups units by facility, facilities and units in a stable order.
func byFacility(units []cas.Unit) [][]cas.Unit {
	units = slices.Clone(units)
	slices.SortStableFunc(units, func(a, b cas.Unit) int {
		return cmp.Or(cmp.Compare(a.FacilityID, b.FacilityID), cmp.Compare(a.Label, b.Label))
	})
	var groups [][]cas.Unit
	for len(units) > 0 {
		n := 1
		for n < len(units) && units[n].FacilityID == units[0].FacilityID {
			n++
		}
		groups, units = append(groups, units[:n]), units[n:]
	}
	return groups
}

// unitLabels names units for a notification: "Apt 101, Apt 102".
func unitLabels(units []cas.Unit) string {
	labels := make([]string, len(units))
	for i, u := range units {
		labels[i] = u.Label
	}
	return strings.Join(labels, ", ")
}

// lockUnitList checks a list of unit IDs named by one action and locks the units in ID order, so
// that two actions naming the same units cannot deadlock; a repeated ID counts once.
func (tx *Tx) lockUnitList(unitIDs []string, allowed func(*cas.User, string) bool, what string) ([]cas.Unit, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(unitIDs)))
	if len(ids) == 0 || ids[0] == "" {
		return nil, cas.Invalid("unit_ids", "name at least one unit to %s", what)
	}
	if len(ids) > MaxUnitsAtOnce {
		return nil, cas.Invalid("unit_ids", "at most %d units can be named at once", MaxUnitsAtOnce)
	}
	units := make([]cas.Unit, 0, len(ids))
	for _, id := range ids {
		u, err := tx.lockUnit(id, allowed, what)
		if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, nil
}

// AskToConfirm asks the agencies of available units that look under-referred to confirm them:
// each facility's CAS Contacts get one notification naming its units, and confirm the roster if
// they are free or report a discrepancy if not. CAS admins and the HMIS team may ask; asking again
// the same day about the same units tells no one twice. It returns how many units were named.
func (db *DB) AskToConfirm(ctx context.Context, actor *cas.User, unitIDs []string) (int, error) {
	if !cas.SeesAllAgencies(actor) {
		return 0, cas.Errorf(cas.EForbidden, "only CAS admins and the HMIS team ask agencies to confirm units")
	}
	asked := 0
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		units, err := tx.lockUnitList(unitIDs, func(*cas.User, string) bool { return true }, "ask about")
		if err != nil {
			return err
		}
		today := cas.DateOf(tx.now, tx.db.Zone)
		for _, group := range byFacility(units) {
			for _, u := range group {
				if u.Status != cas.UnitAvailable {
					return unitConflict(u, "ask the agency to confirm")
				}
			}
			d := notify.Data{Unit: unitLabels(group)}
			if err := tx.facilityNames(group[0].FacilityID, &d); err != nil {
				return err
			}
			ids := make([]string, len(group))
			for i, u := range group {
				ids[i] = u.ID
			}
			once := string(today) + ":" + strings.Join(ids, ",")
			if err := tx.notify(notify.ConfirmUnitsAsked, group[0].AgencyID, d, about{path: links.Roster(group[0].FacilityID), once: once}); err != nil {
				return err
			}
			if err := tx.audit("units.ask_confirm", "facility", group[0].FacilityID, nil, map[string]any{"unit_ids": ids}); err != nil {
				return err
			}
		}
		asked = len(units)
		return nil
	})
	return asked, err
}
