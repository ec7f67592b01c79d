package hmiscsv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// MustMap maps the export at path, failing the test when it has problems.
func MustMap(tb testing.TB, path string) (store.HMISImport, Report) {
	tb.Helper()
	in, report, err := Map(context.Background(), MustOpen(tb, path), nil)
	if err != nil {
		tb.Fatalf("%v: %v", err, report.Problems)
	}
	return in, report
}

// importExport maps the export at path and, when it has no problems, imports it, as
// `doorway import hmis-csv` does.
func importExport(tb testing.TB, db *store.DB, path string) (store.ImportResult, Report, error) {
	tb.Helper()
	in, report, err := Map(context.Background(), MustOpen(tb, path), nil)
	if err != nil {
		return store.ImportResult{}, report, err
	}
	res, err := db.ImportHMIS(context.Background(), cas.System, in, false)
	return res, report, err
}

// countAll counts the items of a paged list.
func countAll[T any](tb testing.TB, list func(store.Page) ([]T, string, error)) int {
	tb.Helper()
	n, page := 0, store.Page{Limit: 500}
	for {
		items, next, err := list(page)
		if err != nil {
			tb.Fatal(err)
		}
		n += len(items)
		if next == "" {
			return n
		}
		page.Cursor = next
	}
}

// dbCounts counts what an import writes.
func dbCounts(tb testing.TB, db *store.DB) map[string]int {
	tb.Helper()
	ctx := context.Background()
	return map[string]int{
		"agencies": countAll(tb, func(p store.Page) ([]cas.Agency, string, error) { return db.Agencies(ctx, cas.System, p) }),
		"programs": countAll(tb, func(p store.Page) ([]cas.Program, string, error) {
			return db.Programs(ctx, cas.System, store.ProgramFilter{}, p)
		}),
		"units": countAll(tb, func(p store.Page) ([]cas.Unit, string, error) {
			return db.Units(ctx, cas.System, store.UnitFilter{}, p)
		}),
		"clients": countAll(tb, func(p store.Page) ([]cas.Client, string, error) {
			return db.Clients(ctx, cas.System, store.ClientFilter{}, p)
		}),
		"hpl_entries": countAll(tb, func(p store.Page) ([]store.HPLItem, string, error) {
			items, next, _, err := db.HPL(ctx, cas.System, store.HPLFilter{}, p)
			return items, next, err
		}),
	}
}

// The sample counts, worked out from the files. The DataLab sets record no CE participation
// (ReceivesReferrals 0 everywhere), so their 7 operating residential projects become programs:
// ES-EE 1362, ES-NbN 93, PSH 780, RRH 1428, 1495 and 1060, TH 388 (not HP 1409, SO 1419 or SSO
// 1615). Their inventory current on 2022-09-30 is 141 units: 1362 has 7 + 20 single beds and 1
// family unit, 93 has 60 single beds, 780 has 20, 1495 has 13 (and a family row of 0 units), 388
// has 5 family units and 15 single beds; 1428 and 1060 have none current. Of the 8 assessments,
// 3 are on open enrollments of heads of household: 841941 (HP 1409), 853972 (RRH 1428) and
// 841354 (RRH 1495), all prioritized. The edge-case set has one organization, one project that is
// not a Continuum project (so no program), three clients and no usable assessment.
var (
	datalabCreated  = map[string]int{"agencies": 10, "programs": 7, "facilities": 7, "units": 141, "clients": 514, "hpl_entries": 3}
	edgecaseCreated = map[string]int{"agencies": 1, "clients": 3}
)

func TestMapSamples(t *testing.T) {
	dir := samples(t)
	for _, set := range []string{"fy2024-datalab", "fy2026-datalab"} {
		t.Run(set, func(t *testing.T) {
			in, report := MustMap(t, filepath.Join(dir, set))
			units := 0
			for _, inv := range in.Inventory {
				units += inv.Units
			}
			got := map[string]int{"agencies": len(in.Agencies), "programs": len(in.Programs), "units": units,
				"clients": len(in.Clients), "entries": len(in.Entries)}
			if diff := cmp.Diff(map[string]int{"agencies": 10, "programs": 7, "units": 141, "clients": 514, "entries": 3}, got); diff != "" {
				t.Errorf("mapped (-want +got):\n%s", diff)
			}
			t.Run("the HPL holds the prioritized heads of open enrollments, with days homeless since DateToStreetESSH", func(t *testing.T) {
				want := []store.ImportEntry{
					{EnrollmentID: "841941", PersonalID: "694968", AssessedOn: "2022-01-13", DaysHomeless: 0},
					{EnrollmentID: "853972", PersonalID: "685217", AssessedOn: "2022-06-20", DaysHomeless: 38},
					{EnrollmentID: "841354", PersonalID: "696592", AssessedOn: "2022-02-15", DaysHomeless: 485},
				}
				if diff := cmp.Diff(want, in.Entries, cmpByPersonalID); diff != "" {
					t.Errorf("entries (-want +got):\n%s", diff)
				}
			})
			t.Run("programs are the residential projects, with their HUD types", func(t *testing.T) {
				types := map[string]cas.ProjectType{}
				for _, p := range in.Programs {
					types[p.ProjectID] = p.ProjectType
				}
				want := map[string]cas.ProjectType{"1362": cas.ProjectESEntryExit, "93": cas.ProjectESNightByNight, "780": cas.ProjectPSH,
					"1428": cas.ProjectRRH, "1495": cas.ProjectRRH, "1060": cas.ProjectRRH, "388": cas.ProjectTH}
				if diff := cmp.Diff(want, types); diff != "" {
					t.Errorf("programs (-want +got):\n%s", diff)
				}
				if len(report.Warnings) != 1 || !strings.Contains(report.Warnings[0].Message, "no project receives CE referrals") {
					t.Errorf("warnings %v, want the one about CE participation", report.Warnings)
				}
			})
			t.Run("single beds are units; family units get 2 bedrooms", func(t *testing.T) {
				byID := map[string]store.ImportInventory{}
				for _, inv := range in.Inventory {
					byID[inv.InventoryID] = inv
				}
				want := map[string]store.ImportInventory{
					"3549": {InventoryID: "3549", ProjectID: "1362", HouseholdType: cas.WithoutChildren, Units: 7},
					"3550": {InventoryID: "3550", ProjectID: "1362", HouseholdType: cas.WithChildren, Units: 1, Bedrooms: 2},
				}
				for id, w := range want {
					if diff := cmp.Diff(w, byID[id]); diff != "" {
						t.Errorf("inventory %s (-want +got):\n%s", id, diff)
					}
				}
				if _, ok := byID["2745"]; ok {
					t.Error("inventory 2745 ended on 2021-01-26 but was imported")
				}
			})
			t.Run("clients carry their household, no consent, and veteran status", func(t *testing.T) {
				var hoh, veterans int
				var found cas.Client
				for _, c := range in.Clients {
					if c.Consent {
						t.Fatalf("client %s imported with consent", c.HMISPersonalID)
					}
					if c.Veteran {
						veterans++
					}
					if c.HMISPersonalID == "694968" {
						found = c
						hoh++
					}
				}
				if veterans != 21 {
					t.Errorf("%d veterans, want the 21 with VeteranStatus 1", veterans)
				}
				// 694968 heads household h_841941 of two at HP project 1409.
				if hoh != 1 || found.HouseholdSize != 2 || found.LastName == "" || found.BirthDate == "" {
					t.Errorf("client 694968: %+v", found)
				}
			})
		})
	}
	t.Run("fy2026-bom-edgecase", func(t *testing.T) {
		in, report := MustMap(t, filepath.Join(dir, "fy2026-bom-edgecase"))
		if len(in.Agencies) != 1 || len(in.Programs) != 0 || len(in.Inventory) != 0 || len(in.Clients) != 3 || len(in.Entries) != 0 {
			t.Errorf("mapped %+v", in)
		}
		t.Run("assessments naming enrollments the export lacks are warnings", func(t *testing.T) {
			var got []string
			for _, w := range report.Warnings {
				if w.File == "Assessment.csv" {
					got = append(got, w.Error())
				}
			}
			want := []string{
				"Assessment.csv line 2, column EnrollmentID: unknown enrollment 2141: Enrollment.csv has no such EnrollmentID; the assessment is ignored",
				"Assessment.csv line 3, column EnrollmentID: unknown enrollment 2148: Enrollment.csv has no such EnrollmentID; the assessment is ignored",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("enrollments without a household are households of one", func(t *testing.T) {
			for _, c := range in.Clients {
				if c.HouseholdSize != 1 || c.HouseholdType != cas.WithoutChildren {
					t.Errorf("client %s: household %d %s", c.HMISPersonalID, c.HouseholdSize, c.HouseholdType)
				}
			}
		})
	})
}

var cmpByPersonalID = cmp.Transformer("byPersonalID", func(es []store.ImportEntry) map[string]store.ImportEntry {
	m := map[string]store.ImportEntry{}
	for _, e := range es {
		m[e.PersonalID] = e
	}
	return m
})

func TestMapReportsProgress(t *testing.T) {
	var done []string
	var rows int
	_, _, err := Map(context.Background(), MustOpen(t, filepath.Join(samples(t), "fy2024-datalab")), func(p Progress) {
		if p.Done {
			done = append(done, p.File)
			if p.Read != p.Size || p.Size == 0 {
				t.Errorf("%s done at %d of %d bytes", p.File, p.Read, p.Size)
			}
		}
		if p.File == "Client.csv" && p.Done {
			rows = p.Rows
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(importFiles, done); diff != "" {
		t.Errorf("files done (-want +got):\n%s", diff)
	}
	if rows != 514 {
		t.Errorf("Client.csv: %d rows, want 514", rows)
	}
}

func TestImportSamples(t *testing.T) {
	dir := samples(t)
	for _, c := range []struct {
		set  string
		want map[string]int
	}{
		{"fy2024-datalab", datalabCreated},
		{"fy2026-datalab", datalabCreated},
		{"fy2026-bom-edgecase", edgecaseCreated},
	} {
		t.Run(c.set, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				path := filepath.Join(dir, c.set)
				res, _, err := importExport(t, db, path)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(c.want, res.Created); diff != "" {
					t.Errorf("created (-want +got):\n%s", diff)
				}
				got := dbCounts(t, db)
				want := map[string]int{"agencies": c.want["agencies"], "programs": c.want["programs"], "units": c.want["units"],
					"clients": c.want["clients"], "hpl_entries": c.want["hpl_entries"]}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("in the database (-want +got):\n%s", diff)
				}
				t.Run("importing it again creates and updates nothing", func(t *testing.T) {
					res, _, err := importExport(t, db, path)
					if err != nil || len(res.Created) != 0 || len(res.Updated) != 0 {
						t.Errorf("second import: %+v %v", res, err)
					}
				})
			})
		})
	}
}

// damagedExport copies the FY2024 DataLab sample into a temporary folder, with one organization
// and one client added (so that an import that wrote anything would change the counts) and the
// files in edits changed by them.
func damagedExport(t *testing.T, edits map[string]func(string) string) string {
	t.Helper()
	set := filepath.Join(samples(t), "fy2024-datalab")
	tmp := t.TempDir()
	added := map[string]func(string) string{
		"Organization.csv": appendLine(`"9001","Brand New Shelter",0,"New",2022-01-01 09:00:00,2022-01-01 09:00:00,"27",,1036`),
		"Client.csv":       appendLine(`999001,New,,Person,,1,,99,1990-01-01,1,0,0,1,0,0,0,0,,,0,1,0,0,0,0,0,,,0,,,,,,,,,,,,,2022-01-01 09:00:00,2022-01-01 09:00:00,28,,1036`),
	}
	entries, err := os.ReadDir(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range entries {
		name := f.Name()
		damage(t, filepath.Join(set, name), filepath.Join(tmp, name), func(s string) string {
			if add := added[name]; add != nil {
				s = add(s)
			}
			if edit := edits[name]; edit != nil {
				s = edit(s)
			}
			return s
		})
	}
	return tmp
}

// appendLine adds a row at the end of a file.
func appendLine(line string) func(string) string {
	return func(s string) string { return strings.TrimRight(s, "\r\n") + "\n" + line + "\n" }
}

// setField sets field i of line n of a file that quotes no field containing a comma.
func setField(t *testing.T, n, i int, value string) func(string) string {
	return func(s string) string {
		return replaceLine(t, s, n, func(l string) string {
			f := strings.Split(l, ",")
			f[i] = value
			return strings.Join(f, ",")
		})
	}
}

// chain applies edits in turn.
func chain(edits ...func(string) string) func(string) string {
	return func(s string) string {
		for _, e := range edits {
			s = e(s)
		}
		return s
	}
}

// copyLine appends a copy of line n of a file.
func copyLine(t *testing.T, n int) func(string) string {
	return func(s string) string { return appendLine(strings.Split(s, "\n")[n-1])(s) }
}

func TestImportDamaged(t *testing.T) {
	samples(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, _, err := importExport(t, db, filepath.Join(samples(t), "fy2024-datalab")); err != nil {
			t.Fatal(err)
		}
		before := dbCounts(t, db)
		// where is a problem's place, file, line and column.
		type where struct {
			File   string
			Line   int
			Column string
		}
		for _, c := range []struct {
			name  string
			edits map[string]func(string) string
			want  []where
			// message, when set, is the first problem's whole message.
			message string
		}{
			{
				name:    "a missing column",
				edits:   map[string]func(string) string{"Client.csv": func(s string) string { return strings.Replace(s, ",DOB,", ",BirthDate,", 1) }},
				want:    []where{{"Client.csv", 1, "DOB"}},
				message: "Client.csv line 1, column DOB: this required column is missing from the header",
			},
			{
				name:    "a bad date",
				edits:   map[string]func(string) string{"Client.csv": setField(t, 12, 8, "1990-13-45")},
				want:    []where{{"Client.csv", 12, "DOB"}},
				message: `Client.csv line 12, column DOB: "1990-13-45" is not a date (want yyyy-mm-dd)`,
			},
			{
				name:    "inventory of an unknown project",
				edits:   map[string]func(string) string{"Inventory.csv": setField(t, 2, 1, `"9999"`)},
				want:    []where{{"Inventory.csv", 2, "ProjectID"}},
				message: "Inventory.csv line 2, column ProjectID: unknown project 9999: Project.csv has no such ProjectID",
			},
			{
				name:    "a project of an unknown organization",
				edits:   map[string]func(string) string{"Project.csv": setField(t, 3, 1, "4242")},
				want:    []where{{"Project.csv", 3, "OrganizationID"}},
				message: "Project.csv line 3, column OrganizationID: unknown organization 4242: Organization.csv has no such OrganizationID",
			},
			{
				name: "duplicate IDs",
				edits: map[string]func(string) string{
					"Project.csv": copyLine(t, 2), // line 12
					"Client.csv":  copyLine(t, 5), // line 517, after the added client
				},
				want:    []where{{"Project.csv", 12, "ProjectID"}, {"Client.csv", 517, "PersonalID"}},
				message: "Project.csv line 12, column ProjectID: duplicate ProjectID 1362: also on line 2",
			},
			{
				name: "a truncated file",
				edits: map[string]func(string) string{"Enrollment.csv": func(s string) string {
					lines := strings.SplitAfter(s, "\n")
					return strings.Join(lines[:299], "") + lines[299][:40]
				}},
				want:    []where{{"Enrollment.csv", 300, ""}},
				message: "Enrollment.csv line 300: the row has 7 fields but the header has 71 (is the file cut short?)",
			},
			{
				name: "several problems in several files",
				edits: map[string]func(string) string{
					"Organization.csv": setField(t, 4, 1, `"The People Planet"`), // the name of line 3's
					"Inventory.csv":    chain(setField(t, 2, 1, `"9999"`), setField(t, 3, 3, "2")),
					"Client.csv":       chain(setField(t, 12, 8, "1990-13-45"), setField(t, 20, 28, "7")),
					"Enrollment.csv":   setField(t, 10, 1, "123"),
					"Assessment.csv":   setField(t, 3, 7, "3"),
				},
				want: []where{
					{"Organization.csv", 4, "OrganizationName"},
					{"Inventory.csv", 2, "ProjectID"}, {"Inventory.csv", 3, "HouseholdType"},
					{"Client.csv", 12, "DOB"}, {"Client.csv", 20, "VeteranStatus"},
					{"Enrollment.csv", 10, "PersonalID"},
					{"Assessment.csv", 3, "PrioritizationStatus"},
				},
			},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, report, err := importExport(t, db, damagedExport(t, c.edits))
				if err == nil {
					t.Fatalf("imported: %+v", res)
				}
				var got []where
				for _, p := range report.Problems {
					got = append(got, where{p.File, p.Line, p.Column})
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("problems (-want +got):\n%s\n%v", diff, report.Problems)
				}
				if c.message != "" && len(report.Problems) > 0 && report.Problems[0].Error() != c.message {
					t.Errorf("message:\n got %s\nwant %s", report.Problems[0], c.message)
				}
				if diff := cmp.Diff(before, dbCounts(t, db)); diff != "" {
					t.Errorf("the database changed (-before +after):\n%s", diff)
				}
			})
		}
	})
}

func TestMapNeedsItsFiles(t *testing.T) {
	tmp := damagedExport(t, nil)
	if err := os.Remove(filepath.Join(tmp, "Enrollment.csv")); err != nil {
		t.Fatal(err)
	}
	_, report, err := Map(context.Background(), MustOpen(t, tmp), nil)
	if err == nil || len(report.Problems) != 1 || report.Problems[0].Error() != "Enrollment.csv: the export has no Enrollment.csv, which Doorway reads" {
		t.Errorf("err %v, problems %v", err, report.Problems)
	}
}

func TestMapCancelled(t *testing.T) {
	dir, _ := MustGenerate(t, GenOptions{Clients: 2000, Units: 50, Seed: 3})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Map(ctx, MustOpen(t, dir), nil); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("err = %v, want the context's", err)
	}
}

func TestMapGenerated(t *testing.T) {
	dir, stats := MustGenerate(t, GenOptions{Clients: 300, Units: 60, Seed: 7})
	in, report := MustMap(t, dir)
	if len(report.Warnings) != 0 {
		t.Errorf("warnings on a generated export: %v", report.Warnings)
	}
	units := 0
	for _, inv := range in.Inventory {
		units += inv.Units
	}
	if len(in.Clients) != 300 || units != 60 || len(in.Entries) == 0 {
		t.Errorf("%d clients, %d units, %d HPL entries", len(in.Clients), units, len(in.Entries))
	}
	if report.Rows["Enrollment.csv"] != stats.Rows["Enrollment.csv"] {
		t.Errorf("read %d enrollments of %d", report.Rows["Enrollment.csv"], stats.Rows["Enrollment.csv"])
	}
	t.Run("households are counted from Enrollment.csv", func(t *testing.T) {
		sizes := map[string]int{}
		for _, c := range in.Clients {
			sizes[string(c.HouseholdType)] += c.HouseholdSize
			if c.HouseholdType == cas.WithoutChildren && c.HouseholdSize > 2 {
				t.Errorf("client %s: %d adults in one household; the generator makes at most a couple", c.HMISPersonalID, c.HouseholdSize)
			}
		}
		if sizes[string(cas.WithChildren)] == 0 || sizes[string(cas.WithoutChildren)] == 0 {
			t.Errorf("household types %v", sizes)
		}
	})
}
