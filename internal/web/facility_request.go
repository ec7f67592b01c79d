package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type facilityRequestJSON struct {
	ID         string                    `json:"id"`
	AgencyID   string                    `json:"agency_id"`
	ProgramID  string                    `json:"program_id"`
	Kind       cas.FacilityRequestKind   `json:"kind"`
	Details    any                       `json:"details"`
	Status     cas.FacilityRequestStatus `json:"status"`
	Reason     string                    `json:"reason"`
	FacilityID *string                   `json:"facility_id"`
	CreatedAt  time.Time                 `json:"created_at"`
	CreatedBy  string                    `json:"created_by"`
	DecidedAt  *time.Time                `json:"decided_at"`
	DecidedBy  *string                   `json:"decided_by"`
}

type newFacilityDetailsJSON struct {
	Name    string         `json:"name"`
	Address string         `json:"address"`
	Units   []cas.UnitSpec `json:"units"`
}

type changeUnitsDetailsJSON struct {
	FacilityID    string         `json:"facility_id"`
	Add           []cas.UnitSpec `json:"add"`
	RemoveUnitIDs []string       `json:"remove_unit_ids"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toFacilityRequestJSON(r cas.FacilityRequest) facilityRequestJSON {
	d := r.Details
	var details any = newFacilityDetailsJSON{d.Name, d.Address, nonNil(d.Units)}
	if r.Kind == cas.ChangeUnitsRequest {
		details = changeUnitsDetailsJSON{d.FacilityID, nonNil(d.Add), nonNil(d.RemoveUnitIDs)}
	}
	return facilityRequestJSON{ID: r.ID, AgencyID: r.AgencyID, ProgramID: r.ProgramID, Kind: r.Kind, Details: details,
		Status: r.Status, Reason: r.Reason, FacilityID: optional(r.FacilityID), CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy,
		DecidedAt: r.DecidedAt, DecidedBy: optional(r.DecidedBy)}
}

func (s *Server) facilityRequestList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.FacilityRequestFilter{AgencyID: q.Get("agency_id"), Status: cas.FacilityRequestStatus(q.Get("status"))}
	list, next, err := s.db.FacilityRequests(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toFacilityRequestJSON))
	return nil
}

func (s *Server) facilityRequestShow(w http.ResponseWriter, r *http.Request) error {
	req, err := s.db.FacilityRequest(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFacilityRequestJSON(req))
	return nil
}

// unitSpecRequest is a unit of a request body; label, bedrooms and household_types are required.
type unitSpecRequest struct {
	Label          *string              `json:"label"`
	Bedrooms       *int                 `json:"bedrooms"`
	HouseholdTypes *[]cas.HouseholdType `json:"household_types"`
	Accessible     bool                 `json:"accessible"`
}

func unitSpecsOf(field string, in []unitSpecRequest) ([]cas.UnitSpec, error) {
	if in == nil {
		return nil, nil
	}
	out := make([]cas.UnitSpec, 0, len(in))
	for i, u := range in {
		at := fmt.Sprintf("%s[%d].", field, i)
		if err := requireFields(presence{at + "label", u.Label == nil}, presence{at + "bedrooms", u.Bedrooms == nil},
			presence{at + "household_types", u.HouseholdTypes == nil}); err != nil {
			return nil, err
		}
		out = append(out, cas.UnitSpec{Label: *u.Label, Bedrooms: *u.Bedrooms, HouseholdTypes: *u.HouseholdTypes, Accessible: u.Accessible})
	}
	return out, nil
}

func (s *Server) facilityRequestCreate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ProgramID *string `json:"program_id"`
		Kind      *string `json:"kind"`
		Details   *struct {
			Name          string            `json:"name"`
			Address       string            `json:"address"`
			Units         []unitSpecRequest `json:"units"`
			FacilityID    string            `json:"facility_id"`
			Add           []unitSpecRequest `json:"add"`
			RemoveUnitIDs []string          `json:"remove_unit_ids"`
		} `json:"details"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"program_id", req.ProgramID == nil}, presence{"kind", req.Kind == nil},
		presence{"details", req.Details == nil}); err != nil {
		return err
	}
	d := req.Details
	units, err := unitSpecsOf("details.units", d.Units)
	if err != nil {
		return err
	}
	add, err := unitSpecsOf("details.add", d.Add)
	if err != nil {
		return err
	}
	created, err := s.db.CreateFacilityRequest(r.Context(), actor(r), cas.FacilityRequest{ProgramID: *req.ProgramID,
		Kind: cas.FacilityRequestKind(*req.Kind), Details: cas.FacilityRequestDetails{Name: d.Name, Address: d.Address, Units: units,
			FacilityID: d.FacilityID, Add: add, RemoveUnitIDs: d.RemoveUnitIDs}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toFacilityRequestJSON(created))
	return nil
}

func (s *Server) facilityRequestApprove(w http.ResponseWriter, r *http.Request) error {
	req, err := s.db.ApproveFacilityRequest(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFacilityRequestJSON(req))
	return nil
}

func (s *Server) facilityRequestReject(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Reason *string `json:"reason"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if err := requireFields(presence{"reason", body.Reason == nil}); err != nil {
		return err
	}
	req, err := s.db.RejectFacilityRequest(r.Context(), actor(r), r.PathValue("id"), *body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFacilityRequestJSON(req))
	return nil
}
