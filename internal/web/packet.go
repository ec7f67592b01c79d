package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// packet gathers and assembles the weekly HPL meeting packet. The query takes the under-referral
// thresholds (see Server.thresholdsOf) and top, how many ready clients to list (default 10). An agency
// user reads its own programs' sections, without the HPL's ready clients.
func (s *Server) packet(r *http.Request) (report.Packet, error) {
	th, err := s.thresholdsOf(r)
	if err != nil {
		return report.Packet{}, err
	}
	top := 0
	if v := r.URL.Query().Get("top"); v != "" {
		if top, err = strconv.Atoi(v); err != nil || top < 1 || top > 500 {
			return report.Packet{}, cas.Invalid("top", "top must be a whole number from 1 to 500")
		}
	}
	in, err := s.db.PacketInputs(r.Context(), actor(r), th, top)
	if err != nil {
		return report.Packet{}, err
	}
	return report.BuildPacket(in), nil
}

type packetReferralJSON struct {
	ID           string             `json:"id"`
	ClientID     string             `json:"client_id"`
	FacilityID   string             `json:"facility_id"`
	FacilityName string             `json:"facility_name"`
	UnitID       *string            `json:"unit_id"`
	Status       cas.ReferralStatus `json:"status"`
	Rank         int                `json:"rank"`
	CreatedAt    time.Time          `json:"created_at"`
	Deadline     time.Time          `json:"deadline"`
	AgeDays      int                `json:"age_days"`
	PastDeadline bool               `json:"past_deadline"`
	// EligibilityOverride: a CAS admin referred a client the program's rules refuse, with a reason.
	EligibilityOverride       bool   `json:"eligibility_override"`
	EligibilityOverrideReason string `json:"eligibility_override_reason,omitempty"`
}

type packetOverReferralJSON struct {
	packetReferralJSON
	Reason          string    `json:"reason"`
	ExpectedVacancy *cas.Date `json:"expected_vacancy"`
	Overdue         bool      `json:"overdue"`
	// WaitingForUnit: still in line for the facility's next unit that fits; otherwise it holds
	// unit_id, assigned at unit_assigned_at.
	WaitingForUnit bool       `json:"waiting_for_unit"`
	UnitAssignedAt *time.Time `json:"unit_assigned_at"`
}

type packetDiscrepancyJSON struct {
	ID           string    `json:"id"`
	FacilityID   string    `json:"facility_id"`
	FacilityName string    `json:"facility_name"`
	Note         string    `json:"note"`
	Units        int       `json:"units"`
	CreatedAt    time.Time `json:"created_at"`
}

type packetStaleRosterJSON struct {
	FacilityID   string     `json:"facility_id"`
	FacilityName string     `json:"facility_name"`
	ConfirmedAt  *time.Time `json:"confirmed_at"`
}

type packetOfflineJSON struct {
	UnitID         string    `json:"unit_id"`
	UnitLabel      string    `json:"unit_label"`
	FacilityID     string    `json:"facility_id"`
	FacilityName   string    `json:"facility_name"`
	Reason         string    `json:"reason"`
	Since          time.Time `json:"since"`
	ExpectedReturn *cas.Date `json:"expected_return"`
	Overdue        bool      `json:"overdue"`
}

type packetProgramJSON struct {
	ProgramID     string                   `json:"program_id"`
	ProgramName   string                   `json:"program_name"`
	AgencyName    string                   `json:"agency_name"`
	FreeUnits     int                      `json:"free_units"`
	OpenReferrals []packetReferralJSON     `json:"open_referrals"`
	OverReferrals []packetOverReferralJSON `json:"over_referrals"`
	Suspects      []suspectJSON            `json:"suspects"`
	// ConsistentlyUnderReferred: suspects in last week's record and now.
	ConsistentlyUnderReferred bool                    `json:"consistently_under_referred"`
	Discrepancies             []packetDiscrepancyJSON `json:"discrepancies"`
	StaleRosters              []packetStaleRosterJSON `json:"stale_rosters"`
	OfflineUnits              []packetOfflineJSON     `json:"offline_units"`
}

type packetReadyJSON struct {
	ClientID      string            `json:"client_id"`
	Name          string            `json:"name"`
	Rank          int               `json:"rank"`
	Score         int               `json:"score"`
	HouseholdType cas.HouseholdType `json:"household_type"`
	HouseholdSize int               `json:"household_size"`
}

type packetJSON struct {
	GeneratedAt time.Time           `json:"generated_at"`
	Today       cas.Date            `json:"today"`
	Programs    []packetProgramJSON `json:"programs"`
	TopReady    []packetReadyJSON   `json:"top_ready"`
}

func datePtr(d cas.Date) *cas.Date {
	if d == "" {
		return nil
	}
	return &d
}

func referralOfPacket(o report.OpenReferral) packetReferralJSON {
	out := packetReferralJSON{ID: o.ID, ClientID: o.ClientID, FacilityID: o.FacilityID, FacilityName: o.FacilityName, Status: o.Status,
		Rank: o.Rank, CreatedAt: o.CreatedAt, Deadline: o.Deadline, AgeDays: o.AgeDays, PastDeadline: o.PastDeadline,
		EligibilityOverride: o.EligibilityOverride, EligibilityOverrideReason: o.EligibilityOverrideReason}
	if o.UnitID != "" {
		out.UnitID = &o.UnitID
	}
	return out
}

func packetOut(p report.Packet) packetJSON {
	out := packetJSON{GeneratedAt: p.GeneratedAt, Today: p.Today, Programs: []packetProgramJSON{}, TopReady: []packetReadyJSON{}}
	for _, s := range p.Programs {
		ps := packetProgramJSON{ProgramID: s.ProgramID, ProgramName: s.ProgramName, AgencyName: s.AgencyName, FreeUnits: s.FreeUnits,
			ConsistentlyUnderReferred: s.ConsistentlyUnderReferred,
			OpenReferrals:             []packetReferralJSON{}, OverReferrals: []packetOverReferralJSON{}, Suspects: []suspectJSON{},
			Discrepancies: []packetDiscrepancyJSON{}, StaleRosters: []packetStaleRosterJSON{}, OfflineUnits: []packetOfflineJSON{}}
		for _, o := range s.OpenReferrals {
			ps.OpenReferrals = append(ps.OpenReferrals, referralOfPacket(o))
		}
		for _, o := range s.OverReferrals {
			ps.OverReferrals = append(ps.OverReferrals, packetOverReferralJSON{packetReferralJSON: referralOfPacket(o.OpenReferral),
				Reason: o.Reason, ExpectedVacancy: datePtr(o.ExpectedVacancy), Overdue: o.Overdue, WaitingForUnit: o.Waiting, UnitAssignedAt: o.UnitAssignedAt})
		}
		for _, sp := range s.Suspects {
			ps.Suspects = append(ps.Suspects, toSuspectJSON(sp))
		}
		for _, d := range s.Discrepancies {
			ps.Discrepancies = append(ps.Discrepancies, packetDiscrepancyJSON{ID: d.ID, FacilityID: d.FacilityID, FacilityName: d.FacilityName,
				Note: d.Note, Units: d.Units, CreatedAt: d.CreatedAt})
		}
		for _, f := range s.StaleRosters {
			ps.StaleRosters = append(ps.StaleRosters, packetStaleRosterJSON{FacilityID: f.FacilityID, FacilityName: f.FacilityName, ConfirmedAt: f.ConfirmedAt})
		}
		for _, u := range s.OfflineUnits {
			ps.OfflineUnits = append(ps.OfflineUnits, packetOfflineJSON{UnitID: u.UnitID, UnitLabel: u.UnitLabel, FacilityID: u.FacilityID,
				FacilityName: u.FacilityName, Reason: u.Reason, Since: u.Since, ExpectedReturn: datePtr(u.ExpectedReturn), Overdue: u.Overdue})
		}
		out.Programs = append(out.Programs, ps)
	}
	for _, c := range p.TopReady {
		out.TopReady = append(out.TopReady, packetReadyJSON{ClientID: c.ClientID, Name: c.Name, Rank: c.Rank, Score: c.Score,
			HouseholdType: c.HouseholdType, HouseholdSize: c.HouseholdSize})
	}
	return out
}

// packetCSVHeader names the CSV's columns: one row per item, its section first.
var packetCSVHeader = []string{"section", "program_id", "program", "agency", "facility", "item_id", "label", "status", "since", "due", "days", "flag", "detail"}

func packetRows(p report.Packet) [][]string {
	rows := [][]string{packetCSVHeader}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	flag := func(on bool, word string) string {
		if on {
			return word
		}
		return ""
	}
	// flags is the flag column of a row with several: the words of those set, joined by semicolons.
	flags := func(words ...string) string {
		return strings.Join(slices.DeleteFunc(words, func(w string) bool { return w == "" }), ";")
	}
	// override adds a referral's eligibility override, with its reason, to the detail column.
	override := func(o report.OpenReferral, detail string) string {
		if !o.EligibilityOverride {
			return detail
		}
		return strings.TrimPrefix(detail+"; eligibility override: "+o.EligibilityOverrideReason, "; ")
	}
	for _, s := range p.Programs {
		row := func(section, facility, id, label, status, since, due, days, fl, detail string) {
			rows = append(rows, []string{section, s.ProgramID, s.ProgramName, s.AgencyName, facility, id, label, status, since, due, days, fl, detail})
		}
		row("free_units", "", "", "", "", "", "", strconv.Itoa(s.FreeUnits), flag(s.ConsistentlyUnderReferred, "consistently_under_referred"), "")
		for _, o := range s.OpenReferrals {
			row("open_referral", o.FacilityName, o.ID, o.ClientID, string(o.Status), stamp(o.CreatedAt), stamp(o.Deadline), strconv.Itoa(o.AgeDays),
				flags(flag(o.PastDeadline, "past_deadline"), flag(o.EligibilityOverride, "eligibility_override")), override(o, "rank "+strconv.Itoa(o.Rank)))
		}
		for _, o := range s.OverReferrals {
			row("over_referral", o.FacilityName, o.ID, o.ClientID, string(o.Status), stamp(o.CreatedAt), string(o.ExpectedVacancy), strconv.Itoa(o.AgeDays),
				flags(flag(o.Overdue, "overdue"), flag(o.Waiting, "waiting_for_unit"), flag(!o.Waiting, "holds_unit"),
					flag(o.EligibilityOverride, "eligibility_override")), override(o.OpenReferral, o.Reason))
		}
		for _, sp := range s.Suspects {
			row("suspect", sp.FacilityName, sp.UnitID, sp.UnitLabel, "available", stamp(sp.AvailableSince), "", strconv.Itoa(sp.DaysAvailable),
				flag(sp.FlaggedLastWeek, "flagged_last_week"), strings.Join(sp.Reasons, "; "))
		}
		for _, d := range s.Discrepancies {
			row("discrepancy", d.FacilityName, d.ID, strconv.Itoa(d.Units)+" units", "open", stamp(d.CreatedAt), "", "", "", d.Note)
		}
		for _, f := range s.StaleRosters {
			since := ""
			if f.ConfirmedAt != nil {
				since = stamp(*f.ConfirmedAt)
			}
			row("stale_roster", f.FacilityName, f.FacilityID, "", "", since, "", "", flag(f.ConfirmedAt == nil, "never_confirmed"), "")
		}
		for _, u := range s.OfflineUnits {
			row("offline_unit", u.FacilityName, u.UnitID, u.UnitLabel, "offline", stamp(u.Since), string(u.ExpectedReturn), "",
				flag(u.Overdue, "overdue"), u.Reason)
		}
	}
	for _, c := range p.TopReady {
		rows = append(rows, []string{"ready_client", "", "", "", "", c.ClientID, c.Name, "ready", "", "", "", "",
			"rank " + strconv.Itoa(c.Rank) + ", score " + strconv.Itoa(c.Score) + ", " + string(c.HouseholdType)})
	}
	return rows
}

// hplPacket answers the HPL meeting packet as JSON, or with format=csv as a CSV download.
func (s *Server) hplPacket(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return cas.Invalid("format", "format must be json or csv")
	}
	p, err := s.packet(r)
	if err != nil {
		return err
	}
	if format != "csv" {
		writeJSON(w, http.StatusOK, packetOut(p))
		return nil
	}
	return writePacketCSV(w, p)
}

// writePacketCSV sends the packet as a CSV download named for its day.
func writePacketCSV(w http.ResponseWriter, p report.Packet) error {
	return writeCSV(w, "hpl-packet-"+string(p.Today)+".csv", packetRows(p))
}
