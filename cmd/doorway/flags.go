package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/store"
)

// newFlags returns a flag set for a subcommand that writes its help to the program's stderr.
func (m *Main) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("doorway "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// envName is the environment variable that sets a flag: --cas-contact is DOORWAY_CAS_CONTACT.
func envName(flagName string) string {
	return "DOORWAY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse applies environment variables to the flags they name, then the command line, which wins.
// The command takes no arguments besides its flags.
func (m *Main) parse(fs *flag.FlagSet, args []string) error {
	rest, err := m.parseArgs(fs, args)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%s: unexpected argument %q", fs.Name(), rest[0])
	}
	return err
}

// parseArgs is parse for a command that takes arguments: flags may come before, between or after
// them ("--" ends the flags), and the arguments are returned in order.
func (m *Main) parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := m.Getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

const defaultDB = "sqlite:doorway.db"

// dbFlag adds --db to a flag set.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", defaultDB, "database URL: sqlite:PATH or postgres://user:pass@host/db (env DOORWAY_DB)")
}

// openDB opens and migrates the database.
func (m *Main) openDB(ctx context.Context, dbURL string) (*store.DB, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if m.Now != nil {
		db.Now = m.Now
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
