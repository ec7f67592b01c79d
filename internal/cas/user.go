package cas

import (
	"net/mail"
	"strings"
	"time"
)

// User is a person with an account. Agency users belong to exactly one agency; CAS and HMIS admins
// to none. A CAS Contact is an agency user who receives the agency's referral notifications.
type User struct {
	ID         string
	Email      string
	Name       string
	Role       Role
	AgencyID   string // empty for admins
	CASContact bool
	// EmailMode says how the user reads notification email; the in-app inbox has them all.
	EmailMode  EmailMode
	DisabledAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// EmailMode is how a user receives notification email.
type EmailMode string

const (
	EmailImmediate EmailMode = "immediate" // one email per notification, as it happens
	EmailDigest    EmailMode = "digest"    // one email a day gathering them
)

// Valid reports whether m is a known email mode.
func (m EmailMode) Valid() bool { return m == EmailImmediate || m == EmailDigest }

// System is the actor for changes made from the command line by the machine's operator.
var System = &User{ID: "system", Name: "Doorway command line", Role: roleSystem}

// IsSystem reports whether u is the command-line operator rather than an account.
func (u *User) IsSystem() bool { return u.Role == roleSystem }

// Disabled reports whether the account may no longer sign in or use tokens.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// NormalizeEmail returns the form in which email addresses are stored and compared.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	if u.Email == "" {
		return Invalid("email", "email is required")
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		return Invalid("email", "%q is not an email address", u.Email)
	}
	if strings.TrimSpace(u.Name) == "" {
		return Invalid("name", "name is required")
	}
	if !u.Role.Valid() {
		return Invalid("role", "role must be one of cas_admin, hmis_admin, agency_user")
	}
	if u.Role == RoleAgencyUser && u.AgencyID == "" {
		return Invalid("agency_id", "an agency user needs an agency")
	}
	if u.Role != RoleAgencyUser && u.AgencyID != "" {
		return Invalid("agency_id", "only agency users belong to an agency")
	}
	if u.EmailMode == "" {
		u.EmailMode = EmailImmediate
	}
	if !u.EmailMode.Valid() {
		return Invalid("email_mode", "email_mode must be immediate or digest")
	}
	if u.CASContact && u.Role != RoleAgencyUser {
		return Invalid("cas_contact", "only agency users can be an agency's CAS Contact")
	}
	return nil
}

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B asks for at least 8).
const MinPasswordLength = 12

// ValidatePassword checks a new password given as the field "password".
func ValidatePassword(password string) error {
	return ValidatePasswordAs("password", "password", password)
}

// ValidatePasswordAs checks the length of a new password given as field, whose form calls it
// label ("New password").
func ValidatePasswordAs(field, label, password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return Invalid(field, "%s must be at least %d characters", label, MinPasswordLength)
	}
	if len(password) > 1024 {
		return Invalid(field, "%s must be at most 1024 bytes", label)
	}
	return nil
}

// UserPatch is a partial update of an account; nil fields are left as they are.
type UserPatch struct {
	Name       *string
	Role       *Role
	AgencyID   *string
	CASContact *bool
	EmailMode  *EmailMode
	Disabled   *bool
}

// Apply returns a copy of u with the patch applied; now stamps a newly disabled account.
func (p UserPatch) Apply(u User, now time.Time) User {
	if p.Name != nil {
		u.Name = *p.Name
	}
	if p.Role != nil {
		u.Role = *p.Role
	}
	if p.AgencyID != nil {
		u.AgencyID = *p.AgencyID
	}
	if p.CASContact != nil {
		u.CASContact = *p.CASContact
	}
	if p.EmailMode != nil {
		u.EmailMode = *p.EmailMode
	}
	if p.Disabled != nil {
		switch {
		case *p.Disabled && u.DisabledAt == nil:
			u.DisabledAt = &now
		case !*p.Disabled:
			u.DisabledAt = nil
		}
	}
	return u
}
