package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
)

type userJSON struct {
	ID         string        `json:"id"`
	Email      string        `json:"email"`
	Name       string        `json:"name"`
	Role       cas.Role      `json:"role"`
	AgencyID   *string       `json:"agency_id"`
	CASContact bool          `json:"cas_contact"`
	EmailMode  cas.EmailMode `json:"email_mode"`
	Disabled   bool          `json:"disabled"`
	DisabledAt *time.Time    `json:"disabled_at,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

func toUserJSON(u cas.User) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, CASContact: u.CASContact, EmailMode: u.EmailMode,
		Disabled: u.Disabled(), DisabledAt: u.DisabledAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.AgencyID != "" {
		out.AgencyID = &u.AgencyID
	}
	return out
}

// meJSON is the signed-in user's account with how each kind of notification reaches them by email.
type meJSON struct {
	userJSON
	EmailModes map[notify.Kind]cas.EmailMode `json:"email_modes"`
}

func (s *Server) meOf(r *http.Request, u cas.User) (meJSON, error) {
	p, err := s.db.EmailPreferences(r.Context(), &u)
	return meJSON{userJSON: toUserJSON(u), EmailModes: p.ByKind}, err
}

// me answers who the token belongs to, with their agency when they have one.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	u := actor(r)
	m, err := s.meOf(r, *u)
	if err != nil {
		return err
	}
	out := struct {
		meJSON
		Agency *agencyJSON `json:"agency"`
	}{meJSON: m}
	if u.AgencyID != "" {
		a, err := s.db.Agency(r.Context(), u, u.AgencyID)
		if err != nil {
			return err
		}
		aj := toAgencyJSON(a)
		out.Agency = &aj
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	users, next, err := s.db.Users(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(users, next, toUserJSON))
	return nil
}

func (s *Server) userShow(w http.ResponseWriter, r *http.Request) error {
	u, err := s.db.User(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
	return nil
}

type userRequest struct {
	Email      *string        `json:"email"`
	Password   *string        `json:"password"`
	Name       *string        `json:"name"`
	Role       *cas.Role      `json:"role"`
	AgencyID   *string        `json:"agency_id"`
	CASContact *bool          `json:"cas_contact"`
	EmailMode  *cas.EmailMode `json:"email_mode"`
	Disabled   *bool          `json:"disabled"`
}

func (req userRequest) patch() cas.UserPatch {
	return cas.UserPatch{Name: req.Name, Role: req.Role, AgencyID: req.AgencyID, CASContact: req.CASContact, EmailMode: req.EmailMode, Disabled: req.Disabled}
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	var req userRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"email", req.Email == nil}, presence{"password", req.Password == nil},
		presence{"name", req.Name == nil}, presence{"role", req.Role == nil}); err != nil {
		return err
	}
	if req.Disabled != nil {
		return cas.Invalid("disabled", "a new account cannot start disabled")
	}
	u := req.patch().Apply(cas.User{Email: *req.Email}, time.Time{})
	u, err := s.db.CreateUser(r.Context(), actor(r), u, *req.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	var req userRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Email != nil {
		return cas.Invalid("email", "an account's email cannot be changed; create a new account")
	}
	if req.Password != nil {
		return cas.Invalid("password", "passwords are changed by their owner, not through this call")
	}
	u, err := s.db.UpdateUser(r.Context(), actor(r), r.PathValue("id"), req.patch())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
	return nil
}

// meUpdate lets anyone set how notifications reach them by email: a default, and the kinds that
// differ from it.
func (s *Server) meUpdate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		EmailMode  *cas.EmailMode                `json:"email_mode"`
		EmailModes map[notify.Kind]cas.EmailMode `json:"email_modes"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.EmailMode == nil && req.EmailModes == nil {
		return cas.Invalid("email_mode", "email_mode or email_modes is required")
	}
	u := actor(r)
	mode := u.EmailMode
	if req.EmailMode != nil {
		mode = *req.EmailMode
	}
	updated, err := s.db.SetEmailPreferences(r.Context(), u, mode, req.EmailModes)
	if err != nil {
		return err
	}
	m, err := s.meOf(r, updated)
	return respond(w, m, err)
}
