package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type referralJSON struct {
	ID              string             `json:"id"`
	ClientID        string             `json:"client_id"`
	HPLEntryID      string             `json:"hpl_entry_id"`
	ProgramID       string             `json:"program_id"`
	FacilityID      string             `json:"facility_id"`
	AgencyID        string             `json:"agency_id"`
	UnitID          *string            `json:"unit_id"`
	Status          cas.ReferralStatus `json:"status"`
	OverRefer       bool               `json:"over_refer"`
	OverReferReason string             `json:"over_refer_reason,omitempty"`
	ExpectedVacancy *cas.Date          `json:"expected_vacancy"`
	// WaitingForUnit: an open over-referral in line for its facility's next unit that fits.
	WaitingForUnit bool       `json:"waiting_for_unit"`
	UnitAssignedAt *time.Time `json:"unit_assigned_at"`
	// EligibilityOverride: a CAS admin referred a client the engine's rules refuse, with a reason.
	EligibilityOverride       bool               `json:"eligibility_override"`
	EligibilityOverrideReason string             `json:"eligibility_override_reason,omitempty"`
	Source                    cas.ReferralSource `json:"source"`
	Rank                      int                `json:"rank"`
	SchemeVersion             int                `json:"scheme_version"`
	MatchReason               string             `json:"match_reason"`
	Deadline                  time.Time          `json:"deadline"`
	ReasonCode                *cas.DeclineReason `json:"reason_code"`
	ReferralResult            *int               `json:"referral_result"`
	Note                      string             `json:"note,omitempty"`
	CreatedAt                 time.Time          `json:"created_at"`
	UpdatedAt                 time.Time          `json:"updated_at"`
}

// referralResult is the HUD 4.20 ReferralResult the referral's outcome is reported as, if any yet.
func referralResult(r cas.Referral) *int {
	switch r.Status {
	case cas.ReferralHoused:
		v := cas.ResultClientAccepted
		return &v
	case cas.ReferralDeclined:
		rule, _ := cas.DeclineRuleOf(r.ReasonCode)
		return &rule.Result
	}
	return nil
}

func toReferralJSON(r cas.Referral) referralJSON {
	out := referralJSON{ID: r.ID, ClientID: r.ClientID, HPLEntryID: r.HPLEntryID, ProgramID: r.ProgramID, FacilityID: r.FacilityID,
		AgencyID: r.AgencyID, Status: r.Status, OverRefer: r.OverRefer, OverReferReason: r.OverReferReason, Source: r.Source, Rank: r.Rank,
		SchemeVersion: r.SchemeVersion, MatchReason: r.MatchReason, Deadline: r.Deadline, ReferralResult: referralResult(r), Note: r.Note,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, WaitingForUnit: r.Waiting(), UnitAssignedAt: r.UnitAssignedAt,
		EligibilityOverride: r.EligibilityOverride, EligibilityOverrideReason: r.EligibilityOverrideReason}
	if r.UnitID != "" {
		out.UnitID = &r.UnitID
	}
	if r.ExpectedVacancy != "" {
		out.ExpectedVacancy = &r.ExpectedVacancy
	}
	if r.ReasonCode != "" {
		out.ReasonCode = &r.ReasonCode
	}
	return out
}

type referralEventJSON struct {
	At     time.Time          `json:"at"`
	Status cas.ReferralStatus `json:"status"`
	Action string             `json:"action"`
	ByID   string             `json:"by_id"`
	ByName string             `json:"by_name"`
	Note   string             `json:"note,omitempty"`
}

func (s *Server) referralList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ReferralFilter{AgencyID: q.Get("agency_id"), ProgramID: q.Get("program_id"), FacilityID: q.Get("facility_id"), ClientID: q.Get("client_id")}
	if st := q.Get("status"); st != "" {
		for _, v := range strings.Split(st, ",") {
			f.Status = append(f.Status, cas.ReferralStatus(v))
		}
	}
	list, next, err := s.db.Referrals(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toReferralJSON))
	return nil
}

// referralShow answers a referral with its timeline.
func (s *Server) referralShow(w http.ResponseWriter, r *http.Request) error {
	return s.respondReferral(w, r, r.PathValue("id"), http.StatusOK)
}

// referralClientJSON is what a referral says of its client: who they are, how to reach them, and
// their navigator; for the receiving agency, the navigator and CoC staff, never in email.
type referralClientJSON struct {
	ID             string    `json:"id"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	BirthDate      *cas.Date `json:"birth_date"`
	HMISPersonalID string    `json:"hmis_personal_id"`
	Phone          string    `json:"phone"`
	Email          string    `json:"email"`
	ContactNotes   string    `json:"contact_notes"`
	clientIdentityJSON
	Navigator *navigatorJSON `json:"navigator"`
}

type navigatorJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	AgencyID string `json:"agency_id"`
	Agency   string `json:"agency_name"`
}

func toReferralClientJSON(c *cas.Client, n *store.Navigator) *referralClientJSON {
	if c == nil {
		return nil
	}
	out := &referralClientJSON{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, HMISPersonalID: c.HMISPersonalID, Phone: c.Phone,
		Email: c.Email, ContactNotes: c.ContactNotes, clientIdentityJSON: identityJSON(*c)}
	if c.BirthDate != "" {
		out.BirthDate = &c.BirthDate
	}
	if n != nil {
		out.Navigator = &navigatorJSON{ID: n.ID, Name: n.Name, Email: n.Email, AgencyID: n.AgencyID, Agency: n.Agency}
	}
	return out
}

// respondReferral answers a referral with its client and timeline, as the referral's page reads
// it (the client's record read audited).
func (s *Server) respondReferral(w http.ResponseWriter, r *http.Request, id string, status int) error {
	p, err := s.db.ReferralPage(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	out := struct {
		referralJSON
		Client   *referralClientJSON `json:"client"`
		Timeline []referralEventJSON `json:"timeline"`
	}{referralJSON: toReferralJSON(p.Referral), Client: toReferralClientJSON(p.Client, p.Navigator),
		Timeline: make([]referralEventJSON, 0, len(p.Events))}
	for _, e := range p.Events {
		out.Timeline = append(out.Timeline, referralEventJSON(e))
	}
	writeJSON(w, status, out)
	return nil
}

// referralNote adds a note to a referral's timeline and answers the referral.
func (s *Server) referralNote(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Text *string `json:"text"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"text", req.Text == nil}); err != nil {
		return err
	}
	ref, err := s.db.AddReferralNote(r.Context(), actor(r), r.PathValue("id"), *req.Text)
	if err != nil {
		return err
	}
	return s.respondReferral(w, r, ref.ID, http.StatusCreated)
}

func (s *Server) referralCreate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ClientID        *string   `json:"client_id"`
		FacilityID      *string   `json:"facility_id"`
		OverRefer       bool      `json:"over_refer"`
		Reason          string    `json:"reason"`
		ExpectedVacancy *cas.Date `json:"expected_vacancy"`
		// EligibilityOverrideReason refers a client the engine's rules refuse.
		EligibilityOverrideReason string `json:"eligibility_override_reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"client_id", req.ClientID == nil}, presence{"facility_id", req.FacilityID == nil}); err != nil {
		return err
	}
	in := store.NewReferral{ClientID: *req.ClientID, FacilityID: *req.FacilityID, OverRefer: req.OverRefer, Reason: req.Reason,
		EligibilityOverrideReason: req.EligibilityOverrideReason}
	setIf(&in.ExpectedVacancy, req.ExpectedVacancy)
	ref, err := s.db.CreateReferral(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	return s.respondReferral(w, r, ref.ID, http.StatusCreated)
}

// referralAction decodes an action's body into req (an empty body is fine when optional), runs
// the action, and answers the referral with its timeline.
func (s *Server) referralAction(w http.ResponseWriter, r *http.Request, req any, optional bool, act func() (cas.Referral, error)) error {
	if !optional || r.ContentLength != 0 {
		if err := decodeJSON(w, r, req); err != nil {
			return err
		}
	}
	ref, err := act()
	if err != nil {
		return err
	}
	return s.respondReferral(w, r, ref.ID, http.StatusOK)
}

func (s *Server) referralAccept(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Note string `json:"note"`
	}
	return s.referralAction(w, r, &req, true, func() (cas.Referral, error) {
		return s.db.AcceptReferral(r.Context(), actor(r), r.PathValue("id"), req.Note)
	})
}

func (s *Server) referralDecline(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ReasonCode cas.DeclineReason `json:"reason_code"`
		Note       string            `json:"note"`
	}
	return s.referralAction(w, r, &req, false, func() (cas.Referral, error) {
		return s.db.DeclineReferral(r.Context(), actor(r), r.PathValue("id"), req.ReasonCode, req.Note)
	})
}

func (s *Server) referralWithdraw(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Reason string `json:"reason"`
	}
	return s.referralAction(w, r, &req, false, func() (cas.Referral, error) {
		return s.db.WithdrawReferral(r.Context(), actor(r), r.PathValue("id"), req.Reason)
	})
}

func (s *Server) referralMoveIn(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UnitID string `json:"unit_id"`
	}
	return s.referralAction(w, r, &req, false, func() (cas.Referral, error) {
		return s.db.MoveIn(r.Context(), actor(r), r.PathValue("id"), req.UnitID)
	})
}

type declineReasonJSON struct {
	Code           cas.DeclineReason `json:"code"`
	Label          string            `json:"label"`
	ReferralResult int               `json:"referral_result"`
	ParkDays       int               `json:"park_days"`
	LeavesHPL      bool              `json:"leaves_hpl"`
}

func (s *Server) declineReasons(w http.ResponseWriter, r *http.Request) error {
	out := make([]declineReasonJSON, 0, len(cas.DeclineRules))
	for _, d := range cas.DeclineRules {
		out = append(out, declineReasonJSON{Code: d.Reason, Label: d.Label, ReferralResult: d.Result, ParkDays: d.ParkDays, LeavesHPL: d.Leaves})
	}
	writeJSON(w, http.StatusOK, list[declineReasonJSON]{Items: out})
	return nil
}
