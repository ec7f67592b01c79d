package web

import (
	"net/http"

	"github.com/doorway-cas/doorway/internal/cas"
)

// secondFactorRolesJSON is the roles that must sign in to the web UI with a second factor. API
// tokens are not affected: a token is its own credential.
type secondFactorRolesJSON struct {
	RequiredRoles []cas.Role `json:"required_roles"`
}

func (s *Server) secondFactorRoles(w http.ResponseWriter, r *http.Request) error {
	roles, err := s.db.SecondFactorRoles(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, secondFactorRolesJSON{RequiredRoles: roles})
	return nil
}

func (s *Server) secondFactorRolesSet(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RequiredRoles *[]cas.Role `json:"required_roles"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.RequiredRoles == nil {
		return required("required_roles")
	}
	roles, err := s.db.SetSecondFactorRoles(r.Context(), actor(r), *in.RequiredRoles)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, secondFactorRolesJSON{RequiredRoles: roles})
	return nil
}

// userSecondFactorReset removes a user's second factor (they lost their device); audited.
func (s *Server) userSecondFactorReset(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.ResetSecondFactor(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
