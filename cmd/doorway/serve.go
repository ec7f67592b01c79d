package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/web"
	"github.com/doorway-cas/doorway/internal/worker"
)

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := m.newFlags("serve")
	addr := fs.String("addr", ":8080", "address to listen on (env DOORWAY_ADDR)")
	dbURL := dbFlag(fs)
	withDemo := fs.Bool("demo", false, "load a demo Continuum of Care into an empty database (env DOORWAY_DEMO)")
	smtpURL := fs.String("smtp-url", "", "SMTP server for email: smtp://[user:pass@]host:port[?starttls=required] or smtps://…; empty logs emails instead (env DOORWAY_SMTP_URL)")
	mailFrom := fs.String("mail-from", "", "sender address of Doorway's email (env DOORWAY_MAIL_FROM)")
	baseURL := fs.String("base-url", "", "where people reach Doorway, for links in email; default http://localhost:PORT (env DOORWAY_BASE_URL)")
	noRereferral := fs.Int("no-rereferral-days", 90, "days a client declined by a program is not referred to it again (env DOORWAY_NO_REREFERRAL_DAYS)")
	suspectDays := fs.Int("suspect-available-days", 14, "days a unit shows available before it can be an under-referral suspect (env DOORWAY_SUSPECT_AVAILABLE_DAYS)")
	staleRoster := fs.Int("stale-roster-days", 30, "days after which a facility's roster confirmation is stale (env DOORWAY_STALE_ROSTER_DAYS)")
	suspectWindow := fs.Int("suspect-window-days", 30, "days back that declines for no unit and unanswered referrals count as evidence (env DOORWAY_SUSPECT_WINDOW_DAYS)")
	zone := fs.String("timezone", "UTC", "the CoC's IANA time zone, e.g. America/Chicago: when reservation days begin and end (env DOORWAY_TIMEZONE)")
	retentionYears := fs.Int("retention-years", cas.DefaultRetentionYears, "de-identify, daily, clients with no activity for this many years; 0 turns it off (env DOORWAY_RETENTION_YEARS)")
	pprofAddr := fs.String("pprof-addr", "", "serve Go's profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6060; keep it off public networks (env DOORWAY_PPROF_ADDR)")
	security := securityFlags(fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	sec, err := security()
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("--timezone %q: %w", *zone, err)
	}
	if *noRereferral < 0 || *noRereferral > 3650 {
		return fmt.Errorf("--no-rereferral-days %d: want 0 to 3650", *noRereferral)
	}
	for _, d := range []struct {
		flag string
		days int
	}{{"suspect-available-days", *suspectDays}, {"stale-roster-days", *staleRoster}, {"suspect-window-days", *suspectWindow}} {
		if d.days < 1 || d.days > 365 {
			return fmt.Errorf("--%s %d: want 1 to 365", d.flag, d.days)
		}
	}
	if *retentionYears < 0 || *retentionYears > 100 {
		return fmt.Errorf("--retention-years %d: want 0 (off) to 100", *retentionYears)
	}
	log := slog.New(slog.NewJSONHandler(m.Stderr, nil))
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Zone = loc
	db.NoRereferral = time.Duration(*noRereferral) * 24 * time.Hour
	db.RetentionYears = *retentionYears
	db.Thresholds = report.Thresholds{AvailableDays: *suspectDays, StaleRosterDays: *staleRoster, Window: time.Duration(*suspectWindow) * 24 * time.Hour}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	defer ln.Close()
	base := listenURL(ln.Addr())
	db.BaseURL = strings.TrimSuffix(*baseURL, "/")
	if db.BaseURL == "" {
		db.BaseURL = base
	}
	var sender notify.Sender = notify.LogSender{Log: log}
	if *smtpURL == "" {
		log.Warn("no SMTP server configured (--smtp-url, DOORWAY_SMTP_URL): emails are written to this log, not sent")
	} else if sender, err = notify.NewSMTP(*smtpURL, *mailFrom); err != nil {
		return err
	}
	log.Info("doorway listening", "addr", ln.Addr().String(), "database", db.Dialect())
	if *withDemo {
		if err := m.loadDemo(ctx, db, base); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(m.Stdout, "Doorway is listening on %s\n", base)
	}
	if m.Listening != nil {
		m.Listening(ln.Addr().String())
	}
	if *pprofAddr != "" {
		stop, err := serveProfiles(*pprofAddr)
		if err != nil {
			return err
		}
		defer stop()
		log.Info("profiles served", "addr", *pprofAddr)
	}
	host, _ := os.Hostname()
	w := worker.New(db, log, fmt.Sprintf("%s:%d", host, os.Getpid()), sender)
	workerDone := make(chan error, 1)
	go func() { workerDone <- w.Run(ctx) }()
	srv := web.New(db, log)
	srv.Configure(sec)
	serveErr := srv.Serve(ctx, ln)
	// Serve returns when ctx is done or the listener fails; either way the worker stops too.
	if serveErr != nil {
		return serveErr
	}
	return <-workerDone
}

// listenURL is how a person on this machine reaches the listener.
func listenURL(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

// loadDemo fills an empty database with the demo CoC and prints how to sign in, with fresh API
// tokens for the demo admins.
func (m *Main) loadDemo(ctx context.Context, db *store.DB, base string) error {
	loaded, err := demo.Load(ctx, db)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if loaded {
		fmt.Fprintf(m.Stdout, "Loaded the demo Continuum of Care into the %s database.\n", db.Dialect())
	}
	admin, err := db.UserByEmail(ctx, cas.System, demo.HMISAdminEmail)
	if cas.ErrorCode(err) == cas.ENotFound {
		fmt.Fprintf(m.Stdout, "The database already holds data that is not the demo's; nothing was loaded.\nDoorway is listening on %s\n", base)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\nDoorway demo is listening on %s\n\nSign in at %s/login with a demo account (password %q):\n", base, base, demo.Password)
	for _, a := range demo.Accounts {
		what := string(a.Role)
		if a.Agency != "" {
			what = a.Agency
			if a.CASContact {
				what += ", CAS Contact"
			}
		}
		fmt.Fprintf(m.Stdout, "  %-40s %s (%s)\n", a.Email, a.Name, what)
	}
	for _, email := range []string{demo.HMISAdminEmail, demo.CASAdminEmail} {
		u := admin
		if email != admin.Email {
			if u, err = db.UserByEmail(ctx, cas.System, email); err != nil {
				return err
			}
		}
		secret, _, err := db.CreateToken(ctx, cas.System, u.ID, "serve --demo")
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "\nAPI token for the demo %s (%s):\n  %s\n", u.Role, u.Email, secret)
		if email == demo.HMISAdminEmail {
			fmt.Fprintf(m.Stdout, "Try it:\n  curl -H 'Authorization: Bearer %s' %s/api/v1/me\n", secret, base)
		}
	}
	fmt.Fprintln(m.Stdout)
	return nil
}

// serveProfiles serves Go's profiles of the running server on their own listener, apart from the
// application's routes, for `go tool pprof http://ADDR/debug/pprof/profile`.
func serveProfiles(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}
