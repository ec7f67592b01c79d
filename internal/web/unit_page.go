package web

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// --- Inventory ---

var hmisUnitStatuses = []cas.UnitStatus{cas.UnitAvailable, cas.UnitReserved, cas.UnitOccupied, cas.UnitOffline}

type hmisInventoryData struct {
	Agencies []cas.Agency // every agency, for the filter
	AgencyID string
	Status   string
	Statuses []cas.UnitStatus
	Groups   []hmisInventoryAgency
	// Query is the current filters and page, kept by the unit forms.
	Query template.URL
	Limit string
	Next  string
}

type hmisInventoryAgency struct {
	Agency     cas.Agency
	Facilities []hmisInventoryFacility
}

type hmisInventoryFacility struct {
	Facility cas.Facility
	// Stale is a facility whose inventory was never confirmed or not in the last 30 days.
	Stale bool
	Units []hmisInventoryUnit
}

type hmisInventoryUnit struct {
	cas.Unit
	Households    string
	OfflineReason string
	// HeldByReferral is an open referral's hold on the available unit: taking the unit offline
	// withdraws that referral, with a reason. Proposed is a proposal's, which lapses instead.
	HeldByReferral, Proposed *cas.Hold
	// Errors and the refill values of this unit's take-offline form, when it was refused.
	Errors         map[string]string
	Reason         string
	ExpectedReturn string
	WithdrawReason string
}

// hmisInventoryView builds the inventory for the request's filters; a refused form of unit formUnit
// shows its messages errs next to its fields.
func (s *Server) hmisInventoryView(w http.ResponseWriter, r *http.Request, status int, formUnit string, errs map[string]string) error {
	ctx, u, q := r.Context(), actor(r), r.URL.Query()
	d := hmisInventoryData{AgencyID: q.Get("agency_id"), Status: q.Get("status"), Statuses: hmisUnitStatuses,
		Query: keepQuery(q, "agency_id", "status", "limit", "cursor"), Limit: q.Get("limit")}
	v := view{Errors: map[string]string{}}
	if d.Status != "" && !slices.Contains(hmisUnitStatuses, cas.UnitStatus(d.Status)) {
		v.Errors["status"] = "status must be available, reserved, occupied or offline"
		d.Status, status = "", http.StatusBadRequest
	}
	all, err := store.All(func(p store.Page) ([]cas.Agency, string, error) { return s.db.Agencies(ctx, u, p) })
	if err != nil {
		return err
	}
	d.Agencies = all
	var agencies []cas.Agency
	if d.AgencyID != "" {
		i := slices.IndexFunc(all, func(a cas.Agency) bool { return a.ID == d.AgencyID })
		if i < 0 {
			return cas.NotFound("agency")
		}
		agencies = all[i : i+1]
	} else {
		page, err := pageOf(r)
		if err != nil {
			return err
		}
		if agencies, d.Next, err = s.db.Agencies(ctx, u, page); err != nil {
			return err
		}
	}
	now, shown := s.db.Now(), false
	for _, a := range agencies {
		facilities, err := store.All(func(p store.Page) ([]cas.Facility, string, error) {
			return s.db.Facilities(ctx, u, store.FacilityFilter{AgencyID: a.ID}, p)
		})
		if err != nil {
			return err
		}
		units, err := store.All(func(p store.Page) ([]cas.Unit, string, error) {
			return s.db.Units(ctx, u, store.UnitFilter{AgencyID: a.ID, Status: cas.UnitStatus(d.Status)}, p)
		})
		if err != nil {
			return err
		}
		group := hmisInventoryAgency{Agency: a}
		for _, f := range facilities {
			fv := hmisInventoryFacility{Facility: f, Stale: s.rosterStale(f, now)}
			for _, unit := range units {
				if unit.FacilityID != f.ID {
					continue
				}
				row := hmisInventoryUnit{Unit: unit, Households: households(unit.HouseholdTypes),
					HeldByReferral: holdOf(unit, cas.HoldReferral), Proposed: holdOf(unit, cas.HoldProposal)}
				if unit.Status == cas.UnitOffline {
					history, err := s.db.UnitHistory(ctx, u, unit.ID)
					if err != nil {
						return err
					}
					for _, e := range history {
						if e.Kind == "offline" && e.To == nil {
							row.OfflineReason = e.Detail
							break
						}
					}
				}
				if unit.ID == formUnit {
					shown = true
					row.Errors = errs
					row.Reason, row.ExpectedReturn = r.PostFormValue("reason"), r.PostFormValue("expected_return")
					row.WithdrawReason = r.PostFormValue("withdraw_referral_reason")
				}
				fv.Units = append(fv.Units, row)
			}
			if d.Status == "" || len(fv.Units) > 0 {
				group.Facilities = append(group.Facilities, fv)
			}
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

func (s *Server) hmisInventoryPage(w http.ResponseWriter, r *http.Request) error {
	return s.hmisInventoryView(w, r, http.StatusOK, "", nil)
}

// hmisInventoryBack is where a unit form returns: the inventory as it was filtered, at the unit.
func hmisInventoryBack(r *http.Request, unitID string) string {
	return withQuery("/inventory", keepQuery(r.URL.Query(), "agency_id", "status", "limit", "cursor")) + "#unit-" + url.PathEscape(unitID)
}

// hmisUnitRefused re-renders the inventory after a unit form was refused with err; other errors
// pass through.
func (s *Server) hmisUnitRefused(w http.ResponseWriter, r *http.Request, unitID string, err error) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	row, top := splitFormErrors(errs, "reason", "expected_return", "withdraw_referral_reason")
	if len(row) == 0 {
		row = top
	}
	return s.hmisInventoryView(w, r, http.StatusBadRequest, unitID, row)
}

func (s *Server) hmisUnitOffline(w http.ResponseWriter, r *http.Request) error {
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
		return s.hmisUnitRefused(w, r, id, err)
	}
	msg := "Unit " + cmp.Or(unit.Label, id) + " is offline: " + strings.TrimSpace(period.Reason) + "."
	if held && withdraw != "" {
		msg += " The referral that held it is withdrawn and the client is back on the HPL."
	}
	return s.redirect(w, r, hmisInventoryBack(r, id), msg)
}

func (s *Server) hmisUnitOnline(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.BringOnline(r.Context(), actor(r), id); err != nil {
		return s.hmisUnitRefused(w, r, id, err)
	}
	label := id
	if unit, err := s.db.Unit(r.Context(), actor(r), id); err == nil {
		label = unit.Label
	}
	return s.redirect(w, r, hmisInventoryBack(r, id), "Unit "+label+" is back online and available.")
}

// --- Users ---

type hmisRoleOption struct {
	Value cas.Role
	Label string
}

var hmisRoleOptions = []hmisRoleOption{
	{cas.RoleAgencyUser, "Agency user"}, {cas.RoleCASAdmin, "CAS admin"}, {cas.RoleHMISAdmin, "HMIS admin"},
}

func hmisRoleLabel(r cas.Role) string {
	for _, o := range hmisRoleOptions {
		if o.Value == r {
			return o.Label
		}
	}
	return string(r)
}

type hmisUsersData struct {
	Users    []hmisUserRow
	Agencies []cas.Agency
	Roles    []hmisRoleOption
	Self     string // the signed-in user, who may not disable their own account
	Query    template.URL
	Limit    string
	Next     string
}

type hmisUserRow struct {
	cas.User
	RoleLabel  string
	AgencyName string
	// Error is why the last action on this user was refused.
	Error string
}

// hmisUsersView renders the users page; a refused create form shows errs next to its fields (form
// refills it), a refused action on user rowUser shows rowErr in that user's row.
func (s *Server) hmisUsersView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, form url.Values, rowUser, rowErr string) error {
	ctx, u, q := r.Context(), actor(r), r.URL.Query()
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	users, next, err := s.db.Users(ctx, u, page)
	if err != nil {
		return err
	}
	agencies, err := store.All(func(p store.Page) ([]cas.Agency, string, error) { return s.db.Agencies(ctx, u, p) })
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range agencies {
		names[a.ID] = a.Name
	}
	d := hmisUsersData{Agencies: agencies, Roles: hmisRoleOptions, Self: u.ID, Query: keepQuery(q, "limit", "cursor"), Limit: q.Get("limit"), Next: next}
	shown := false
	for _, user := range users {
		row := hmisUserRow{User: user, RoleLabel: hmisRoleLabel(user.Role), AgencyName: names[user.AgencyID]}
		if user.ID == rowUser {
			row.Error, shown = rowErr, true
		}
		d.Users = append(d.Users, row)
	}
	if rowUser != "" && !shown {
		errs = map[string]string{"form": rowErr}
	}
	return s.render(w, r, status, "user_list", "Users", view{Errors: errs, Form: form, Data: d})
}

func (s *Server) hmisUsersPage(w http.ResponseWriter, r *http.Request) error {
	return s.hmisUsersView(w, r, http.StatusOK, nil, nil, "", "")
}

func (s *Server) hmisUserCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	f := r.PostForm
	nu := cas.User{Email: strings.TrimSpace(f.Get("email")), Name: strings.TrimSpace(f.Get("name")), Role: cas.Role(f.Get("role")),
		AgencyID: f.Get("agency_id"), CASContact: f.Get("cas_contact") == "on"}
	created, err := s.db.CreateUser(r.Context(), actor(r), nu, f.Get("password"))
	if errs, ok := formError(err); ok {
		refill := url.Values{}
		for k, v := range f {
			if k != "password" {
				refill[k] = v
			}
		}
		return s.hmisUsersView(w, r, http.StatusBadRequest, errs, refill, "", "")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users", "Account created for "+created.Name+" ("+created.Email+").")
}

// hmisUserAction applies patch to the user of the path and returns to the users page with flash, or
// shows why it was refused in the user's row.
func (s *Server) hmisUserAction(w http.ResponseWriter, r *http.Request, patch cas.UserPatch, flash func(cas.User) string) error {
	id := r.PathValue("id")
	updated, err := s.db.UpdateUser(r.Context(), actor(r), id, patch)
	if errs, ok := formError(err); ok {
		msg := ""
		for _, m := range errs {
			msg = m
		}
		return s.hmisUsersView(w, r, http.StatusBadRequest, nil, nil, id, msg)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, withQuery("/admin/users", keepQuery(r.URL.Query(), "limit", "cursor"))+"#user-"+url.PathEscape(id), flash(updated))
}

func (s *Server) hmisUserCASContact(w http.ResponseWriter, r *http.Request) error {
	var on bool
	switch r.PostFormValue("cas_contact") {
	case "on":
		on = true
	case "off":
	default:
		return s.hmisUsersView(w, r, http.StatusBadRequest, nil, nil, r.PathValue("id"), "cas_contact must be on or off")
	}
	return s.hmisUserAction(w, r, cas.UserPatch{CASContact: &on}, func(u cas.User) string {
		if on {
			return u.Name + " is now a CAS Contact and receives the agency's referral notifications."
		}
		return u.Name + " is no longer a CAS Contact."
	})
}

func (s *Server) hmisUserDisable(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("id") == actor(r).ID {
		return s.hmisUsersView(w, r, http.StatusBadRequest, nil, nil, actor(r).ID, "You cannot disable your own account.")
	}
	disabled := true
	return s.hmisUserAction(w, r, cas.UserPatch{Disabled: &disabled}, func(u cas.User) string {
		return u.Name + "'s account is disabled: they can no longer sign in, and their API tokens are revoked."
	})
}

func (s *Server) hmisUserEnable(w http.ResponseWriter, r *http.Request) error {
	disabled := false
	return s.hmisUserAction(w, r, cas.UserPatch{Disabled: &disabled}, func(u cas.User) string {
		return u.Name + "'s account is enabled again."
	})
}

// --- Agencies ---

type hmisAgenciesData struct {
	Agencies []cas.Agency
	Limit    string
	Next     string
}

func (s *Server) hmisAgenciesView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, form url.Values) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	agencies, next, err := s.db.Agencies(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	d := hmisAgenciesData{Agencies: agencies, Limit: r.URL.Query().Get("limit"), Next: next}
	return s.render(w, r, status, "agency_list", "Agencies", view{Errors: errs, Form: form, Data: d})
}

func (s *Server) hmisAgenciesPage(w http.ResponseWriter, r *http.Request) error {
	return s.hmisAgenciesView(w, r, http.StatusOK, nil, nil)
}

func (s *Server) hmisAgencyCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	a, err := s.db.CreateAgency(r.Context(), actor(r), cas.Agency{Name: r.PostForm.Get("name"), HMISOrganizationID: r.PostForm.Get("hmis_organization_id")})
	if errs, ok := formError(err); ok {
		return s.hmisAgenciesView(w, r, http.StatusBadRequest, errs, r.PostForm)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/agencies", "Agency "+a.Name+" added. Create its users and designate a CAS Contact.")
}
