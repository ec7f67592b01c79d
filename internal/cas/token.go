package cas

import (
	"strconv"
	"strings"
	"time"
)

// APIToken is a bearer credential for the JSON API. Only a hash of the secret is stored; the secret
// is shown once, when the token is created. A token may expire, and may be read-only: such a
// token reads what its account may read and writes nothing.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	ReadOnly   bool
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Expired reports whether the token's lifetime is over at now.
func (t APIToken) Expired(now time.Time) bool { return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) }

// Active reports whether the token still opens the API at now.
func (t APIToken) Active(now time.Time) bool { return t.RevokedAt == nil && !t.Expired(now) }

// MaxTokenLifetime is the longest lifetime a token may be given: five years.
const MaxTokenLifetime = 5 * 365 * 24 * time.Hour

// ValidateTokenLifetime checks a token's lifetime; 0 means it never expires.
func ValidateTokenLifetime(field string, d time.Duration) error {
	if d < 0 || d > MaxTokenLifetime {
		return Invalid(field, "a token's lifetime must be more than nothing and at most five years")
	}
	return nil
}

// ParseTokenLifetime reads a token's lifetime as a number of days ("90d") or a Go duration
// ("720h", "1h30m").
func ParseTokenLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, Invalid("expires", "%q is not a number of days: write it as 90d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, Invalid("expires", "%q is not a lifetime: write a number of days (90d) or a duration (720h)", s)
		}
	}
	if d <= 0 {
		return 0, Invalid("expires", "%q is not a lifetime: it must be more than nothing", s)
	}
	return d, ValidateTokenLifetime("expires", d)
}
