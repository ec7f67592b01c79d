package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

type roleOption struct {
	Value cas.Role
	Label string
}

var roleOptions = []roleOption{
	{cas.RoleAgencyUser, "Agency user"}, {cas.RoleCASAdmin, "CAS admin"}, {cas.RoleHMISAdmin, "HMIS admin"},
}

func roleLabel(r cas.Role) string {
	for _, o := range roleOptions {
		if o.Value == r {
			return o.Label
		}
	}
	return string(r)
}

type userListData struct {
	Users    []userRow
	Agencies []cas.Agency
	Roles    []roleOption
	Self     string // the signed-in user, who may not disable their own account
	// SecondFactorRoles are the roles as checkboxes, ticked when the role must use a second factor.
	SecondFactorRoles []option
	Query             template.URL
	Limit             string
	Next              string
}

type userRow struct {
	cas.User
	RoleLabel  string
	AgencyName string
	// SecondFactor says the user's second factor is on; SecondFactorRequired that their role
	// must use one.
	SecondFactor, SecondFactorRequired bool
	// Error is why the last action on this user was refused.
	Error string
}

// userListView renders the users page; a refused create form shows errs next to its fields (form
// refills it), a refused action on user rowUser shows rowErr in that user's row.
func (s *Server) userListView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, form url.Values, rowUser, rowErr string) error {
	ctx, u, q := r.Context(), actor(r), r.URL.Query()
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	l, err := s.db.UserList(ctx, u, page)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range l.Agencies {
		names[a.ID] = a.Name
	}
	d := userListData{Agencies: l.Agencies, Roles: roleOptions, Self: u.ID, Query: keepQuery(q, "limit", "cursor"), Limit: q.Get("limit"), Next: l.Next}
	for _, o := range roleOptions {
		d.SecondFactorRoles = append(d.SecondFactorRoles, option{Value: string(o.Value), Label: o.Label + "s",
			Selected: slices.Contains(l.SecondFactorRoles, o.Value)})
	}
	shown := false
	for _, user := range l.Users {
		row := userRow{User: user, RoleLabel: roleLabel(user.Role), AgencyName: names[user.AgencyID],
			SecondFactor: l.SecondFactor[user.ID], SecondFactorRequired: slices.Contains(l.SecondFactorRoles, user.Role)}
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

func (s *Server) userListPage(w http.ResponseWriter, r *http.Request) error {
	return s.userListView(w, r, http.StatusOK, nil, nil, "", "")
}

func (s *Server) userCreatePage(w http.ResponseWriter, r *http.Request) error {
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
		return s.userListView(w, r, http.StatusBadRequest, errs, refill, "", "")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users", "Account created for "+created.Name+" ("+created.Email+").")
}

// userAction applies patch to the user of the path and returns to the users page with flash, or
// shows why it was refused in the user's row.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, patch cas.UserPatch, flash func(cas.User) string) error {
	id := r.PathValue("id")
	updated, err := s.db.UpdateUser(r.Context(), actor(r), id, patch)
	if errs, ok := formError(err); ok {
		msg := ""
		for _, m := range errs {
			msg = m
		}
		return s.userListView(w, r, http.StatusBadRequest, nil, nil, id, msg)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, withQuery("/admin/users", keepQuery(r.URL.Query(), "limit", "cursor"))+"#user-"+url.PathEscape(id), flash(updated))
}

func (s *Server) userCASContactPage(w http.ResponseWriter, r *http.Request) error {
	var on bool
	switch r.PostFormValue("cas_contact") {
	case "on":
		on = true
	case "off":
	default:
		return s.userListView(w, r, http.StatusBadRequest, nil, nil, r.PathValue("id"), "cas_contact must be on or off")
	}
	return s.userAction(w, r, cas.UserPatch{CASContact: &on}, func(u cas.User) string {
		if on {
			return u.Name + " is now a CAS Contact and receives the agency's referral notifications."
		}
		return u.Name + " is no longer a CAS Contact."
	})
}

func (s *Server) userDisablePage(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("id") == actor(r).ID {
		return s.userListView(w, r, http.StatusBadRequest, nil, nil, actor(r).ID, "You cannot disable your own account.")
	}
	disabled := true
	return s.userAction(w, r, cas.UserPatch{Disabled: &disabled}, func(u cas.User) string {
		return u.Name + "'s account is disabled: they can no longer sign in, and their API tokens are revoked."
	})
}

func (s *Server) userEnablePage(w http.ResponseWriter, r *http.Request) error {
	disabled := false
	return s.userAction(w, r, cas.UserPatch{Disabled: &disabled}, func(u cas.User) string {
		return u.Name + "'s account is enabled again."
	})
}
