package main

import (
	"slices"
	"strings"
	"testing"
)

// TestFlagsAnywhere: every command takes its flags before, between or after its arguments.
func TestFlagsAnywhere(t *testing.T) {
	for _, c := range []struct {
		args     []string
		wantArgs []string
		dryRun   bool
		db       string
	}{
		{[]string{"DIR", "--dry-run"}, []string{"DIR"}, true, defaultDB},
		{[]string{"--dry-run", "DIR"}, []string{"DIR"}, true, defaultDB},
		{[]string{"--db", "sqlite:x.db", "DIR", "--dry-run"}, []string{"DIR"}, true, "sqlite:x.db"},
		{[]string{"DIR", "--db=sqlite:x.db", "MORE"}, []string{"DIR", "MORE"}, false, "sqlite:x.db"},
		{[]string{"--dry-run", "--", "--not-a-flag"}, []string{"--not-a-flag"}, true, defaultDB},
		{nil, nil, false, defaultDB},
	} {
		m := &Main{Stderr: new(strings.Builder), Getenv: func(string) string { return "" }}
		fs := m.newFlags("import hmis-csv")
		dryRun := fs.Bool("dry-run", false, "")
		db := dbFlag(fs)
		got, err := m.parseArgs(fs, c.args)
		if err != nil || !slices.Equal(got, c.wantArgs) || *dryRun != c.dryRun || *db != c.db {
			t.Errorf("%q: arguments %q, --dry-run %v, --db %q (%v); want %q, %v, %q", c.args, got, *dryRun, *db, err, c.wantArgs, c.dryRun, c.db)
		}
	}
	m := &Main{Stderr: new(strings.Builder), Getenv: func(string) string { return "" }}
	fs := m.newFlags("migrate")
	dbFlag(fs)
	if err := m.parse(fs, []string{"--db", "sqlite:x.db", "stray"}); err == nil || !strings.Contains(err.Error(), `unexpected argument "stray"`) {
		t.Errorf("a command without arguments took one: %v", err)
	}
}
