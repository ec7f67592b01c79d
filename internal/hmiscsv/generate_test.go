package hmiscsv

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// MustGenerate writes a synthetic export to a temporary folder.
func MustGenerate(tb testing.TB, opts GenOptions) (string, GenStats) {
	tb.Helper()
	dir := tb.TempDir()
	stats, err := Generate(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, stats
}

// each calls fn for every row of file, failing the test on an error.
func each(t *testing.T, e *Export, file string, fn func(r Row)) {
	t.Helper()
	if err := e.Rows(file, func(r Row) error { fn(r); return nil }); err != nil {
		t.Fatal(err)
	}
}

func mustInt(t *testing.T, r Row, col string) int {
	t.Helper()
	n, err := r.Int(col)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGenerate(t *testing.T) {
	dir, stats := MustGenerate(t, GenOptions{Clients: 200, Units: 40, Seed: 7})
	e := MustOpen(t, dir)
	if e.Version != FY2024 {
		t.Errorf("Version = %q", e.Version)
	}
	wantFiles := []string{"Assessment.csv", "CEParticipation.csv", "Client.csv", "Enrollment.csv", "Exit.csv", "Export.csv",
		"Inventory.csv", "Organization.csv", "Project.csv", "ProjectCoC.csv", "User.csv"}
	if diff := cmp.Diff(wantFiles, e.Files()); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(stats.Rows, countRows(t, e, wantFiles...)); diff != "" {
		t.Errorf("GenStats against the rows read (-stats +read):\n%s", diff)
	}
	t.Run("every integer, date and time field reads", func(t *testing.T) { checkTypedFields(t, e) })

	var exportID string
	each(t, e, "Export.csv", func(r Row) { exportID = r.String("ExportID") })
	users := map[string]bool{}
	each(t, e, "User.csv", func(r Row) { users[r.String("UserID")] = true })
	ids := func(file, col string) map[string]bool {
		m := map[string]bool{}
		each(t, e, file, func(r Row) { m[r.String(col)] = true })
		return m
	}
	for _, file := range wantFiles {
		if file == "Export.csv" || file == "User.csv" {
			continue
		}
		each(t, e, file, func(r Row) {
			if r.String("ExportID") != exportID || !users[r.String("UserID")] {
				t.Fatalf("%s line %d: ExportID %q, UserID %q", file, r.Line(), r.String("ExportID"), r.String("UserID"))
			}
		})
	}

	t.Run("projects: the mix of types, one CE project, CE participation", func(t *testing.T) {
		orgs := ids("Organization.csv", "OrganizationID")
		types := map[string]int{}
		each(t, e, "Project.csv", func(r Row) {
			if !orgs[r.String("OrganizationID")] {
				t.Errorf("project %s: no organization %s", r.String("ProjectID"), r.String("OrganizationID"))
			}
			types[r.String("ProjectID")] = mustInt(t, r, "ProjectType")
		})
		var got []int
		for _, typ := range types {
			if !slices.Contains(got, typ) {
				got = append(got, typ)
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 6, 12, 13, 14}, got); diff != "" {
			t.Errorf("project types (-want +got):\n%s", diff)
		}
		each(t, e, "CEParticipation.csv", func(r Row) {
			typ, ok := types[r.String("ProjectID")]
			access, receives := mustInt(t, r, "AccessPoint"), mustInt(t, r, "ReceivesReferrals")
			housing := slices.Contains([]int{0, 1, 2, 3, 13}, typ)
			if !ok || typ == 14 && (access != 1 || receives != 0) || housing && (access != 0 || receives != 1) {
				t.Errorf("CEParticipation of project type %d: AccessPoint %d, ReceivesReferrals %d", typ, access, receives)
			}
		})
	})

	t.Run("inventory adds up to the units asked for", func(t *testing.T) {
		projects := ids("Project.csv", "ProjectID")
		units := 0
		each(t, e, "Inventory.csv", func(r Row) {
			units += mustInt(t, r, "UnitInventory")
			beds := 0
			for _, c := range []string{"CHVetBedInventory", "YouthVetBedInventory", "VetBedInventory", "CHYouthBedInventory",
				"YouthBedInventory", "CHBedInventory", "OtherBedInventory"} {
				beds += mustInt(t, r, c)
			}
			if hh := mustInt(t, r, "HouseholdType"); !projects[r.String("ProjectID")] || !slices.Contains([]int{1, 3, 4}, hh) ||
				beds != mustInt(t, r, "BedInventory") || r.String("CoCCode") != genCoC {
				t.Errorf("Inventory.csv line %d is inconsistent", r.Line())
			}
		})
		if units != 40 {
			t.Errorf("UnitInventory adds up to %d, want 40", units)
		}
	})

	t.Run("enrollments, exits and assessments link up", func(t *testing.T) {
		clients := ids("Client.csv", "PersonalID")
		if len(clients) != 200 {
			t.Errorf("%d distinct clients, want 200", len(clients))
		}
		projectType := map[string]int{}
		each(t, e, "Project.csv", func(r Row) { projectType[r.String("ProjectID")] = mustInt(t, r, "ProjectType") })
		type enrollment struct {
			personalID string
			ce         bool
		}
		enrollments := map[string]enrollment{}
		ceEnrollments := map[string]int{}
		each(t, e, "Enrollment.csv", func(r Row) {
			p, project := r.String("PersonalID"), r.String("ProjectID")
			typ, ok := projectType[project]
			if !clients[p] || !ok {
				t.Fatalf("Enrollment.csv line %d: PersonalID %q or ProjectID %q does not exist", r.Line(), p, project)
			}
			enrollments[r.String("EnrollmentID")] = enrollment{p, typ == 14}
			if typ == 14 {
				ceEnrollments[p]++
			}
		})
		for c := range clients {
			if ceEnrollments[c] != 1 {
				t.Errorf("client %s has %d CE enrollments, want 1", c, ceEnrollments[c])
			}
		}
		if perClient := float64(len(enrollments)) / 200; perClient < 8.5 || perClient > 11.5 {
			t.Errorf("%.1f enrollments per client, want about 10", perClient)
		}
		ceExited := map[string]bool{}
		each(t, e, "Exit.csv", func(r Row) {
			en, ok := enrollments[r.String("EnrollmentID")]
			if !ok || en.personalID != r.String("PersonalID") {
				t.Fatalf("Exit.csv line %d: no enrollment %q of %q", r.Line(), r.String("EnrollmentID"), r.String("PersonalID"))
			}
			if en.ce {
				ceExited[en.personalID] = true
			}
		})
		statuses := map[int]int{}
		each(t, e, "Assessment.csv", func(r Row) {
			en, ok := enrollments[r.String("EnrollmentID")]
			if !ok || !en.ce || en.personalID != r.String("PersonalID") {
				t.Fatalf("Assessment.csv line %d: not the CE enrollment %q of %q", r.Line(), r.String("EnrollmentID"), r.String("PersonalID"))
			}
			status := mustInt(t, r, "PrioritizationStatus")
			statuses[status]++
			if status == 1 && ceExited[en.personalID] {
				t.Errorf("Assessment.csv line %d: a client on the priority list has left CE", r.Line())
			}
		})
		if statuses[1] == 0 || statuses[2] == 0 || len(statuses) != 2 {
			t.Errorf("PrioritizationStatus counts %v, want some 1 and some 2 only", statuses)
		}
	})

	t.Run("values are HUD's codes", func(t *testing.T) {
		yesNoMissing := []int{0, 1, 8, 9, 99}
		each(t, e, "Client.csv", func(r Row) {
			if !slices.Contains(yesNoMissing, mustInt(t, r, "VeteranStatus")) {
				t.Errorf("Client.csv line %d: VeteranStatus %s", r.Line(), r.String("VeteranStatus"))
			}
		})
		each(t, e, "Enrollment.csv", func(r Row) {
			if !slices.Contains(yesNoMissing, mustInt(t, r, "DisablingCondition")) || !slices.Contains([]int{1, 2, 3}, mustInt(t, r, "RelationshipToHoH")) {
				t.Errorf("Enrollment.csv line %d: DisablingCondition %s, RelationshipToHoH %s", r.Line(), r.String("DisablingCondition"), r.String("RelationshipToHoH"))
			}
		})
	})
}

func TestGenerateIsDeterministic(t *testing.T) {
	opts := GenOptions{Clients: 300, Units: 57, Seed: 42}
	a, _ := MustGenerate(t, opts)
	b, _ := MustGenerate(t, opts)
	opts.Seed = 43
	c, _ := MustGenerate(t, opts)
	files, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		fa, _ := os.ReadFile(filepath.Join(a, f.Name()))
		fb, _ := os.ReadFile(filepath.Join(b, f.Name()))
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between two runs with the same seed", f.Name())
		}
	}
	ca, _ := os.ReadFile(filepath.Join(a, "Client.csv"))
	cc, _ := os.ReadFile(filepath.Join(c, "Client.csv"))
	if bytes.Equal(ca, cc) {
		t.Error("seeds 42 and 43 gave the same Client.csv")
	}
}

// TestGenerateHPL: an export generated with HPL and ConsentShare, imported with its consent.csv,
// puts exactly HPL people on the list, round(ConsentShare × HPL) of them consented, whether the
// list is a few of the clients, most of them or all.
func TestGenerateHPL(t *testing.T) {
	for _, c := range []struct {
		clients, hpl int
		share        float64
	}{
		{300, 250, 0.7},
		{300, 300, 1},
		{400, 3, 0.5},
		{500, 120, 0.33},
	} {
		t.Run(fmt.Sprintf("%d of %d clients, %v consented", c.hpl, c.clients, c.share), func(t *testing.T) {
			dir, stats := MustGenerate(t, GenOptions{Clients: c.clients, Units: 40, HPL: c.hpl, ConsentShare: c.share, Seed: 5})
			consented := int(math.Round(c.share * float64(c.hpl)))
			if stats.HPL != c.hpl || stats.Rows[consentFile] != consented || stats.Rows["Client.csv"] != c.clients {
				t.Errorf("stats: %d on the HPL, rows %v; want %d on the HPL, %d in consent.csv", stats.HPL, stats.Rows, c.hpl, consented)
			}
			in, report := MustMap(t, dir)
			if len(report.Skipped)+len(report.Warnings) > 0 {
				t.Errorf("skipped %v, warnings %v", report.Skipped, report.Warnings)
			}
			f, err := os.Open(filepath.Join(dir, consentFile))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if in.Consent, err = ReadConsentList(consentFile, f); err != nil {
				t.Fatal(err)
			}
			db := storetest.Open(t, storetest.SQLiteURL(t))
			if _, err := db.ImportHMIS(context.Background(), cas.System, in, false); err != nil {
				t.Fatal(err)
			}
			onList := func(keep func(store.HPLItem) bool) int {
				return countAll(t, func(p store.Page) ([]store.HPLItem, string, error) {
					items, next, _, err := db.HPL(context.Background(), cas.System, store.HPLFilter{}, p)
					return slices.DeleteFunc(items, func(i store.HPLItem) bool { return !keep(i) }), next, err
				})
			}
			active := onList(func(i store.HPLItem) bool { return i.Entry.Status == cas.HPLActive })
			withConsent := onList(func(i store.HPLItem) bool { return i.Client.Consent })
			if active != c.hpl || withConsent != consented {
				t.Errorf("%d active HPL entries, %d consented; want %d and %d", active, withConsent, c.hpl, consented)
			}
		})
	}
	t.Run("the consent list leaves the export as it is", func(t *testing.T) {
		opts := GenOptions{Clients: 200, Units: 30, HPL: 150, Seed: 9}
		without, _ := MustGenerate(t, opts)
		opts.ConsentShare = 0.5
		with, _ := MustGenerate(t, opts)
		for _, f := range []string{"Client.csv", "Enrollment.csv", "Exit.csv", "Assessment.csv"} {
			a, _ := os.ReadFile(filepath.Join(without, f))
			b, _ := os.ReadFile(filepath.Join(with, f))
			if !bytes.Equal(a, b) {
				t.Errorf("%s differs when a consent list is written", f)
			}
		}
		if _, err := os.Stat(filepath.Join(without, consentFile)); !os.IsNotExist(err) {
			t.Errorf("consent.csv without a ConsentShare: %v", err)
		}
	})
}

func TestGenerateRefuses(t *testing.T) {
	for _, c := range []struct {
		opts GenOptions
		want string
	}{
		{GenOptions{Clients: -1}, "-1 clients"},
		{GenOptions{Units: -5}, "-5 units"},
		{GenOptions{Version: FY2026}, `version "2026"`},
		{GenOptions{Clients: 10, HPL: 11}, "11 people on the HPL: want 0 to the 10 clients"},
		{GenOptions{Clients: 10, HPL: -1}, "-1 people on the HPL"},
		{GenOptions{Clients: 10, ConsentShare: 1.01}, "a consent share of 1.01: want 0 to 1"},
		{GenOptions{Clients: 10, ConsentShare: math.NaN()}, "a consent share of NaN"},
	} {
		if _, err := Generate(t.TempDir(), c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Generate(%+v) = %v, want an error with %q", c.opts, err, c.want)
		}
	}
}

func TestGenerateEmpty(t *testing.T) {
	dir, stats := MustGenerate(t, GenOptions{})
	if stats.Rows["Client.csv"] != 0 || stats.Rows["Project.csv"] == 0 {
		t.Errorf("stats %v", stats.Rows)
	}
	MustOpen(t, dir)
}

func BenchmarkReadClients(b *testing.B) {
	dir, stats := MustGenerate(b, GenOptions{Clients: 10_000, Units: 2_000, Seed: 1})
	rows, loops := stats.Rows["Client.csv"]+stats.Rows["Enrollment.csv"], 0
	for b.Loop() {
		loops++
		e, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		err = e.Rows("Client.csv", func(r Row) error {
			_ = r.String("PersonalID")
			_, err := r.Date("DOB")
			return err
		})
		if err == nil {
			err = e.Rows("Enrollment.csv", func(r Row) error {
				_, _, _ = r.String("EnrollmentID"), r.String("PersonalID"), r.String("ProjectID")
				_, err := r.Date("EntryDate")
				return err
			})
		}
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ReportMetric(float64(rows*loops)/b.Elapsed().Seconds(), "rows/s")
}
