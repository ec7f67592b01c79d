package web

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/doorway-cas/doorway/internal/cas"
)

// The second factor's step of sign-in is throttled like the password's: per account and address
// and per address (the sign-in's address bucket), and per account too, since whoever reaches
// this step already has the password.
var (
	codePairAttempts    = bucketKind{name: "code-pair", every: time.Minute, burst: 5}
	codeAccountAttempts = bucketKind{name: "code-account", every: time.Minute, burst: 10}
)

// pendingSignIn is how long after a right password the code may be typed.
const pendingSignIn = 5 * time.Minute

// pendingUser returns the account whose password was right in this browser and whose code is
// awaited, or nil when there is none (or it waited too long, or the account was disabled since, or
// its sessions were ended since: a password changed or reset ends a sign-in halfway too).
func (s *Server) pendingUser(r *http.Request) *cas.User {
	ctx := r.Context()
	id := s.sessions.GetString(ctx, "pending_user_id")
	if id == "" || s.db.Now().Sub(time.Unix(s.sessions.GetInt64(ctx, "pending_at"), 0)) > pendingSignIn {
		return nil
	}
	u, epoch, err := s.db.SessionUser(ctx, id)
	if err != nil || u.Disabled() || int64(epoch) != s.sessions.GetInt64(ctx, "pending_epoch") {
		return nil
	}
	return &u
}

// codeForm renders the sign-in's second step with a message at the top.
func (s *Server) codeForm(w http.ResponseWriter, r *http.Request) func(status int, msg string) error {
	return func(status int, msg string) error {
		v := view{}
		if msg != "" {
			v.Errors = map[string]string{"form": msg}
		}
		return s.render(w, r, status, "session_code", "Sign in: second factor", v)
	}
}

func (s *Server) loginCodePage(w http.ResponseWriter, r *http.Request) error {
	if u := actor(r); u != nil {
		http.Redirect(w, r, landing(u), http.StatusSeeOther)
		return nil
	}
	if s.pendingUser(r) == nil {
		return s.redirect(w, r, "/login", "Sign in with your email and password first.")
	}
	return s.codeForm(w, r)(http.StatusOK, "")
}

// loginCode checks the code of the sign-in's second step and signs the browser in.
func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) error {
	if u := actor(r); u != nil {
		http.Redirect(w, r, landing(u), http.StatusSeeOther)
		return nil
	}
	u := s.pendingUser(r)
	if u == nil {
		return s.redirect(w, r, "/login", "Sign in with your email and password first.")
	}
	ctx, now, addr := r.Context(), s.db.Now(), addressKey(r)
	form := s.codeForm(w, r)
	t, wait := s.buckets.take(now, bucket{codePairAttempts, u.ID + "|" + addr}, bucket{codeAccountAttempts, u.ID},
		bucket{addressAttempts, addr})
	if wait > 0 {
		return s.throttled(w, r, wait, form)
	}
	err := s.db.VerifySecondFactor(ctx, u, r.PostFormValue("code"))
	if cas.ErrorCode(err) == cas.EUnauthorized {
		if err := s.db.RecordSignIn(ctx, "session.sign_in_code_failed", u, u.Email, clientAddress(r)); err != nil {
			return err
		}
		return form(http.StatusUnauthorized, "That code is not right. Type the six digits your app shows now, or a recovery code.")
	}
	if err != nil {
		return err
	}
	t.refund(now)
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	return s.signIn(w, r, u, "session.sign_in", s.sessions.PopString(ctx, "pending_next"))
}

// secondFactorGate sends a user whose role requires a second factor and who has none to set one
// up, before any other page. It reports whether it did.
func (s *Server) secondFactorGate(w http.ResponseWriter, r *http.Request, u *cas.User) (bool, error) {
	switch r.Pattern {
	case "GET /account/totp", "POST /account/totp", "POST /logout":
		return false, nil
	}
	required, enrolled, err := s.db.SecondFactorGate(r.Context(), u)
	if err != nil || !required || enrolled {
		return false, err
	}
	if r.Header.Get("HX-Request") != "" {
		// htmx (the inbox badge's poll) would put the page inside the badge: have it load the page.
		w.Header().Set("HX-Redirect", "/account/totp")
		w.WriteHeader(http.StatusNoContent)
		return true, nil
	}
	// The set-up page says why the user is there.
	http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
	return true, nil
}

type secondFactorData struct {
	cas.SecondFactor
	// Secret, QR (a PNG data URI) and URL (otpauth://) set up an authenticator app; shown until
	// the second factor is on.
	Secret string
	QR     template.URL
	URL    string
	// Codes are new recovery codes, shown once.
	Codes []string
}

// secondFactorView renders the set-up page: how to set up the app while the second factor is
// off, its state and how to turn it off once on.
func (s *Server) secondFactorView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	u := actor(r)
	sf, err := s.db.SecondFactor(r.Context(), u, u.ID)
	if err != nil {
		return err
	}
	d := secondFactorData{SecondFactor: sf}
	if !sf.Enrolled {
		secret, err := s.db.StartTOTP(r.Context(), u)
		if err != nil {
			return err
		}
		if d.QR, d.URL, err = authenticatorKey(u.Email, secret); err != nil {
			return err
		}
		d.Secret = groupsOf4(secret)
	}
	return s.render(w, r, status, "second_factor_setup", "Second factor", view{Errors: errs, Data: d})
}

// authenticatorKey is what an authenticator app reads a secret from: a QR code as a PNG data URI,
// and the otpauth:// URL it encodes.
func authenticatorKey(email, secret string) (template.URL, string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Doorway", AccountName: email, Secret: raw})
	if err != nil {
		return "", "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), key.URL(), nil
}

// groupsOf4 writes a secret in groups of four characters, to be typed by hand.
func groupsOf4(s string) string {
	var groups []string
	for chunk := range slices.Chunk([]byte(s), 4) {
		groups = append(groups, string(chunk))
	}
	return strings.Join(groups, " ")
}

func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request) error {
	return s.secondFactorView(w, r, http.StatusOK, nil)
}

// secondFactorConfirm turns the second factor on with the code the app shows and shows the
// recovery codes, this once.
func (s *Server) secondFactorConfirm(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.db.ConfirmTOTP(r.Context(), actor(r), r.PostFormValue("code"))
	return s.showRecoveryCodes(w, r, codes, err, "Your second factor is on: from now on, sign-in asks for a code from your app.")
}

// secondFactorRecoveryCodes replaces the user's recovery codes and shows the new ones once.
func (s *Server) secondFactorRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.db.NewRecoveryCodes(r.Context(), actor(r))
	return s.showRecoveryCodes(w, r, codes, err, "New recovery codes: the old ones no longer work.")
}

// showRecoveryCodes shows new recovery codes, or the set-up page with why there are none.
func (s *Server) showRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, err error, flash string) error {
	if errs, ok := formError(err); ok {
		return s.secondFactorView(w, r, http.StatusBadRequest, errs)
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "second_factor_codes", "Your recovery codes", view{Flash: flash, Data: secondFactorData{Codes: codes}})
}

// secondFactorDisable turns the user's second factor off when they give their password; the
// password check is throttled as sign-in's is.
func (s *Server) secondFactorDisable(w http.ResponseWriter, r *http.Request) error {
	u, now := actor(r), s.db.Now()
	t, wait := s.buckets.take(now, signInBuckets(r, u.Email)...)
	if wait > 0 {
		return s.throttled(w, r, wait, func(status int, msg string) error {
			return s.secondFactorView(w, r, status, map[string]string{"form": msg})
		})
	}
	err := s.db.DisableTOTP(r.Context(), u, r.PostFormValue("password"))
	if errs, ok := formError(err); ok {
		return s.secondFactorView(w, r, http.StatusBadRequest, errs)
	}
	if err != nil {
		return err
	}
	t.refund(now)
	return s.redirect(w, r, "/account/totp", "Your second factor is off: sign-in asks for your password only.")
}

// userSecondFactorResetPage removes a user's second factor for the HMIS team, from the users page.
func (s *Server) userSecondFactorResetPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := s.db.ResetSecondFactor(r.Context(), actor(r), id)
	if e := cas.ErrorOf(err); e != nil && e.Code == cas.EConflict {
		return s.userListView(w, r, http.StatusBadRequest, nil, nil, id, e.Message)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, withQuery("/admin/users", keepQuery(r.URL.Query(), "limit", "cursor"))+"#user-"+id,
		"The second factor is reset: they sign in with their password and set up a new one.")
}

// secondFactorRolesPage sets the roles that must sign in with a second factor, from the users
// page's checkboxes.
func (s *Server) secondFactorRolesPage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	var roles []cas.Role
	for _, v := range r.PostForm["required_roles"] {
		roles = append(roles, cas.Role(v))
	}
	set, err := s.db.SetSecondFactorRoles(r.Context(), actor(r), roles)
	if errs, ok := formError(err); ok {
		return s.userListView(w, r, http.StatusBadRequest, errs, nil, "", "")
	}
	if err != nil {
		return err
	}
	msg := "No role is required to use a second factor."
	if len(set) > 0 {
		var labels []string
		for _, role := range set {
			labels = append(labels, roleLabel(role)+"s")
		}
		msg = strings.Join(labels, ", ") + " must sign in with a second factor; those without one set it up at their next page."
	}
	return s.redirect(w, r, "/admin/users#second-factor", msg)
}
