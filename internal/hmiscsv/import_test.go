package hmiscsv

import (
	"context"
	"fmt"
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
// 841354 (RRH 1495), all prioritized; but the last two are RRH enrollments with a move-in date
// (2022-08-11 and 2022-03-03): those clients are housed, and only 694968 goes on the HPL. The
// edge-case set has one organization, one project that is not a Continuum project (so no
// program), three clients and no usable assessment.
var (
	datalabCreated  = map[string]int{"agencies": 10, "programs": 7, "facilities": 7, "units": 141, "clients": 514, "hpl_entries": 1}
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
			if diff := cmp.Diff(map[string]int{"agencies": 10, "programs": 7, "units": 141, "clients": 514, "entries": 1}, got); diff != "" {
				t.Errorf("mapped (-want +got):\n%s", diff)
			}
			if len(report.Problems) != 0 || len(report.Skipped) != 0 {
				t.Errorf("problems %v, skipped %v; want none", report.Problems, report.Skipped)
			}
			t.Run("the HPL holds the prioritized heads of open enrollments not housed", func(t *testing.T) {
				want := []store.ImportEntry{{EnrollmentID: "841941", PersonalID: "694968", AssessedOn: "2022-01-13", DaysHomeless: 0}}
				if diff := cmp.Diff(want, in.Entries, cmpByPersonalID); diff != "" {
					t.Errorf("entries (-want +got):\n%s", diff)
				}
				// 40 clients have an open PSH or RRH enrollment with a move-in date.
				if report.Housed != 2 || len(in.Housed) != 40 || !slices.Contains(in.Housed, "685217") || !slices.Contains(in.Housed, "696592") {
					t.Errorf("%d left off the HPL, housed %v; want 685217 and 696592 of 40, moved into RRH", report.Housed, in.Housed)
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
				var warned []string
				for _, w := range report.Warnings {
					warned = append(warned, w.File+" "+w.Column)
				}
				// TH 388 has no TargetPopulation, which HUD requires and Doorway does not use.
				if want := []string{"Project.csv TargetPopulation", "CEParticipation.csv ReceivesReferrals"}; !cmp.Equal(want, warned) {
					t.Errorf("warnings %v, want the one about CE participation and TH 388's TargetPopulation", report.Warnings)
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

func TestImportSampleWithoutBirthDates(t *testing.T) {
	samples(t)
	// The one head of household the sample puts on the HPL, 694968, loses the birth date
	// (DOBDataQuality 99: not collected).
	path := damagedExport(t, map[string]func(string) string{"Client.csv": func(s string) string {
		return strings.Replace(s, "\n694968,Goods,,Eggplant,,1,261703085,1,1955-07-28,1,", "\n694968,Goods,,Eggplant,,1,261703085,1,,99,", 1)
	}})
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, report, err := importExport(t, db, path)
		if err != nil {
			t.Fatal(err)
		}
		if report.NoBirthDate != 1 || len(report.Skipped) != 0 {
			t.Errorf("%d without a birth date, skipped %v; want 1 and none", report.NoBirthDate, report.Skipped)
		}
		items, _, _, err := db.HPL(context.Background(), cas.System, store.HPLFilter{}, store.Page{})
		if err != nil || len(items) != 1 || items[0].Client.HMISPersonalID != "694968" || items[0].Client.BirthDate != "" {
			t.Errorf("HPL %+v %v, want 694968 without a birth date", items, err)
		}
	})
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
			// skipped are the records left out beside, when the export is refused anyway.
			skipped []where
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
				want: []where{{"Inventory.csv", 2, "ProjectID"}, {"Client.csv", 12, "DOB"}, {"Enrollment.csv", 10, "PersonalID"}},
				skipped: []where{
					{"Organization.csv", 4, "OrganizationName"},
					{"Inventory.csv", 3, "HouseholdType"},
					{"Client.csv", 20, "VeteranStatus"},
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
				var skipped []where
				for _, p := range report.Skipped {
					skipped = append(skipped, where{p.File, p.Line, p.Column})
				}
				if diff := cmp.Diff(c.skipped, skipped); diff != "" {
					t.Errorf("skipped (-want +got):\n%s\n%v", diff, report.Skipped)
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
	if got, want := *report.File("Enrollment.csv"), stats.Rows["Enrollment.csv"]; got.Rows != want || got.Imported != want {
		t.Errorf("Enrollment.csv: %+v, want %d rows read and imported", got, want)
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

// tinyCoC is a small FY2024 export written by hand, with the columns Doorway requires: Harbor's
// PSH (P1, four single beds) receives referrals; River CE (P2) is the Coordinated Entry project,
// where three heads of household are prioritized: Ana (C1), Bo (C2, without a birth date, as HMIS
// records often are) and Cy (C3, a veteran). Rows are on lines 2, 3 and 4 in that order. Tests
// change it a row at a time.
func tinyCoC() map[string][]string {
	return map[string][]string{
		"Export.csv": {"ExportID,ExportDate,ExportStartDate,ExportEndDate,SoftwareName,CSVVersion",
			"X1,2026-01-02 03:04:05,2025-01-01,2025-12-31,Hand,2024 v1.0"},
		"Organization.csv": {"OrganizationID,OrganizationName,VictimServiceProvider,DateDeleted",
			"O1,Harbor Family Services,0,", "O2,River Coordinated Entry,0,"},
		"CEParticipation.csv": {"CEParticipationID,ProjectID,AccessPoint,ReceivesReferrals,CEParticipationStatusStartDate,CEParticipationStatusEndDate,DateDeleted",
			"CP1,P1,0,1,2024-01-01,,", "CP2,P2,1,0,2024-01-01,,"},
		"Project.csv": {"ProjectID,OrganizationID,ProjectName,OperatingStartDate,OperatingEndDate,ContinuumProject,ProjectType,HousingType,RRHSubType,TargetPopulation,DateDeleted",
			"P1,O1,Harbor PSH,2020-01-01,,1,3,1,,4,", "P2,O2,River CE,2020-01-01,,1,14,,,4,"},
		"Inventory.csv": {"InventoryID,ProjectID,CoCCode,HouseholdType,UnitInventory,BedInventory,InventoryStartDate,InventoryEndDate,DateDeleted",
			"I1,P1,XX-501,1,0,4,2024-01-01,,"},
		"Client.csv": {"PersonalID,FirstName,MiddleName,LastName,DOB,DOBDataQuality,VeteranStatus,DateDeleted",
			"C1,Ana,,Reyes,1980-01-02,1,0,", "C2,Bo,,Lee,,99,0,", "C3,Cy,,Ode,1975-03-04,1,1,"},
		"Enrollment.csv": {"EnrollmentID,PersonalID,ProjectID,EntryDate,HouseholdID,RelationshipToHoH,LivingSituation,DisablingCondition,MoveInDate,DateDeleted",
			"E1,C1,P2,2025-03-01,H1,1,116,0,,", "E2,C2,P2,2025-04-01,H2,1,116,0,,", "E3,C3,P2,2025-05-01,H3,1,116,0,,"},
		"Exit.csv": {"ExitID,EnrollmentID,PersonalID,ExitDate,Destination,DateDeleted"},
		"Assessment.csv": {"AssessmentID,EnrollmentID,PersonalID,AssessmentDate,AssessmentLocation,AssessmentType,AssessmentLevel,PrioritizationStatus,DateDeleted",
			"A1,E1,C1,2025-03-02,Hub,3,2,1,", "A2,E2,C2,2025-04-02,Hub,3,2,1,", "A3,E3,C3,2025-05-02,Hub,3,2,1,"},
	}
}

// edit changes a hand-made export.
type edit func(files map[string][]string)

// addRow appends a row to file.
func addRow(file, row string) edit {
	return func(files map[string][]string) { files[file] = append(files[file], row) }
}

// setCell sets column col of the row of file whose first field is id; the rows quote nothing.
func setCell(file, id, col, value string) edit {
	return func(files map[string][]string) {
		i := slices.Index(strings.Split(files[file][0], ","), col)
		for n, row := range files[file][1:] {
			if f := strings.Split(row, ","); f[0] == id && i >= 0 {
				f[i] = value
				files[file][n+1] = strings.Join(f, ",")
				return
			}
		}
		panic(fmt.Sprintf("%s has no row %s or no column %s", file, id, col))
	}
}

// writeTiny writes the tiny CoC, edited, to a temporary folder.
func writeTiny(tb testing.TB, edits ...edit) string {
	tb.Helper()
	files := tinyCoC()
	for _, e := range edits {
		e(files)
	}
	dir := tb.TempDir()
	for name, lines := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// mapTiny maps the tiny CoC, edited, whether or not it has problems.
func mapTiny(tb testing.TB, edits ...edit) (store.HMISImport, Report, error) {
	tb.Helper()
	return Map(context.Background(), MustOpen(tb, writeTiny(tb, edits...)), nil)
}

// onHPL lists the PersonalIDs an import puts on the HPL, in order.
func onHPL(in store.HMISImport) []string {
	var ids []string
	for _, e := range in.Entries {
		ids = append(ids, e.PersonalID)
	}
	slices.Sort(ids)
	return ids
}

// messages returns the problems of a list as their messages.
func messages(list []*Problem) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Error())
	}
	return out
}

func TestMapTinyCoC(t *testing.T) {
	in, report := MustMap(t, writeTiny(t))
	if len(report.Warnings)+len(report.Skipped) != 0 {
		t.Errorf("warnings %v, skipped %v; want none", report.Warnings, report.Skipped)
	}
	if got := []int{len(in.Agencies), len(in.Programs), len(in.Inventory), len(in.Clients)}; !cmp.Equal(got, []int{2, 1, 1, 3}) {
		t.Errorf("agencies, programs, inventory rows, clients = %v, want 2, 1, 1, 3", got)
	}
	if diff := cmp.Diff([]string{"C1", "C2", "C3"}, onHPL(in)); diff != "" {
		t.Errorf("on the HPL (-want +got):\n%s", diff)
	}
	t.Run("a client without a birth date is imported with an unknown age, and put on the HPL", func(t *testing.T) {
		i := slices.IndexFunc(in.Clients, func(c cas.Client) bool { return c.HMISPersonalID == "C2" })
		if i < 0 || in.Clients[i].BirthDate != "" || report.NoBirthDate != 1 {
			t.Errorf("clients %+v, %d without a birth date; want C2 without one", in.Clients, report.NoBirthDate)
		}
	})
	t.Run("each file's rows are counted", func(t *testing.T) {
		want := []FileCount{
			{File: "Export.csv", Rows: 1, Imported: 1}, {File: "Organization.csv", Rows: 2, Imported: 2},
			{File: "CEParticipation.csv", Rows: 2, Imported: 2}, {File: "Project.csv", Rows: 2, Imported: 2},
			{File: "Inventory.csv", Rows: 1, Imported: 1}, {File: "Client.csv", Rows: 3, Imported: 3},
			{File: "Enrollment.csv", Rows: 3, Imported: 3}, {File: "Exit.csv"}, {File: "Assessment.csv", Rows: 3, Imported: 3},
		}
		var got []FileCount
		for _, f := range report.Files {
			got = append(got, *f)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
	})
}

// TestMapClasses: as HUD's data quality tool has them, what makes the export unreadable or its
// records ambiguous refuses it; a value Doorway needs that is unusable leaves its record out, with
// what depends on it; the rest is a warning. Each names file, line and column.
func TestMapClasses(t *testing.T) {
	for _, c := range []struct {
		name                        string
		edits                       []edit
		problems, skipped, warnings []string
		hpl                         []string // PersonalIDs on the HPL, when the export imports
	}{
		{
			name:     "a duplicate ID refuses the export, even in a row Doorway has no use for",
			edits:    []edit{addRow("Inventory.csv", "I1,P2,XX-501,1,0,4,2024-01-01,,")},
			problems: []string{"Inventory.csv line 3, column InventoryID: duplicate InventoryID I1: also on line 2"},
		},
		{
			name:     "an empty ID refuses the export",
			edits:    []edit{setCell("Inventory.csv", "I1", "InventoryID", "")},
			problems: []string{"Inventory.csv line 2, column InventoryID: the field is empty; want an ID"},
		},
		{
			name:     "a reference to a record the export lacks, in a row Doorway needs, refuses it",
			edits:    []edit{setCell("Enrollment.csv", "E3", "PersonalID", "C9")},
			problems: []string{"Enrollment.csv line 4, column PersonalID: unknown client C9: Client.csv has no such PersonalID"},
		},
		{
			name:     "a CE participation of a project the export lacks refuses it",
			edits:    []edit{setCell("CEParticipation.csv", "CP2", "ProjectID", "P9")},
			problems: []string{"CEParticipation.csv line 3, column ProjectID: unknown project P9: Project.csv has no such ProjectID"},
		},
		{
			name:     "an impossible date in a field Doorway needs refuses it",
			edits:    []edit{setCell("Enrollment.csv", "E1", "EntryDate", "2025-02-30")},
			problems: []string{`Enrollment.csv line 2, column EntryDate: "2025-02-30" is not a date (want yyyy-mm-dd)`},
		},
		{
			name:     "a reference that points nowhere, in a project that receives no referrals, is a warning",
			edits:    []edit{setCell("Project.csv", "P2", "OrganizationID", "O9")},
			warnings: []string{"Project.csv line 3, column OrganizationID: unknown organization O9: Organization.csv has no such OrganizationID"},
			hpl:      []string{"C1", "C2", "C3"},
		},
		{
			name:     "an impossible date in a row Doorway has no use for is a warning",
			edits:    []edit{addRow("Inventory.csv", "I2,P2,XX-501,1,0,4,2024-13-01,,")},
			warnings: []string{`Inventory.csv line 3, column InventoryStartDate: "2024-13-01" is not a date (want yyyy-mm-dd)`},
			hpl:      []string{"C1", "C2", "C3"},
		},
		{
			name:     "a move-in date outside permanent housing is not needed: a bad one is a warning",
			edits:    []edit{setCell("Enrollment.csv", "E1", "MoveInDate", "soon")},
			warnings: []string{`Enrollment.csv line 2, column MoveInDate: "soon" is not a date (want yyyy-mm-dd)`},
			hpl:      []string{"C1", "C2", "C3"},
		},
		{
			name:  "a code Doorway needs that is not HUD's skips the record, and what depends on it",
			edits: []edit{setCell("Client.csv", "C3", "VeteranStatus", "7")},
			skipped: []string{
				"Client.csv line 4, column VeteranStatus: 7 is not one of HUD's codes for VeteranStatus (0, 1, 8, 9, 99)",
				"Enrollment.csv line 4, column PersonalID: client C3 is prioritized on enrollment E3 but is skipped (Client.csv line 4), so is not put on the HPL",
			},
			hpl: []string{"C1", "C2"},
		},
		{
			name:  "an enrollment with a RelationshipToHoH not HUD's is skipped, and its assessment",
			edits: []edit{setCell("Enrollment.csv", "E2", "RelationshipToHoH", "0")},
			skipped: []string{
				"Enrollment.csv line 3, column RelationshipToHoH: 0 is not one of HUD's codes for RelationshipToHoH (1, 2, 3, 4, 5, 99)",
				"Assessment.csv line 3, column EnrollmentID: enrollment E2 is skipped (Enrollment.csv line 3), so its assessment is too",
			},
			hpl: []string{"C1", "C3"},
		},
		{
			name:    "a skipped assessment keeps its enrollment from putting anyone on the HPL",
			edits:   []edit{setCell("Assessment.csv", "A1", "PrioritizationStatus", "3")},
			skipped: []string{"Assessment.csv line 2, column PrioritizationStatus: 3 is not one of HUD's codes for PrioritizationStatus (1, 2)"},
			hpl:     []string{"C2", "C3"},
		},
		{
			name:  "an empty date Doorway needs skips the record",
			edits: []edit{setCell("Enrollment.csv", "E3", "EntryDate", "")},
			skipped: []string{
				"Enrollment.csv line 4, column EntryDate: the field is empty; want a date",
				"Assessment.csv line 4, column EnrollmentID: enrollment E3 is skipped (Enrollment.csv line 4), so its assessment is too",
			},
			hpl: []string{"C1", "C2"},
		},
		{
			name:  "an organization without a name is skipped, with its program and the program's inventory",
			edits: []edit{setCell("Organization.csv", "O1", "OrganizationName", "")},
			skipped: []string{
				"Organization.csv line 2, column OrganizationName: the field is empty; want the organization's name",
				"Project.csv line 2, column OrganizationID: organization O1 is skipped (Organization.csv line 2), so its project is too",
				"Inventory.csv line 2, column ProjectID: project P1 is skipped (Project.csv line 2), so its inventory is too",
			},
			hpl: []string{"C1", "C2", "C3"},
		},
		{
			name:    "inventory of a household type not HUD's is skipped",
			edits:   []edit{setCell("Inventory.csv", "I1", "HouseholdType", "2")},
			skipped: []string{"Inventory.csv line 2, column HouseholdType: 2 is not one of HUD's codes for HouseholdType (1, 3, 4)"},
			hpl:     []string{"C1", "C2", "C3"},
		},
		{
			name:     "a program's name is needed; another project's is not",
			edits:    []edit{setCell("Project.csv", "P1", "ProjectName", ""), setCell("Project.csv", "P2", "ProjectName", "")},
			skipped:  []string{"Project.csv line 2, column ProjectName: the field is empty; want the project's name", "Inventory.csv line 2, column ProjectID: project P1 is skipped (Project.csv line 2), so its inventory is too"},
			warnings: []string{"Project.csv line 3, column ProjectName: the field is empty; want the project's name"},
			hpl:      []string{"C1", "C2", "C3"},
		},
		{
			name:     "a code not HUD's in a column Doorway does not use is a warning",
			edits:    []edit{setCell("Enrollment.csv", "E1", "DisablingCondition", "7")},
			warnings: []string{`Enrollment.csv line 2, column DisablingCondition: "7" is not one of HUD's codes for DisablingCondition (0, 1, 8, 9, 99); Doorway does not use this column`},
			hpl:      []string{"C1", "C2", "C3"},
		},
		{
			name:     "a code not HUD's in a record Doorway has no use for is a warning",
			edits:    []edit{addRow("Inventory.csv", "I2,P2,XX-501,7,0,4,2024-01-01,,")},
			warnings: []string{"Inventory.csv line 3, column HouseholdType: 7 is not one of HUD's codes for HouseholdType (1, 3, 4)"},
			hpl:      []string{"C1", "C2", "C3"},
		},
		{
			name:     "a birth date Doorway cannot take is a warning: the age is unknown",
			edits:    []edit{setCell("Client.csv", "C1", "DOB", "1890-01-02")},
			warnings: []string{"Client.csv line 2, column DOB: 1890-01-02 is more than 120 years ago: the client is imported with an unknown age"},
			hpl:      []string{"C1", "C2", "C3"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, report, err := mapTiny(t, c.edits...)
			if (err != nil) != (len(c.problems) > 0) {
				t.Errorf("err = %v, want one when there are problems", err)
			}
			for _, l := range []struct {
				name      string
				want, got []string
			}{
				{"problems", c.problems, messages(report.Problems)},
				{"skipped", c.skipped, messages(report.Skipped)},
				{"warnings", c.warnings, messages(report.Warnings)},
			} {
				if diff := cmp.Diff(l.want, l.got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", l.name, diff)
				}
			}
			if diff := cmp.Diff(c.hpl, onHPL(in)); diff != "" {
				t.Errorf("on the HPL (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapCountsSkippedAndWarnedRows(t *testing.T) {
	_, report, err := mapTiny(t, setCell("Client.csv", "C3", "VeteranStatus", "7"), setCell("Client.csv", "C3", "DOBDataQuality", "4"),
		setCell("Client.csv", "C1", "DOBDataQuality", "4"), addRow("Inventory.csv", "I2,P2,XX-501,1,0,4,2024-01-01,,"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]FileCount{}
	for _, f := range report.Files {
		got[f.File] = *f
	}
	for file, want := range map[string]FileCount{
		// C3 is skipped, and warned about; C1 warned about.
		"Client.csv": {File: "Client.csv", Rows: 3, Imported: 2, Skipped: 1, Warned: 2},
		// The inventory of a project that receives no referrals is read, but not imported.
		"Inventory.csv": {File: "Inventory.csv", Rows: 2, Imported: 1},
		// C3's enrollment is imported, but does not put C3 on the HPL.
		"Enrollment.csv": {File: "Enrollment.csv", Rows: 3, Imported: 2, Skipped: 1},
	} {
		if diff := cmp.Diff(want, got[file]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", file, diff)
		}
	}
}

func TestMapListsAHundredOfAKind(t *testing.T) {
	var rows []edit
	for i := range 150 {
		rows = append(rows, addRow("Client.csv", fmt.Sprintf("D%d,Dee,,Doe,1990-01-01,4,0,", i)))
	}
	_, report, err := mapTiny(t, rows...)
	if err != nil {
		t.Fatal(err)
	}
	_, _, warnings := report.Totals()
	if len(report.Warnings) != 100 || warnings != 150 || report.Unlisted[Unlisted{"Warnings", "Client.csv", "DOBDataQuality"}] != 50 {
		t.Errorf("%d warnings listed of %d, unlisted %v; want 100 of 150", len(report.Warnings), warnings, report.Unlisted)
	}
}

// TestMapHoused: a person HMIS shows already housed is not put on the HPL, and the import is told,
// so that an entry on the list from an earlier import leaves it.
func TestMapHoused(t *testing.T) {
	moved := addRow("Enrollment.csv", "E4,C1,P1,2025-06-01,H4,1,116,0,2025-06-15,")
	for _, c := range []struct {
		name   string
		edits  []edit
		hpl    []string
		housed []string
	}{
		{"a head of household who moved into permanent housing is left off", []edit{moved}, []string{"C2", "C3"}, []string{"C1"}},
		{"a move-in after the export's end does not count", []edit{addRow("Enrollment.csv", "E4,C1,P1,2025-06-01,H4,1,116,0,2026-01-05,")},
			[]string{"C1", "C2", "C3"}, nil},
		{"an enrollment without a move-in date does not count", []edit{addRow("Enrollment.csv", "E4,C1,P1,2025-06-01,H4,1,116,0,,")},
			[]string{"C1", "C2", "C3"}, nil},
		{"an exited enrollment does not count", []edit{moved, addRow("Exit.csv", "X1,E4,C1,2025-09-01,410,")},
			[]string{"C1", "C2", "C3"}, nil},
		{"a move-in date outside permanent housing does not count", []edit{setCell("Enrollment.csv", "E1", "MoveInDate", "2025-03-05")},
			[]string{"C1", "C2", "C3"}, nil},
		{"RRH and the other PH types count", []edit{setCell("Project.csv", "P1", "ProjectType", "13"), moved,
			addRow("Project.csv", "P3,O1,Harbor Homes,2020-01-01,,1,9,1,,4,"), addRow("Enrollment.csv", "E5,C2,P3,2025-06-01,H5,1,116,0,2025-06-15,"),
			addRow("Project.csv", "P4,O1,Harbor Place,2020-01-01,,1,10,1,,4,"), addRow("Enrollment.csv", "E6,C3,P4,2025-06-01,H6,1,116,0,2025-06-15,")},
			nil, []string{"C1", "C2", "C3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, report := MustMap(t, writeTiny(t, c.edits...))
			if diff := cmp.Diff(c.hpl, onHPL(in)); diff != "" {
				t.Errorf("on the HPL (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.housed, in.Housed); diff != "" {
				t.Errorf("housed (-want +got):\n%s", diff)
			}
			if report.Housed != len(c.housed) {
				t.Errorf("%d left off the HPL as housed, want %d", report.Housed, len(c.housed))
			}
		})
	}
	t.Run("a CE enrollment that exited is named for the import", func(t *testing.T) {
		in, _ := MustMap(t, writeTiny(t, addRow("Exit.csv", "X1,E3,C3,2025-09-01,410,"), addRow("Exit.csv", "X2,E4,C1,2025-09-01,410,"), moved))
		if diff := cmp.Diff([]string{"E3"}, in.ExitedCE); diff != "" {
			t.Errorf("exited CE enrollments (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"C1", "C2"}, onHPL(in)); diff != "" {
			t.Errorf("on the HPL (-want +got):\n%s", diff)
		}
	})
}

// TestImportHousedAndExited follows clients across two imports: one who moves into permanent
// housing between them is housed on the second, and their open referral withdrawn; one whose CE
// enrollment exits becomes inactive; one already housed at the first never joins the list.
func TestImportHousedAndExited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alreadyHoused := []edit{addRow("Client.csv", "C4,Di,,Kay,1985-07-08,1,0,"),
			addRow("Enrollment.csv", "E5,C4,P2,2025-02-01,H5,1,116,0,,"), addRow("Assessment.csv", "A5,E5,C4,2025-02-02,Hub,3,2,1,"),
			addRow("Enrollment.csv", "E6,C4,P1,2025-05-01,H6,1,116,0,2025-05-10,")}
		if _, _, err := importExport(t, db, writeTiny(t, alreadyHoused...)); err != nil {
			t.Fatal(err)
		}
		entries := func(status cas.HPLStatus) map[string]string {
			t.Helper()
			items, _, _, err := db.HPL(ctx, cas.System, store.HPLFilter{Status: []cas.HPLStatus{status}}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			for _, it := range items {
				m[it.Client.HMISPersonalID] = it.Entry.RemovalReason
			}
			return m
		}
		if diff := cmp.Diff(map[string]string{"C1": "", "C2": "", "C3": ""}, entries(cas.HPLActive)); diff != "" {
			t.Fatalf("on the HPL after the first import (-want +got):\n%s", diff)
		}
		t.Run("a client without a birth date is on the HPL", func(t *testing.T) {
			items, _, _, _ := db.HPL(ctx, cas.System, store.HPLFilter{}, store.Page{})
			i := slices.IndexFunc(items, func(it store.HPLItem) bool { return it.Client.HMISPersonalID == "C2" })
			if i < 0 || items[i].Client.BirthDate != "" {
				t.Errorf("HPL %+v, want C2 without a birth date", items)
			}
		})

		admin, err := db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "Cas Admin", Role: cas.RoleCASAdmin}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Reyes"}, store.Page{})
		if _, err := db.UpdateClient(ctx, &admin, clients[0].ID, func(c *cas.Client) { c.Consent = true }); err != nil {
			t.Fatal(err)
		}
		facilities, _, _ := db.Facilities(ctx, cas.System, store.FacilityFilter{}, store.Page{})
		referral, err := db.CreateReferral(ctx, &admin, store.NewReferral{ClientID: clients[0].ID, FacilityID: facilities[0].ID})
		if err != nil {
			t.Fatal(err)
		}

		// Between the two exports, Ana moved into Harbor's PSH and Cy left coordinated entry.
		moved := addRow("Enrollment.csv", "E4,C1,P1,2025-06-01,H4,1,116,0,2025-06-15,")
		left := addRow("Exit.csv", "X1,E3,C3,2025-09-01,410,")
		res, _, err := importExport(t, db, writeTiny(t, append(alreadyHoused, moved, left)...))
		if err != nil {
			t.Fatal(err)
		}
		if got := []int{res.Housed, res.Exited, res.Withdrawn}; !cmp.Equal(got, []int{1, 1, 1}) {
			t.Errorf("housed, exited, withdrawn = %v, want 1, 1, 1", got)
		}
		if diff := cmp.Diff(map[string]string{"C1": "moved into permanent housing in HMIS"}, entries(cas.HPLHoused)); diff != "" {
			t.Errorf("housed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"C3": "exited coordinated entry in HMIS"}, entries(cas.HPLInactive)); diff != "" {
			t.Errorf("inactive (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"C2": ""}, entries(cas.HPLActive)); diff != "" {
			t.Errorf("active (-want +got):\n%s", diff)
		}
		if r, _, _ := db.Referral(ctx, &admin, referral.ID); r.Status != cas.ReferralWithdrawn {
			t.Errorf("Ana's referral is %s, want withdrawn", r.Status)
		}
	})
}
