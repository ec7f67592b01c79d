package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/demo"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
	"github.com/doorway-cas/doorway/internal/web"
)

// readmeShellBlocks returns the README's ```sh blocks, each a list of commands (lines continued
// with a backslash joined, comments dropped).
func readmeShellBlocks(t *testing.T) [][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	var block []string
	in, pending := false, ""
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimRight(line, "\n")
		switch {
		case !in && line == "```sh":
			in, block = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, block)
		case in:
			if i := strings.Index(line, "  #"); i >= 0 && !strings.Contains(line[:i], "'") {
				line = strings.TrimRight(line[:i], " ")
			}
			if cont, ok := strings.CutSuffix(line, `\`); ok {
				pending += strings.TrimSpace(cont) + " "
				continue
			}
			block = append(block, pending+strings.TrimSpace(line))
			pending = ""
		}
	}
	return blocks
}

// tokenCommand is a README line that makes an API token on the command line and keeps it in a
// shell variable.
var tokenCommand = regexp.MustCompile(`^(\w+)=\$\(go run \./cmd/doorway token create --email (\S+)\)$`)

// TestReadmeCurlExamples runs every curl example of the README, as written, with the real curl
// binary against a server over the demo CoC (its clock on a day the examples' dates fit). Each
// must get an answer below 400. The variables the README says to fill in ($T, $UNIT, $FACILITY,
// dw_…) get what it says they hold; a token the README makes with `doorway token create` is made
// the same way in the database.
func TestReadmeCurlExamples(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is required under CI to run the README's examples")
		}
		t.Skip("no curl binary: the README's curl examples were not run")
	}
	jq, _ := exec.LookPath("jq")

	db := storetest.Open(t, storetest.SQLiteURL(t))
	clock := storetest.NewClock(time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	if loaded, err := demo.Load(ctx, db); err != nil || !loaded {
		t.Fatalf("demo: %v %v", loaded, err)
	}
	srv := httptest.NewServer(web.New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	token := func(email string) string { return demoAccount(t, db, "", email).token }
	// The provider's day: Harbor's CAS Contact and a unit nobody holds (in the demo the engine has
	// filled every free unit; the HMIS team adds one, and no worker runs here to fill it).
	contact := demoAccount(t, db, "CAS Contact", "intake@harbor.demo.doorway.test")
	harbor := contact.token
	facilities, _, err := db.Facilities(ctx, &contact.user, store.FacilityFilter{}, store.Page{})
	if err != nil || len(facilities) == 0 {
		t.Fatalf("Harbor's facilities: %v", err)
	}
	commons := facilities[0]
	unit, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: commons.ID, Label: "Apt 301", Bedrooms: 2, HouseholdTypes: []cas.HouseholdType{cas.WithChildren}})
	if err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	// Any answer of 400 or more fails the command, and so the example.
	if err := os.WriteFile(filepath.Join(home, ".curlrc"), []byte("fail-with-body\nsilent\nshow-error\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, block := range readmeShellBlocks(t) {
		var script []string
		for _, line := range block {
			if m := tokenCommand.FindStringSubmatch(line); m != nil {
				script = append(script, m[1]+"="+token(m[2]))
				continue
			}
			if !strings.Contains(line, "curl ") {
				continue
			}
			if strings.Contains(line, "| jq") && jq == "" {
				t.Errorf("no jq binary: cannot run %q", line)
				continue
			}
			line = strings.ReplaceAll(line, "localhost:8080", host)
			line = strings.ReplaceAll(line, "dw_…", token(demo.CASAdminEmail))
			script = append(script, line)
			ran++
		}
		if len(script) == 0 {
			continue
		}
		cmd := exec.Command("bash", "-euo", "pipefail", "-xc", strings.Join(script, "\n"))
		cmd.Env = append(os.Environ(), "HOME="+home, "CURL_HOME="+home, "PATH="+filepath.Dir(curl)+":"+os.Getenv("PATH"),
			"T="+harbor, "UNIT="+unit.ID, "FACILITY="+commons.ID)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("a README example failed (%v):\n%s", err, out)
		} else {
			t.Logf("%s", out)
		}
	}
	if ran < 7 {
		t.Errorf("ran %d curl examples; the README has more", ran)
	}
}

// TestCurlDataIsJSON: curl -d without a Content-Type sends a form type; a JSON object sent so is
// read as JSON, and a real form is still refused.
func TestCurlDataIsJSON(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	c := newCoC(t, db)
	// Not through c.url, whose wire check holds requests to the document's per-operation
	// application/json; the document's description says the form type is read as JSON.
	base := startUI(t, db)
	create := func(body string) int {
		req, _ := http.NewRequest("POST", base+"/api/v1/agencies", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.tokens["hmis_admin"])
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := create(url.Values{"name": {"Form Agency"}}.Encode()); got != http.StatusBadRequest {
		t.Errorf("a real form: %d, want 400", got)
	}
	if got := create(`{"name": "Curl Agency"}`); got != http.StatusCreated {
		t.Errorf("a JSON object sent as curl -d sends it: %d, want 201", got)
	}
}
