package storetest

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TOTPCode is the code an authenticator app set up with secret shows at t.
func TOTPCode(tb testing.TB, secret string, t time.Time) string {
	tb.Helper()
	code, err := totp.GenerateCode(secret, t)
	if err != nil {
		tb.Fatal(err)
	}
	return code
}
