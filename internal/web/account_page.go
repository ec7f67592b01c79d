package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
)

// accountData is the account page: the read model, each kind of notification the user's role
// receives with how it reaches them, the token lifetimes offered, and a token just created, whose
// secret this one page shows.
type accountData struct {
	store.Account
	RoleLabel string
	TokenRows []tokenRow
	Kinds     []kindChoice
	Lifetimes []option
	NewToken  *cas.APIToken
	Secret    string
}

// tokenRow is one of the user's API tokens, with whether it expired.
type tokenRow struct {
	cas.APIToken
	Expired bool
}

// kindChoice is a kind of notification with how it reaches the user by email.
type kindChoice struct {
	Kind        notify.Kind
	Description string
	Mode        cas.EmailMode
}

// tokenLifetimes are the expiries offered for a new token, in days; "" is none.
var tokenLifetimes = []struct{ Days, Label string }{
	{"7", "7 days"}, {"30", "30 days"}, {"90", "90 days"}, {"365", "1 year"}, {"", "Never"},
}

const defaultTokenDays = "90"

// accountView renders the account page with status; errs name the refused form's fields, form
// refills it (never a password), and a token just made is shown with its secret.
func (s *Server) accountView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, form url.Values, tok *cas.APIToken, secret string) error {
	u := actor(r)
	a, err := s.db.Account(r.Context(), u)
	if err != nil {
		return err
	}
	d := accountData{Account: a, RoleLabel: roleLabel(a.User.Role), NewToken: tok, Secret: secret}
	now := s.db.Now()
	for _, t := range a.Tokens {
		d.TokenRows = append(d.TokenRows, tokenRow{APIToken: t, Expired: t.Expired(now)})
	}
	for _, k := range notify.KindsFor(a.User.Role) {
		d.Kinds = append(d.Kinds, kindChoice{Kind: k, Description: notify.Describe(k), Mode: a.Email.Mode(k)})
	}
	days := defaultTokenDays
	if form.Has("expires_in_days") {
		days = form.Get("expires_in_days")
	}
	for _, l := range tokenLifetimes {
		d.Lifetimes = append(d.Lifetimes, option{Value: l.Days, Label: l.Label, Selected: l.Days == days})
	}
	return s.render(w, r, status, "account_show", "Your account", view{Errors: errs, Form: form, Data: d})
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.accountView(w, r, http.StatusOK, nil, nil, nil, "")
}

// accountFormError shows a refused account form again with its message beside its field.
func (s *Server) accountFormError(w http.ResponseWriter, r *http.Request, err error, keep ...string) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	refill := url.Values{}
	for _, k := range keep {
		refill[k] = r.PostForm[k]
	}
	return s.accountView(w, r, http.StatusBadRequest, errs, refill, nil, "")
}

// accountPasswordPage changes the user's own password. Every other session of the account ends;
// this browser stays signed in, under the account's new session epoch.
func (s *Server) accountPasswordPage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	// A wrong current password counts as a failed sign-in would: the attempt is taken from the
	// sign-in buckets before the check, and given back when the current password was right.
	u, now := actor(r), s.db.Now()
	t, wait := s.buckets.take(now, signInBuckets(r, u.Email)...)
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
		return s.accountFormError(w, r, cas.Invalid("current_password", "Too many wrong current passwords. Try again in %s.", waitWords(retryAfter(wait))))
	}
	epoch, err := s.db.ChangePassword(r.Context(), u, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"))
	if e := cas.ErrorOf(err); e == nil || e.Field != "current_password" {
		t.refund(now)
	}
	if err != nil {
		return s.accountFormError(w, r, err)
	}
	if err := s.startSession(r, u.ID, epoch); err != nil {
		return err
	}
	return s.redirect(w, r, links.Account, "Your password is changed. Every other session of your account has ended; you stay signed in here.")
}

// accountEmailPage sets how notifications reach the user by email: a default, and each kind of
// their role.
func (s *Server) accountEmailPage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	u := actor(r)
	byKind := map[notify.Kind]cas.EmailMode{}
	for _, k := range notify.KindsFor(u.Role) {
		if m := r.PostForm.Get("mode_" + string(k)); m != "" {
			byKind[k] = cas.EmailMode(m)
		}
	}
	_, err := s.db.SetEmailPreferences(r.Context(), u, cas.EmailMode(r.PostForm.Get("email_mode")), byKind)
	if e := cas.ErrorOf(err); e != nil && e.Code == cas.EInvalid {
		err = cas.Invalid("email_mode", "Choose Immediately or Daily digest for each kind of notification")
	}
	if err != nil {
		return s.accountFormError(w, r, err)
	}
	return s.redirect(w, r, links.Account+"#email", "Your email preferences are saved.")
}

// maxTokenDays is the longest lifetime, in days, a token made on the account page may have.
var maxTokenDays = int(cas.MaxTokenLifetime / (24 * time.Hour))

// accountTokenCreatePage makes an API token for the user and shows its secret, once, on the page
// that answers (never through the session, which is stored).
func (s *Server) accountTokenCreatePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	spec := store.TokenSpec{Name: r.PostForm.Get("name"), ReadOnly: r.PostForm.Get("read_only") == "on"}
	if days := strings.TrimSpace(r.PostForm.Get("expires_in_days")); days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > maxTokenDays {
			return s.accountFormError(w, r, cas.Invalid("expires_in_days", "Expires in must be a number of days from 1 to %d, or never", maxTokenDays),
				"name", "expires_in_days", "read_only")
		}
		spec.Lifetime = time.Duration(n) * 24 * time.Hour
	}
	u := actor(r)
	secret, tok, err := s.db.IssueToken(r.Context(), u, u.ID, spec)
	if err != nil {
		return s.accountFormError(w, r, err, "name", "expires_in_days", "read_only")
	}
	return s.accountView(w, r, http.StatusCreated, nil, nil, &tok, secret)
}

// accountTokenRevokePage revokes one of the user's own tokens; a token already revoked, as by a
// second click, is said so.
func (s *Server) accountTokenRevokePage(w http.ResponseWriter, r *http.Request) error {
	u, id := actor(r), r.PathValue("id")
	tokens, err := s.db.Tokens(r.Context(), u, u.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(tokens, func(t cas.APIToken) bool { return t.ID == id })
	if i < 0 {
		return cas.NotFound("token")
	}
	tok := tokens[i]
	if tok.RevokedAt != nil {
		return s.redirect(w, r, links.Account+"#tokens", "The token “"+tok.Name+"” was already revoked.")
	}
	if err := s.db.RevokeToken(r.Context(), u, id); err != nil {
		return err
	}
	return s.redirect(w, r, links.Account+"#tokens", "The token “"+tok.Name+"” is revoked: it no longer opens the API.")
}

// accountSessionsEndPage signs the account out everywhere else: every other session ends at its
// next request, and this browser stays signed in under the new epoch.
func (s *Server) accountSessionsEndPage(w http.ResponseWriter, r *http.Request) error {
	u := actor(r)
	epoch, err := s.db.EndSessions(r.Context(), u, u.ID)
	if err != nil {
		return err
	}
	if err := s.startSession(r, u.ID, epoch); err != nil {
		return err
	}
	return s.redirect(w, r, links.Account+"#sessions", "Every other session of your account has ended. You stay signed in here; Sign out, at the top, ends this one too.")
}
