package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type programJSON struct {
	ID            string           `json:"id"`
	AgencyID      string           `json:"agency_id"`
	Name          string           `json:"name"`
	HMISProjectID string           `json:"hmis_project_id"`
	ProjectType   cas.ProjectType  `json:"project_type"`
	ProjectName   string           `json:"project_type_name"`
	Requirements  cas.Requirements `json:"requirements"`
	ResponseDays  int              `json:"response_days"`
	ReferralMode  cas.ReferralMode `json:"referral_mode"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

func toProgramJSON(p cas.Program) programJSON {
	return programJSON{ID: p.ID, AgencyID: p.AgencyID, Name: p.Name, HMISProjectID: p.HMISProjectID, ProjectType: p.ProjectType,
		ProjectName: p.ProjectType.String(), Requirements: p.Requirements, ResponseDays: p.ResponseDays, ReferralMode: p.ReferralMode,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (s *Server) programList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	list, next, err := s.db.Programs(r.Context(), actor(r), store.ProgramFilter{AgencyID: r.URL.Query().Get("agency_id")}, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toProgramJSON))
	return nil
}

func (s *Server) programShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.db.Program(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProgramJSON(p))
	return nil
}

type programRequest struct {
	AgencyID      *string           `json:"agency_id"`
	Name          *string           `json:"name"`
	HMISProjectID *string           `json:"hmis_project_id"`
	ProjectType   *cas.ProjectType  `json:"project_type"`
	Requirements  *cas.Requirements `json:"requirements"`
	ResponseDays  *int              `json:"response_days"`
	ReferralMode  *cas.ReferralMode `json:"referral_mode"`
}

// check refuses what decoding lets through but the document does not: a response_days of 0, which
// the program would otherwise take as "not given" and replace with the default.
func (req programRequest) check() error {
	if req.ResponseDays != nil && *req.ResponseDays == 0 {
		return cas.Invalid("response_days", "response_days must be between 1 and 60")
	}
	return nil
}

func (req programRequest) apply(p *cas.Program) {
	setIf(&p.AgencyID, req.AgencyID)
	setIf(&p.Name, req.Name)
	setIf(&p.HMISProjectID, req.HMISProjectID)
	setIf(&p.ProjectType, req.ProjectType)
	setIf(&p.Requirements, req.Requirements)
	setIf(&p.ResponseDays, req.ResponseDays)
	setIf(&p.ReferralMode, req.ReferralMode)
}

// setIf sets *dst to *v when the request had the field.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (s *Server) programCreate(w http.ResponseWriter, r *http.Request) error {
	var req programRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"agency_id", req.AgencyID == nil}, presence{"name", req.Name == nil},
		presence{"project_type", req.ProjectType == nil}); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	var p cas.Program
	req.apply(&p)
	p, err := s.db.CreateProgram(r.Context(), actor(r), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toProgramJSON(p))
	return nil
}

func (s *Server) programUpdate(w http.ResponseWriter, r *http.Request) error {
	var req programRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	p, err := s.db.UpdateProgram(r.Context(), actor(r), r.PathValue("id"), req.apply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProgramJSON(p))
	return nil
}
