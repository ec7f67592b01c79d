package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type unitJSON struct {
	ID             string              `json:"id"`
	FacilityID     string              `json:"facility_id"`
	AgencyID       string              `json:"agency_id"`
	Label          string              `json:"label"`
	Bedrooms       int                 `json:"bedrooms"`
	HouseholdTypes []cas.HouseholdType `json:"household_types"`
	Accessible     bool                `json:"accessible"`
	Status         cas.UnitStatus      `json:"status"`
	StatusSince    time.Time           `json:"status_since"`
	HeldBy         *holdJSON           `json:"held_by"`
	CreatedAt      time.Time           `json:"created_at"`
}

// holdJSON says who a unit is for: the kind of holder, its ID, and since when.
type holdJSON struct {
	Kind  cas.HoldKind `json:"kind"`
	ID    string       `json:"id"`
	Since time.Time    `json:"since"`
}

func toUnitJSON(u cas.Unit) unitJSON {
	out := unitJSON{ID: u.ID, FacilityID: u.FacilityID, AgencyID: u.AgencyID, Label: u.Label, Bedrooms: u.Bedrooms,
		HouseholdTypes: u.HouseholdTypes, Accessible: u.Accessible, Status: u.Status, StatusSince: u.StatusSince, CreatedAt: u.CreatedAt}
	if h := u.HeldBy; h != nil {
		out.HeldBy = &holdJSON{Kind: h.Kind, ID: h.ID, Since: h.Since}
	}
	return out
}

type unitEventJSON struct {
	Kind   string     `json:"kind"`
	ID     string     `json:"id"`
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to"`
	Detail string     `json:"detail"`
	Status string     `json:"status,omitempty"`
	By     string     `json:"by"`
}

func (s *Server) unitList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.UnitFilter{AgencyID: q.Get("agency_id"), FacilityID: q.Get("facility_id"), Status: cas.UnitStatus(q.Get("status"))}
	switch free := q.Get("free"); free {
	case "", "false":
	case "true":
		f.Free = true
	default:
		return cas.Invalid("free", "free must be true or false, not %q", free)
	}
	list, next, err := s.db.Units(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toUnitJSON))
	return nil
}

// unitShow answers a unit with its whole history, newest first.
func (s *Server) unitShow(w http.ResponseWriter, r *http.Request) error {
	u, err := s.db.Unit(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	history, err := s.db.UnitHistory(r.Context(), actor(r), u.ID)
	if err != nil {
		return err
	}
	out := struct {
		unitJSON
		History []unitEventJSON `json:"history"`
	}{unitJSON: toUnitJSON(u), History: make([]unitEventJSON, 0, len(history))}
	for _, e := range history {
		out.History = append(out.History, unitEventJSON(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type unitRequest struct {
	FacilityID     *string              `json:"facility_id"`
	Label          *string              `json:"label"`
	Bedrooms       *int                 `json:"bedrooms"`
	HouseholdTypes *[]cas.HouseholdType `json:"household_types"`
	Accessible     *bool                `json:"accessible"`
}

func (req unitRequest) apply(u *cas.Unit) {
	setIf(&u.FacilityID, req.FacilityID)
	setIf(&u.Label, req.Label)
	setIf(&u.Bedrooms, req.Bedrooms)
	setIf(&u.HouseholdTypes, req.HouseholdTypes)
	setIf(&u.Accessible, req.Accessible)
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request) error {
	var req unitRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"facility_id", req.FacilityID == nil}, presence{"label", req.Label == nil},
		presence{"bedrooms", req.Bedrooms == nil}, presence{"household_types", req.HouseholdTypes == nil}); err != nil {
		return err
	}
	var u cas.Unit
	req.apply(&u)
	u, err := s.db.CreateUnit(r.Context(), actor(r), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUnitJSON(u))
	return nil
}

func (s *Server) unitUpdate(w http.ResponseWriter, r *http.Request) error {
	var req unitRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	u, err := s.db.UpdateUnit(r.Context(), actor(r), r.PathValue("id"), req.apply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUnitJSON(u))
	return nil
}

// respondUnit answers the unit's state after a change to it.
func (s *Server) respondUnit(w http.ResponseWriter, r *http.Request, status int) error {
	u, err := s.db.Unit(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, status, toUnitJSON(u))
	return nil
}

func (s *Server) unitCheckIn(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ClientID   string `json:"client_id"`
		ClientName string `json:"client_name"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if _, err := s.db.CheckIn(r.Context(), actor(r), r.PathValue("id"), req.ClientID, req.ClientName); err != nil {
		return err
	}
	return s.respondUnit(w, r, http.StatusOK)
}

func (s *Server) unitCheckOut(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.db.CheckOut(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	return s.respondUnit(w, r, http.StatusOK)
}

func (s *Server) unitOffline(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Reason         *string `json:"reason"`
		ExpectedReturn *string `json:"expected_return"`
		// WithdrawReferralReason takes a unit a referral holds offline in an emergency.
		WithdrawReferralReason string `json:"withdraw_referral_reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"reason", req.Reason == nil}); err != nil {
		return err
	}
	o := cas.OfflinePeriod{Reason: *req.Reason}
	if req.ExpectedReturn != nil {
		o.ExpectedReturn = cas.Date(*req.ExpectedReturn)
	}
	if _, err := s.db.TakeOffline(r.Context(), actor(r), r.PathValue("id"), o, req.WithdrawReferralReason); err != nil {
		return err
	}
	return s.respondUnit(w, r, http.StatusOK)
}

func (s *Server) unitOnline(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.db.BringOnline(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	return s.respondUnit(w, r, http.StatusOK)
}
