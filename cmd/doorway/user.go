package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

func (m *Main) userAdd(ctx context.Context, args []string) error {
	fs := m.newFlags("user add")
	dbURL := dbFlag(fs)
	email := fs.String("email", "", "the account's email address (required)")
	name := fs.String("name", "", "the person's name (default: the email's local part)")
	role := fs.String("role", "", "cas_admin, hmis_admin or agency_user (required)")
	agency := fs.String("agency", "", "for agency users: the agency's ID or exact name")
	casContact := fs.Bool("cas-contact", false, "designate the agency user as a CAS Contact of their agency")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("user add: --email is required")
	}
	if *role == "" {
		return errors.New("user add: --role is required (cas_admin, hmis_admin or agency_user)")
	}
	if !cas.Role(*role).Valid() {
		return fmt.Errorf("user add: --role %q: want cas_admin, hmis_admin or agency_user", *role)
	}
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	pw, err := m.readPassword(*fromStdin)
	if err != nil {
		return err
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	agencyID, err := m.agencyID(ctx, db, *agency)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, cas.System, cas.User{Email: *email, Name: *name, Role: cas.Role(*role), AgencyID: agencyID, CASContact: *casContact}, pw)
	if err != nil {
		return flagError(err)
	}
	fmt.Fprintf(m.Stdout, "Added %s (%s), ID %s.\n", u.Email, u.Role, u.ID)
	return nil
}

// userPasswd sets an account's password from standard input (or asked twice on a terminal):
// every session of the account ends and its reset links stop working.
func (m *Main) userPasswd(ctx context.Context, args []string) error {
	var fromStdin *bool
	return m.forAccount(ctx, "user passwd", args, func(fs *flag.FlagSet) {
		fromStdin = fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	}, func(db *store.DB, u cas.User) error {
		pw, err := m.readPassword(*fromStdin)
		if err != nil {
			return flagError(err)
		}
		if err := db.SetPassword(ctx, cas.System, u.ID, pw); err != nil {
			return flagError(err)
		}
		fmt.Fprintf(m.Stdout, "Set the password of %s; every session of the account has ended.\n", u.Email)
		return nil
	})
}

// flagError names the command-line flag behind a domain error's field.
func flagError(err error) error {
	if e := cas.ErrorOf(err); e != nil && e.Field == "password" {
		return errors.New(e.Message) // read from standard input or the terminal, not a flag
	}
	if e := cas.ErrorOf(err); e != nil && e.Field != "" {
		flagName := map[string]string{"agency_id": "agency", "cas_contact": "cas-contact"}[e.Field]
		if flagName == "" {
			flagName = e.Field
		}
		return fmt.Errorf("--%s: %s", flagName, e.Message)
	}
	return err
}

// readPassword reads a new password from standard input, or asks for it twice on a terminal.
func (m *Main) readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("--password-stdin: no password on standard input")
		}
		pw := strings.TrimRight(line, "\r\n")
		return pw, cas.ValidatePassword(pw)
	}
	f, ok := m.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask for a password on: pass it on standard input with --password-stdin")
	}
	fmt.Fprint(m.Stderr, "Password: ")
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(m.Stderr)
	if err != nil {
		return "", err
	}
	if err := cas.ValidatePassword(string(pw)); err != nil {
		return "", err
	}
	fmt.Fprint(m.Stderr, "Again: ")
	again, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(m.Stderr)
	if err != nil {
		return "", err
	}
	if string(again) != string(pw) {
		return "", errors.New("the two passwords differ")
	}
	return string(pw), nil
}

// agencyID resolves --agency, given as an ID or an agency's exact name.
func (m *Main) agencyID(ctx context.Context, db *store.DB, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if a, err := db.Agency(ctx, cas.System, ref); err == nil {
		return a.ID, nil
	}
	agencies, err := store.All(func(p store.Page) ([]cas.Agency, string, error) { return db.Agencies(ctx, cas.System, p) })
	if err != nil {
		return "", err
	}
	for _, a := range agencies {
		if a.Name == ref {
			return a.ID, nil
		}
	}
	return "", fmt.Errorf("--agency %q: no agency has that ID or name", ref)
}
