package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
)

// The unit pages: the roster, where an agency keeps its units true (check-in, check-out,
// reservations; the HMIS team may correct any agency's), and the inventory, where the HMIS team
// sees every agency's units and takes them offline or back online. Each reads one store view.

// holdOf is the unit's hold when its holder is of the kind, else nil.
func holdOf(un cas.Unit, kind cas.HoldKind) *cas.Hold {
	if un.HeldBy != nil && un.HeldBy.Kind == kind {
		return un.HeldBy
	}
	return nil
}

// rosterPath is the page where the viewer keeps a facility's units: the units page, for the
// agency's users and the HMIS team; CAS admins keep none.
func rosterPath(u *cas.User, facilityID string) string {
	if facilityID == "" || !unitOperators.admits(u.Role) {
		return ""
	}
	return links.Roster(facilityID)
}

// ----- The roster -----

// unitForm is one of a unit's forms on the roster: its refused values and messages, if it was
// refused.
type unitForm struct {
	Errors                          map[string]string
	ClientName, StartsOn, ExpiresOn string
}

type rosterUnit struct {
	store.UnitRow
	Households     string
	HeldByReferral *cas.Hold // an open referral's: no check-in or reservation, the move-in is on the referral
	CheckIn        unitForm
	Reserve        unitForm
}

type rosterFacility struct {
	cas.Facility
	Program string
	Stale   bool
	Units   []rosterUnit
}

type rosterData struct {
	FacilityID string
	Facilities []option
	Rosters    []rosterFacility
}

// unitRefusal is a refused unit form, to show next to its fields.
type unitRefusal struct {
	unitID string
	form   string // "check-in" or "reserve"
	errors map[string]string
	values url.Values
}

// rosterView reads the roster of facilityID (all facilities when empty); a refused form shows its
// messages next to its fields, or at the top of the page when the unit's form cannot (returned).
func (s *Server) rosterView(r *http.Request, facilityID string, refused *unitRefusal) (rosterData, map[string]string, error) {
	roster, err := s.db.Roster(r.Context(), actor(r), facilityID)
	if err != nil {
		return rosterData{}, nil, err
	}
	now := s.db.Now()
	d := rosterData{FacilityID: facilityID}
	for _, f := range roster.Facilities {
		d.Facilities = append(d.Facilities, option{Value: f.ID, Label: f.Name, Selected: f.ID == facilityID})
	}
	shown := false
	for _, f := range roster.Shown {
		rf := rosterFacility{Facility: f.Facility, Program: f.Program, Stale: s.rosterStale(f.Facility, now)}
		for _, un := range f.Units {
			row := rosterUnit{UnitRow: un, Households: households(un.HouseholdTypes), HeldByReferral: holdOf(un.Unit, cas.HoldReferral)}
			row.Reserve.StartsOn = string(cas.DateOf(now, s.db.Zone))
			if refused != nil && refused.unitID == un.ID {
				shown = true
				form := unitForm{Errors: refused.errors, ClientName: refused.values.Get("client_name")}
				if refused.form == "reserve" {
					form.StartsOn, form.ExpiresOn = refused.values.Get("starts_on"), refused.values.Get("expires_on")
					row.Reserve = form
				} else {
					row.CheckIn = form
				}
			}
			rf.Units = append(rf.Units, row)
		}
		d.Rosters = append(d.Rosters, rf)
	}
	var top map[string]string
	if refused != nil {
		fields := map[string]bool{"client_name": true}
		if refused.form == "reserve" {
			fields["starts_on"], fields["expires_on"] = true, true
		}
		for field, msg := range refused.errors {
			// A message the unit's form cannot show next to a field goes at the top of the page.
			if !shown || !fields[field] {
				top = map[string]string{"form": msg}
			}
		}
	}
	return d, top, nil
}

func (s *Server) unitRosterPage(w http.ResponseWriter, r *http.Request) error {
	d, _, err := s.rosterView(r, r.URL.Query().Get("facility_id"), nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "unit_roster", "Units", view{Data: d})
}

// rosterBack is where a roster form returns: the roster, filtered as it was, at anchor.
func rosterBack(r *http.Request, anchor string) string {
	path := "/units"
	if f := r.PostFormValue("facility_id"); f != "" {
		path = links.Roster(f)
	}
	if anchor != "" {
		path += "#" + anchor
	}
	return path
}

// rosterRefused shows the roster again with a refused form's messages next to its fields.
func (s *Server) rosterRefused(w http.ResponseWriter, r *http.Request, err error, unitID, form string) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	d, top, verr := s.rosterView(r, r.PostFormValue("facility_id"), &unitRefusal{unitID: unitID, form: form, errors: errs, values: r.PostForm})
	if verr != nil {
		return verr
	}
	return s.render(w, r, http.StatusBadRequest, "unit_roster", "Units", view{Data: d, Errors: top, Form: r.PostForm})
}

// unitLabel names a unit in a message, or says "the unit" when it cannot be read.
func (s *Server) unitLabel(r *http.Request, id string) string {
	if un, err := s.db.Unit(r.Context(), actor(r), id); err == nil {
		return un.Label
	}
	return "the unit"
}

func (s *Server) unitCheckInPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.CheckIn(r.Context(), actor(r), id, "", r.PostFormValue("client_name")); err != nil {
		return s.rosterRefused(w, r, err, id, "check-in")
	}
	return s.redirect(w, r, rosterBack(r, "unit-"+id), fmt.Sprintf("Checked in: unit %s is occupied.", s.unitLabel(r, id)))
}

func (s *Server) unitCheckOutPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.CheckOut(r.Context(), actor(r), id); err != nil {
		return s.rosterRefused(w, r, err, id, "check-out")
	}
	return s.redirect(w, r, rosterBack(r, "unit-"+id), fmt.Sprintf("Checked out: unit %s is available.", s.unitLabel(r, id)))
}

func (s *Server) unitReservePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	res := cas.Reservation{UnitID: id, ClientName: r.PostFormValue("client_name"),
		StartsOn: cas.Date(r.PostFormValue("starts_on")), ExpiresOn: cas.Date(r.PostFormValue("expires_on"))}
	res, err := s.db.CreateReservation(r.Context(), actor(r), res)
	if err != nil {
		return s.rosterRefused(w, r, err, id, "reserve")
	}
	return s.redirect(w, r, rosterBack(r, "unit-"+id),
		fmt.Sprintf("Reserved: unit %s is held until %s.", s.unitLabel(r, id), res.ExpiresOn))
}

// ----- The inventory -----

var unitStatuses = []cas.UnitStatus{cas.UnitAvailable, cas.UnitReserved, cas.UnitOccupied, cas.UnitOffline}

type inventoryData struct {
	Agencies []cas.Agency // every agency, for the filter
	AgencyID string
	Status   string
	Statuses []cas.UnitStatus
	Groups   []inventoryAgency
	// Query is the current filters and page, kept by the unit forms.
	Query template.URL
	Limit string
	Next  string
}

type inventoryAgency struct {
	Agency     cas.Agency
	Facilities []inventoryFacility
}

type inventoryFacility struct {
	cas.Facility
	// Stale is a facility whose inventory was never confirmed or not within --stale-roster-days.
	Stale bool
	Units []inventoryUnit
}

type inventoryUnit struct {
	store.UnitRow
	Households string
	// HeldByReferral is an open referral's hold on the available unit: taking the unit offline
	// withdraws that referral, with a reason. Proposed is a proposal's, which lapses instead.
	HeldByReferral, Proposed *cas.Hold
	// Errors and the refill values of this unit's take-offline form, when it was refused.
	Errors         map[string]string
	Reason         string
	ExpectedReturn string
	WithdrawReason string
}

// inventoryView renders the inventory for the request's filters; a refused form of unit formUnit
// shows its messages errs next to its fields.
func (s *Server) inventoryView(w http.ResponseWriter, r *http.Request, status int, formUnit string, errs map[string]string) error {
	q := r.URL.Query()
	d := inventoryData{AgencyID: q.Get("agency_id"), Status: q.Get("status"), Statuses: unitStatuses,
		Query: keepQuery(q, "agency_id", "status", "limit", "cursor"), Limit: q.Get("limit")}
	v := view{Errors: map[string]string{}}
	if d.Status != "" && !slices.Contains(unitStatuses, cas.UnitStatus(d.Status)) {
		v.Errors["status"] = "status must be available, reserved, occupied or offline"
		d.Status, status = "", http.StatusBadRequest
	}
	var page store.Page
	if d.AgencyID == "" {
		var err error
		if page, err = pageOf(r); err != nil {
			return err
		}
	}
	inv, err := s.db.Inventory(r.Context(), actor(r), store.InventoryFilter{AgencyID: d.AgencyID, Status: cas.UnitStatus(d.Status)}, page)
	if err != nil {
		return err
	}
	d.Agencies, d.Next = inv.Agencies, inv.Next
	now, shown := s.db.Now(), false
	for _, a := range inv.Shown {
		group := inventoryAgency{Agency: a.Agency}
		for _, f := range a.Facilities {
			fv := inventoryFacility{Facility: f.Facility, Stale: s.rosterStale(f.Facility, now)}
			for _, un := range f.Units {
				row := inventoryUnit{UnitRow: un, Households: households(un.HouseholdTypes),
					HeldByReferral: holdOf(un.Unit, cas.HoldReferral), Proposed: holdOf(un.Unit, cas.HoldProposal)}
				if un.ID == formUnit {
					shown = true
					row.Errors = errs
					row.Reason, row.ExpectedReturn = r.PostFormValue("reason"), r.PostFormValue("expected_return")
					row.WithdrawReason = r.PostFormValue("withdraw_referral_reason")
				}
				fv.Units = append(fv.Units, row)
			}
			group.Facilities = append(group.Facilities, fv)
		}
		d.Groups = append(d.Groups, group)
	}
	if formUnit != "" && !shown {
		// The unit is not in this view: show the messages at the top rather than lose them.
		for _, msg := range errs {
			v.Errors["form"] = msg
		}
	}
	v.Data = d
	return s.render(w, r, status, "unit_inventory", "Inventory", v)
}

func (s *Server) unitInventoryPage(w http.ResponseWriter, r *http.Request) error {
	return s.inventoryView(w, r, http.StatusOK, "", nil)
}

// inventoryBack is where a unit form returns: the inventory as it was filtered, at the unit.
func inventoryBack(r *http.Request, unitID string) string {
	return withQuery("/inventory", keepQuery(r.URL.Query(), "agency_id", "status", "limit", "cursor")) + "#unit-" + url.PathEscape(unitID)
}

// inventoryRefused re-renders the inventory after a unit form was refused with err; other errors
// pass through.
func (s *Server) inventoryRefused(w http.ResponseWriter, r *http.Request, unitID string, err error) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	row, top := splitFormErrors(errs, "reason", "expected_return", "withdraw_referral_reason")
	if len(row) == 0 {
		row = top
	}
	return s.inventoryView(w, r, http.StatusBadRequest, unitID, row)
}

func (s *Server) unitOfflinePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	id := r.PathValue("id")
	period := cas.OfflinePeriod{Reason: r.PostForm.Get("reason"), ExpectedReturn: cas.Date(strings.TrimSpace(r.PostForm.Get("expected_return")))}
	withdraw := strings.TrimSpace(r.PostForm.Get("withdraw_referral_reason"))
	// The unit as it was, to say whether a referral held it; an unknown unit is the store's to refuse.
	unit, _ := s.db.Unit(r.Context(), actor(r), id)
	held := holdOf(unit, cas.HoldReferral) != nil
	if _, err := s.db.TakeOffline(r.Context(), actor(r), id, period, withdraw); err != nil {
		if e := cas.ErrorOf(err); held && withdraw == "" && e != nil && e.Code == cas.EConflict && e.Field == "unit_id" {
			// The store names its API field; the form names the reason it asks for.
			err = &cas.Error{Code: cas.EConflict, Field: "withdraw_referral_reason",
				Message: "a referral holds this unit: give a reason to withdraw it, or leave the unit online"}
		}
		return s.inventoryRefused(w, r, id, err)
	}
	msg := "Unit " + cmp.Or(unit.Label, id) + " is offline: " + strings.TrimSpace(period.Reason) + "."
	if held && withdraw != "" {
		msg += " The referral that held it is withdrawn and the client is back on the HPL."
	}
	return s.redirect(w, r, inventoryBack(r, id), msg)
}

func (s *Server) unitOnlinePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.BringOnline(r.Context(), actor(r), id); err != nil {
		return s.inventoryRefused(w, r, id, err)
	}
	label := id
	if unit, err := s.db.Unit(r.Context(), actor(r), id); err == nil {
		label = unit.Label
	}
	return s.redirect(w, r, inventoryBack(r, id), "Unit "+label+" is back online and available.")
}
