package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestTokenAndPasswordCommands: the operator makes an expiring read-only token and sets a
// password from the command line; bad values are refused naming their flag.
func TestTokenAndPasswordCommands(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dbURL string) {
		env := map[string]string{"DOORWAY_DB": dbURL}
		if _, err := run(t, env, "a long enough password\n", "user", "add", "--email", "staff@coc.test", "--role", "cas_admin", "--password-stdin"); err != nil {
			t.Fatalf("user add: %v", err)
		}
		out, err := run(t, env, "", "token", "create", "--email", "staff@coc.test", "--name", "dashboard", "--expires", "90d", "--read-only")
		if err != nil {
			t.Fatalf("token create: %v", err)
		}
		secret := strings.TrimSpace(out)
		out, err = run(t, env, "", "token", "create", "--expires", "720h", "--email", "staff@coc.test")
		if err != nil {
			t.Fatalf("token create with a duration: %v", err)
		}
		writer := strings.TrimSpace(out)

		db := storetest.Open(t, dbURL)
		ctx := context.Background()
		_, tok, err := db.TokenAccess(ctx, secret)
		if err != nil || !tok.ReadOnly || tok.Name != "dashboard" || tok.ExpiresAt == nil || tok.ExpiresAt.Sub(tok.CreatedAt) != 90*24*time.Hour {
			t.Errorf("--expires 90d --read-only made %+v %v", tok, err)
		}
		_, tok, err = db.TokenAccess(ctx, writer)
		if err != nil || tok.ReadOnly || tok.ExpiresAt == nil || tok.ExpiresAt.Sub(tok.CreatedAt) != 720*time.Hour {
			t.Errorf("--expires 720h made %+v %v", tok, err)
		}

		out, err = run(t, env, "harbor lights at dusk\n", "user", "passwd", "--email", "STAFF@coc.test", "--password-stdin")
		if err != nil || !strings.Contains(out, "Set the password of staff@coc.test") {
			t.Fatalf("user passwd: %q %v", out, err)
		}
		if _, err := db.Authenticate(ctx, "staff@coc.test", "harbor lights at dusk"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if _, err := db.Authenticate(ctx, "staff@coc.test", "a long enough password"); cas.ErrorCode(err) != cas.EUnauthorized {
			t.Errorf("the old password still signs in: %v", err)
		}
	})
}

func TestTokenAndPasswordCommandErrors(t *testing.T) {
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t)}
	if _, err := run(t, env, "a long enough password\n", "user", "add", "--email", "staff@coc.test", "--role", "cas_admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"an expiry that is no lifetime", "", []string{"token", "create", "--email", "staff@coc.test", "--expires", "soon"}, `invalid value "soon" for flag -expires`},
		{"an expiry of no days", "", []string{"token", "create", "--email", "staff@coc.test", "--expires", "0d"}, `"0d" is not a number of days`},
		{"an expiry past five years", "", []string{"token", "create", "--email", "staff@coc.test", "--expires", "2000d"}, "at most five years"},
		{"a negative duration", "", []string{"token", "create", "--email", "staff@coc.test", "--expires", "-5h"}, "-expires"},
		{"passwd without email", "", []string{"user", "passwd", "--password-stdin"}, "--email is required"},
		{"passwd for nobody", "a long enough password\n", []string{"user", "passwd", "--email", "nobody@coc.test", "--password-stdin"}, "--email nobody@coc.test"},
		{"passwd with a short password", "short\n", []string{"user", "passwd", "--email", "staff@coc.test", "--password-stdin"}, "at least 12 characters"},
		{"passwd with a common password", "password1234\n", []string{"user", "passwd", "--email", "staff@coc.test", "--password-stdin"}, "too easy to guess"},
		{"passwd without a terminal", "", []string{"user", "passwd", "--email", "staff@coc.test"}, "--password-stdin"},
		{"an unknown user command", "", []string{"user", "delete"}, `"doorway user passwd"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, env, c.stdin, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}
