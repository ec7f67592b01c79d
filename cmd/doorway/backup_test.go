package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestBackupWhileWritten: `doorway backup` copies a SQLite database while another connection
// keeps adding agencies to it. The copy passes SQLite's integrity check, is a Doorway database at
// the current schema, and holds exactly the agencies committed up to one moment: a prefix of the
// writes, none half-written.
func TestBackupWhileWritten(t *testing.T) {
	dbURL := storetest.SQLiteURL(t)
	db := storetest.Open(t, dbURL)
	ctx, stop := context.WithCancel(context.Background())
	var written atomic.Int64
	done := make(chan error, 1)
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			if _, err := db.CreateAgency(context.Background(), cas.System, cas.Agency{Name: fmt.Sprintf("Agency %06d", i)}); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
		done <- nil
	}()
	waitFor := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); written.Load() < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the writer wrote %d agencies, want %d", written.Load(), n)
			}
		}
	}
	waitFor(50)
	out := filepath.Join(t.TempDir(), "copy.db")
	before := written.Load()
	stdout, err := run(t, nil, "", "backup", "--db", dbURL, "--out", out)
	after := written.Load()
	waitFor(after + 20) // the writer was never held up for good
	stop()
	if err := <-done; err != nil {
		t.Fatalf("the writer failed during the backup: %v", err)
	}
	if err != nil || !strings.Contains(stdout, "Copied") {
		t.Fatalf("backup: %v\n%s", err, stdout)
	}

	copied := storetest.Open(t, "sqlite:"+out) // migrating it is a no-op: the schema is current
	agencies, err := store.All(func(p store.Page) ([]cas.Agency, string, error) {
		return copied.Agencies(context.Background(), cas.System, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(agencies))
	if n < before || n > after {
		t.Errorf("the copy holds %d agencies; %d were written when the backup began and %d when it ended", n, before, after)
	}
	for i, a := range agencies {
		if want := fmt.Sprintf("Agency %06d", i); a.Name != want {
			t.Fatalf("agency %d of the copy is %q, want %q: the copy is not one moment of the database", i, a.Name, want)
		}
	}
}

func TestBackupRefusals(t *testing.T) {
	dbURL := storetest.SQLiteURL(t)
	storetest.Open(t, dbURL)
	taken := filepath.Join(t.TempDir(), "taken.db")
	if err := os.WriteFile(taken, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"PostgreSQL is pg_dump's", []string{"--db", "postgres://doorway@db.example/doorway", "--out", "x.db"}, "pg_dump"},
		{"an existing file is not overwritten", []string{"--db", dbURL, "--out", taken}, "the file exists"},
		{"a missing database is not created", []string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "none.db"), "--out", "y.db"}, "no such file"},
		{"the copy needs a name", []string{"--db", dbURL}, "--out is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, nil, "", append([]string{"backup"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("backup %v: %v, want an error saying %q", c.args, err, c.want)
			}
		})
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Error("the existing file was changed")
	}
}

// TestRetentionCommand: `doorway retention --dry-run` lists who is due, by reference and alias,
// and changes nothing; without it, the records are de-identified, once.
func TestRetentionCommand(t *testing.T) {
	dbURL := storetest.SQLiteURL(t)
	db := storetest.Open(t, dbURL)
	db.Now = func() time.Time { return time.Now().AddDate(-8, 0, 0) }
	c, err := db.CreateClient(context.Background(), cas.System, cas.Client{FirstName: "Ines", LastName: "Ibarra", BirthDate: "1970-01-01",
		HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, nil, "", "retention", "--dry-run", "--db", dbURL)
	if err != nil || !strings.Contains(out, "Would de-identify "+c.ID+" ("+c.Alias()+")") || !strings.Contains(out, "1 client records due") ||
		strings.Contains(out, "Ines") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if got, _ := db.Client(context.Background(), cas.System, c.ID); got.FirstName != "Ines" {
		t.Fatal("the dry run changed the record")
	}
	if out, err := run(t, nil, "", "retention", "--db", dbURL, "--years", "9"); err != nil || !strings.Contains(out, "0 client records de-identified") {
		t.Errorf("with nine years: %v\n%s", err, out)
	}
	if out, err := run(t, nil, "", "retention", "--db", dbURL); err != nil || !strings.Contains(out, "De-identified "+c.ID) {
		t.Errorf("retention: %v\n%s", err, out)
	}
	if got, _ := db.Client(context.Background(), cas.System, c.ID); got.FirstName != "" || got.DeidentifiedAt == nil {
		t.Errorf("after the run: %+v", got)
	}
	if out, err := run(t, nil, "", "retention", "--db", dbURL); err != nil || !strings.Contains(out, "0 client records de-identified") {
		t.Errorf("a second run: %v\n%s", err, out)
	}
}
