package password

import (
	"strings"
	"testing"
)

func TestHashRoundTrip(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("hash %q is not an argon2id PHC string with the configured parameters", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Error("hash contains the password")
	}
	t.Run("the right password matches", func(t *testing.T) {
		if !Verify("correct horse battery staple", h) {
			t.Error("Verify rejected the right password")
		}
	})
	t.Run("a wrong password does not", func(t *testing.T) {
		if Verify("correct horse battery stapler", h) {
			t.Error("Verify accepted a wrong password")
		}
	})
	t.Run("the same password hashes differently each time", func(t *testing.T) {
		h2, err := Hash("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if h2 == h {
			t.Error("two hashes of one password are equal: the salt is not random")
		}
	})
	t.Run("a malformed hash never matches", func(t *testing.T) {
		if Verify("x", "not a hash") || Verify("", "") {
			t.Error("Verify accepted a malformed hash")
		}
	})
	t.Run("an unknown account never matches", func(t *testing.T) {
		if VerifyNothing("doorway: no such account") {
			t.Error("VerifyNothing reported a match")
		}
	})
}
