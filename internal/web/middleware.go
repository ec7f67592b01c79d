package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type infoKey struct{}

// requestInfo is what the middleware learns about a request: its ID and, once authorized, who
// made it. It travels in the request's context.
type requestInfo struct {
	id   string
	user *cas.User
	// addr is the client's address (clientAddress).
	addr string
}

func infoOf(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// validRequestID accepts request IDs from a proxy in front of Doorway when they are short and plain.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an ID, taken from X-Request-ID when a proxy set a sane one,
// echoes it in the response, and passes it to the store so audit events record it.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		ctx := context.WithValue(r.Context(), infoKey{}, &requestInfo{id: id, addr: forwardedFor(r, s.security.TrustedProxies)})
		next.ServeHTTP(w, r.WithContext(store.WithRequestID(ctx, id)))
	})
}

// isAPIPath says whether a path is the JSON API's, whose errors are JSON whatever happens.
func isAPIPath(path string) bool { return path == "/api" || strings.HasPrefix(path, "/api/") }

func requestIDFrom(ctx context.Context) string { return infoOf(ctx).id }

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// instrument logs each request and counts it in the metrics under its route pattern. Logs name
// the pattern, never the query string, so no client detail typed into a search reaches them.
func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.ErrorContext(r.Context(), "panic", "request_id", requestIDFrom(r.Context()), "route", pattern, "panic", p)
				switch {
				case rec.status != 0:
				case isAPIPath(r.URL.Path):
					writeJSON(rec, http.StatusInternalServerError, errorBody{errorJSON{Code: cas.EInternal, Message: "something went wrong on our side; the error has been logged", RequestID: requestIDFrom(r.Context())}})
				default:
					s.errorPage(rec, r, cas.Errorf(cas.EInternal, "something went wrong on our side; the error has been logged (request %s)", requestIDFrom(r.Context())))
				}
			}
			elapsed := time.Since(start)
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.observe(pattern, r.Method, status, elapsed)
			attrs := []any{"request_id", requestIDFrom(r.Context()), "method", r.Method, "route", pattern,
				"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000}
			if u := infoOf(r.Context()).user; u != nil {
				attrs = append(attrs, "user_id", u.ID)
			}
			s.log.InfoContext(r.Context(), "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// authorize admits a request when its route is public or its bearer token's user holds one of the
// route's roles. No token is 401; a role the route does not admit is 403. Before that, the
// caller's address and then its token must be within their rate limits (429 otherwise).
func (s *Server) authorize(a access, h handlerFunc) http.Handler {
	return s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		if a.public {
			return h(w, r)
		}
		if err := s.limitAPI(w, r); err != nil {
			return err
		}
		u, tok, secret, err := s.authenticate(w, r)
		if err != nil {
			return err
		}
		if err := s.limitToken(w, secret); err != nil {
			return err
		}
		if !a.admits(u.Role) {
			return cas.Errorf(cas.EForbidden, "your role (%s) cannot use this", u.Role)
		}
		if tok.ReadOnly && r.Method != http.MethodGet {
			return cas.Errorf(cas.EForbidden, "the API token %q is read-only: it reads, and changes nothing; use a read-write token to %s %s", tok.Name, r.Method, r.URL.Path)
		}
		infoOf(r.Context()).user = u
		return h(w, r)
	})
}

// authenticate returns the user of a request's API token, the token (whose scope the caller
// enforces) and its secret. Tokens that turn out not to be valid are limited per address
// (tokenFailures): an attempt is counted before the token is checked, and given back when it is
// valid, so parallel guesses cannot outrun the limit.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*cas.User, cas.APIToken, string, error) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, cas.APIToken{}, "", cas.Errorf(cas.EUnauthorized, "sign in: send an API token as Authorization: Bearer <token>")
	}
	now := s.db.Now()
	t, wait := s.buckets.take(now, bucket{tokenFailures, addressKey(r)})
	if wait > 0 {
		return nil, cas.APIToken{}, "", tooMany(w, wait, "too many invalid API tokens from your address")
	}
	u, tok, err := s.checkToken(r.Context(), secret)
	if cas.ErrorCode(err) != cas.EUnauthorized {
		t.refund(now)
	}
	if err != nil {
		return nil, tok, "", err
	}
	return &u, tok, secret, nil
}

// actor returns the signed-in user of a request that passed authorize.
func actor(r *http.Request) *cas.User { return infoOf(r.Context()).user }
