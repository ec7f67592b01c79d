package web

import (
	"net/http"
	"net/url"

	"github.com/doorway-cas/doorway/internal/cas"
)

type agencyListData struct {
	Agencies []cas.Agency
	Limit    string
	Next     string
}

func (s *Server) agencyListView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, form url.Values) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	agencies, next, err := s.db.Agencies(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	d := agencyListData{Agencies: agencies, Limit: r.URL.Query().Get("limit"), Next: next}
	return s.render(w, r, status, "agency_list", "Agencies", view{Errors: errs, Form: form, Data: d})
}

func (s *Server) agencyListPage(w http.ResponseWriter, r *http.Request) error {
	return s.agencyListView(w, r, http.StatusOK, nil, nil)
}

func (s *Server) agencyCreatePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	a, err := s.db.CreateAgency(r.Context(), actor(r), cas.Agency{Name: r.PostForm.Get("name"), HMISOrganizationID: r.PostForm.Get("hmis_organization_id")})
	if errs, ok := formError(err); ok {
		return s.agencyListView(w, r, http.StatusBadRequest, errs, r.PostForm)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/agencies", "Agency "+a.Name+" added. Create its users and designate a CAS Contact.")
}
