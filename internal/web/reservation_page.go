package web

import (
	"fmt"
	"net/http"
)

// The reservation's page form: releasing it, on the roster. A reservation is made on the roster
// too, from its unit's row (unitReservePage).

func (s *Server) reservationReleasePage(w http.ResponseWriter, r *http.Request) error {
	res, err := s.db.ReleaseReservation(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return s.rosterRefused(w, r, err, "", "release")
	}
	return s.redirect(w, r, rosterBack(r, "unit-"+res.UnitID),
		fmt.Sprintf("Reservation released: unit %s is available.", s.unitLabel(r, res.UnitID)))
}
