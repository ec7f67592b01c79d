package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// forAccount parses a token command's flags (--db, --email and any the command adds) and runs fn
// with the open database and the account --email names.
func (m *Main) forAccount(ctx context.Context, name string, args []string, addFlags func(*flag.FlagSet),
	fn func(db *store.DB, u cas.User) error) error {
	fs := m.newFlags(name)
	dbURL := dbFlag(fs)
	email := fs.String("email", "", "the account (required)")
	addFlags(fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%s: --email is required", name)
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, cas.System, *email)
	if err != nil {
		return fmt.Errorf("--email %s: %w", *email, err)
	}
	return fn(db, u)
}

// lifetime is --expires: a number of days (90d) or a Go duration (720h); empty, no expiry.
type lifetime time.Duration

func (l *lifetime) String() string {
	if l == nil || *l == 0 {
		return ""
	}
	return time.Duration(*l).String()
}

func (l *lifetime) Set(s string) error {
	d, err := cas.ParseTokenLifetime(s)
	if e := cas.ErrorOf(err); e != nil {
		return errors.New(e.Message)
	}
	*l = lifetime(d)
	return err
}

func (m *Main) tokenCreate(ctx context.Context, args []string) error {
	var name *string
	var readOnly *bool
	var expires lifetime
	return m.forAccount(ctx, "token create", args, func(fs *flag.FlagSet) {
		name = fs.String("name", "command line", "what the token is for, to recognise it later")
		fs.Var(&expires, "expires", "when the token stops working: a number of days (90d) or a duration (720h); default never")
		readOnly = fs.Bool("read-only", false, "the token reads and changes nothing: any write through it answers 403")
	}, func(db *store.DB, u cas.User) error {
		secret, _, err := db.IssueToken(ctx, cas.System, u.ID, store.TokenSpec{Name: *name, Lifetime: time.Duration(expires), ReadOnly: *readOnly})
		if err != nil {
			return flagError(err)
		}
		fmt.Fprintln(m.Stdout, secret)
		return nil
	})
}

// tokenRevoke revokes every API token of an account, for a token that leaked or a script retired.
func (m *Main) tokenRevoke(ctx context.Context, args []string) error {
	return m.forAccount(ctx, "token revoke", args, func(*flag.FlagSet) {}, func(db *store.DB, u cas.User) error {
		n, err := db.RevokeTokens(ctx, cas.System, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Revoked %d API token(s) of %s.\n", n, u.Email)
		return nil
	})
}
