package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestSimulate(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	db := storetest.Open(t, dbURL)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor"})
	must(err)
	storetest.PatOverLee(t, db, a.ID)

	dir := t.TempDir()
	scheme := filepath.Join(dir, "scheme.json")
	must(os.WriteFile(scheme, []byte(`{"criteria": [{"factor": "days_homeless"}, {"factor": "score"}]}`), 0o600))
	env := map[string]string{"DOORWAY_DB": dbURL}

	t.Run("JSON", func(t *testing.T) {
		out, err := run(t, env, "", "simulate", "--from", "2026-03-01", "--to", "2026-03-31", "--scheme", scheme, "--json")
		must(err)
		var r struct {
			Fidelity    *float64 `json:"fidelity"`
			Baseline    struct{ Referrals int }
			Alternative struct {
				Referrals int
				ByGroup   []map[string]any `json:"by_group"`
			}
			Changed []struct {
				Name   string
				Change string
			}
		}
		must(json.Unmarshal([]byte(out), &r))
		if r.Fidelity == nil || *r.Fidelity != 1 {
			t.Errorf("fidelity %v, want 1", r.Fidelity)
		}
		if r.Baseline.Referrals != 1 || r.Alternative.Referrals != 1 || len(r.Alternative.ByGroup) == 0 {
			t.Errorf("referrals %d and %d, groups %v", r.Baseline.Referrals, r.Alternative.Referrals, r.Alternative.ByGroup)
		}
		if len(r.Changed) != 2 || r.Changed[0].Name != "Lee Doe" || r.Changed[0].Change != "newly_referred" || r.Changed[1].Change != "not_referred" {
			t.Errorf("changed %+v: want Lee referred instead of Pat", r.Changed)
		}
	})

	t.Run("text", func(t *testing.T) {
		out, err := run(t, env, "", "simulate", "--from", "2026-03-01", "--to", "2026-03-31", "--scheme", scheme)
		must(err)
		for _, want := range []string{"Fidelity: 1.000 (the scheme in force replays 1 of the engine's 1 referrals)", "days_homeless, score",
			"By group", "People whose outcome changes: 2", "Lee Doe", "referred, where they were not", "no longer referred"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("a scheme the priority-scheme route refuses is refused", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		must(os.WriteFile(bad, []byte(`{"criteria": [{"factor": "diagnosis"}]}`), 0o600))
		_, err := run(t, env, "", "simulate", "--from", "2026-03-01", "--to", "2026-03-31", "--scheme", bad)
		if err == nil || !strings.Contains(err.Error(), "diagnosis cannot be a prioritization criterion: HUD forbids prioritizing by diagnosis or disability type (CPD-17-01)") {
			t.Errorf("diagnosis: %v", err)
		}
		must(os.WriteFile(bad, []byte(`{}`), 0o600))
		if _, err := run(t, env, "", "simulate", "--from", "2026-03-01", "--to", "2026-03-31", "--scheme", bad); err == nil ||
			!strings.Contains(err.Error(), "criteria is required") {
			t.Errorf("no criteria: %v", err)
		}
		if _, err := run(t, env, "", "simulate", "--from", "2026-03-31", "--to", "2026-03-01", "--scheme", scheme); err == nil ||
			!strings.Contains(err.Error(), "to (2026-03-01) is before from (2026-03-31)") {
			t.Errorf("a period backwards: %v", err)
		}
	})
}
