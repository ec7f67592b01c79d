package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type resolutionJSON struct {
	Action cas.ResolutionAction `json:"action"`
	Note   string               `json:"note"`
}

type discrepancyJSON struct {
	ID         string                `json:"id"`
	FacilityID string                `json:"facility_id"`
	AgencyID   string                `json:"agency_id"`
	UnitIDs    []string              `json:"unit_ids"`
	Note       string                `json:"note"`
	Status     cas.DiscrepancyStatus `json:"status"`
	Resolution *resolutionJSON       `json:"resolution"`
	CreatedAt  time.Time             `json:"created_at"`
	CreatedBy  string                `json:"created_by"`
	ResolvedAt *time.Time            `json:"resolved_at"`
	ResolvedBy string                `json:"resolved_by,omitempty"`
}

func toDiscrepancyJSON(d cas.Discrepancy) discrepancyJSON {
	out := discrepancyJSON{ID: d.ID, FacilityID: d.FacilityID, AgencyID: d.AgencyID, UnitIDs: d.UnitIDs, Note: d.Note, Status: d.Status,
		CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy, ResolvedAt: d.ResolvedAt, ResolvedBy: d.ResolvedBy}
	if d.Resolution != nil {
		out.Resolution = &resolutionJSON{Action: d.Resolution.Action, Note: d.Resolution.Note}
	}
	return out
}

func (s *Server) discrepancyList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.DiscrepancyFilter{AgencyID: q.Get("agency_id"), FacilityID: q.Get("facility_id"), Status: cas.DiscrepancyStatus(q.Get("status"))}
	list, next, err := s.db.Discrepancies(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toDiscrepancyJSON))
	return nil
}

func (s *Server) discrepancyShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.db.Discrepancy(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDiscrepancyJSON(d))
	return nil
}

func (s *Server) discrepancyFile(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		FacilityID *string   `json:"facility_id"`
		UnitIDs    *[]string `json:"unit_ids"`
		Note       *string   `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"facility_id", req.FacilityID == nil}, presence{"unit_ids", req.UnitIDs == nil},
		presence{"note", req.Note == nil}); err != nil {
		return err
	}
	d, err := s.db.FileDiscrepancy(r.Context(), actor(r), cas.Discrepancy{FacilityID: *req.FacilityID, UnitIDs: *req.UnitIDs, Note: *req.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toDiscrepancyJSON(d))
	return nil
}

func (s *Server) discrepancyResolve(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Action *string `json:"action"`
		Note   string  `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"action", req.Action == nil}); err != nil {
		return err
	}
	d, err := s.db.ResolveDiscrepancy(r.Context(), actor(r), r.PathValue("id"), cas.Resolution{Action: cas.ResolutionAction(*req.Action), Note: req.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDiscrepancyJSON(d))
	return nil
}
