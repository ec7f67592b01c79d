package web

import (
	"net/http"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
)

// userResetData is the page that shows the HMIS team a password reset link it just made, once.
type userResetData struct {
	User    cas.User
	Link    string
	Expires string
}

// userResetPasswordPage makes a one-time reset link for an account and shows it to the admin, once;
// the account's owner is emailed the same link. A refusal (a disabled account) is shown in the
// user's row of the users page.
func (s *Server) userResetPasswordPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	secret, p, err := s.db.IssuePasswordReset(r.Context(), actor(r), id)
	if e := cas.ErrorOf(err); e != nil && e.Code == cas.EConflict {
		return s.userListView(w, r, http.StatusBadRequest, nil, nil, id, e.Message)
	}
	if err != nil {
		return err
	}
	u, err := s.db.User(r.Context(), actor(r), p.UserID)
	if err != nil {
		return err
	}
	d := userResetData{User: u, Link: s.db.BaseURL + links.PasswordReset(secret), Expires: s.datetime(p.ExpiresAt)}
	return s.render(w, r, http.StatusCreated, "user_reset", "Password reset link", view{Data: d})
}

// resetData is the page of a reset link: whose account it sets a new password for, or, when the
// link cannot be used, why (in the page's errors).
type resetData struct {
	Name  string
	Token string
}

// resetPage shows the form of a usable reset link, or says the link cannot be used.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	u, err := s.db.PasswordResetFor(r.Context(), token)
	if err != nil {
		return s.resetDead(w, r, err)
	}
	return s.render(w, r, http.StatusOK, "reset_password", "Choose a new password", view{Data: resetData{Name: u.Name, Token: token}})
}

// resetDead renders a reset link's page without its form, saying why it cannot be used.
func (s *Server) resetDead(w http.ResponseWriter, r *http.Request, err error) error {
	e := cas.ErrorOf(err)
	if e == nil || e.Code != cas.ENotFound {
		return err
	}
	return s.render(w, r, http.StatusNotFound, "reset_password", "Choose a new password", view{Errors: map[string]string{"form": e.Message}, Data: resetData{}})
}

// resetPasswordPage sets the new password of a reset link. Every session of the account ends,
// this browser's too when it was signed in as the account, and it is sent to sign in with the new
// password.
func (s *Server) resetPasswordPage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	token, pw := r.PathValue("token"), r.PostForm.Get("new_password")
	u, err := s.db.PasswordResetFor(r.Context(), token)
	if err != nil {
		return s.resetDead(w, r, err)
	}
	refuse := func(errs map[string]string) error {
		return s.render(w, r, http.StatusBadRequest, "reset_password", "Choose a new password", view{Errors: errs, Data: resetData{Name: u.Name, Token: token}})
	}
	if pw != r.PostForm.Get("confirm_password") {
		return refuse(map[string]string{"confirm_password": "Confirm new password must be the same as New password"})
	}
	if _, err := s.db.ResetPassword(r.Context(), token, pw); err != nil {
		if errs, ok := formError(err); ok {
			return refuse(errs)
		}
		return s.resetDead(w, r, err)
	}
	if a := actor(r); a == nil || a.ID == u.ID {
		// The account's own session here has ended with the others: start afresh, to say so.
		if err := s.sessions.Destroy(r.Context()); err != nil {
			return err
		}
	}
	return s.redirect(w, r, "/login", "Your new password is set, and every session of your account has ended. Sign in with the new password.")
}
