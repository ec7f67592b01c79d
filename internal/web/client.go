package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type clientJSON struct {
	ID              string            `json:"id"`
	FirstName       string            `json:"first_name"`
	LastName        string            `json:"last_name"`
	BirthDate       cas.Date          `json:"birth_date"`
	HMISPersonalID  string            `json:"hmis_personal_id"`
	HouseholdSize   int               `json:"household_size"`
	HouseholdType   cas.HouseholdType `json:"household_type"`
	Veteran         bool              `json:"veteran"`
	Chronic         bool              `json:"chronic"`
	Youth           bool              `json:"youth"`
	DVSurvivor      bool              `json:"dv_survivor"`
	NeedsAccessible bool              `json:"needs_accessible"`
	Consent         bool              `json:"consent"`
	Race            []cas.Race        `json:"race"`
	Gender          []cas.Gender      `json:"gender"`
	Sex             cas.Sex           `json:"sex"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// toClientJSON encodes a client; race and gender are [] when not collected, never null.
func toClientJSON(c cas.Client) clientJSON {
	j := clientJSON(c)
	j.Race, j.Gender = nonNil(j.Race), nonNil(j.Gender)
	return j
}

func (s *Server) clientList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	list, next, err := s.db.Clients(r.Context(), actor(r), store.ClientFilter{Search: r.URL.Query().Get("q")}, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toClientJSON))
	return nil
}

func (s *Server) clientShow(w http.ResponseWriter, r *http.Request) error {
	c, err := s.db.Client(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toClientJSON(c))
	return nil
}

type clientRequest struct {
	FirstName       *string            `json:"first_name"`
	LastName        *string            `json:"last_name"`
	BirthDate       *cas.Date          `json:"birth_date"`
	HMISPersonalID  *string            `json:"hmis_personal_id"`
	HouseholdSize   *int               `json:"household_size"`
	HouseholdType   *cas.HouseholdType `json:"household_type"`
	Veteran         *bool              `json:"veteran"`
	Chronic         *bool              `json:"chronic"`
	Youth           *bool              `json:"youth"`
	DVSurvivor      *bool              `json:"dv_survivor"`
	NeedsAccessible *bool              `json:"needs_accessible"`
	Consent         *bool              `json:"consent"`
	Race            *[]cas.Race        `json:"race"`
	Gender          *[]cas.Gender      `json:"gender"`
	Sex             *cas.Sex           `json:"sex"`
}

func (req clientRequest) apply(c *cas.Client) {
	setIf(&c.FirstName, req.FirstName)
	setIf(&c.LastName, req.LastName)
	setIf(&c.BirthDate, req.BirthDate)
	setIf(&c.HMISPersonalID, req.HMISPersonalID)
	setIf(&c.HouseholdSize, req.HouseholdSize)
	setIf(&c.HouseholdType, req.HouseholdType)
	setIf(&c.Veteran, req.Veteran)
	setIf(&c.Chronic, req.Chronic)
	setIf(&c.Youth, req.Youth)
	setIf(&c.DVSurvivor, req.DVSurvivor)
	setIf(&c.NeedsAccessible, req.NeedsAccessible)
	setIf(&c.Consent, req.Consent)
	setIf(&c.Race, req.Race)
	setIf(&c.Gender, req.Gender)
	setIf(&c.Sex, req.Sex)
}

func (s *Server) clientCreate(w http.ResponseWriter, r *http.Request) error {
	var req clientRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"first_name", req.FirstName == nil}, presence{"last_name", req.LastName == nil},
		presence{"birth_date", req.BirthDate == nil}, presence{"household_size", req.HouseholdSize == nil},
		presence{"household_type", req.HouseholdType == nil}); err != nil {
		return err
	}
	var c cas.Client
	req.apply(&c)
	c, err := s.db.CreateClient(r.Context(), actor(r), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toClientJSON(c))
	return nil
}

func (s *Server) clientUpdate(w http.ResponseWriter, r *http.Request) error {
	var req clientRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := s.db.UpdateClient(r.Context(), actor(r), r.PathValue("id"), req.apply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toClientJSON(c))
	return nil
}
