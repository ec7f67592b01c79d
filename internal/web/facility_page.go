package web

import (
	"fmt"
	"net/http"
)

// The facility's page form: its agency confirms, on the roster, that the roster is accurate.

func (s *Server) facilityConfirmInventoryPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.db.ConfirmInventory(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return s.rosterRefused(w, r, err, "", "confirm")
	}
	return s.redirect(w, r, rosterBack(r, "facility-"+f.ID), fmt.Sprintf("Thank you: the roster of %s is confirmed.", f.Name))
}
