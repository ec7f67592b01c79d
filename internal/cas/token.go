package cas

import "time"

// APIToken is a bearer credential for the JSON API. Only a hash of the secret is stored; the secret
// is shown once, when the token is created.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}
