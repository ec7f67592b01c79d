// Command doorway runs Doorway, a Coordinated Access System for a homeless-services Continuum of
// Care: the web application and API (serve), database migrations, and the operator's tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // --timezone works on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "doorway:", err)
		}
		os.Exit(2)
	}
}

// Main is the whole program, with its surroundings passed in so that tests can run it end to end.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the clock; nil means the system clock.
	Now func() time.Time
	// Listening, when set, is told the address serve listens on once it accepts connections.
	Listening func(addr string)
}

const usage = `Doorway: a Coordinated Access System for a Continuum of Care.

Usage:
  doorway serve   [--addr :8080] [--db URL] [--demo]   web application and API; migrates on start
  doorway migrate [--db URL]                           bring the database schema up to date
  doorway user add --email E --role R [--name N] [--agency ID] [--cas-contact] [--password-stdin]
  doorway user passwd --email E [--password-stdin]     set an account's password; its sessions end
  doorway user reset-second-factor --email E           remove an account's second factor (lost device)
  doorway token create --email E [--name N] [--expires 90d] [--read-only]
                                                       print a new API token for an account; --expires
                                                       takes days (90d) or a duration (720h)
  doorway token revoke --email E                       revoke every API token of an account
  doorway match --dry-run [--db URL]                   what the matching engine would refer now, and why
  doorway simulate --from YYYY-MM-DD --to YYYY-MM-DD --scheme FILE [--json] [--db URL]
                                                       replay the period under a candidate prioritization
                                                       scheme and compare it with the scheme in force
  doorway gen --clients N --units M --out DIR [--hpl N] [--consent-share F] [--seed S]
                                                       write a synthetic HUD HMIS CSV export (and consent list)
  doorway import hmis-csv DIR|ZIP [--consent LIST] [--dry-run] [--strict] [--db URL]
                                                       load agencies, programs, units, clients and the HPL
                                                       from a HUD HMIS CSV export (FY2024 or FY2026)
  doorway export hmis-csv --out DIR [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--db URL]
                                                       referrals as HUD CE Events: Export.csv and Event.csv
  doorway backup --db sqlite:PATH --out FILE           a consistent copy of a SQLite database, while serve runs
                                                       (PostgreSQL: pg_dump, see docs/operations.md)
  doorway retention [--years N] [--dry-run] [--db URL] de-identify clients with no activity for N years
                                                       (default 7); --dry-run lists who is due

Every flag can also be set by an environment variable: --db is DOORWAY_DB, --addr DOORWAY_ADDR, ...
--db defaults to sqlite:doorway.db; use postgres://user:pass@host/db for PostgreSQL.
Run "doorway COMMAND -h" for a command's flags.
`

// Run runs the command named by args.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "migrate":
		return m.migrate(ctx, rest)
	case "user":
		switch {
		case len(rest) > 0 && rest[0] == "add":
			return m.userAdd(ctx, rest[1:])
		case len(rest) > 0 && rest[0] == "passwd":
			return m.userPasswd(ctx, rest[1:])
		case len(rest) > 0 && rest[0] == "reset-second-factor":
			return m.userResetSecondFactor(ctx, rest[1:])
		}
		return errors.New(`unknown command; did you mean "doorway user add", "doorway user passwd" or "doorway user reset-second-factor"?`)
	case "token":
		switch {
		case len(rest) > 0 && rest[0] == "create":
			return m.tokenCreate(ctx, rest[1:])
		case len(rest) > 0 && rest[0] == "revoke":
			return m.tokenRevoke(ctx, rest[1:])
		}
		return errors.New(`unknown command; did you mean "doorway token create" or "doorway token revoke"?`)
	case "match":
		return m.matchCmd(ctx, rest)
	case "gen":
		return m.gen(ctx, rest)
	case "simulate":
		return m.simulate(ctx, rest)
	case "import":
		if len(rest) > 0 && rest[0] == "hmis-csv" {
			return m.importHMISCSV(ctx, rest[1:])
		}
		return errors.New(`unknown command; did you mean "doorway import hmis-csv"?`)
	case "export":
		if len(rest) > 0 && rest[0] == "hmis-csv" {
			return m.exportHMISCSV(ctx, rest[1:])
		}
		return errors.New(`unknown command; did you mean "doorway export hmis-csv"?`)
	case "backup":
		return m.backup(ctx, rest)
	case "retention":
		return m.retention(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
