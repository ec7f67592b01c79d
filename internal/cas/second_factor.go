package cas

import "time"

// SecondFactor is an account's second factor (a TOTP authenticator app) as its owner and the HMIS
// team see it.
type SecondFactor struct {
	// Enrolled is set once the owner confirmed the authenticator with a code; sign-in then asks
	// for a code after the password.
	Enrolled   bool
	EnrolledAt *time.Time
	// Required says the account's role must use a second factor (set by the HMIS team).
	Required bool
	// RecoveryCodesLeft is how many single-use recovery codes are unused.
	RecoveryCodesLeft int
}

// RecoveryCodes is how many recovery codes an enrolment issues.
const RecoveryCodes = 10
