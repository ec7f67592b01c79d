package main

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// resultLine is a line of the table of what an import created and updated.
var resultLine = regexp.MustCompile(`(?m)^  (agencies|programs|facilities|units|clients|HPL entries|referrals) +(\d+) +(\d+)$`)

// importCounts reads the table an import printed: created, then updated, by kind of record.
func importCounts(t *testing.T, out string) (created, updated map[string]int) {
	t.Helper()
	created, updated = map[string]int{}, map[string]int{}
	for _, m := range resultLine.FindAllStringSubmatch(out, -1) {
		created[m[1]], _ = strconv.Atoi(m[2])
		updated[m[1]], _ = strconv.Atoi(m[3])
	}
	if len(created) != 7 {
		t.Fatalf("no table of counts in:\n%s", out)
	}
	return created, updated
}

func TestImportHMISCSV(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := hmiscsv.Generate(dir, hmiscsv.GenOptions{Clients: 300, Units: 60, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DOORWAY_DB": storetest.SQLiteURL(t)}
	// 3 organizations; 8 projects receive referrals (7 residential, 1 prevention); 96 heads of
	// household have an open CE enrollment whose latest assessment is PrioritizationStatus 1.
	want := map[string]int{"agencies": 3, "programs": 8, "facilities": 8, "units": 60, "clients": 300, "HPL entries": 96, "referrals": 0}
	zero := map[string]int{"agencies": 0, "programs": 0, "facilities": 0, "units": 0, "clients": 0, "HPL entries": 0, "referrals": 0}

	t.Run("a dry run checks the export and says what it would create", func(t *testing.T) {
		out, err := run(t, env, "", "import", "hmis-csv", dir, "--dry-run")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, line := range []string{"Reading " + dir + " (HMIS CSV FY2024)", "Export.csv: 1 row", "Client.csv: 300 rows",
			"Assessment.csv: ", "Dry run: nothing was written",
			"  file                          read  imported   skipped    warned\n  Export.csv                       1         1         0         0\n",
			"\n  Client.csv                     300       300         0         0\n",
			"3 agencies have programs but no CAS Contact, so referrals to them reach no one at the agency (the CAS admins are told instead)"} {
			if !strings.Contains(out, line) {
				t.Errorf("the output lacks %q:\n%s", line, out)
			}
		}
		created, _ := importCounts(t, out)
		if diff := cmp.Diff(want, created); diff != "" {
			t.Errorf("would create (-want +got):\n%s", diff)
		}
	})
	t.Run("the import creates what the dry run announced, so the dry run wrote nothing", func(t *testing.T) {
		out, err := run(t, env, "", "import", "hmis-csv", dir)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		created, updated := importCounts(t, out)
		if diff := cmp.Diff(want, created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(zero, updated); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
	})
	t.Run("importing the same export again changes nothing", func(t *testing.T) {
		out, err := run(t, env, "", "import", "hmis-csv", dir)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		created, updated := importCounts(t, out)
		if !cmp.Equal(zero, created) || !cmp.Equal(zero, updated) || !strings.Contains(out, "Nothing changed") {
			t.Errorf("second import:\n%s", out)
		}
	})
	t.Run("an export with problems lists them all and imports nothing", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad")
		if _, err := hmiscsv.Generate(bad, hmiscsv.GenOptions{Clients: 20, Units: 10, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		damageFile(t, filepath.Join(bad, "Inventory.csv"), `"I1","P2"`, `"I1","P999"`)
		damageFile(t, filepath.Join(bad, "Client.csv"), `"C3",`, `"C2",`)
		out, err := run(t, env, "", "import", "hmis-csv", bad)
		if err == nil || !strings.Contains(err.Error(), "3 problems in the export") || !strings.Contains(err.Error(), "nothing was imported") {
			t.Errorf("err = %v", err)
		}
		for _, line := range []string{
			"3 problems:",
			"  Inventory.csv line 2, column ProjectID: unknown project P999: Project.csv has no such ProjectID",
			"  Client.csv line 4, column PersonalID: duplicate PersonalID C2: also on line 3",
			// C3's row now says C2, so C3's enrollment names a client the export lacks.
			"  Enrollment.csv line 4, column PersonalID: unknown client C3: Client.csv has no such PersonalID",
		} {
			if !strings.Contains(out, line+"\n") {
				t.Errorf("the output lacks %q:\n%s", line, out)
			}
		}
		if strings.Contains(out, "Writing to the database") {
			t.Errorf("an export with problems reached the database:\n%s", out)
		}
	})
	t.Run("--strict refuses an export with anything to say, which imports without it", func(t *testing.T) {
		odd := filepath.Join(t.TempDir(), "odd")
		if _, err := hmiscsv.Generate(odd, hmiscsv.GenOptions{Clients: 20, Units: 10, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		damageFile(t, filepath.Join(odd, "Client.csv"), `1991-07-04,1,`, `1991-07-04,4,`) // a DOBDataQuality not HUD's
		out, err := run(t, env, "", "import", "hmis-csv", odd, "--strict", "--dry-run")
		if err == nil || err.Error() != "import hmis-csv: --strict: 0 records skipped and 1 warning; nothing was imported" {
			t.Errorf("err = %v", err)
		}
		if line := `  Client.csv line 2, column DOBDataQuality: "4" is not one of HUD's codes for DOBDataQuality (1, 2, 8, 9, 99); Doorway does not use this column`; !strings.Contains(out, "1 warning (tolerated):\n"+line+"\n") {
			t.Errorf("the output lacks the warning:\n%s", out)
		}
		if strings.Contains(out, "Checking the import against the database") {
			t.Errorf("a refused export reached the database:\n%s", out)
		}
		if out, err := run(t, env, "", "import", "hmis-csv", odd, "--dry-run"); err != nil {
			t.Errorf("without --strict: %v\n%s", err, out)
		}
	})
	t.Run("an FY2022 export is refused by name", func(t *testing.T) {
		old := filepath.Join(t.TempDir(), "fy2022")
		if _, err := hmiscsv.Generate(old, hmiscsv.GenOptions{Clients: 5, Units: 2, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		damageFile(t, filepath.Join(old, "Export.csv"), `"2024 v1.3"`, `"2022 v1.3"`)
		_, err := run(t, env, "", "import", "hmis-csv", old)
		if err == nil || !strings.HasSuffix(err.Error(), "FY2022 exports are not supported: export FY2024 or FY2026 from your HMIS") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"import"}, `did you mean "doorway import hmis-csv"`},
			{[]string{"import", "hmis-csv"}, "name the export first"},
			{[]string{"import", "hmis-csv", filepath.Join(t.TempDir(), "missing")}, "open HMIS export"},
			{[]string{"import", "hmis-csv", dir, "extra"}, `unexpected argument "extra"`},
		} {
			if _, err := run(t, env, "", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
			}
		}
	})
}

// damageFile replaces the first old in a file by new.
func damageFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPrintReportCountsRepeatedWarnings(t *testing.T) {
	var r hmiscsv.Report
	for line := 2; line < 17; line++ {
		r.Warnings = append(r.Warnings, &hmiscsv.Problem{File: "Enrollment.csv", Line: line, Column: "HouseholdID", Message: "empty"})
	}
	r.Problems = []*hmiscsv.Problem{{File: "Client.csv", Line: 3, Column: "DOB", Message: "bad"}, {File: "Client.csv", Line: 9, Column: "DOB", Message: "bad"}}
	var b strings.Builder
	printReport(&b, r)
	out := b.String()
	if n := strings.Count(out, "column HouseholdID: empty\n"); n != warningsShown {
		t.Errorf("%d warnings printed, want %d:\n%s", n, warningsShown, out)
	}
	for _, line := range []string{"15 warnings (tolerated):\n", "  ... and 5 more like these in Enrollment.csv, column HouseholdID\n",
		"2 problems:\n  Client.csv line 3, column DOB: bad\n  Client.csv line 9, column DOB: bad\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("the report lacks %q:\n%s", line, out)
		}
	}
}

func TestPrintReportSkippedUnlistedAndLeftOut(t *testing.T) {
	r := hmiscsv.Report{
		Skipped: []*hmiscsv.Problem{{File: "Client.csv", Line: 4, Column: "VeteranStatus", Message: "7 is not one of HUD's codes"}},
		// A Report lists a hundred problems of a kind and counts the rest.
		Unlisted:    map[hmiscsv.Unlisted]int{{List: "Skipped", File: "Client.csv", Column: "VeteranStatus"}: 120},
		Housed:      2,
		NoBirthDate: 1,
	}
	var b strings.Builder
	printReport(&b, r)
	want := "121 records skipped (left out of the import, with what depends on them):\n" +
		"  Client.csv line 4, column VeteranStatus: 7 is not one of HUD's codes\n" +
		"  ... and 120 more like these in Client.csv, column VeteranStatus\n" +
		"2 prioritized heads of household are left off the HPL: HMIS shows them housed (an open permanent housing enrollment with a move-in date).\n" +
		"1 client has no birth date: imported with an unknown age, which programs with age limits do not accept.\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestPrintResultSaysWhoLeftTheHPL(t *testing.T) {
	var b strings.Builder
	printResult(&b, store.ImportResult{Updated: map[string]int{"hpl_entries": 2, "referrals": 1}, Housed: 1, Exited: 1, Withdrawn: 1,
		NoCASContact: []string{"Harbor Family Services"}})
	for _, line := range []string{
		"  HPL entries         0        2\n", "  referrals           0        1\n",
		"2 HPL entries left the list: 1 moved into permanent housing in HMIS, 1 exited coordinated entry in HMIS; 1 open referral withdrawn (its agency is told).\n",
		"1 agency has programs but no CAS Contact, so referrals to it reach no one at the agency (the CAS admins are told instead) until one of its users is designated (doorway user add --cas-contact): Harbor Family Services\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("the result lacks %q:\n%s", line, b.String())
		}
	}
}

// TestImportWithConsent: a CoC goes live in one command, with its consent list; a list that does not
// fit refuses the whole import, naming each line.
func TestImportWithConsent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := hmiscsv.Generate(dir, hmiscsv.GenOptions{Clients: 120, Units: 30, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	e, err := hmiscsv.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := e.Rows("Client.csv", func(r hmiscsv.Row) error { ids = append(ids, r.String("PersonalID")); return nil }); err != nil {
		t.Fatal(err)
	}
	e.Close()
	list := func(lines ...string) string {
		path := filepath.Join(t.TempDir(), "consent.csv")
		if err := os.WriteFile(path, []byte("PersonalID,ConsentDate,ExpirationDate\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ctx := context.Background()
	dbURL := storetest.SQLiteURL(t)
	env := map[string]string{"DOORWAY_DB": dbURL}

	t.Run("a list naming someone the export does not have refuses the import", func(t *testing.T) {
		out, err := run(t, env, "", "import", "hmis-csv", "--consent", list(ids[0]+",2026-01-05,", "NOT-IN-HMIS,2026-01-05,"), dir)
		if err == nil || !strings.Contains(out, `consent.csv line 3: no client has HMIS PersonalID "NOT-IN-HMIS"`) || !strings.Contains(err.Error(), "nothing was imported") {
			t.Fatalf("%v\n%s", err, out)
		}
		db := storetest.Open(t, dbURL)
		if clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{}, store.Page{}); len(clients) != 0 {
			t.Errorf("%d clients written by a refused import", len(clients))
		}
	})
	t.Run("a list with a bad date stops before the export is read", func(t *testing.T) {
		out, err := run(t, env, "", "import", "hmis-csv", dir, "--consent", list(ids[0]+",5/1/2026,"))
		if err == nil || !strings.Contains(err.Error(), `consent.csv line 2, column ConsentDate: "5/1/2026" is not a date`) || strings.Contains(out, "Reading") {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("a good list is recorded with the import", func(t *testing.T) {
		out, err := run(t, env, "", "import", "hmis-csv", dir, "--consent", list(ids[0]+",2026-01-05,", ids[1]+",2026-02-01,2099-12-31"))
		if err != nil || !strings.Contains(out, "Consent recorded for 2 clients from the consent list.") {
			t.Fatalf("%v\n%s", err, out)
		}
		db := storetest.Open(t, dbURL)
		clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{}, store.Page{Limit: 500})
		consented := map[string]cas.Date{}
		for _, c := range clients {
			if c.Consent {
				consented[c.HMISPersonalID] = c.ConsentExpiresOn
			}
		}
		if want := map[string]cas.Date{ids[0]: "", ids[1]: "2099-12-31"}; !maps.Equal(consented, want) {
			t.Errorf("consent after the import %v, want %v", consented, want)
		}
	})
}
