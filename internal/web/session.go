package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/alexedwards/scs/v2"

	"github.com/doorway-cas/doorway/internal/cas"
)

const (
	// idleTimeout signs a browser out after 30 minutes without a request (HIPAA 164.312(a)(2)(iii)).
	idleTimeout = 30 * time.Minute
	// sessionLifetime signs everyone out after a working day, however active.
	sessionLifetime = 12 * time.Hour
)

func newSessions(store scs.Store, secure bool) *scs.SessionManager {
	m := scs.New()
	m.Store = store
	// scs enforces these with the real clock as a backstop; the checks in sessionUser use the
	// server's clock, so tests can move time.
	m.IdleTimeout = idleTimeout
	m.Lifetime = sessionLifetime
	m.Cookie.Name = "doorway_session"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = secure
	return m
}

// sessionUser returns the signed-in user of a page request, or nil when the browser is not signed
// in, the session went idle or outlived its lifetime, or the account was disabled; such sessions
// are ended.
func (s *Server) sessionUser(r *http.Request) (*cas.User, string) {
	ctx := r.Context()
	id := s.sessions.GetString(ctx, "user_id")
	if id == "" {
		return nil, ""
	}
	now := s.db.Now()
	signedIn := time.Unix(s.sessions.GetInt64(ctx, "signed_in_at"), 0)
	lastSeen := time.Unix(s.sessions.GetInt64(ctx, "last_seen"), 0)
	why := ""
	switch {
	case now.Sub(lastSeen) > idleTimeout:
		why = "You were signed out after 30 minutes without activity."
	case now.Sub(signedIn) > sessionLifetime:
		why = "Your session ended; please sign in again."
	}
	var u cas.User
	if why == "" {
		var epoch int
		var err error
		u, epoch, err = s.db.SessionUser(ctx, id)
		switch {
		case err != nil || u.Disabled():
			why = "Your account is not active."
		case int64(epoch) != s.sessions.GetInt64(ctx, "epoch"):
			why = "You were signed out: your password was changed, or your account was signed out everywhere."
		}
	}
	if why != "" {
		s.sessions.Destroy(ctx)
		return nil, why
	}
	s.sessions.Put(ctx, "last_seen", now.Unix())
	return &u, ""
}

// authorizePage admits a page request whose browser is signed in with one of the route's roles.
// Otherwise it sends the browser to sign in, and back here afterwards.
func (s *Server) authorizePage(a access, h handlerFunc) http.Handler {
	return s.adaptPage(func(w http.ResponseWriter, r *http.Request) error {
		if a.public {
			if u, _ := s.sessionUser(r); u != nil {
				infoOf(r.Context()).user = u
			}
			return h(w, r)
		}
		u, why := s.sessionUser(r)
		if u == nil {
			if why != "" {
				s.sessions.Put(r.Context(), "flash", why)
			}
			login := "/login"
			if next := returnPath(r); next != "" {
				login += "?" + url.Values{"next": {next}}.Encode()
			}
			http.Redirect(w, r, login, http.StatusSeeOther)
			return nil
		}
		infoOf(r.Context()).user = u
		if sent, err := s.secondFactorGate(w, r, u); sent || err != nil {
			return err
		}
		if !a.admits(u.Role) {
			return cas.Errorf(cas.EForbidden, "your role (%s) cannot use this page", u.Role)
		}
		if r.Method == http.MethodPost {
			return s.once(w, r, u.ID, h)
		}
		return h(w, r)
	})
}

// adaptPage renders a page handler's error as a page of the layout with the error's status.
func (s *Server) adaptPage(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.errorPage(w, r, err)
		}
	}
}

// The sign-in throttle slows password guessing without letting anyone lock a real user out:
// attempts are limited per (account, address) pair and per address, never per account alone, so
// attempts from elsewhere cannot keep the account's owner from signing in. An attempt takes its
// token before the password is checked, so parallel guesses get no more checks than sequential
// ones; a right password gives its token back.
var (
	pairAttempts    = bucketKind{name: "sign-in-pair", every: time.Minute, burst: 5}
	addressAttempts = bucketKind{name: "sign-in-address", every: 10 * time.Second, burst: 30}
)

// signInBuckets are the buckets a sign-in attempt for email from the request's address takes from.
func signInBuckets(r *http.Request, email string) []bucket {
	addr := addressKey(r)
	// The email is hashed: its length is the attacker's to choose, the buckets' memory is not.
	return []bucket{{pairAttempts, secretKey(cas.NormalizeEmail(email)) + "|" + addr}, {addressAttempts, addr}}
}

type loginData struct {
	Next  string
	Email string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if u := actor(r); u != nil {
		http.Redirect(w, r, landing(u), http.StatusSeeOther)
		return nil
	}
	// The flash says why a session ended, or that a new password was set.
	return s.render(w, r, http.StatusOK, "session_login", "Sign in", view{Flash: s.sessions.PopString(r.Context(), "flash"),
		Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// safeNext keeps a post-sign-in redirect on this site: a path of this site and nothing a browser
// could read as another host ("//host", "/\host", or either hidden behind tabs and newlines,
// which browsers strip), never the sign-in page itself.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\") || strings.ContainsFunc(next, unicode.IsControl) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(u.Path, "//") ||
		u.Path == "/login" || u.Path == "/logout" {
		return ""
	}
	return next
}

// returnPath is the page to come back to after signing in: the page asked for, or, for a form
// posted after the session ended, the page of this site the form was on (its Referer).
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return safeNext(r.URL.RequestURI())
	}
	return sameSitePath(r)
}

// sameSitePath is the path of the page of this site that sent the request (its Referer), or ""
// when it came from elsewhere or none was sent.
func sameSitePath(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return ""
	}
	return safeNext(ref.RequestURI())
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	email, pw, next := r.PostForm.Get("email"), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	ctx, now := r.Context(), s.db.Now()
	form := func(status int, msg string) error {
		return s.render(w, r, status, "session_login", "Sign in", view{Errors: map[string]string{"form": msg},
			Data: loginData{Next: next, Email: email}})
	}
	t, wait := s.buckets.take(now, signInBuckets(r, email)...)
	if wait > 0 {
		return s.throttled(w, r, wait, form)
	}
	u, err := s.checkPassword(ctx, email, pw)
	if cas.ErrorCode(err) == cas.EUnauthorized {
		if err := s.db.RecordSignIn(ctx, "session.sign_in_failed", nil, email, clientAddress(r)); err != nil {
			return err
		}
		return form(http.StatusUnauthorized, "Wrong email or password.")
	}
	if err != nil {
		return err
	}
	t.refund(now)
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	twoStep, err := s.db.HasSecondFactor(ctx, u.ID)
	if err != nil {
		return err
	}
	if twoStep {
		// The password was right; the session is not signed in until the code is too, and not
		// then if the account's sessions are ended in between.
		_, epoch, err := s.db.SessionUser(ctx, u.ID)
		if err != nil {
			return err
		}
		s.sessions.Put(ctx, "pending_user_id", u.ID)
		s.sessions.Put(ctx, "pending_epoch", int64(epoch))
		s.sessions.Put(ctx, "pending_at", now.Unix())
		s.sessions.Put(ctx, "pending_next", next)
		http.Redirect(w, r, "/login/code", http.StatusSeeOther)
		return nil
	}
	return s.signIn(w, r, &u, "session.sign_in", next)
}

// signIn starts a signed-in session for u, audits it, and sends the browser on.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, u *cas.User, action, next string) error {
	ctx := r.Context()
	if err := s.db.RecordSignIn(ctx, action, u, u.Email, clientAddress(r)); err != nil {
		return err
	}
	s.sessions.Remove(ctx, "pending_user_id")
	_, epoch, err := s.db.SessionUser(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := s.startSession(r, u.ID, epoch); err != nil {
		return err
	}
	if next == "" {
		next = landing(u)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// throttled answers an attempt the throttle refused: 429, Retry-After, and the form again saying
// when to try.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request, wait time.Duration, form func(int, string) error) error {
	secs := retryAfter(wait)
	s.log.WarnContext(r.Context(), "sign-in throttled", "request_id", requestIDFrom(r.Context()), "address", clientAddress(r), "retry_after", secs)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	at := s.db.Now().Add(time.Duration(secs) * time.Second)
	return form(http.StatusTooManyRequests, fmt.Sprintf("Too many sign-in attempts from here. Try again at %s (in %s).",
		at.In(s.db.Zone).Format("15:04:05 MST"), waitWords(secs)))
}

// waitWords says a wait in seconds as people say it.
func waitWords(secs int) string {
	n, unit := secs, "second"
	switch {
	case secs >= 3600:
		n, unit = (secs+3599)/3600, "hour"
	case secs >= 60:
		n, unit = (secs+59)/60, "minute"
	}
	return strconv.Itoa(n) + " " + plural(n, unit, unit+"s")
}

// startSession signs the browser in as the user under the account's session epoch, with a new
// session token.
func (s *Server) startSession(r *http.Request, userID string, epoch int) error {
	ctx, now := r.Context(), s.db.Now()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "user_id", userID)
	s.sessions.Put(ctx, "epoch", int64(epoch))
	s.sessions.Put(ctx, "signed_in_at", now.Unix())
	s.sessions.Put(ctx, "last_seen", now.Unix())
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	if u := actor(r); u != nil {
		http.Redirect(w, r, landing(u), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// securityHeaders sets the headers every response carries: a content security policy that allows
// no inline script and no framing, and no MIME sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
