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
}

// thresholdsOf reads the report's thresholds from the query (available_days, stale_roster_days,
// window_days), each defaulting as report.DefaultThresholds says.
func thresholdsOf(r *http.Request) (report.Thresholds, error) {
	th := report.DefaultThresholds()
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

// underReferral answers the units that show available but are likely not, with their evidence:
// available for a while, and declined for "no unit available", or unanswered, or with a stale
// roster. A unit held by an open referral is never a suspect.
func (s *Server) underReferral(w http.ResponseWriter, r *http.Request) error {
	th, err := thresholdsOf(r)
	if err != nil {
		return err
	}
	evidence, err := s.db.UnderReferralEvidence(r.Context(), actor(r), th.Window)
	if err != nil {
		return err
	}
	suspects := report.Suspects(s.db.Now(), th, evidence)
	out := struct {
		Thresholds struct {
			AvailableDays   int `json:"available_days"`
			StaleRosterDays int `json:"stale_roster_days"`
			WindowDays      int `json:"window_days"`
		} `json:"thresholds"`
		Items []suspectJSON `json:"items"`
	}{Items: make([]suspectJSON, 0, len(suspects))}
	out.Thresholds.AvailableDays, out.Thresholds.StaleRosterDays = th.AvailableDays, th.StaleRosterDays
	out.Thresholds.WindowDays = int(th.Window.Hours() / 24)
	for _, sp := range suspects {
		out.Items = append(out.Items, suspectJSON{UnitID: sp.UnitID, UnitLabel: sp.UnitLabel, FacilityID: sp.FacilityID, FacilityName: sp.FacilityName,
			ProgramID: sp.ProgramID, ProgramName: sp.ProgramName, AgencyID: sp.AgencyID, AvailableSince: sp.AvailableSince,
			DaysAvailable: sp.DaysAvailable, NoUnitDeclines: sp.NoUnitDeclines, UnansweredExpiries: sp.UnansweredExpiries,
			RosterConfirmedAt: sp.RosterConfirmedAt, Reasons: sp.Reasons})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
