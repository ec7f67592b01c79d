package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/store"
)

type proposalJSON struct {
	ID            string    `json:"id"`
	ClientID      string    `json:"client_id"`
	HPLEntryID    string    `json:"hpl_entry_id"`
	ProgramID     string    `json:"program_id"`
	FacilityID    string    `json:"facility_id"`
	AgencyID      string    `json:"agency_id"`
	UnitID        string    `json:"unit_id"`
	Rank          int       `json:"rank"`
	SchemeVersion int       `json:"scheme_version"`
	Reason        string    `json:"reason"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"created_at"`
}

func toProposalJSON(p store.Proposal) proposalJSON {
	return proposalJSON{ID: p.ID, ClientID: p.ClientID, HPLEntryID: p.HPLEntryID, ProgramID: p.ProgramID, FacilityID: p.FacilityID,
		AgencyID: p.AgencyID, UnitID: p.UnitID, Rank: p.Rank, SchemeVersion: p.SchemeVersion, Reason: p.Reason, Status: p.Status, CreatedAt: p.CreatedAt}
}

func (s *Server) proposalList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.db.Proposals(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, "", toProposalJSON))
	return nil
}

func (s *Server) proposalSend(w http.ResponseWriter, r *http.Request) error {
	ref, err := s.db.SendProposal(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.respondReferral(w, r, ref.ID, http.StatusCreated)
}

func (s *Server) proposalDismiss(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.DismissProposal(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
