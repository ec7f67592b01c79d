package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify/smtptest"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// The tests in this file run `doorway serve` as the operating system runs it, a process built
// with go build, so that it can be killed with SIGKILL (kill -9) at a chosen moment and several
// can share one database.

// buildDoorway builds the program into the test's temporary folder and returns its path.
func buildDoorway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "doorway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running `doorway serve` process.
type process struct {
	cmd     *exec.Cmd
	url     string
	log     *syncBuffer
	exited  chan struct{}
	browser *http.Client // signed in by importUpload
}

// startProcess starts bin serve on a free port of 127.0.0.1 with args and waits until it listens.
// The process is killed when the test ends, if it still runs.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: &syncBuffer{}, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		lines.Buffer(make([]byte, 1<<20), 1<<20)
		for lines.Scan() {
			fmt.Fprintln(p.log, lines.Text())
			var entry struct{ Msg, Addr string }
			if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "doorway listening" {
				addr <- entry.Addr
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill(t) })
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.exited:
		t.Fatalf("serve exited before listening:\n%s", p.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not listen within a minute:\n%s", p.log)
	}
	return p
}

// kill ends the process with SIGKILL, as kill -9 does: no shutdown, no deferred work, no flush.
func (p *process) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	<-p.exited
}

// call sends a JSON API request with token and returns the status and the decoded body.
func call(t *testing.T, p *process, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// waitFor polls done every 100 ms until it reports true, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// housingCoC is a CoC set up in the database before any server starts: an agency with a CAS
// Contact, staff and a program of facilities whose units are occupied but for a few, a CAS admin,
// and clients on the HPL ready to be referred.
type housingCoC struct {
	db                 *store.DB
	agency             cas.Agency
	casAdmin, staff    cas.User
	casToken, staffTok string
	facilities         []cas.Facility
	occupied, free     []cas.Unit
	clients            []cas.Client
}

func newHousingCoC(t *testing.T, db *store.DB, facilities, unitsEach, freeEach, clients int) *housingCoC {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	h := &housingCoC{db: db}
	var err error
	h.agency, err = db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	must(err)
	hmis, err := db.CreateUser(ctx, cas.System, cas.User{Email: "hmis@coc.test", Name: "HMIS Admin", Role: cas.RoleHMISAdmin}, "a long enough password")
	must(err)
	h.casAdmin, err = db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "CAS Admin", Role: cas.RoleCASAdmin}, "a long enough password")
	must(err)
	h.staff, err = db.CreateUser(ctx, cas.System, cas.User{Email: "intake@harbor.test", Name: "Dana Intake", Role: cas.RoleAgencyUser,
		AgencyID: h.agency.ID, CASContact: true}, "a long enough password")
	must(err)
	h.casToken, _, err = db.CreateToken(ctx, cas.System, h.casAdmin.ID, "test")
	must(err)
	h.staffTok, _, err = db.CreateToken(ctx, cas.System, h.staff.ID, "test")
	must(err)
	program, err := db.CreateProgram(ctx, &hmis, cas.Program{AgencyID: h.agency.ID, Name: "Harbor PSH", ProjectType: cas.ProjectPSH,
		Requirements: cas.Requirements{HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}}})
	must(err)
	for i := range facilities {
		f, err := db.CreateFacility(ctx, &hmis, cas.Facility{ProgramID: program.ID, Name: fmt.Sprintf("Harbor House %d", i+1), Address: "12 Quay St"})
		must(err)
		h.facilities = append(h.facilities, f)
		for j := range unitsEach {
			u, err := db.CreateUnit(ctx, &hmis, cas.Unit{FacilityID: f.ID, Label: fmt.Sprintf("Apt %d%02d", i+1, j+1), Bedrooms: 1,
				HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
			must(err)
			if j < freeEach {
				h.free = append(h.free, u)
				continue
			}
			_, err = db.CheckIn(ctx, &hmis, u.ID, "", fmt.Sprintf("Resident %d-%d", i+1, j+1))
			must(err)
			h.occupied = append(h.occupied, u)
		}
	}
	for i := range clients {
		c, err := db.CreateClient(ctx, &h.casAdmin, cas.Client{FirstName: fmt.Sprintf("Client%02d", i), LastName: "Test", BirthDate: "1980-05-01",
			HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true})
		must(err)
		_, err = db.AddToHPL(ctx, &h.casAdmin, cas.HPLEntry{ClientID: c.ID, Score: 10 + i%7, AssessedOn: "2026-01-15", DaysHomeless: 100 + i,
			IntakeStatus: cas.IntakeReady})
		must(err)
		h.clients = append(h.clients, c)
	}
	return h
}

// quiet waits until no match job and no email is left to do.
func (h *housingCoC) quiet(t *testing.T, limit time.Duration) {
	t.Helper()
	waitFor(t, limit, "the servers finish their work", func() bool {
		jobs, err := h.db.PendingJobs(context.Background(), store.JobMatch)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := h.db.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return jobs == 0 && counts["pending"] == 0
	})
}

// checkHolds checks that no unit is held twice and no client holds two units: every open
// referral holding a unit is that unit's holder, and each client has at most one open referral
// per facility and one holding a unit.
func (h *housingCoC) checkHolds(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	refs, err := store.All(func(p store.Page) ([]cas.Referral, string, error) {
		return h.db.Referrals(ctx, cas.System, store.ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}}, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	units, err := store.All(func(p store.Page) ([]cas.Unit, string, error) {
		return h.db.Units(ctx, cas.System, store.UnitFilter{}, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]string{}
	for _, u := range units {
		if u.HeldBy != nil {
			holder[u.ID] = u.HeldBy.ID
		}
	}
	perFacility, perClient, unitTaken := map[string]string{}, map[string]string{}, map[string]string{}
	for _, r := range refs {
		if other, dup := perFacility[r.ClientID+"|"+r.FacilityID]; dup {
			t.Errorf("client %s has two open referrals to facility %s: %s and %s", r.ClientID, r.FacilityID, other, r.ID)
		}
		perFacility[r.ClientID+"|"+r.FacilityID] = r.ID
		if r.UnitID == "" {
			continue
		}
		if other, dup := perClient[r.ClientID]; dup {
			t.Errorf("client %s holds two units, through referrals %s and %s", r.ClientID, other, r.ID)
		}
		perClient[r.ClientID] = r.ID
		if other, dup := unitTaken[r.UnitID]; dup {
			t.Errorf("unit %s is held by referrals %s and %s", r.UnitID, other, r.ID)
		}
		unitTaken[r.UnitID] = r.ID
		if holder[r.UnitID] != r.ID {
			t.Errorf("referral %s holds unit %s, whose holder is %q", r.ID, r.UnitID, holder[r.UnitID])
		}
	}
}

// TestTwoServersOnOnePostgres runs two serve processes on one PostgreSQL database, each with its
// worker, and sends them a burst from parallel clients: agency staff checking residents out
// (each freed unit is matched and referred by either server's worker), a CAS admin referring and
// over-referring clients, and staff accepting and declining the referrals, each action sent to
// both servers at once. No request fails with an internal error, no client is referred twice to a
// facility or holds two units, no unit has two holders, and every email of the outbox reaches
// the mail server exactly once.
func TestTwoServersOnOnePostgres(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	db := storetest.Open(t, dbURL)
	h := newHousingCoC(t, db, 3, 5, 1, 30)
	mail := smtptest.Start(t)
	bin := buildDoorway(t)
	// The burst is from one address and two tokens: the API's rate limits, tested on their own,
	// would turn most of it away.
	args := []string{"--db", dbURL, "--smtp-url", mail.URL(), "--mail-from", "doorway@coc.test", "--api-token-rate", "0", "--api-address-rate", "0"}
	servers := []*process{startProcess(t, bin, args...), startProcess(t, bin, args...)}

	var mu sync.Mutex
	statuses := map[int]int{}
	send := func(i int, token, method, path, body string) map[string]any {
		status, out := call(t, servers[i%2], token, method, path, body)
		mu.Lock()
		statuses[status]++
		mu.Unlock()
		if status >= 500 || status == 0 {
			t.Errorf("%s %s on server %d: %d %v", method, path, i%2, status, out)
		}
		return out
	}
	var wg sync.WaitGroup
	for i, u := range h.occupied {
		wg.Go(func() { send(i, h.staffTok, "POST", "/api/v1/units/"+u.ID+"/check-out", "") })
	}
	for i := range 24 {
		wg.Go(func() {
			c, f := h.clients[i%len(h.clients)], h.facilities[i%len(h.facilities)]
			send(i, h.casToken, "POST", "/api/v1/referrals", fmt.Sprintf(`{"client_id": %q, "facility_id": %q, "over_refer": %t, "reason": "a tenant leaves soon"}`,
				c.ID, f.ID, i%3 == 0))
		})
	}
	wg.Wait()
	// Staff answer the open referrals, each answer sent to both servers at once: one wins.
	list := send(0, h.staffTok, "GET", "/api/v1/referrals?status=pending&limit=100", "")
	items, _ := list["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no pending referral after the burst: %v", list)
	}
	for n, item := range items {
		id := item.(map[string]any)["id"].(string)
		for i := range 2 {
			wg.Go(func() {
				if n%2 == 0 {
					send(i, h.staffTok, "POST", "/api/v1/referrals/"+id+"/accept", "")
				} else {
					send(i, h.staffTok, "POST", "/api/v1/referrals/"+id+"/decline", `{"reason_code": "client_unreachable"}`)
				}
			})
		}
	}
	wg.Wait()
	h.quiet(t, 45*time.Second)
	t.Logf("responses by status: %v", statuses)
	h.checkHolds(t)

	counts, err := db.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range mail.Messages() {
		seen[m.MessageID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("email %s delivered %d times", id, n)
		}
	}
	if counts["sent"] == 0 || counts["sent"] != len(seen) || counts["failed"] != 0 {
		t.Errorf("outbox %v; %d distinct emails delivered, want every one sent once", counts, len(seen))
	}
}

// TestKillDuringImport kills serve with SIGKILL while an uploaded HMIS export is being written to
// the database, starts it again, and finds nothing of the export (it is one transaction); the same
// upload then imports whole. (Should the import commit in the instant between the last look and
// the kill, all of it is there, which all-or-nothing allows too.)
func TestKillDuringImport(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dbURL string) {
		db := storetest.Open(t, dbURL)
		ctx := context.Background()
		hmis, err := db.CreateUser(ctx, cas.System, cas.User{Email: "hmis@coc.test", Name: "HMIS Admin", Role: cas.RoleHMISAdmin}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		bin := buildDoorway(t)
		export := filepath.Join(t.TempDir(), "export")
		if out, err := exec.Command(bin, "gen", "--clients", "10000", "--units", "1000", "--out", export).CombinedOutput(); err != nil {
			t.Fatalf("gen: %v\n%s", err, out)
		}
		upload := zipFolder(t, export)
		clients := func() int {
			list, err := store.All(func(p store.Page) ([]cas.Client, string, error) {
				return db.Clients(ctx, &hmis, store.ClientFilter{}, p)
			})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}

		srv := startProcess(t, bin, "--db", dbURL)
		first := importUpload(t, srv, upload)
		// A write transaction open while no client is in the database is the import's, not yet
		// committed: the worker has nothing to match before the import commits. The export is
		// large enough for its writing to last a while; should the import end before it is seen
		// writing, the page it ended with says why.
		watch := newWriteWatch(t, dbURL)
		for deadline, n := time.Now().Add(90*time.Second), 0; !watch.importWriting(t); n++ {
			if time.Now().After(deadline) {
				t.Fatal("the import did not start writing within 90 s")
			}
			if n%50 == 0 {
				if page := getPage(t, srv, first+"/progress"); !strings.Contains(page, "hx-get") {
					t.Fatalf("the import ended before it was seen writing:\n%s\nserve's log:\n%s", page, srv.log)
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		srv.kill(t)
		killed := clients()

		srv = startProcess(t, bin, "--db", dbURL)
		var status string
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("serve's log:\n%s\npage: %s", srv.log, getPage(t, srv, status))
			}
		})
		status = importUpload(t, srv, upload)
		var page string
		waitFor(t, 90*time.Second, "the import finishes", func() bool {
			page = getPage(t, srv, status+"/progress")
			return !strings.Contains(page, "hx-get")
		})
		if !strings.Contains(page, "Imported.") {
			t.Fatalf("the second import did not succeed: %s", page)
		}
		full := clients()
		t.Logf("after kill -9 during the import %d clients, after the import %d", killed, full)
		switch {
		case full == 0:
			t.Error("after the second import: no client")
		case killed == full:
			t.Log("the import committed between the last look and the kill: all of it is there")
		case killed != 0:
			t.Errorf("after kill -9 during the import: %d clients of %d, want none or all", killed, full)
		}
	})
}

// browserPost posts a same-origin form of contentType as the browser of p would, and returns the
// redirect it answers with.
func browserPost(t *testing.T, p *process, path, contentType string, body io.Reader) string {
	t.Helper()
	req, _ := http.NewRequest("POST", p.url+path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := p.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// importUpload signs the HMIS admin in to p, uploads an export's ZIP on the import page and
// returns the import's status page.
func importUpload(t *testing.T, p *process, zipped []byte) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	browserPost(t, p, "/login", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"email": {"hmis@coc.test"}, "password": {"a long enough password"}}.Encode()))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("export", "export.zip")
	fw.Write(zipped)
	mw.Close()
	return browserPost(t, p, "/admin/import", mw.FormDataContentType(), &body)
}

// getPage reads a page with the signed-in browser of p.
func getPage(t *testing.T, p *process, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url+path, nil)
	resp, err := p.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return string(page)
}

// zipFolder zips the files of dir.
func zipFolder(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := zw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeWatch looks, on a connection of its own, for the import's write transaction: open while no
// client is committed yet. On PostgreSQL that is a transaction that has written for more than
// 200 ms; on SQLite one that holds the write lock. It looks every few milliseconds, since an
// import writes for well under a second.
type writeWatch struct {
	conn     *sql.Conn
	postgres bool
}

func newWriteWatch(t *testing.T, dbURL string) *writeWatch {
	t.Helper()
	w := &writeWatch{postgres: strings.HasPrefix(dbURL, "postgres")}
	driver, dsn := "pgx", dbURL
	if !w.postgres {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite:")+"?_pragma=busy_timeout(0)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if w.conn, err = db.Conn(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.conn.Close() })
	return w
}

// importWriting reports whether a write transaction is open and no client is committed yet.
func (w *writeWatch) importWriting(t *testing.T) bool {
	t.Helper()
	ctx := context.Background()
	var clients int
	if err := w.conn.QueryRowContext(ctx, `SELECT count(*) FROM clients`).Scan(&clients); err != nil {
		t.Fatal(err)
	}
	if clients > 0 {
		return false
	}
	if w.postgres {
		var n int
		if err := w.conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND xact_start < now() - interval '200 milliseconds'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return true
	}
	w.conn.ExecContext(ctx, "ROLLBACK")
	return false
}

// TestKillDuringEmailDelivery kills serve with SIGKILL the moment the mail server has taken an
// email and before it answers, so Doorway cannot know the email went out, and starts serve again.
// No email is lost; the one email in flight is the only one sent twice, with the same Message-ID
// for the receiver to drop the copy, and not before its lease ran out (emailLease, 15 s) but
// within the lease and the worker's poll (20 s), the window SECURITY.md states.
func TestKillDuringEmailDelivery(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dbURL string) {
		db := storetest.Open(t, dbURL)
		h := newHousingCoC(t, db, 3, 2, 2, 10) // six free units: the worker refers six clients at start
		mail := smtptest.Start(t)
		mail.SetDelay(200 * time.Millisecond)
		bin := buildDoorway(t)
		args := []string{"--db", dbURL, "--smtp-url", mail.URL(), "--mail-from", "doorway@coc.test"}
		var mu sync.Mutex
		var victim *process
		arrived := map[string][]time.Time{}
		mail.OnAccept(func(m smtptest.Message) {
			mu.Lock()
			defer mu.Unlock()
			arrived[m.MessageID] = append(arrived[m.MessageID], time.Now())
			if victim != nil {
				victim.cmd.Process.Kill() // before the server answers: Doorway never hears it was accepted
				victim = nil
			}
		})
		first := startProcess(t, bin, args...)
		mu.Lock()
		victim = first
		mu.Unlock()
		select {
		case <-first.exited:
		case <-time.After(60 * time.Second):
			t.Fatal("no email was delivered within a minute")
		}
		startProcess(t, bin, args...)
		h.quiet(t, 45*time.Second)

		counts, err := db.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if counts["sent"] < 6 || counts["sent"] != len(arrived) || counts["failed"] != 0 {
			t.Errorf("outbox %v; %d distinct emails arrived, want every one", counts, len(arrived))
		}
		twice := 0
		for id, times := range arrived {
			switch {
			case len(times) == 1:
			case len(times) == 2:
				twice++
				if gap := times[1].Sub(times[0]); gap < 14*time.Second || gap > 30*time.Second {
					t.Errorf("email %s was sent again %s after the first copy, want after its 15 s lease and within about 20 s", id, gap)
				}
			default:
				t.Errorf("email %s arrived %d times", id, len(times))
			}
		}
		if twice != 1 {
			t.Errorf("%d emails arrived twice, want only the one in flight at the kill", twice)
		}
	})
}
