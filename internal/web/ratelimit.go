package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/doorway-cas/doorway/internal/cas"
)

// bucketKind is a family of token buckets, one per key (an address, an account and address, an
// API token): each holds burst tokens and gains one every every.
type bucketKind struct {
	name  string
	every time.Duration
	burst int
}

// A zero bucketKind limits nothing.
func (k bucketKind) on() bool { return k.every > 0 && k.burst > 0 }

// bucket names one bucket: its kind and its key.
type bucket struct {
	kind bucketKind
	key  string
}

// maxBuckets bounds the memory the buckets take (a bucket is about 200 bytes). Buckets that are
// full again are the same as new ones and are dropped first; should that not make room (more than
// maxBuckets keys active at once), new keys of a kind share one overflow bucket of that kind,
// which limits them together rather than not at all.
const maxBuckets = 100_000

// sweepEvery is how often full buckets are dropped when there is room to spare.
const sweepEvery = time.Minute

// buckets holds the token buckets of the sign-in throttle and the API's rate limits. One lock
// covers taking from several buckets at once, so an attempt takes a token from all of them or
// from none.
type buckets struct {
	mu    sync.Mutex
	max   int
	m     map[string]*rate.Limiter
	swept time.Time
}

// ticket is the tokens one attempt took; refund gives them back when the attempt turns out not
// to count (a right password, a valid API token).
type ticket []*rate.Reservation

func (t ticket) refund(now time.Time) {
	for _, r := range t {
		r.CancelAt(now)
	}
}

// take takes one token from each bucket, or none when any of them is empty: then wait says how
// long until each has one again. Empty or zero-kind buckets are skipped.
func (b *buckets) take(now time.Time, want ...bucket) (t ticket, wait time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ls []*rate.Limiter
	for _, w := range want {
		if !w.kind.on() {
			continue
		}
		l := b.limiter(w, now)
		if tokens := l.TokensAt(now); tokens < 1 {
			wait = max(wait, time.Duration(math.Ceil((1-tokens)*float64(w.kind.every))))
		}
		ls = append(ls, l)
	}
	if wait > 0 {
		return nil, wait
	}
	for _, l := range ls {
		t = append(t, l.ReserveN(now, 1))
	}
	return t, 0
}

// limiter returns a bucket's limiter, creating it (and first dropping idle ones when due).
// b.mu is held.
func (b *buckets) limiter(w bucket, now time.Time) *rate.Limiter {
	if b.m == nil {
		b.m = map[string]*rate.Limiter{}
	}
	key := w.kind.name + "|" + w.key
	if l, ok := b.m[key]; ok {
		return l
	}
	limit := b.max
	if limit == 0 {
		limit = maxBuckets
	}
	if len(b.m) >= limit || now.Sub(b.swept) >= sweepEvery {
		b.sweep(now)
	}
	if len(b.m) >= limit {
		key = w.kind.name + "|overflow"
		if l, ok := b.m[key]; ok {
			return l
		}
	}
	l := rate.NewLimiter(rate.Every(w.kind.every), w.kind.burst)
	b.m[key] = l
	return l
}

// sweep drops the buckets that are full: nothing is forgotten, since a full bucket is what a new
// one would be. b.mu is held.
func (b *buckets) sweep(now time.Time) {
	b.swept = now
	for k, l := range b.m {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(b.m, k)
		}
	}
}

// size is how many buckets are held.
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// Limits are the JSON API's rate limits: a token bucket per API token and one per client
// address, each refilling at its rate (requests per second) up to its burst. A zero rate or burst
// turns that limit off.
type Limits struct {
	TokenRate    float64
	TokenBurst   int
	AddressRate  float64
	AddressBurst int
}

// DefaultLimits are what `doorway serve` applies unless told otherwise.
var DefaultLimits = Limits{TokenRate: 10, TokenBurst: 50, AddressRate: 20, AddressBurst: 100}

func kindOf(name string, perSecond float64, burst int) bucketKind {
	if perSecond <= 0 || burst <= 0 {
		return bucketKind{name: name}
	}
	return bucketKind{name: name, every: time.Duration(float64(time.Second) / perSecond), burst: burst}
}

// tokenFailures limits how fast one address may present API tokens that turn out not to be
// valid: 20 at once, then one a second. A valid token's attempt is given back, so the limit
// costs honest clients nothing.
var tokenFailures = bucketKind{name: "token-failure", every: time.Second, burst: 20}

// Security is how the server guards itself beyond signing in: the API's rate limits and who may
// read /metrics (a bearer token, or clients from the listed addresses; nobody when both are
// empty), and which proxies say who their clients are.
type Security struct {
	Limits       Limits
	MetricsToken string
	MetricsAllow []netip.Prefix
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client: the limits,
	// the audit log and MetricsAllow then count the client, not the proxy. Empty: trust none.
	TrustedProxies []netip.Prefix
}

// Configure sets the server's rate limits and metrics access; call it before serving.
func (s *Server) Configure(sec Security) {
	s.security = sec
	s.tokenKind = kindOf("token", sec.Limits.TokenRate, sec.Limits.TokenBurst)
	s.addressKind = kindOf("address", sec.Limits.AddressRate, sec.Limits.AddressBurst)
}

// ParseAddresses reads a comma-separated list of addresses and networks (192.0.2.7, 10.0.0.0/8,
// ::1) for Security.MetricsAllow.
func ParseAddresses(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// tooMany answers a refused request: Retry-After in whole seconds, and a rate_limited error.
func tooMany(w http.ResponseWriter, wait time.Duration, what string) error {
	secs := retryAfter(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return cas.Errorf(cas.ERateLimited, "%s; try again in %d seconds", what, secs)
}

// retryAfter is a wait in whole seconds, at least one.
func retryAfter(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// limitAPI takes a token from the caller's address bucket before anything else is done for an
// API request, and refuses it with 429 when the bucket is empty.
func (s *Server) limitAPI(w http.ResponseWriter, r *http.Request) error {
	if _, wait := s.buckets.take(s.db.Now(), bucket{s.addressKind, addressKey(r)}); wait > 0 {
		return tooMany(w, wait, "too many requests from your address")
	}
	return nil
}

// limitToken takes a token from the bucket of the API token a request was signed in with.
func (s *Server) limitToken(w http.ResponseWriter, secret string) error {
	if _, wait := s.buckets.take(s.db.Now(), bucket{s.tokenKind, secretKey(secret)}); wait > 0 {
		return tooMany(w, wait, "too many requests with this API token")
	}
	return nil
}

// secretKey names an API token's bucket without keeping its secret in memory.
func secretKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:16])
}

// addressKey is the client's address as the limits count it: an IPv6 client by its /64 network,
// since one subscriber usually holds a whole /64.
func addressKey(r *http.Request) string {
	a, err := netip.ParseAddr(clientAddress(r))
	if err != nil {
		return clientAddress(r)
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// clientAddress is the address of the client that made a request: the TCP peer's, or, when the
// peer is a trusted proxy (Security.TrustedProxies), the one the proxy says it forwarded for.
func clientAddress(r *http.Request) string {
	if a := infoOf(r.Context()).addr; a != "" {
		return a
	}
	return peerAddress(r)
}

func peerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// forwardedFor finds the client's address of a request that came through trusted proxies: the
// last address of X-Forwarded-For that is not a trusted proxy's (each proxy appends the address
// it received the request from, so addresses left of it may be forged by the client). A request
// from a peer that is not a trusted proxy is the peer's, whatever it claims.
func forwardedFor(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddress(r)
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	if !isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for f := range strings.SplitSeq(h, ",") {
			hops = append(hops, strings.TrimSpace(f))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer // a hop that is not an address: trust nothing left of it
		}
		if !isTrusted(hops[i]) {
			return a.Unmap().String()
		}
	}
	return peer
}
