package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/web"
)

// securityFlags adds serve's flags for the API's rate limits and access to /metrics; the function
// it returns reads them once parsed.
func securityFlags(fs *flag.FlagSet) func() (web.Security, error) {
	d := web.DefaultLimits
	tokenRate := fs.Float64("api-token-rate", d.TokenRate, "API requests per second allowed per API token, on average; 0 for no limit (env DOORWAY_API_TOKEN_RATE)")
	tokenBurst := fs.Int("api-token-burst", d.TokenBurst, "API requests one token may send at once before --api-token-rate applies (env DOORWAY_API_TOKEN_BURST)")
	addressRate := fs.Float64("api-address-rate", d.AddressRate, "API requests per second allowed per client address (IPv6: per /64), on average; 0 for no limit (env DOORWAY_API_ADDRESS_RATE)")
	addressBurst := fs.Int("api-address-burst", d.AddressBurst, "API requests one address may send at once before --api-address-rate applies (env DOORWAY_API_ADDRESS_BURST)")
	metricsToken := fs.String("metrics-token", "", "bearer token a Prometheus scraper sends to read /metrics; set it in the environment, not on the command line (env DOORWAY_METRICS_TOKEN)")
	metricsAllow := fs.String("metrics-allow", "", "addresses or networks that may read /metrics without the token, comma-separated, e.g. 127.0.0.1,10.0.0.0/8; with neither, /metrics answers 404 (env DOORWAY_METRICS_ALLOW)")
	trustedProxies := fs.String("trusted-proxies", "", "addresses or networks of reverse proxies in front of Doorway whose X-Forwarded-For names the client, e.g. 127.0.0.1,::1; the rate limits, the sign-in throttle, the audit log and --metrics-allow then see the client instead of the proxy (env DOORWAY_TRUSTED_PROXIES)")
	return func() (web.Security, error) {
		sec := web.Security{MetricsToken: *metricsToken,
			Limits: web.Limits{TokenRate: *tokenRate, TokenBurst: *tokenBurst, AddressRate: *addressRate, AddressBurst: *addressBurst}}
		for _, l := range []struct {
			flag  string
			rate  float64
			burst int
		}{{"api-token", *tokenRate, *tokenBurst}, {"api-address", *addressRate, *addressBurst}} {
			if l.rate < 0 {
				return sec, fmt.Errorf("--%s-rate %g: want 0 (no limit) or more", l.flag, l.rate)
			}
			if l.rate > 0 && l.burst < 1 {
				return sec, fmt.Errorf("--%s-burst %d: want 1 or more", l.flag, l.burst)
			}
		}
		if *metricsToken != "" && len(*metricsToken) < 16 {
			return sec, fmt.Errorf("--metrics-token: want at least 16 characters")
		}
		var err error
		if sec.MetricsAllow, err = web.ParseAddresses(*metricsAllow); err != nil {
			return sec, fmt.Errorf("--metrics-allow: %w", err)
		}
		if sec.TrustedProxies, err = web.ParseAddresses(*trustedProxies); err != nil {
			return sec, fmt.Errorf("--trusted-proxies: %w", err)
		}
		return sec, nil
	}
}

// userResetSecondFactor removes an account's second factor, for the operator when the account's
// owner lost their device and their recovery codes and no one of the HMIS team can reset it (the
// HMIS team's own accounts, for one). Audited as done by the command line.
func (m *Main) userResetSecondFactor(ctx context.Context, args []string) error {
	return m.forAccount(ctx, "user reset-second-factor", args, func(*flag.FlagSet) {}, func(db *store.DB, u cas.User) error {
		if err := db.ResetSecondFactor(ctx, cas.System, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Removed the second factor of %s: they sign in with their password and set up a new one.\n", u.Email)
		return nil
	})
}
