package web

import "net/http"

// The proposals' page forms, on the referral board: a CAS admin sends the matching engine's
// proposal as a referral, or dismisses it.

func (s *Server) proposalSendPage(w http.ResponseWriter, r *http.Request) error {
	ref, err := s.db.SendProposal(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return s.boardRefusal(w, r, err)
	}
	return s.redirect(w, r, "/board", "Referral sent; it is on the board under its program. Deadline "+s.datetime(ref.Deadline)+".")
}

func (s *Server) proposalDismissPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.DismissProposal(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return s.boardRefusal(w, r, err)
	}
	return s.redirect(w, r, "/board", "Proposal dismissed; the unit and the client go back to the matching engine.")
}
