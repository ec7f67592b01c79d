// Package web serves Doorway over HTTP: the JSON API, the web UI's pages and forms, and the health
// and metrics endpoints. routes.go declares every route once, by resource, with the roles it
// admits, beside the permission matrix of routes_test.go. Each resource has a file of API handlers
// (unit.go) and one of page handlers (unit_page.go), with its tests beside them, and its templates
// are named resource_view.html (unit_roster.html, unit_inventory.html). A page reads what it shows
// from one read model of the store (store.DB.Roster and the like), in one transaction, and shows
// times in the CoC's time zone. Handlers return errors; one adapter renders them as the API's JSON
// error (errors.go), another as an error page (session.go).
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// Server is Doorway's HTTP server.
type Server struct {
	db       *store.DB
	log      *slog.Logger
	metrics  *metrics
	pages    pages
	sessions *scs.SessionManager
	imports  *importJobs
	// submissions remembers the page posts that just worked, for double-clicks (repeat.go).
	submissions submissions
	handler     http.Handler
	// buckets are the sign-in throttle's and the API's rate limits (ratelimit.go), set by
	// Configure.
	buckets                *buckets
	security               Security
	tokenKind, addressKind bucketKind
	// checkPassword and checkToken check a password and an API token: the store's, which tests
	// wrap to count how many checks an attack gets.
	checkPassword func(ctx context.Context, email, pw string) (cas.User, error)
	checkToken    func(ctx context.Context, secret string) (cas.User, cas.APIToken, error)
}

// New returns a server for db that logs to log. Pages show times in db.Zone and judge rosters by
// db.Thresholds; session cookies are Secure when db.BaseURL is https.
func New(db *store.DB, log *slog.Logger) *Server {
	s := &Server{db: db, log: log, metrics: newMetrics(), buckets: &buckets{}, imports: &importJobs{},
		sessions:      newSessions(db.SessionStore(), strings.HasPrefix(db.BaseURL, "https://")),
		checkPassword: db.Authenticate, checkToken: db.TokenAccess}
	p, err := parsePages(s.pageFuncs())
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a bug caught by every test
	}
	s.pages = p
	// A session store that fails (the database down) shows the error page, not bare text.
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { s.errorPage(w, r, err) }
	s.handler = s.routes()
	return s
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// shutdownGrace is how long in-flight requests may take to finish once shutdown begins.
const shutdownGrace = 30 * time.Second

// Serve answers requests on ln until ctx is done, then stops taking new connections and waits for
// requests in flight to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		s.log.Info("shutting down", "grace", shutdownGrace.String())
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return <-done
}
