// Package password hashes and checks account passwords with argon2id.
package password

import (
	"fmt"

	"github.com/alexedwards/argon2id"
)

// params follow OWASP's argon2id guidance (memory 64 MiB, one pass, two lanes).
var params = &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// Hash returns the PHC-formatted argon2id hash of a password, with a fresh random salt.
func Hash(password string) (string, error) {
	h, err := argon2id.CreateHash(password, params)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// Verify reports whether password matches hash. A malformed hash never matches.
func Verify(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// dummy is verified against when an account does not exist, so that a sign-in for an unknown email
// takes as long as one for a known email with a wrong password.
var dummy, _ = Hash("doorway: no such account")

// VerifyNothing spends the time of one Verify and always reports false.
func VerifyNothing(password string) bool {
	Verify(password, dummy)
	return false
}
