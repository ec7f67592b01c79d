package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type facilityJSON struct {
	ID                   string     `json:"id"`
	ProgramID            string     `json:"program_id"`
	AgencyID             string     `json:"agency_id"`
	Name                 string     `json:"name"`
	Address              string     `json:"address"`
	InventoryConfirmedAt *time.Time `json:"inventory_confirmed_at"`
	CreatedAt            time.Time  `json:"created_at"`
	UpdatedAt            time.Time  `json:"updated_at"`
}

func toFacilityJSON(f cas.Facility) facilityJSON {
	return facilityJSON{ID: f.ID, ProgramID: f.ProgramID, AgencyID: f.AgencyID, Name: f.Name, Address: f.Address,
		InventoryConfirmedAt: f.InventoryConfirmedAt, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

type freeUnitsJSON struct {
	Bedrooms       int                 `json:"bedrooms"`
	HouseholdTypes []cas.HouseholdType `json:"household_types"`
	Accessible     bool                `json:"accessible"`
	Free           int                 `json:"free"`
}

type confirmationJSON struct {
	At     time.Time `json:"at"`
	ByID   string    `json:"by_id"`
	ByName string    `json:"by_name"`
}

func (s *Server) facilityList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := s.db.Facilities(r.Context(), actor(r), store.FacilityFilter{AgencyID: q.Get("agency_id"), ProgramID: q.Get("program_id")}, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toFacilityJSON))
	return nil
}

// facilityShow answers a facility with its free units by type and its roster confirmations.
func (s *Server) facilityShow(w http.ResponseWriter, r *http.Request) error {
	ctx, u, id := r.Context(), actor(r), r.PathValue("id")
	f, err := s.db.Facility(ctx, u, id)
	if err != nil {
		return err
	}
	free, err := s.db.FreeCapacity(ctx, u, id)
	if err != nil {
		return err
	}
	confirmations, err := s.db.InventoryConfirmations(ctx, u, id)
	if err != nil {
		return err
	}
	out := struct {
		facilityJSON
		FreeUnits     []freeUnitsJSON    `json:"free_units"`
		Confirmations []confirmationJSON `json:"inventory_confirmations"`
	}{facilityJSON: toFacilityJSON(f), FreeUnits: []freeUnitsJSON{}, Confirmations: []confirmationJSON{}}
	for _, c := range free {
		out.FreeUnits = append(out.FreeUnits, freeUnitsJSON{Bedrooms: c.Bedrooms, HouseholdTypes: c.HouseholdTypes, Accessible: c.Accessible, Free: c.Free})
	}
	for _, c := range confirmations {
		out.Confirmations = append(out.Confirmations, confirmationJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type facilityRequest struct {
	ProgramID *string `json:"program_id"`
	Name      *string `json:"name"`
	Address   *string `json:"address"`
}

func (req facilityRequest) apply(f *cas.Facility) {
	setIf(&f.ProgramID, req.ProgramID)
	setIf(&f.Name, req.Name)
	setIf(&f.Address, req.Address)
}

func (s *Server) facilityCreate(w http.ResponseWriter, r *http.Request) error {
	var req facilityRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"program_id", req.ProgramID == nil}, presence{"name", req.Name == nil}); err != nil {
		return err
	}
	var f cas.Facility
	req.apply(&f)
	f, err := s.db.CreateFacility(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toFacilityJSON(f))
	return nil
}

func (s *Server) facilityUpdate(w http.ResponseWriter, r *http.Request) error {
	var req facilityRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f, err := s.db.UpdateFacility(r.Context(), actor(r), r.PathValue("id"), req.apply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFacilityJSON(f))
	return nil
}

func (s *Server) facilityConfirmInventory(w http.ResponseWriter, r *http.Request) error {
	f, err := s.db.ConfirmInventory(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFacilityJSON(f))
	return nil
}
