package cas

import "time"

// PasswordReset is a one-time link the HMIS team makes for an account whose owner cannot sign in.
// Only a hash of its secret is kept; it is shown to the admin once and emailed to the owner. It
// works once, for PasswordResetLifetime, and not after the account's password changed or a newer
// link was made.
type PasswordReset struct {
	ID        string
	UserID    string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// PasswordResetLifetime is how long a reset link works.
const PasswordResetLifetime = 24 * time.Hour

// Usable reports whether the link still works at now.
func (p PasswordReset) Usable(now time.Time) bool { return p.UsedAt == nil && now.Before(p.ExpiresAt) }
