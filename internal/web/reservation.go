package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type reservationJSON struct {
	ID         string                `json:"id"`
	UnitID     string                `json:"unit_id"`
	AgencyID   string                `json:"agency_id"`
	ClientName string                `json:"client_name"`
	StartsOn   cas.Date              `json:"starts_on"`
	ExpiresOn  cas.Date              `json:"expires_on"`
	Status     cas.ReservationStatus `json:"status"`
	CreatedAt  time.Time             `json:"created_at"`
	EndedAt    *time.Time            `json:"ended_at"`
}

func toReservationJSON(r cas.Reservation) reservationJSON { return reservationJSON(r) }

func (s *Server) reservationList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ReservationFilter{AgencyID: q.Get("agency_id"), UnitID: q.Get("unit_id"), Status: cas.ReservationStatus(q.Get("status"))}
	list, next, err := s.db.Reservations(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toReservationJSON))
	return nil
}

func (s *Server) reservationShow(w http.ResponseWriter, r *http.Request) error {
	res, err := s.db.Reservation(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toReservationJSON(res))
	return nil
}

func (s *Server) reservationCreate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UnitID     *string `json:"unit_id"`
		ClientName *string `json:"client_name"`
		StartsOn   *string `json:"starts_on"`
		ExpiresOn  *string `json:"expires_on"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"unit_id", req.UnitID == nil}, presence{"client_name", req.ClientName == nil},
		presence{"starts_on", req.StartsOn == nil}, presence{"expires_on", req.ExpiresOn == nil}); err != nil {
		return err
	}
	res, err := s.db.CreateReservation(r.Context(), actor(r), cas.Reservation{UnitID: *req.UnitID, ClientName: *req.ClientName,
		StartsOn: cas.Date(*req.StartsOn), ExpiresOn: cas.Date(*req.ExpiresOn)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toReservationJSON(res))
	return nil
}

func (s *Server) reservationRelease(w http.ResponseWriter, r *http.Request) error {
	res, err := s.db.ReleaseReservation(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toReservationJSON(res))
	return nil
}
