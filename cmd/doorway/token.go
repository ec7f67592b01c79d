package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

func (m *Main) tokenCreate(ctx context.Context, args []string) error {
	fs := m.newFlags("token create")
	dbURL := dbFlag(fs)
	email := fs.String("email", "", "the account the token acts as (required)")
	name := fs.String("name", "command line", "what the token is for, to recognise it later")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("token create: --email is required")
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
	secret, _, err := db.CreateToken(ctx, cas.System, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, secret)
	return nil
}

// tokenRevoke revokes every API token of an account, for a token that leaked or a script retired.
func (m *Main) tokenRevoke(ctx context.Context, args []string) error {
	fs := m.newFlags("token revoke")
	dbURL := dbFlag(fs)
	email := fs.String("email", "", "the account whose tokens to revoke (required)")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("token revoke: --email is required")
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
	n, err := db.RevokeTokens(ctx, cas.System, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Revoked %d API token(s) of %s.\n", n, u.Email)
	return nil
}
