package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

type agencyJSON struct {
	ID                 string           `json:"id"`
	Name               string           `json:"name"`
	HMISOrganizationID string           `json:"hmis_organization_id"`
	CASContacts        []casContactJSON `json:"cas_contacts"`
	Warnings           []string         `json:"warnings"`
	CreatedAt          time.Time        `json:"created_at"`
	UpdatedAt          time.Time        `json:"updated_at"`
}

type casContactJSON struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

// noCASContact warns that an agency's referrals reach no one there.
const noCASContact = "The agency has no CAS Contact: its referrals reach no one there, and the CAS admins are told instead. The HMIS team designates one (cas_contact on an agency user)."

func toAgencyJSON(a cas.Agency) agencyJSON {
	out := agencyJSON{ID: a.ID, Name: a.Name, HMISOrganizationID: a.HMISOrganizationID,
		CASContacts: []casContactJSON{}, Warnings: []string{}, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	for _, c := range a.CASContacts {
		out.CASContacts = append(out.CASContacts, casContactJSON(c))
	}
	if len(a.CASContacts) == 0 {
		out.Warnings = append(out.Warnings, noCASContact)
	}
	return out
}

func (s *Server) agencyList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	agencies, next, err := s.db.Agencies(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(agencies, next, toAgencyJSON))
	return nil
}

func (s *Server) agencyShow(w http.ResponseWriter, r *http.Request) error {
	a, err := s.db.Agency(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAgencyJSON(a))
	return nil
}

type agencyRequest struct {
	Name               *string `json:"name"`
	HMISOrganizationID *string `json:"hmis_organization_id"`
}

func (s *Server) agencyCreate(w http.ResponseWriter, r *http.Request) error {
	var req agencyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return required("name")
	}
	a := cas.AgencyPatch{Name: req.Name, HMISOrganizationID: req.HMISOrganizationID}.Apply(cas.Agency{})
	a, err := s.db.CreateAgency(r.Context(), actor(r), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAgencyJSON(a))
	return nil
}

func (s *Server) agencyUpdate(w http.ResponseWriter, r *http.Request) error {
	var req agencyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.db.UpdateAgency(r.Context(), actor(r), r.PathValue("id"),
		cas.AgencyPatch{Name: req.Name, HMISOrganizationID: req.HMISOrganizationID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAgencyJSON(a))
	return nil
}
