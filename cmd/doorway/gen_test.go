package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, nil, "", append([]string{"gen"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("gen %v = %v, want an error with %q", c.args, err, c.want)
			}
		})
	}
}
