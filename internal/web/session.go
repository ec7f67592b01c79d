package web

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/alexedwards/scs/v2"
	"golang.org/x/time/rate"

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
		var err error
		u, err = s.db.User(ctx, cas.System, id)
		if err != nil || u.Disabled() {
			why = "Your account is not active."
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
		if !a.admits(u.Role) {
			return cas.Errorf(cas.EForbidden, "your role (%s) cannot use this page", u.Role)
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

// throttle slows password guessing without letting anyone lock a real user out: failures are
// limited per (account, address) pair and per address, never per account alone, so attempts from
// elsewhere cannot keep the account's owner from signing in.
type throttle struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

const (
	pairFailures    = 5 // failures allowed at once per account and address, then one a minute
	addressFailures = 30
)

func (t *throttle) limiter(key string, burst int, every time.Duration) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.limiters == nil {
		t.limiters = map[string]*rate.Limiter{}
	}
	l, ok := t.limiters[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(every), burst)
		t.limiters[key] = l
	}
	return l
}

func (t *throttle) keys(email, addr string) (*rate.Limiter, *rate.Limiter) {
	email = cas.NormalizeEmail(email)
	return t.limiter("pair:"+email+"|"+addr, pairFailures, time.Minute), t.limiter("addr:"+addr, addressFailures, 10*time.Second)
}

// allowed reports whether a sign-in attempt may be checked at now.
func (t *throttle) allowed(email, addr string, now time.Time) bool {
	pair, address := t.keys(email, addr)
	return pair.TokensAt(now) >= 1 && address.TokensAt(now) >= 1
}

// failed counts a failed attempt.
func (t *throttle) failed(email, addr string, now time.Time) {
	pair, address := t.keys(email, addr)
	pair.AllowN(now, 1)
	address.AllowN(now, 1)
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
	return s.render(w, r, http.StatusOK, "session_login", "Sign in", view{Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
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
	email, password, next := r.PostForm.Get("email"), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	now, addr := s.db.Now(), clientAddress(r)
	refuse := func(msg string) error {
		return s.render(w, r, http.StatusUnauthorized, "session_login", "Sign in", view{Errors: map[string]string{"form": msg},
			Data: loginData{Next: next, Email: email}})
	}
	if !s.throttle.allowed(email, addr, now) {
		return refuse("Too many failed attempts. Wait a minute and try again.")
	}
	u, err := s.db.Authenticate(r.Context(), email, password)
	if cas.ErrorCode(err) == cas.EUnauthorized {
		s.throttle.failed(email, addr, now)
		return refuse("Wrong email or password.")
	}
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "signed_in_at", now.Unix())
	s.sessions.Put(r.Context(), "last_seen", now.Unix())
	if next == "" {
		next = landing(&u)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
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
