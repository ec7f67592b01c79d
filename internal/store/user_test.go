package store_test

import (
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		harbor := MustAgency(t, db, "Harbor Family Services")
		riverside := MustAgency(t, db, "Riverside Housing Partners")
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		worker := MustUser(t, db, "Case.Manager@Harbor.test", cas.RoleAgencyUser, harbor.ID)
		other := MustUser(t, db, "staff@riverside.test", cas.RoleAgencyUser, riverside.ID)

		t.Run("emails are stored lower-case and unique", func(t *testing.T) {
			if worker.Email != "case.manager@harbor.test" {
				t.Errorf("email = %q", worker.Email)
			}
			_, err := db.CreateUser(ctx, &admin, cas.User{Email: "CASE.manager@harbor.test", Name: "Dup", Role: cas.RoleCASAdmin}, "a long enough password")
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EConflict || e.Field != "email" {
				t.Errorf("err = %v, want conflict on email", err)
			}
		})
		t.Run("bad accounts are refused with the field named", func(t *testing.T) {
			cases := []struct {
				name  string
				user  cas.User
				pw    string
				field string
			}{
				{"no email", cas.User{Name: "A", Role: cas.RoleCASAdmin}, "a long enough password", "email"},
				{"bad email", cas.User{Email: "not-an-email", Name: "A", Role: cas.RoleCASAdmin}, "a long enough password", "email"},
				{"no name", cas.User{Email: "a@b.test", Role: cas.RoleCASAdmin}, "a long enough password", "name"},
				{"unknown role", cas.User{Email: "a@b.test", Name: "A", Role: "superuser"}, "a long enough password", "role"},
				{"agency user without agency", cas.User{Email: "a@b.test", Name: "A", Role: cas.RoleAgencyUser}, "a long enough password", "agency_id"},
				{"admin with agency", cas.User{Email: "a@b.test", Name: "A", Role: cas.RoleCASAdmin, AgencyID: harbor.ID}, "a long enough password", "agency_id"},
				{"unknown agency", cas.User{Email: "a@b.test", Name: "A", Role: cas.RoleAgencyUser, AgencyID: "nope"}, "a long enough password", "agency_id"},
				{"admin as CAS Contact", cas.User{Email: "a@b.test", Name: "A", Role: cas.RoleCASAdmin, CASContact: true}, "a long enough password", "cas_contact"},
				{"short password", cas.User{Email: "a@b.test", Name: "A", Role: cas.RoleCASAdmin}, "short", "password"},
			}
			for _, c := range cases {
				_, err := db.CreateUser(ctx, &admin, c.user, c.pw)
				if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != c.field {
					t.Errorf("%s: err = %v, want invalid %s", c.name, err, c.field)
				}
			}
		})
		t.Run("an agency user cannot create accounts", func(t *testing.T) {
			_, err := db.CreateUser(ctx, &worker, cas.User{Email: "x@harbor.test", Name: "X", Role: cas.RoleHMISAdmin}, "a long enough password")
			if cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("err = %v, want forbidden", err)
			}
		})
		t.Run("an agency user sees their agency's accounts only", func(t *testing.T) {
			list, _, err := db.Users(ctx, &worker, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range list {
				if u.AgencyID != harbor.ID {
					t.Errorf("listed %s of another agency", u.Email)
				}
			}
			if _, err := db.User(ctx, &worker, other.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("reading another agency's user: err = %v, want not_found", err)
			}
		})
		t.Run("password sign-in", func(t *testing.T) {
			if _, err := db.Authenticate(ctx, "CASE.MANAGER@harbor.test", "a long enough password"); err != nil {
				t.Errorf("right password: %v", err)
			}
			for _, c := range [][2]string{{"case.manager@harbor.test", "wrong password!!"}, {"nobody@harbor.test", "a long enough password"}} {
				if _, err := db.Authenticate(ctx, c[0], c[1]); cas.ErrorCode(err) != cas.EUnauthorized {
					t.Errorf("%s: err = %v, want unauthorized", c[0], err)
				}
			}
		})
		t.Run("the HMIS team designates a CAS Contact and moves a user", func(t *testing.T) {
			u, err := db.UpdateUser(ctx, &admin, worker.ID, cas.UserPatch{CASContact: ptr(true), Name: ptr("Casey Manager")})
			if err != nil {
				t.Fatal(err)
			}
			if !u.CASContact || u.Name != "Casey Manager" {
				t.Errorf("got %+v", u)
			}
			_, err = db.UpdateUser(ctx, &admin, worker.ID, cas.UserPatch{Role: ptr(cas.RoleCASAdmin)})
			if e := cas.ErrorOf(err); e == nil || e.Field != "agency_id" {
				t.Errorf("CAS admin with an agency: err = %v, want invalid agency_id", err)
			}
		})
		t.Run("disabling an account stops sign-in and revokes its tokens", func(t *testing.T) {
			secret, _, err := db.CreateToken(ctx, &admin, other.ID, "sync script")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.UserByToken(ctx, secret); err != nil {
				t.Fatalf("fresh token: %v", err)
			}
			if _, err := db.UpdateUser(ctx, &admin, other.ID, cas.UserPatch{Disabled: ptr(true)}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UserByToken(ctx, secret); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("token of a disabled account: err = %v, want unauthorized", err)
			}
			if _, err := db.Authenticate(ctx, other.Email, "a long enough password"); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("sign-in of a disabled account: err = %v, want unauthorized", err)
			}
		})
		t.Run("audit events hold no password hash", func(t *testing.T) {
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE after LIKE '%argon2id%'`).Scan(&n); err != nil {
				// PostgreSQL's jsonb has no LIKE; compare its text form.
				if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE after::text LIKE '%argon2id%'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
			}
			if n != 0 {
				t.Errorf("%d audit events hold a password hash", n)
			}
		})
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		harbor := MustAgency(t, db, "Harbor Family Services")
		worker := MustUser(t, db, "staff@harbor.test", cas.RoleAgencyUser, harbor.ID)
		colleague := MustUser(t, db, "other@harbor.test", cas.RoleAgencyUser, harbor.ID)
		secret, tok, err := db.CreateToken(ctx, cas.System, worker.ID, "")
		if err != nil {
			t.Fatal(err)
		}

		t.Run("the secret is never stored in clear", func(t *testing.T) {
			rows, err := db.SQL().Query(`SELECT * FROM api_tokens`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					s, _ := v.(string)
					if b, ok := v.([]byte); ok {
						s = string(b)
					}
					if s != "" && (strings.Contains(s, secret) || strings.Contains(secret, s) && len(s) > 8) {
						t.Errorf("column %s holds the secret", cols[i])
					}
				}
			}
		})
		t.Run("the token identifies its user", func(t *testing.T) {
			u, err := db.UserByToken(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != worker.ID {
				t.Errorf("token user = %s, want %s", u.ID, worker.ID)
			}
		})
		t.Run("a wrong or altered token is refused", func(t *testing.T) {
			for _, s := range []string{"", "dw_", secret + "x", strings.TrimPrefix(secret, "dw_")} {
				if _, err := db.UserByToken(ctx, s); cas.ErrorCode(err) != cas.EUnauthorized {
					t.Errorf("UserByToken(%q): err = %v, want unauthorized", s, err)
				}
			}
		})
		t.Run("a user cannot issue or revoke a colleague's token", func(t *testing.T) {
			if _, _, err := db.CreateToken(ctx, &colleague, worker.ID, ""); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("create: err = %v, want not_found", err)
			}
			if err := db.RevokeToken(ctx, &colleague, tok.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("revoke: err = %v, want not_found", err)
			}
		})
		t.Run("a revoked token is refused", func(t *testing.T) {
			if err := db.RevokeToken(ctx, &worker, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UserByToken(ctx, secret); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("err = %v, want unauthorized", err)
			}
			if err := db.RevokeToken(ctx, &worker, tok.ID); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("second revoke: err = %v, want conflict", err)
			}
		})
	})
}
