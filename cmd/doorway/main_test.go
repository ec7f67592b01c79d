package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/notify/smtptest"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer that the server goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run runs the program once with the given environment and standard input, and returns its output.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), args)
	return out.String(), err
}

// server is a running `doorway serve`.
type server struct {
	url    string
	stdout *syncBuffer
	stop   func() error
}

func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	out := &syncBuffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: out, Stderr: io.Discard, Getenv: func(k string) string { return env[k] },
		Listening: func(a string) { addr <- a }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	var once sync.Once
	var stopErr error
	s := &server{stdout: out, stop: func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}}
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening")
	}
	t.Cleanup(func() { s.stop() })
	return s
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestEndToEnd(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dbURL string) {
		env := map[string]string{"DOORWAY_DB": dbURL}
		if _, err := run(t, env, "", "migrate"); err != nil {
			t.Fatal(err)
		}
		out, err := run(t, env, "a long enough password\n", "user", "add", "--email", "admin@coc.test", "--role", "hmis_admin", "--password-stdin")
		if err != nil {
			t.Fatalf("user add: %v", err)
		}
		if !strings.Contains(out, "Added admin@coc.test") {
			t.Errorf("user add printed %q", out)
		}
		token, err := run(t, env, "", "token", "create", "--email", "ADMIN@coc.test")
		if err != nil {
			t.Fatalf("token create: %v", err)
		}
		token = strings.TrimSpace(token)

		srv := startServe(t, env)
		for _, path := range []string{"/healthz", "/readyz"} {
			if status, body := get(t, srv.url+path, ""); status != 200 || body["status"] != "ok" {
				t.Errorf("%s: %d %v", path, status, body)
			}
		}
		status, me := get(t, srv.url+"/api/v1/me", token)
		if status != 200 || me["email"] != "admin@coc.test" || me["role"] != "hmis_admin" {
			t.Errorf("/api/v1/me: %d %v", status, me)
		}
		if status, _ := get(t, srv.url+"/api/v1/me", ""); status != 401 {
			t.Errorf("/api/v1/me without a token: %d, want 401", status)
		}
		if out, err := run(t, env, "", "token", "revoke", "--email", "admin@coc.test"); err != nil || !strings.Contains(out, "Revoked 1") {
			t.Errorf("token revoke: %q %v", out, err)
		}
		if status, _ := get(t, srv.url+"/api/v1/me", token); status != 401 {
			t.Errorf("/api/v1/me with a revoked token: %d, want 401", status)
		}
		if err := srv.stop(); err != nil {
			t.Errorf("graceful shutdown: %v", err)
		}
	})
}

var tokenLine = regexp.MustCompile(`(?m)^  (dw_\S+)$`)

func TestServeDemo(t *testing.T) {
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t)}
	srv := startServe(t, env, "--demo")
	out := srv.stdout.String()
	m := tokenLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no API token printed:\n%s", out)
	}
	for _, want := range []string{"doorway-demo-password", "cas.admin@demo.doorway.test", "CAS Contact", srv.url} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo banner lacks %q:\n%s", want, out)
		}
	}
	status, me := get(t, srv.url+"/api/v1/me", m[1])
	if status != 200 || me["role"] != "hmis_admin" {
		t.Errorf("/api/v1/me with the printed token: %d %v", status, me)
	}
	_, agencies := get(t, srv.url+"/api/v1/agencies", m[1])
	if items, _ := agencies["items"].([]any); len(items) < 3 {
		t.Errorf("demo agencies: %v", agencies)
	}
	srv.stop()

	t.Run("a second start keeps the data and prints a fresh token", func(t *testing.T) {
		srv := startServe(t, env, "--demo")
		out := srv.stdout.String()
		if strings.Contains(out, "Loaded the demo") {
			t.Error("the demo was loaded twice")
		}
		m2 := tokenLine.FindStringSubmatch(out)
		if m2 == nil || m2[1] == m[1] {
			t.Fatalf("no fresh token:\n%s", out)
		}
		if status, _ := get(t, srv.url+"/api/v1/me", m2[1]); status != 200 {
			t.Errorf("fresh token: %d", status)
		}
	})
}

func TestCommandLineErrors(t *testing.T) {
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t)}
	cases := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"no command", env, "", nil, "no command"},
		{"unknown command", env, "", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"user add without email", env, "", []string{"user", "add", "--role", "cas_admin"}, "--email is required"},
		{"user add with an unknown role", env, "", []string{"user", "add", "--email", "a@b.test", "--role", "boss"}, `--role "boss"`},
		{"user add with a short password", env, "short\n", []string{"user", "add", "--email", "a@b.test", "--role", "cas_admin", "--password-stdin"}, "at least 12"},
		{"user add without a terminal", env, "", []string{"user", "add", "--email", "a@b.test", "--role", "cas_admin"}, "--password-stdin"},
		{"user add with an unknown agency", env, "a long enough password\n", []string{"user", "add", "--email", "a@b.test", "--role", "agency_user", "--agency", "Nowhere", "--password-stdin"}, `--agency "Nowhere"`},
		{"user add agency user without agency", env, "a long enough password\n", []string{"user", "add", "--email", "a@b.test", "--role", "agency_user", "--password-stdin"}, "--agency: an agency user needs an agency"},
		{"token for nobody", env, "", []string{"token", "create", "--email", "nobody@coc.test"}, "--email nobody@coc.test"},
		{"a bad database URL", map[string]string{"DOORWAY_DB": "mysql://x"}, "", []string{"migrate"}, "want sqlite:PATH or postgres://"},
		{"a bad boolean in the environment", map[string]string{"DOORWAY_DEMO": "perhaps"}, "", []string{"serve"}, "DOORWAY_DEMO"},
		{"an unknown flag", env, "", []string{"migrate", "--colour"}, "flag provided but not defined"},
		{"a negative no-rereferral period", env, "", []string{"serve", "--addr", "127.0.0.1:0", "--no-rereferral-days", "-1"}, "--no-rereferral-days -1"},
		{"a zero suspect threshold", env, "", []string{"serve", "--addr", "127.0.0.1:0", "--suspect-available-days", "0"}, "--suspect-available-days 0: want 1 to 365"},
		{"a negative API rate", env, "", []string{"serve", "--addr", "127.0.0.1:0", "--api-token-rate", "-1"}, "--api-token-rate -1"},
		{"an API rate without a burst", env, "", []string{"serve", "--addr", "127.0.0.1:0", "--api-address-burst", "0"}, "--api-address-burst 0: want 1 or more"},
		{"a bad metrics address", map[string]string{"DOORWAY_DB": env["DOORWAY_DB"], "DOORWAY_METRICS_ALLOW": "10.0.0.0/8,intranet"}, "", []string{"serve", "--addr", "127.0.0.1:0"}, `--metrics-allow: "intranet"`},
		{"a bad trusted proxy", env, "", []string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "proxy.internal"}, `--trusted-proxies: "proxy.internal"`},
		{"a short metrics token", env, "", []string{"serve", "--addr", "127.0.0.1:0", "--metrics-token", "abc"}, "--metrics-token: want at least 16"},
		{"a negative retention period", map[string]string{"DOORWAY_DB": env["DOORWAY_DB"], "DOORWAY_RETENTION_YEARS": "-2"}, "", []string{"serve", "--addr", "127.0.0.1:0"}, "--retention-years -2: want 0 (off) to 100"},
		{"a retention run of no years", env, "", []string{"retention", "--years", "0"}, "--years 0: want at least 1"},
		{"a stale-roster threshold over a year", map[string]string{"DOORWAY_DB": env["DOORWAY_DB"], "DOORWAY_STALE_ROSTER_DAYS": "400"}, "", []string{"serve", "--addr", "127.0.0.1:0"}, "--stale-roster-days 400"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, c.env, c.stdin, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// TestDemoEmailsTheCASContact is the newcomer's first minute: serve --demo with an SMTP server,
// check a client out of an occupied unit, and the agency's CAS Contact gets the new referral's
// email within seconds, with the same notification in their inbox.
func TestDemoEmailsTheCASContact(t *testing.T) {
	mail := smtptest.Start(t)
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t), "DOORWAY_SMTP_URL": mail.URL(), "DOORWAY_MAIL_FROM": "doorway@coc.test"}
	srv := startServe(t, env, "--demo")
	contact := "housing@riverside.demo.doorway.test"
	newReferral := func(m smtptest.Message) bool {
		return m.To[0] == contact && strings.HasPrefix(m.Subject, "New referral to ")
	}
	token, err := run(t, env, "", "token", "create", "--email", contact)
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	_, units := get(t, srv.url+"/api/v1/units?status=occupied", token)
	items, _ := units["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no occupied unit at the contact's agency: %v", units)
	}
	unitID := items[0].(map[string]any)["id"].(string)
	before := len(mail.Messages())
	for _, m := range mail.Messages() {
		if newReferral(m) {
			t.Errorf("the demo's invented history was emailed: %q", m.Subject)
		}
	}
	req, _ := http.NewRequest("POST", srv.url+"/api/v1/units/"+unitID+"/check-out", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("check-out: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range mail.Messages()[before:] {
			if newReferral(m) {
				_, inbox := get(t, srv.url+"/api/v1/notifications", token)
				if first, _ := inbox["items"].([]any); len(first) == 0 || first[0].(map[string]any)["subject"] != m.Subject {
					t.Errorf("the inbox does not lead with the emailed notification: %v", inbox)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no referral email reached %s; got %d messages", contact, len(mail.Messages()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
