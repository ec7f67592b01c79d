// Command benchscale load-tests a Doorway server over a large CoC's database, as
// scripts/bench-scale.sh runs it: it starts `doorway serve` on the database with an SMTP server of
// its own, drives the read endpoints with vegeta (8 workers as fast as the server answers, then one
// request a second), times check-outs until the email they cause is accepted by SMTP, samples the
// server's memory, and prints one table.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	doorway := flag.String("doorway", "doorway", "the doorway binary")
	vegeta := flag.String("vegeta", "vegeta", "the vegeta binary")
	dbURL := flag.String("db", "", "database URL of the imported CoC (required)")
	secs := flag.Int("seconds", 10, "seconds per endpoint")
	checkOuts := flag.Int("check-outs", 20, "check-outs timed until their email")
	flag.Parse()
	if *dbURL == "" {
		fmt.Fprintln(os.Stderr, "benchscale: --db is required")
		os.Exit(2)
	}
	b := &bench{doorway: *doorway, vegeta: *vegeta, db: *dbURL, secs: *secs}
	if err := b.run(*checkOuts); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

type bench struct {
	doorway, vegeta, db string
	secs                int
	base                string
	tokens              map[string]string // by role
	mail                *mailbox
	server              *exec.Cmd
	contacts            map[string]string // agency ID → its CAS Contact's email
}

const password = "bench password long enough"

func (b *bench) run(checkOuts int) error {
	b.tokens = map[string]string{}
	for _, role := range []string{"cas_admin", "hmis_admin"} {
		email := role + "@bench.doorway.test"
		cmd := exec.Command(b.doorway, "user", "add", "--db", b.db, "--email", email, "--role", role, "--password-stdin")
		cmd.Stdin = strings.NewReader(password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil && !bytes.Contains(out, []byte("already")) {
			return fmt.Errorf("user create %s: %v: %s", role, err, out)
		}
		out, err := exec.Command(b.doorway, "token", "create", "--db", b.db, "--email", email).Output()
		if err != nil {
			return fmt.Errorf("token create %s: %w", role, err)
		}
		b.tokens[role] = strings.TrimSpace(string(out))
	}
	mail, smtpAddr, err := listenSMTP()
	if err != nil {
		return err
	}
	b.mail = mail
	port, err := freePort()
	if err != nil {
		return err
	}
	b.base = "http://127.0.0.1:" + port
	// The API's rate limits are off: the load test measures what the server can answer, from one
	// address and a few tokens.
	b.server = exec.Command(b.doorway, "serve", "--db", b.db, "--addr", "127.0.0.1:"+port, "--smtp-url", "smtp://"+smtpAddr,
		"--mail-from", "doorway@bench.doorway.test", "--api-token-rate", "0", "--api-address-rate", "0")
	logFile, err := os.Create(os.TempDir() + "/benchscale-serve.log")
	if err != nil {
		return err
	}
	defer logFile.Close()
	b.server.Stdout, b.server.Stderr = logFile, logFile
	if err := b.server.Start(); err != nil {
		return err
	}
	defer b.server.Process.Kill()
	if err := b.waitReady(); err != nil {
		return fmt.Errorf("%w (its log: %s)", err, logFile.Name())
	}
	b.contacts = map[string]string{}
	agencyToken, err := b.agencyContacts()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "waiting for the first run's emails to be sent… ")
	fmt.Fprintf(os.Stderr, "%d sent\n", b.mail.quiet(5*time.Second))
	deep, err := b.deepCursor(90_000)
	if err != nil {
		return err
	}
	cookie, err := b.signIn("cas_admin@bench.doorway.test")
	if err != nil {
		return err
	}
	cas, hmis := "Bearer "+b.tokens["cas_admin"], "Bearer "+b.tokens["hmis_admin"]
	pid := b.server.Process.Pid
	fmt.Fprintf(os.Stderr, "server memory after the first matching run: peak %s, now %s\n", peakRSS(pid), rss(pid))
	fmt.Printf("| what | requests/s | p50 | p95 | p99 | max | ok | server's peak memory |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range []struct{ name, path, auth, header, rate string }{
		{"`GET /api/v1/hpl?limit=50`", "/api/v1/hpl?limit=50", cas, "Authorization", "0"},
		{"the same, one request a second", "/api/v1/hpl?limit=50", cas, "Authorization", "1/s"},
		{"`GET /api/v1/hpl?limit=50` from rank 90,001", "/api/v1/hpl?limit=50&cursor=" + deep, cas, "Authorization", "0"},
		{"`GET /api/v1/hpl?intake_status=ready&population=veteran&limit=50`", "/api/v1/hpl?intake_status=ready&population=veteran&limit=50", cas, "Authorization", "0"},
		{"`/hpl` page", "/hpl", cookie, "Cookie", "0"},
		{"`GET /api/v1/reports/hpl-packet`", "/api/v1/reports/hpl-packet", cas, "Authorization", "0"},
		{"`GET /api/v1/referrals` (an agency's incoming)", "/api/v1/referrals?status=pending", "Bearer " + agencyToken, "Authorization", "0"},
		{"`GET /api/v1/reports/under-referral`", "/api/v1/reports/under-referral", cas, "Authorization", "0"},
		{"`GET /api/v1/reports/metrics`", "/api/v1/reports/metrics", cas, "Authorization", "0"},
		{"`GET /api/v1/units?status=occupied&limit=50` (HMIS team)", "/api/v1/units?status=occupied&limit=50", hmis, "Authorization", "0"},
	} {
		resetPeak(pid)
		r, err := b.attack(t.path, t.header, t.auth, t.rate)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %s | %.0f%% | %s |\n", t.name, r.Throughput, ms(r.Latencies.P50), ms(r.Latencies.P95), ms(r.Latencies.P99),
			ms(r.Latencies.Max), r.Success*100, peakRSS(pid))
	}
	resetPeak(pid)
	lat, err := b.checkOutToEmail(checkOuts)
	if err != nil {
		return err
	}
	slices.Sort(lat)
	fmt.Printf("\nunit checked out → email accepted by SMTP, %d check-outs: p50 %s, p99 %s, max %s\n", len(lat), lat[len(lat)/2].Round(time.Millisecond),
		lat[min(len(lat)-1, len(lat)*99/100)].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	fmt.Printf("server's peak memory while checking out and matching: %s\n", peakRSS(pid))
	fmt.Printf("server memory now: %s\n", rss(pid))
	return nil
}

func ms(ns int64) string { return time.Duration(ns).Round(100 * time.Microsecond).String() }

type report struct {
	Throughput float64 `json:"throughput"`
	Success    float64 `json:"success"`
	Latencies  struct {
		P50 int64 `json:"50th"`
		P95 int64 `json:"95th"`
		P99 int64 `json:"99th"`
		Max int64 `json:"max"`
	} `json:"latencies"`
}

// attack runs vegeta against one path and reads its JSON report.
func (b *bench) attack(path, header, value, rate string) (report, error) {
	var r report
	attack := exec.Command(b.vegeta, "attack", "-header", header+": "+value, "-rate="+rate, "-max-workers=8", "-workers=8",
		"-duration="+strconv.Itoa(b.secs)+"s", "-timeout=60s")
	attack.Stdin = strings.NewReader("GET " + b.base + path + "\n")
	rep := exec.Command(b.vegeta, "report", "-type=json")
	pipe, err := attack.StdoutPipe()
	if err != nil {
		return r, err
	}
	rep.Stdin = pipe
	var out bytes.Buffer
	rep.Stdout = &out
	if err := attack.Start(); err != nil {
		return r, err
	}
	if err := rep.Run(); err != nil {
		return r, err
	}
	if err := attack.Wait(); err != nil {
		return r, err
	}
	return r, json.Unmarshal(out.Bytes(), &r)
}

func (b *bench) api(method, path, role string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+b.tokens[role])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func (b *bench) waitReady() error {
	for range 600 {
		if resp, err := http.Get(b.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the server did not start")
}

// deepCursor pages down the HPL to a rank, 500 at a time.
func (b *bench) deepCursor(rank int) (string, error) {
	cursor := ""
	for seen := 0; seen+500 <= rank; seen += 500 {
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		if err := b.api("GET", "/api/v1/hpl?limit=500&cursor="+cursor, "cas_admin", nil, &page); err != nil {
			return "", err
		}
		if page.NextCursor == "" {
			return "", fmt.Errorf("the HPL ends before rank %d", rank)
		}
		cursor = page.NextCursor
	}
	return url.QueryEscape(cursor), nil
}

// signIn signs in to the web pages and returns the session cookie.
func (b *bench) signIn(email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", b.base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign in: %d", resp.StatusCode)
	}
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

type unit struct{ ID, AgencyID string }

// agencyContacts gives every agency a CAS Contact, so that referrals are emailed, and returns the
// API token of one of them.
func (b *bench) agencyContacts() (string, error) {
	var agencies struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := b.api("GET", "/api/v1/agencies?limit=500", "hmis_admin", nil, &agencies); err != nil {
		return "", err
	}
	first := ""
	for i, a := range agencies.Items {
		email := fmt.Sprintf("contact-%d@bench.doorway.test", i)
		err := b.api("POST", "/api/v1/users", "hmis_admin", map[string]any{"email": email, "password": password, "name": "Contact " + strconv.Itoa(i),
			"role": "agency_user", "agency_id": a.ID, "cas_contact": true}, nil)
		if err != nil && !strings.Contains(err.Error(), "409") {
			return "", err
		}
		b.contacts[a.ID] = email
		if first == "" {
			first = email
		}
	}
	out, err := exec.Command(b.doorway, "token", "create", "--db", b.db, "--email", first).Output()
	return strings.TrimSpace(string(out)), err
}

// checkOutToEmail moves n referred clients into their units (the HMIS team checks them in), then
// checks each out, one at a time, and times it until SMTP accepts the email of the referral the
// freed unit goes to, sent to the agency's CAS Contact.
func (b *bench) checkOutToEmail(n int) ([]time.Duration, error) {
	var referrals struct {
		Items []struct {
			ClientID string `json:"client_id"`
			UnitID   string `json:"unit_id"`
			AgencyID string `json:"agency_id"`
		} `json:"items"`
	}
	if err := b.api("GET", fmt.Sprintf("/api/v1/referrals?status=pending&limit=%d", n), "cas_admin", nil, &referrals); err != nil {
		return nil, err
	}
	var occupied []unit
	for _, r := range referrals.Items {
		if r.UnitID == "" {
			continue
		}
		if err := b.api("POST", "/api/v1/units/"+r.UnitID+"/check-in", "hmis_admin", map[string]any{"client_id": r.ClientID}, nil); err != nil {
			return nil, err
		}
		occupied = append(occupied, unit{ID: r.UnitID, AgencyID: r.AgencyID})
	}
	var lat []time.Duration
	for _, u := range occupied {
		start := time.Now()
		if err := b.api("POST", "/api/v1/units/"+u.ID+"/check-out", "hmis_admin", nil, nil); err != nil {
			return nil, err
		}
		at, ok := b.mail.waitFor(b.contacts[u.AgencyID], time.Minute)
		if !ok {
			fmt.Fprintf(os.Stderr, "no email to %s within a minute of checking out unit %s (no eligible client?)\n", b.contacts[u.AgencyID], u.ID)
			continue
		}
		lat = append(lat, at.Sub(start))
	}
	if len(lat) == 0 {
		return nil, errors.New("no check-out led to a referral")
	}
	return lat, nil
}

// resetPeak starts the process's peak resident memory (VmHWM) again from its current size.
func resetPeak(pid int) { os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) }

func peakRSS(pid int) string { return procStatus(pid, "VmHWM:") }

func rss(pid int) string { return procStatus(pid, "VmRSS:") }

// procStatus reads one line of /proc/PID/status, in MB.
func procStatus(pid int, key string) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), key); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return fmt.Sprintf("%d MB", kb/1024)
		}
	}
	return "?"
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// mailbox is an SMTP server that notes when each message was accepted, and for whom.
type mailbox struct {
	accepted chan delivery
}

type delivery struct {
	at time.Time
	to []string
}

// quiet waits until the server's first matching run has sent its emails: until none has been
// accepted for d after the first, or for two minutes if none comes.
func (m *mailbox) quiet(d time.Duration) int {
	n := 0
	for {
		wait := d
		if n == 0 {
			wait = 2 * time.Minute
		}
		select {
		case <-m.accepted:
			n++
		case <-time.After(wait):
			return n
		}
	}
}

// waitFor waits for an email to an address and returns when SMTP accepted it.
func (m *mailbox) waitFor(to string, timeout time.Duration) (time.Time, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case d := <-m.accepted:
			if slices.Contains(d.to, to) {
				return d.at, true
			}
		case <-deadline:
			return time.Time{}, false
		}
	}
}

func listenSMTP() (*mailbox, string, error) {
	m := &mailbox{accepted: make(chan delivery, 100_000)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	s := smtp.NewServer(backend{m})
	s.Domain, s.AllowInsecureAuth = "localhost", true
	go s.Serve(l)
	return m, l.Addr().String(), nil
}

type backend struct{ m *mailbox }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{m: b.m}, nil }

type session struct {
	m  *mailbox
	to []string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	select {
	case s.m.accepted <- delivery{time.Now(), s.to}:
	default:
	}
	return nil
}
func (s *session) Reset()        { s.to = nil }
func (s *session) Logout() error { return nil }
