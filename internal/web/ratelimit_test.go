package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// guardFixture is a server on a stopped clock, so no bucket refills during a test, that counts
// the password and API-token checks it makes.
type guardFixture struct {
	db                *store.DB
	clock             *storetest.Clock
	srv               *Server
	passwords, tokens atomic.Int64
	user              cas.User
	token             string
}

func newGuardFixture(t *testing.T) *guardFixture {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	f := &guardFixture{db: db, clock: storetest.NewClock(time.Now().UTC())}
	db.Now = f.clock.Now
	f.srv = New(db, slog.New(slog.DiscardHandler))
	check, checkToken := f.srv.checkPassword, f.srv.checkToken
	f.srv.checkPassword = func(ctx context.Context, email, pw string) (cas.User, error) {
		f.passwords.Add(1)
		return check(ctx, email, pw)
	}
	f.srv.checkToken = func(ctx context.Context, secret string) (cas.User, cas.APIToken, error) {
		f.tokens.Add(1)
		return checkToken(ctx, secret)
	}
	var err error
	if f.user, err = db.CreateUser(context.Background(), cas.System, cas.User{Email: "hmis@coc.test", Name: "HMIS", Role: cas.RoleHMISAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	if f.token, _, err = db.CreateToken(context.Background(), cas.System, f.user.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return f
}

// send serves one request from the address addr, with an API token when token is not empty.
func (f *guardFixture) send(method, path, addr, token string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	req.RemoteAddr = addr + ":40000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// parallel runs n calls of fn on 32 goroutines.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func TestSignInThrottleUnderParallelGuesses(t *testing.T) {
	t.Run("40 parallel guesses at one account get the pair's five checks; the right password is then refused", func(t *testing.T) {
		f := newGuardFixture(t)
		statuses := make([]int, 40)
		parallel(40, func(i int) {
			statuses[i] = f.send("POST", "/login", "203.0.113.9", "", url.Values{"email": {f.user.Email}, "password": {fmt.Sprintf("guess number %d!", i)}}).Code
		})
		if n := f.passwords.Load(); n > int64(pairAttempts.burst) {
			t.Errorf("%d passwords checked, want at most %d", n, pairAttempts.burst)
		}
		for i, st := range statuses {
			if st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
				t.Errorf("guess %d: %d", i, st)
			}
		}
		rec := f.send("POST", "/login", "203.0.113.9", "", url.Values{"email": {f.user.Email}, "password": {"a long enough password"}})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Location") != "" {
			t.Errorf("the right password sent last: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
		}
		if n := f.passwords.Load(); n > int64(pairAttempts.burst) {
			t.Errorf("the right password was checked while throttled: %d checks", n)
		}
		// The owner, elsewhere, signs in.
		if rec := f.send("POST", "/login", "198.51.100.4", "", url.Values{"email": {f.user.Email}, "password": {"a long enough password"}}); rec.Code != http.StatusSeeOther {
			t.Errorf("the owner from another address: %d, want signed in", rec.Code)
		}
	})
	t.Run("40 parallel guesses at 40 accounts get the address's 30 checks", func(t *testing.T) {
		f := newGuardFixture(t)
		parallel(40, func(i int) {
			f.send("POST", "/login", "203.0.113.9", "", url.Values{"email": {fmt.Sprintf("user%d@coc.test", i)}, "password": {"a guess at it!!"}})
		})
		if n := f.passwords.Load(); n > int64(addressAttempts.burst) {
			t.Errorf("%d passwords checked, want at most %d", n, addressAttempts.burst)
		}
	})
	t.Run("failed sign-ins and sign-ins are audited with the address", func(t *testing.T) {
		f := newGuardFixture(t)
		f.send("POST", "/login", "203.0.113.9", "", url.Values{"email": {"Nobody@coc.test"}, "password": {"a guess at it!!"}})
		f.send("POST", "/login", "198.51.100.4", "", url.Values{"email": {f.user.Email}, "password": {"a long enough password"}})
		got := auditActions(t, f.db)
		want := []string{"session.sign_in_failed email nobody@coc.test 203.0.113.9", "session.sign_in user " + f.user.ID + " 198.51.100.4"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// auditActions lists the audit log's sign-in and second-factor events: action, entity and the
// address recorded.
func auditActions(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT action, entity_type, entity_id, COALESCE(after, '') FROM audit_events
		WHERE action LIKE 'session.%' OR action LIKE 'user.second_factor%' OR action LIKE 'user.recovery%' OR action LIKE 'settings.%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, typ, id, after string
		if err := rows.Scan(&action, &typ, &id, &after); err != nil {
			t.Fatal(err)
		}
		var a struct{ Address string }
		json.Unmarshal([]byte(after), &a)
		out = append(out, strings.TrimSpace(strings.Join([]string{action, typ, id, a.Address}, " ")))
	}
	return out
}

func TestAPIRateLimits(t *testing.T) {
	f := newGuardFixture(t)
	f.srv.Configure(Security{Limits: Limits{TokenRate: 1, TokenBurst: 5, AddressRate: 2, AddressBurst: 8}})
	other, _, err := f.db.CreateToken(context.Background(), cas.System, f.user.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if rec := f.send("GET", "/api/v1/me", "192.0.2.1", f.token, nil); rec.Code != http.StatusOK {
			t.Fatalf("request %d within the token's burst: %d", i, rec.Code)
		}
	}
	rec := f.send("GET", "/api/v1/me", "192.0.2.1", f.token, nil)
	var body errorBody
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" || body.Error.Code != cas.ERateLimited {
		t.Errorf("past the token's burst: %d, Retry-After %q, %+v", rec.Code, rec.Header().Get("Retry-After"), body)
	}
	// Another token from the same address has its own bucket, until the address's is empty
	// (8 requests: the 6 above and 2 more).
	for i := range 2 {
		if rec := f.send("GET", "/api/v1/me", "192.0.2.1", other, nil); rec.Code != http.StatusOK {
			t.Fatalf("another token, request %d: %d", i, rec.Code)
		}
	}
	if rec := f.send("GET", "/api/v1/me", "192.0.2.1", other, nil); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("past the address's burst: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := f.send("GET", "/api/v1/me", "192.0.2.2", other, nil); rec.Code != http.StatusOK {
		t.Errorf("the second token from another address: %d", rec.Code)
	}
	if rec := f.send("GET", "/api/v1/me", "192.0.2.2", "", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token from another address: %d, want 401", rec.Code)
	}
	f.clock.Advance(time.Second)
	if rec := f.send("GET", "/api/v1/me", "192.0.2.1", f.token, nil); rec.Code != http.StatusOK {
		t.Errorf("a second later: %d", rec.Code)
	}
	t.Run("an IPv6 client is counted by its /64", func(t *testing.T) {
		f := newGuardFixture(t)
		f.srv.Configure(Security{Limits: Limits{AddressRate: 1, AddressBurst: 3}})
		for i := range 3 {
			f.send("GET", "/api/v1/me", fmt.Sprintf("[2001:db8:1:2::%x]", i+1), f.token, nil)
		}
		if rec := f.send("GET", "/api/v1/me", "[2001:db8:1:2:ffff::9]", f.token, nil); rec.Code != http.StatusTooManyRequests {
			t.Errorf("a fourth address of the same /64: %d, want 429", rec.Code)
		}
		if rec := f.send("GET", "/api/v1/me", "[2001:db8:1:3::1]", f.token, nil); rec.Code != http.StatusOK {
			t.Errorf("another /64: %d", rec.Code)
		}
	})
}

func TestTokenGuessingIsLimited(t *testing.T) {
	f := newGuardFixture(t)
	statuses := make([]int, 3000)
	parallel(3000, func(i int) {
		statuses[i] = f.send("GET", "/api/v1/me", "203.0.113.9", fmt.Sprintf("dw_guess%d", i), nil).Code
	})
	if n := f.tokens.Load(); n > int64(tokenFailures.burst) {
		t.Errorf("%d of 3,000 guessed tokens checked, want at most %d", n, tokenFailures.burst)
	}
	counts := map[int]int{}
	for _, st := range statuses {
		counts[st]++
	}
	if counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 3000 || counts[http.StatusTooManyRequests] < 3000-tokenFailures.burst {
		t.Errorf("answers by status: %v", counts)
	}
	t.Run("valid tokens do not use up the allowance", func(t *testing.T) {
		f := newGuardFixture(t)
		for range 100 {
			if rec := f.send("GET", "/api/v1/me", "192.0.2.1", f.token, nil); rec.Code != http.StatusOK {
				t.Fatalf("a valid token: %d", rec.Code)
			}
		}
		if rec := f.send("GET", "/api/v1/me", "192.0.2.1", "dw_wrong", nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("an invalid token after 100 valid requests: %d, want it checked (401)", rec.Code)
		}
	})
}

func TestBucketsStayBounded(t *testing.T) {
	b := buckets{max: 100}
	now := time.Now()
	kind := bucketKind{name: "test", every: time.Minute, burst: 2}
	b.take(now, bucket{kind, "drained"})
	b.take(now, bucket{kind, "drained"})
	for i := range 1000 {
		b.take(now, bucket{kind, fmt.Sprint(i)})
	}
	if n := b.size(); n > 101 {
		t.Errorf("%d buckets held, want at most 100 and the overflow", n)
	}
	if _, wait := b.take(now, bucket{kind, "drained"}); wait == 0 {
		t.Error("a drained bucket was forgotten to make room")
	}
	// Once the buckets are full again they are dropped.
	later := now.Add(2 * time.Minute)
	b.take(later, bucket{kind, "new"})
	if n := b.size(); n > 1 {
		t.Errorf("%d buckets held after they all refilled, want the new one", n)
	}
}

func TestMetricsAccess(t *testing.T) {
	f := newGuardFixture(t)
	if rec := f.send("GET", "/metrics", "127.0.0.1", "", nil); rec.Code != http.StatusNotFound {
		t.Errorf("metrics without a token or addresses configured: %d, want 404", rec.Code)
	}
	allow, err := ParseAddresses("192.0.2.0/24, ::1")
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Configure(Security{MetricsToken: "scrape-secret", MetricsAllow: allow})
	for _, c := range []struct {
		addr, token string
		want        int
	}{
		{"198.51.100.7", "", http.StatusForbidden},
		{"198.51.100.7", "wrong", http.StatusForbidden},
		{"198.51.100.7", "scrape-secret", http.StatusOK},
		{"192.0.2.44", "", http.StatusOK},
		{"[::1]", "", http.StatusOK},
		{"127.0.0.1", "", http.StatusForbidden},
	} {
		rec := f.send("GET", "/metrics", c.addr, c.token, nil)
		if rec.Code != c.want {
			t.Errorf("metrics from %s with token %q: %d, want %d", c.addr, c.token, rec.Code, c.want)
		}
		if c.want == http.StatusOK && !strings.Contains(rec.Body.String(), "doorway_http_requests_total") {
			t.Errorf("metrics from %s: no request counter", c.addr)
		}
	}
	if _, err := ParseAddresses("10.0.0.0/8,not-an-address"); err == nil {
		t.Error("a bad address was accepted")
	}
	if got, _ := ParseAddresses("10.1.2.3/8"); len(got) != 1 || got[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("ParseAddresses = %v", got)
	}
}

// TestOpenAPIListsRateLimits: every call that takes a token says it may answer 429.
func TestOpenAPIListsRateLimits(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // public
			}
			if op.Responses.Value("429") == nil {
				t.Errorf("%s /api/v1%s does not list 429 (components/responses/TooManyRequests)", method, path)
			}
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	f := newGuardFixture(t)
	proxies, err := ParseAddresses("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Configure(Security{TrustedProxies: proxies})
	// login sends a sign-in through the proxy at peer, forwarded for the chain xff.
	login := func(peer, xff, pw string) int {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {f.user.Email}, "password": {pw}}.Encode()))
		req.RemoteAddr = peer + ":40000"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec.Code
	}
	// An attacker behind the proxy, forging a first hop, guesses until throttled.
	for range pairAttempts.burst + 1 {
		login("127.0.0.1", "198.51.100.77, 203.0.113.9, 10.1.2.3", "wrong password!!")
	}
	if code := login("127.0.0.1", "203.0.113.9", "a long enough password"); code != http.StatusTooManyRequests {
		t.Errorf("the attacker's address through the proxy: %d, want 429", code)
	}
	// The owner, through the same proxy from elsewhere, is not locked out.
	if code := login("127.0.0.1", "198.51.100.4", "a long enough password"); code != http.StatusSeeOther {
		t.Errorf("the owner through the proxy: %d, want signed in", code)
	}
	// A peer that is not a trusted proxy cannot claim another address.
	for range pairAttempts.burst + 1 {
		login("192.0.2.50", "198.51.100.99", "wrong password!!")
	}
	if code := login("192.0.2.50", "198.51.100.100", "a long enough password"); code != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer changing its X-Forwarded-For escaped the throttle: %d", code)
	}
	got := auditActions(t, f.db)
	if !slices.Contains(got, "session.sign_in_failed email "+f.user.Email+" 203.0.113.9") || !slices.Contains(got, "session.sign_in user "+f.user.ID+" 198.51.100.4") {
		t.Errorf("the audit log does not record the clients' addresses:\n%s", strings.Join(got, "\n"))
	}
}
