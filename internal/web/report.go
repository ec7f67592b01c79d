package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

type suspectJSON struct {
	UnitID             string     `json:"unit_id"`
	UnitLabel          string     `json:"unit_label"`
	FacilityID         string     `json:"facility_id"`
	FacilityName       string     `json:"facility_name"`
	ProgramID          string     `json:"program_id"`
	ProgramName        string     `json:"program_name"`
	AgencyID           string     `json:"agency_id"`
	AvailableSince     time.Time  `json:"available_since"`
	DaysAvailable      int        `json:"days_available"`
	NoUnitDeclines     int        `json:"no_unit_declines"`
	UnansweredExpiries int        `json:"unanswered_expiries"`
	RosterConfirmedAt  *time.Time `json:"roster_confirmed_at"`
	Reasons            []string   `json:"reasons"`
	FlaggedLastWeek    bool       `json:"flagged_last_week"`
}

// thresholdsOf reads the report's thresholds from the query (available_days, stale_roster_days,
// window_days), each defaulting to the CoC's configured thresholds (serve --suspect-available-days
// and the like), which the weekly record uses too.
func (s *Server) thresholdsOf(r *http.Request) (report.Thresholds, error) {
	th := s.db.Thresholds.OrDefault()
	windowDays := int(th.Window.Hours() / 24)
	for _, p := range []struct {
		name string
		dst  *int
	}{{"available_days", &th.AvailableDays}, {"stale_roster_days", &th.StaleRosterDays}, {"window_days", &windowDays}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 365 {
				return th, cas.Invalid(p.name, "%s must be a whole number of days from 1 to 365", p.name)
			}
			*p.dst = n
		}
	}
	th.Window = time.Duration(windowDays) * 24 * time.Hour
	return th, nil
}

// underReferralReport is the under-referral report: this moment's suspects judged with the
// request's thresholds, each marked when last week's record flagged it too, and the programs
// consistently under-referred (suspects in both).
type underReferralReport struct {
	Thresholds report.Thresholds
	Suspects   []report.Suspect
	// LastWeek is the Monday of last week's record; LastWeekRecorded says whether there is one.
	LastWeek         cas.Date
	LastWeekRecorded bool
	Consistently     []programName
}

type programName struct {
	ID   string `json:"program_id"`
	Name string `json:"program_name"`
}

func (s *Server) underReferralReport(r *http.Request) (underReferralReport, error) {
	th, err := s.thresholdsOf(r)
	if err != nil {
		return underReferralReport{}, err
	}
	in, err := s.db.UnderReferral(r.Context(), actor(r), th.Window)
	if err != nil {
		return underReferralReport{}, err
	}
	rep := underReferralReport{Thresholds: th, Suspects: report.Suspects(in.Now, th, in.Evidence), LastWeek: in.LastWeek,
		LastWeekRecorded: in.LastWeekRecorded, Consistently: []programName{}}
	report.MarkRepeats(rep.Suspects, in.LastWeekSuspects)
	names := map[string]string{}
	for _, sp := range rep.Suspects {
		names[sp.ProgramID] = sp.ProgramName
	}
	for _, id := range report.ConsistentlyUnderReferred(rep.Suspects, in.LastWeekSuspects) {
		rep.Consistently = append(rep.Consistently, programName{ID: id, Name: names[id]})
	}
	return rep, nil
}

func toSuspectJSON(sp report.Suspect) suspectJSON {
	return suspectJSON{UnitID: sp.UnitID, UnitLabel: sp.UnitLabel, FacilityID: sp.FacilityID, FacilityName: sp.FacilityName,
		ProgramID: sp.ProgramID, ProgramName: sp.ProgramName, AgencyID: sp.AgencyID, AvailableSince: sp.AvailableSince,
		DaysAvailable: sp.DaysAvailable, NoUnitDeclines: sp.NoUnitDeclines, UnansweredExpiries: sp.UnansweredExpiries,
		RosterConfirmedAt: sp.RosterConfirmedAt, Reasons: sp.Reasons, FlaggedLastWeek: sp.FlaggedLastWeek}
}

// underReferral answers the units that show available but are likely not, with their evidence:
// available for a while, and declined for "no unit available", or unanswered, or with a stale
// roster. A unit held by an open referral is never a suspect. The programs with suspects in last
// week's record and now are consistently under-referred.
func (s *Server) underReferral(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.underReferralReport(r)
	if err != nil {
		return err
	}
	out := struct {
		Thresholds struct {
			AvailableDays   int `json:"available_days"`
			StaleRosterDays int `json:"stale_roster_days"`
			WindowDays      int `json:"window_days"`
		} `json:"thresholds"`
		LastWeek struct {
			Week     cas.Date `json:"week"`
			Recorded bool     `json:"recorded"`
		} `json:"last_week"`
		ConsistentlyUnderReferred []programName `json:"consistently_under_referred"`
		Items                     []suspectJSON `json:"items"`
	}{Items: make([]suspectJSON, 0, len(rep.Suspects)), ConsistentlyUnderReferred: rep.Consistently}
	th := rep.Thresholds
	out.Thresholds.AvailableDays, out.Thresholds.StaleRosterDays = th.AvailableDays, th.StaleRosterDays
	out.Thresholds.WindowDays = int(th.Window.Hours() / 24)
	out.LastWeek.Week, out.LastWeek.Recorded = rep.LastWeek, rep.LastWeekRecorded
	for _, sp := range rep.Suspects {
		out.Items = append(out.Items, toSuspectJSON(sp))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// unitsOffline takes several units offline in one action, all or none: the HMIS team acting on the
// under-referral suspects. It answers the units as they now are.
func (s *Server) unitsOffline(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UnitIDs        *[]string `json:"unit_ids"`
		Reason         *string   `json:"reason"`
		ExpectedReturn string    `json:"expected_return"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"unit_ids", req.UnitIDs == nil}, presence{"reason", req.Reason == nil}); err != nil {
		return err
	}
	periods, err := s.db.TakeUnitsOffline(r.Context(), actor(r), *req.UnitIDs, cas.OfflinePeriod{Reason: *req.Reason, ExpectedReturn: cas.Date(req.ExpectedReturn)})
	if err != nil {
		return err
	}
	units := make([]cas.Unit, 0, len(periods))
	for _, p := range periods {
		u, err := s.db.Unit(r.Context(), actor(r), p.UnitID)
		if err != nil {
			return err
		}
		units = append(units, u)
	}
	writeJSON(w, http.StatusOK, newList(units, "", toUnitJSON))
	return nil
}

// askToConfirm asks the agencies of units that look under-referred to confirm them: one
// notification per facility. It answers how many units were named.
func (s *Server) askToConfirm(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UnitIDs *[]string `json:"unit_ids"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"unit_ids", req.UnitIDs == nil}); err != nil {
		return err
	}
	n, err := s.db.AskToConfirm(r.Context(), actor(r), *req.UnitIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"asked": n})
	return nil
}
