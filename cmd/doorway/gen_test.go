package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestGen(t *testing.T) {
	out := filepath.Join(t.TempDir(), "export")
	printed, err := run(t, nil, "", "gen", "--clients", "50", "--units", "12", "--out", out, "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Export.csv", "Organization.csv", "Project.csv", "CEParticipation.csv", "Inventory.csv",
		"Client.csv", "Enrollment.csv", "Exit.csv", "Assessment.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("gen did not write %s: %v", f, err)
		}
		if !strings.Contains(printed, f) {
			t.Errorf("gen did not report %s:\n%s", f, printed)
		}
	}
	if !strings.Contains(printed, "Client.csv                  50 rows") {
		t.Errorf("gen output lacks the client count:\n%s", printed)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"negative clients", []string{"--clients", "-1", "--units", "5", "--out", out}, `invalid value "-1" for flag -clients: want 0 or more`},
		{"clients not a number", []string{"--clients", "many", "--units", "5", "--out", out}, "-clients"},
		{"negative units", []string{"--clients", "1", "--units", "-2", "--out", out}, "-units"},
		{"no clients", []string{"--units", "5", "--out", out}, "--clients is required"},
		{"no units", []string{"--clients", "5", "--out", out}, "--units is required"},
		{"no folder", []string{"--clients", "5", "--units", "5"}, "--out is required"},
		{"a bad seed", []string{"--clients", "5", "--units", "5", "--out", out, "--seed", "-4"}, "-seed"},
		{"more on the HPL than clients", []string{"--clients", "5", "--units", "5", "--out", out, "--hpl", "6"}, "--hpl 6 is more than --clients 5"},
		{"no one on the HPL", []string{"--clients", "5", "--units", "5", "--out", out, "--hpl", "0"}, "--hpl 0: want 1 or more"},
		{"a share above 1", []string{"--clients", "5", "--units", "5", "--out", out, "--consent-share", "1.5"},
			`invalid value "1.5" for flag -consent-share: want a share from 0 to 1`},
		{"a negative share", []string{"--clients", "5", "--units", "5", "--out", out, "--consent-share", "-0.1"}, "-consent-share"},
		{"a share that is no number", []string{"--clients", "5", "--units", "5", "--out", out, "--consent-share", "most"}, "-consent-share"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, nil, "", append([]string{"gen"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("gen %v = %v, want an error with %q", c.args, err, c.want)
			}
		})
	}
}

// TestGenHPLAndConsent: two commands build a CoC whose HPL and consent are the sizes asked for.
func TestGenHPLAndConsent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "export")
	printed, err := run(t, nil, "", "gen", "--clients", "150", "--hpl", "110", "--units", "20", "--consent-share", "0.7", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	consentList := filepath.Join(out, "consent.csv")
	for _, line := range []string{"consent.csv                 77 rows", "Imported, it puts 110 people on the HPL.",
		"consent.csv names 77 of them: doorway import hmis-csv " + out + " --consent " + consentList} {
		if !strings.Contains(printed, line) {
			t.Errorf("gen's output lacks %q:\n%s", line, printed)
		}
	}

	dbURL := storetest.SQLiteURL(t)
	imported, err := run(t, map[string]string{"DOORWAY_DB": dbURL}, "", "import", "hmis-csv", out, "--consent", consentList)
	if err != nil {
		t.Fatalf("%v\n%s", err, imported)
	}
	db := storetest.Open(t, dbURL)
	active, consented := 0, 0
	for page := (store.Page{Limit: 500}); ; {
		items, next, _, err := db.HPL(context.Background(), cas.System, store.HPLFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range items {
			if item.Entry.Status == cas.HPLActive {
				active++
			}
			if item.Client.Consent {
				consented++
			}
		}
		if page.Cursor = next; next == "" {
			break
		}
	}
	if active != 110 || consented != 77 {
		t.Errorf("%d active HPL entries, %d of them consented; want 110 and 77 (0.7 of 110)", active, consented)
	}
}
