package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// auditCount counts the audit events of an action about a user.
func auditCount(t *testing.T, db *store.DB, action, userID string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = $1 AND entity_id = $2`, action, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		hmis := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		casAdmin := MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
		other := MustUser(t, db, "other@coc.test", cas.RoleCASAdmin, "")

		secret, err := db.StartTOTP(ctx, &casAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := db.StartTOTP(ctx, &casAdmin); again != secret {
			t.Error("opening the set-up page again gave another secret")
		}
		var codes []string
		t.Run("enrolment needs the code the app shows, and gives ten recovery codes once", func(t *testing.T) {
			_, err := db.ConfirmTOTP(ctx, &casAdmin, "123456")
			if e := cas.ErrorOf(err); e == nil || e.Field != "code" {
				t.Fatalf("a wrong code: %v, want invalid code", err)
			}
			if on, _ := db.HasSecondFactor(ctx, casAdmin.ID); on {
				t.Fatal("on before a right code")
			}
			codes, err = db.ConfirmTOTP(ctx, &casAdmin, storetest.TOTPCode(t, secret, clock.Now()))
			if err != nil || len(codes) != cas.RecoveryCodes {
				t.Fatalf("confirm: %v, %d codes", err, len(codes))
			}
			sf, err := db.SecondFactor(ctx, &casAdmin, casAdmin.ID)
			if err != nil || !sf.Enrolled || sf.RecoveryCodesLeft != 10 || sf.Required {
				t.Errorf("second factor: %+v %v", sf, err)
			}
			if _, err := db.StartTOTP(ctx, &casAdmin); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("starting again once on: %v, want conflict", err)
			}
			var stored string
			db.SQL().QueryRow(`SELECT code_hash FROM recovery_codes LIMIT 1`).Scan(&stored)
			if slices.Contains(codes, stored) || len(stored) != 64 {
				t.Errorf("recovery codes are not stored hashed: %q", stored)
			}
			if auditCount(t, db, "user.second_factor_on", casAdmin.ID) != 1 {
				t.Error("enrolment not audited")
			}
		})
		t.Run("a code is accepted once, within a step of now", func(t *testing.T) {
			// The code used to confirm cannot sign in.
			if err := db.VerifySecondFactor(ctx, &casAdmin, storetest.TOTPCode(t, secret, clock.Now())); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("the confirmation code again: %v, want unauthorized", err)
			}
			clock.Advance(30 * time.Second)
			c := storetest.TOTPCode(t, secret, clock.Now())
			if err := db.VerifySecondFactor(ctx, &casAdmin, c); err != nil {
				t.Errorf("the next code: %v", err)
			}
			if err := db.VerifySecondFactor(ctx, &casAdmin, c); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("the same code twice: %v, want unauthorized", err)
			}
			clock.Advance(5 * time.Minute)
			if err := db.VerifySecondFactor(ctx, &casAdmin, storetest.TOTPCode(t, secret, clock.Now().Add(-2*time.Minute))); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("a code two minutes old: %v, want unauthorized", err)
			}
			if err := db.VerifySecondFactor(ctx, &other, storetest.TOTPCode(t, secret, clock.Now())); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("another account without a second factor: %v, want unauthorized", err)
			}
		})
		t.Run("a recovery code works once, typed loosely", func(t *testing.T) {
			loose := " " + strings.ToUpper(strings.ReplaceAll(codes[3], "-", " ")) + " "
			if err := db.VerifySecondFactor(ctx, &casAdmin, loose); err != nil {
				t.Fatalf("a recovery code: %v", err)
			}
			if err := db.VerifySecondFactor(ctx, &casAdmin, codes[3]); cas.ErrorCode(err) != cas.EUnauthorized {
				t.Errorf("a recovery code twice: %v, want unauthorized", err)
			}
			if sf, _ := db.SecondFactor(ctx, &hmis, casAdmin.ID); sf.RecoveryCodesLeft != 9 {
				t.Errorf("recovery codes left: %d, want 9", sf.RecoveryCodesLeft)
			}
			if auditCount(t, db, "user.recovery_code_used", casAdmin.ID) != 1 {
				t.Error("using a recovery code not audited")
			}
			fresh, err := db.NewRecoveryCodes(ctx, &casAdmin)
			if err != nil || len(fresh) != 10 || db.VerifySecondFactor(ctx, &casAdmin, codes[4]) == nil {
				t.Errorf("new recovery codes: %v; the old ones must stop working", err)
			}
		})
		t.Run("only the owner and the HMIS team read it", func(t *testing.T) {
			if _, err := db.SecondFactor(ctx, &other, casAdmin.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("another CAS admin: %v, want not found", err)
			}
		})
		t.Run("the HMIS team requires it per role; a required factor cannot be turned off", func(t *testing.T) {
			if _, err := db.SetSecondFactorRoles(ctx, &casAdmin, []cas.Role{cas.RoleCASAdmin}); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("a CAS admin sets it: %v, want forbidden", err)
			}
			if _, err := db.SetSecondFactorRoles(ctx, &hmis, []cas.Role{"boss"}); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "required_roles" {
				t.Errorf("an unknown role: %v", err)
			}
			roles, err := db.SetSecondFactorRoles(ctx, &hmis, []cas.Role{cas.RoleCASAdmin, cas.RoleCASAdmin})
			if err != nil || !slices.Equal(roles, []cas.Role{cas.RoleCASAdmin}) {
				t.Fatalf("require it of CAS admins: %v %v", roles, err)
			}
			if required, enrolled, err := db.SecondFactorGate(ctx, &other); err != nil || !required || enrolled {
				t.Errorf("gate of a CAS admin without one: %v %v %v", required, enrolled, err)
			}
			if required, enrolled, _ := db.SecondFactorGate(ctx, &hmis); required || enrolled {
				t.Errorf("gate of the HMIS admin: %v %v", required, enrolled)
			}
			if err := db.DisableTOTP(ctx, &casAdmin, "wrong password!!"); cas.ErrorOf(err) == nil || cas.ErrorOf(err).Field != "password" {
				t.Errorf("turn off with a wrong password: %v", err)
			}
			if err := db.DisableTOTP(ctx, &casAdmin, "a long enough password"); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("turn off a required factor: %v, want conflict", err)
			}
			if _, err := db.SetSecondFactorRoles(ctx, &hmis, nil); err != nil {
				t.Fatal(err)
			}
			if err := db.DisableTOTP(ctx, &casAdmin, "a long enough password"); err != nil {
				t.Errorf("turn off: %v", err)
			}
			if on, _ := db.HasSecondFactor(ctx, casAdmin.ID); on || auditCount(t, db, "user.second_factor_off", casAdmin.ID) != 1 {
				t.Errorf("still on (%v) or not audited", on)
			}
		})
		t.Run("the HMIS team resets a lost one, audited", func(t *testing.T) {
			secret, _ := db.StartTOTP(ctx, &other)
			if _, err := db.ConfirmTOTP(ctx, &other, storetest.TOTPCode(t, secret, clock.Now())); err != nil {
				t.Fatal(err)
			}
			if err := db.ResetSecondFactor(ctx, &casAdmin, other.ID); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("a CAS admin resets it: %v, want forbidden", err)
			}
			if err := db.ResetSecondFactor(ctx, &hmis, other.ID); err != nil {
				t.Fatal(err)
			}
			if on, _ := db.HasSecondFactor(ctx, other.ID); on || auditCount(t, db, "user.second_factor_reset", other.ID) != 1 {
				t.Errorf("still on (%v) or not audited", on)
			}
			if err := db.ResetSecondFactor(ctx, &hmis, other.ID); cas.ErrorCode(err) != cas.EConflict {
				t.Errorf("reset without one: %v, want conflict", err)
			}
		})
	})
}

// TestRecordSignInOfAnyText: a failed sign-in is audited whatever was typed as the email: a NUL
// byte, invalid UTF-8 or a megabyte of it.
func TestRecordSignInOfAnyText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, typed := range []string{"nul\x00@coc.test", "bad\xff@coc.test", strings.Repeat("é", 500_000)} {
			if err := db.RecordSignIn(ctx, "session.sign_in_failed", nil, typed, "203.0.113.9"); err != nil {
				t.Errorf("%.20q: %v", typed, err)
			}
		}
		var longest int
		if err := db.SQL().QueryRow(`SELECT MAX(LENGTH(entity_id)) FROM audit_events WHERE action = 'session.sign_in_failed'`).Scan(&longest); err != nil || longest > 254 {
			t.Errorf("the longest email audited: %d characters (%v)", longest, err)
		}
	})
}
