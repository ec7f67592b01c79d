package hmiscsv

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// samples is the folder of HUD-shaped sample exports. They are GPL test data kept outside the
// repository, so the tests skip without them, except in CI, where they must be present.
func samples(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "hmis-csv-sample")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("the HMIS CSV samples are missing in CI: %v", err)
		}
		tb.Skipf("no HMIS CSV samples at %s: %v", dir, err)
	}
	return dir
}

// MustOpen opens the export at path and closes it when the test ends.
func MustOpen(tb testing.TB, path string) *Export {
	tb.Helper()
	e, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

// countRows counts the data rows of each file.
func countRows(tb testing.TB, e *Export, files ...string) map[string]int {
	tb.Helper()
	counts := map[string]int{}
	for _, f := range files {
		counts[f] = 0
		if err := e.Rows(f, func(Row) error { counts[f]++; return nil }); err != nil {
			tb.Fatal(err)
		}
	}
	return counts
}

// readAll returns every row of file as its fields.
func readAll(tb testing.TB, e *Export, file string) [][]string {
	tb.Helper()
	var rows [][]string
	if err := e.rows(file, nil, func(r Row) error { rows = append(rows, slices.Clone(r.fields)); return nil }); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// checkTypedFields reads every integer, date and time field of the files whose columns the
// package knows, as an importer would.
func checkTypedFields(t *testing.T, e *Export) {
	t.Helper()
	for _, file := range e.Files() {
		cols, err := columnsOf(e.Version, file)
		if err != nil {
			continue
		}
		err = e.Rows(file, func(r Row) error {
			for _, c := range cols {
				var err error
				switch {
				case c.kind == 'I' && r.String(c.name) != "":
					_, err = r.Int(c.name)
				case c.kind == 'D':
					_, err = r.Date(c.name)
				case c.kind == 'T':
					_, err = r.DateTime(c.name)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
}

var coreFiles = []string{"Organization.csv", "Project.csv", "Inventory.csv", "CEParticipation.csv", "Client.csv",
	"Enrollment.csv", "Exit.csv", "Event.csv", "Assessment.csv"}

func TestReadSamples(t *testing.T) {
	dir := samples(t)
	datalab := map[string]int{"Organization.csv": 10, "Project.csv": 10, "Inventory.csv": 49, "CEParticipation.csv": 10,
		"Client.csv": 514, "Enrollment.csv": 574, "Exit.csv": 447, "Event.csv": 19, "Assessment.csv": 8}
	for _, c := range []struct {
		set     string
		version string
		files   int
		counts  map[string]int
	}{
		{"fy2024-datalab", FY2024, 24, datalab},
		{"fy2026-datalab", FY2026, 24, datalab},
		{"fy2026-bom-edgecase", FY2026, 21, map[string]int{"Organization.csv": 1, "Project.csv": 1, "Inventory.csv": 0,
			"CEParticipation.csv": 0, "Client.csv": 3, "Enrollment.csv": 4, "Exit.csv": 1, "Event.csv": 2, "Assessment.csv": 2}},
	} {
		t.Run(c.set, func(t *testing.T) {
			e := MustOpen(t, filepath.Join(dir, c.set))
			if e.Version != c.version {
				t.Errorf("Version = %q, want %q", e.Version, c.version)
			}
			if got := len(e.Files()); got != c.files {
				t.Errorf("%d HUD files, want %d: %v", got, c.files, e.Files())
			}
			if diff := cmp.Diff(c.counts, countRows(t, e, coreFiles...)); diff != "" {
				t.Errorf("row counts (-want +got):\n%s", diff)
			}
			t.Run("every integer, date and time field reads", func(t *testing.T) { checkTypedFields(t, e) })
			t.Run("headers are HUD's columns, in any case", func(t *testing.T) {
				for _, file := range e.Files() {
					cols, err := columnsOf(c.version, file)
					if err != nil {
						continue
					}
					var want []string
					for _, col := range cols {
						want = append(want, col.name)
					}
					h, err := e.header(file)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, h.names, cmp.Transformer("lower", strings.ToLower)); diff != "" {
						t.Errorf("%s header (-HUD +file):\n%s", file, diff)
					}
				}
			})
		})
	}

	t.Run("the version comes from the headers when CSVVersion says nothing", func(t *testing.T) {
		for set, want := range map[string]string{"fy2024-datalab": FY2024, "fy2026-datalab": FY2026} {
			tmp := t.TempDir()
			for _, f := range []string{"Client.csv", "Enrollment.csv"} {
				copyFile(t, filepath.Join(dir, set, f), filepath.Join(tmp, f))
			}
			damage(t, filepath.Join(dir, set, "Export.csv"), filepath.Join(tmp, "Export.csv"), func(s string) string {
				return strings.Replace(s, ","+want+" v1.", ",v1.", 1)
			})
			if e := MustOpen(t, tmp); e.Version != want {
				t.Errorf("%s without CSVVersion: Version = %q, want %q", set, e.Version, want)
			}
		}
	})

	t.Run("Export.csv's mm-dd-yyyy ExportDate reads", func(t *testing.T) {
		e := MustOpen(t, filepath.Join(dir, "fy2024-datalab"))
		err := e.Rows("Export.csv", func(r Row) error {
			if got := r.String("ExportDate"); got != "02-07-2023 12:00:00" {
				t.Errorf("ExportDate is %q; the sample changed", got)
			}
			got, err := r.DateTime("ExportDate")
			if want := time.Date(2023, 2, 7, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
				t.Errorf("ExportDate = %v, %v; want %v", got, err, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ProjectCoC's ZIP column answers to Zip", func(t *testing.T) {
		e := MustOpen(t, filepath.Join(dir, "fy2024-datalab"))
		var zips []string
		err := e.Rows("ProjectCoC.csv", func(r Row) error { zips = append(zips, r.String("Zip")); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(zips) != 10 || zips[0] != "52601" {
			t.Errorf("Zip of ProjectCoC.csv = %v, want 10 rows starting with 52601", zips)
		}
	})

	t.Run("files that are not HUD's are ignored", func(t *testing.T) {
		e := MustOpen(t, filepath.Join(dir, "fy2026-datalab"))
		for _, f := range []string{"CustomGender.csv", "CustomEnrollmentFY26Deprecations.csv"} {
			if slices.Contains(e.Files(), f) {
				t.Errorf("Files() lists %s", f)
			}
			if err := e.Rows(f, func(Row) error { return nil }); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Rows(%s) = %v, want fs.ErrNotExist", f, err)
			}
		}
	})

	t.Run("a UTF-8 byte-order mark is not part of the first column's name", func(t *testing.T) {
		set := filepath.Join(dir, "fy2026-bom-edgecase")
		raw, err := os.ReadFile(filepath.Join(set, "Assessment.csv"))
		if err != nil || !bytes.HasPrefix(raw, bom) {
			t.Fatalf("Assessment.csv of the BOM set no longer starts with a BOM (%v)", err)
		}
		e := MustOpen(t, set)
		var ids []string
		if err := e.Rows("Assessment.csv", func(r Row) error { ids = append(ids, r.String("AssessmentID")); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"1", "2"}, ids); diff != "" {
			t.Errorf("AssessmentIDs (-want +got):\n%s", diff)
		}
	})
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	damage(tb, from, to, func(s string) string { return s })
}

// damage copies a sample file, changed by edit, into the temporary export.
func damage(tb testing.TB, from, to string, edit func(string) string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, []byte(edit(string(b))), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// replaceLine replaces line n (1-based) of s by edit of it.
func replaceLine(tb testing.TB, s string, n int, edit func(string) string) string {
	tb.Helper()
	lines := strings.Split(s, "\n")
	if n > len(lines) {
		tb.Fatalf("no line %d", n)
	}
	lines[n-1] = edit(lines[n-1])
	return strings.Join(lines, "\n")
}

// asProblem returns the Problem in err, failing the test when there is none.
func asProblem(tb testing.TB, err error) *Problem {
	tb.Helper()
	var p *Problem
	if !errors.As(err, &p) {
		tb.Fatalf("got %v, want a *Problem", err)
	}
	return p
}

func TestReadDamagedFiles(t *testing.T) {
	set := filepath.Join(samples(t), "fy2024-datalab")
	// export builds a one-file export (with the sample's Export.csv) and reads file whole.
	export := func(t *testing.T, file string, edit func(string) string) error {
		tmp := t.TempDir()
		copyFile(t, filepath.Join(set, "Export.csv"), filepath.Join(tmp, "Export.csv"))
		damage(t, filepath.Join(set, file), filepath.Join(tmp, file), edit)
		e := MustOpen(t, tmp)
		return e.Rows(file, func(r Row) error {
			_, err := r.Date("DOB")
			return err
		})
	}

	t.Run("a missing required column is named with its file", func(t *testing.T) {
		err := export(t, "Client.csv", func(s string) string {
			return strings.Replace(s, ",DOB,", ",BirthDate,", 1)
		})
		p := asProblem(t, err)
		if diff := cmp.Diff(&Problem{File: "Client.csv", Line: 1, Column: "DOB", Message: "this required column is missing from the header"}, p); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("a bad date names file, line and column", func(t *testing.T) {
		err := export(t, "Client.csv", func(s string) string {
			return replaceLine(t, s, 12, func(l string) string {
				f := strings.Split(l, ",")
				f[8] = "31/02/1980" // DOB
				return strings.Join(f, ",")
			})
		})
		p := asProblem(t, err)
		if p.File != "Client.csv" || p.Line != 12 || p.Column != "DOB" {
			t.Errorf("got %+v", p)
		}
		if want := `Client.csv line 12, column DOB: "31/02/1980" is not a date (want yyyy-mm-dd)`; err.Error() != want {
			t.Errorf("message:\n got %s\nwant %s", err, want)
		}
	})

	t.Run("a file cut inside a quoted field names file and line", func(t *testing.T) {
		err := export(t, "Organization.csv", func(s string) string {
			lines := strings.SplitAfter(s, "\n")
			head := strings.Join(lines[:4], "")
			return head + lines[4][:strings.Index(lines[4], `,"`)+4] // line 5, three characters into a quoted name
		})
		p := asProblem(t, err)
		if p.File != "Organization.csv" || p.Line != 5 || !strings.Contains(p.Message, "cut short") {
			t.Errorf("got %v", p)
		}
	})

	t.Run("a row cut short names file and line", func(t *testing.T) {
		err := export(t, "Project.csv", func(s string) string {
			lines := strings.SplitAfter(s, "\n")
			return strings.Join(lines[:6], "") + lines[6][:20]
		})
		p := asProblem(t, err)
		if p.File != "Project.csv" || p.Line != 7 || !strings.Contains(p.Message, "the header has 19") {
			t.Errorf("got %v", p)
		}
	})

	t.Run("a row with a quoted line break keeps later line numbers right", func(t *testing.T) {
		err := export(t, "Client.csv", func(s string) string {
			s = replaceLine(t, s, 3, func(l string) string {
				f := strings.Split(l, ",")
				f[1] = "\"Two\nLines\"" // FirstName
				return strings.Join(f, ",")
			})
			return replaceLine(t, s, 6, func(l string) string { // line 6 of the file is now the original line 5
				f := strings.Split(l, ",")
				f[8] = "1980-13-01"
				return strings.Join(f, ",")
			})
		})
		if p := asProblem(t, err); p.Line != 6 {
			t.Errorf("got %v, want line 6", p)
		}
	})
}

func TestReadZip(t *testing.T) {
	set := filepath.Join(samples(t), "fy2024-datalab")
	folder := MustOpen(t, set)
	for _, c := range []struct{ name, prefix string }{
		{"a zipped folder", "fy2024-datalab/"},
		{"files at the root of the zip", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			zipped := MustOpen(t, zipFolder(t, set, c.prefix))
			if zipped.Version != folder.Version {
				t.Errorf("Version %q, folder %q", zipped.Version, folder.Version)
			}
			if diff := cmp.Diff(folder.Files(), zipped.Files()); diff != "" {
				t.Errorf("Files (-folder +zip):\n%s", diff)
			}
			for _, f := range folder.Files() {
				if diff := cmp.Diff(readAll(t, folder, f), readAll(t, zipped, f)); diff != "" {
					t.Errorf("%s (-folder +zip):\n%s", f, diff)
				}
			}
		})
	}

	t.Run("a file that is neither folder nor zip", func(t *testing.T) {
		if _, err := Open(filepath.Join(set, "Client.csv")); err == nil || !strings.Contains(err.Error(), "not a folder or a ZIP") {
			t.Errorf("Open(Client.csv) = %v", err)
		}
	})
}

// zipFolder zips the files of dir, named with prefix, into a temporary file.
func zipFolder(tb testing.TB, dir, prefix string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "export.zip")
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(out)
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range entries {
		w, err := zw.Create(prefix + d.Name())
		if err != nil {
			tb.Fatal(err)
		}
		f, err := os.Open(filepath.Join(dir, d.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestOpenNoExport(t *testing.T) {
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, "notes.txt"), []byte("hello"), 0o644)
	if _, err := Open(tmp); err == nil || !strings.Contains(err.Error(), "no HMIS CSV files") {
		t.Errorf("Open(a folder without HUD files) = %v", err)
	}
	if _, err := Open(filepath.Join(tmp, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(a missing path) = %v", err)
	}
}

func TestMapReadsWindows1252(t *testing.T) {
	// "José" and "Núñez" as Excel on Windows saves them: é is E9, ú FA, ñ F1, not UTF-8.
	in, report := MustMap(t, writeTiny(t, setCell("Client.csv", "C1", "FirstName", "Jos\xe9"),
		setCell("Client.csv", "C3", "LastName", "N\xfa\xf1ez")))
	var names []string
	for _, c := range in.Clients {
		names = append(names, c.FirstName+" "+c.LastName)
	}
	if diff := cmp.Diff([]string{"José Reyes", "Bo Lee", "Cy Núñez"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	want := []string{"Client.csv line 2, column FirstName: the text is not UTF-8: Doorway reads this file's text that is not as " +
		"Windows-1252 (the encoding of Excel and older HMIS on Windows); check that names with accents read right, or export the file again as UTF-8"}
	if diff := cmp.Diff(want, messages(report.Warnings)); diff != "" {
		t.Errorf("warnings, once per file (-want +got):\n%s", diff)
	}
}

// TestMapOddFields: a NUL byte is no text's, and HUD bounds each string column's length. In an ID
// either refuses the export (an ID cut or garbled could name another record); in another field
// Doorway needs, a NUL leaves the record out and an overlong value is kept with a warning; in a
// column Doorway does not use, either is a warning.
func TestMapOddFields(t *testing.T) {
	long := strings.Repeat("x", 51)
	for _, c := range []struct {
		name                        string
		edit                        edit
		problems, skipped, warnings []string
	}{
		{
			name:     "a NUL in an ID",
			edit:     setCell("Inventory.csv", "I1", "InventoryID", "I\x001"),
			problems: []string{"Inventory.csv line 2, column InventoryID: the field holds a NUL byte (a zero byte), which no text has: the file may be damaged"},
		},
		{
			name:     "an ID longer than HUD's 32 characters",
			edit:     setCell("Inventory.csv", "I1", "InventoryID", strings.Repeat("9", 33)),
			problems: []string{"Inventory.csv line 2, column InventoryID: the field is 33 characters long; HUD allows at most 32 in InventoryID"},
		},
		{
			name:    "a NUL in a name",
			edit:    setCell("Client.csv", "C1", "FirstName", "A\x00na"),
			skipped: []string{"Client.csv line 2, column FirstName: the field holds a NUL byte (a zero byte), which no text has: the file may be damaged", "Enrollment.csv line 2, column PersonalID: client C1 is prioritized on enrollment E1 but is skipped (Client.csv line 2), so is not put on the HPL"},
		},
		{
			name:     "a name longer than HUD's 50 characters",
			edit:     setCell("Client.csv", "C1", "LastName", long),
			warnings: []string{"Client.csv line 2, column LastName: the field is 51 characters long; HUD allows at most 50 in LastName"},
		},
		{
			name:     "a NUL in a column Doorway does not use",
			edit:     setCell("Client.csv", "C1", "MiddleName", "\x00"),
			warnings: []string{"Client.csv line 2, column MiddleName: the field holds a NUL byte (a zero byte), which no text has: the file may be damaged"},
		},
		{
			name:     "a value too long in a column Doorway does not use",
			edit:     setCell("Inventory.csv", "I1", "CoCCode", "XX-5011"),
			warnings: []string{"Inventory.csv line 2, column CoCCode: the field is 7 characters long; HUD allows at most 6 in CoCCode"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, report, _ := mapTiny(t, c.edit)
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
		})
	}
	t.Run("a long name is kept as written", func(t *testing.T) {
		in, _ := MustMap(t, writeTiny(t, setCell("Client.csv", "C1", "LastName", long)))
		if in.Clients[0].LastName != long {
			t.Errorf("last name %q, want it whole", in.Clients[0].LastName)
		}
	})
	t.Run("a hashed export's names may be longer", func(t *testing.T) {
		hash := strings.Repeat("ab", 32) // SHA-256, in hex
		_, report, err := mapTiny(t, func(files map[string][]string) {
			files["Export.csv"][0] += ",HashStatus"
			files["Export.csv"][1] += ",4"
		}, setCell("Client.csv", "C1", "FirstName", hash), setCell("Client.csv", "C1", "LastName", hash))
		if err != nil || len(report.Warnings) != 0 {
			t.Errorf("err %v, warnings %v; want none", err, report.Warnings)
		}
	})
}

func TestMapRefusesUTF16(t *testing.T) {
	dir := writeTiny(t)
	utf16 := []byte{0xFF, 0xFE}
	for _, c := range "PersonalID,FirstName\r\n" {
		utf16 = append(utf16, byte(c), 0)
	}
	if err := os.WriteFile(filepath.Join(dir, "Client.csv"), utf16, 0o644); err != nil {
		t.Fatal(err)
	}
	_, report, err := Map(context.Background(), MustOpen(t, dir), nil)
	want := `Client.csv line 1: the file is UTF-16 text (Excel's "Unicode Text"), not CSV: save it as "CSV UTF-8", or export it again from HMIS`
	if err == nil || len(report.Problems) == 0 || report.Problems[0].Error() != want {
		t.Errorf("err %v, problems %v; want %s", err, report.Problems, want)
	}
}

func TestOpenRefusesFY2022(t *testing.T) {
	const want = "FY2022 exports are not supported: export FY2024 or FY2026 from your HMIS"
	t.Run("as Export.csv says", func(t *testing.T) {
		dir := writeTiny(t, setCell("Export.csv", "X1", "CSVVersion", "2022 v1.3"))
		if _, err := Open(dir); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Open = %v, want %q", err, want)
		}
	})
	t.Run("as Client.csv's columns say", func(t *testing.T) {
		dir := writeTiny(t, setCell("Export.csv", "X1", "CSVVersion", ""), func(files map[string][]string) {
			files["Client.csv"] = []string{"PersonalID,FirstName,MiddleName,LastName,DOB,DOBDataQuality,Ethnicity,Female,Male,VeteranStatus,DateDeleted"}
		})
		if _, err := Open(dir); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Open = %v, want %q", err, want)
		}
	})
}

func TestReadLimits(t *testing.T) {
	t.Run("a row longer than 1 MiB refuses the export at its line, and the file is read no further", func(t *testing.T) {
		_, report, err := mapTiny(t, setCell("Client.csv", "C2", "MiddleName", strings.Repeat("x", maxRowBytes+1)))
		want := []string{"Client.csv line 3: the row is longer than 1 MiB, and HUD's rows are a few thousand characters at most: " +
			"a quote may be left open, or the file is not CSV"}
		if err == nil || !cmp.Equal(want, messages(report.Problems)) {
			t.Errorf("err %v, problems %q; want %q", err, messages(report.Problems), want)
		}
		if n := report.File("Client.csv").Rows; n != 1 {
			t.Errorf("%d rows of Client.csv read, want the one before the long one", n)
		}
	})
	t.Run("a quote left open does not read the rest of the file into one row", func(t *testing.T) {
		var rows []edit
		for i := range 20000 {
			rows = append(rows, addRow("Client.csv", fmt.Sprintf("D%d,Dee,,Doe with a long name to fill the row up,1990-01-01,1,0,", i)))
		}
		_, report, _ := mapTiny(t, append([]edit{setCell("Client.csv", "C2", "MiddleName", `"open`)}, rows...)...)
		if msgs := messages(report.Problems); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "Client.csv line 3: the row is longer than 1 MiB") {
			t.Errorf("problems %q, want the row at line 3 too long", msgs)
		}
	})
	t.Run("a ZIP entry larger than 2 GiB uncompressed is refused unread", func(t *testing.T) {
		// Enrollment.csv's header claims 3 GiB: it is refused before it is read.
		z := rewriteZip(t, zipFolder(t, writeTiny(t), ""), "Enrollment.csv", 3<<30)
		e := MustOpen(t, z)
		_, report, err := Map(context.Background(), e, nil)
		want := "Enrollment.csv: the file is larger than 2 GiB uncompressed, more than Doorway reads; export a shorter period, or ask your HMIS vendor"
		if err == nil || !slices.Contains(messages(report.Problems), want) {
			t.Errorf("err %v, problems %q; want %q", err, messages(report.Problems), want)
		}
	})
}

// rewriteZip copies the ZIP at path, with the header of entry claiming size bytes uncompressed.
func rewriteZip(tb testing.TB, path, entry string, size uint64) string {
	tb.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	out := filepath.Join(tb.TempDir(), "claims.zip")
	f, err := os.Create(out)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, zf := range r.File {
		h := zf.FileHeader
		if h.Name == entry {
			h.UncompressedSize64 = size
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			tb.Fatal(err)
		}
		raw, err := zf.OpenRaw()
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestMapMemoryOfAHugeLine: a ZIP of a few megabytes can hold a line of a gigabyte; reading it
// must not hold it. Map is measured by what it allocates, which bounds its heap.
func TestMapMemoryOfAHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses a gigabyte")
	}
	path := filepath.Join(t.TempDir(), "huge.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for name, lines := range tinyCoC() {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, strings.Join(lines, "\n")+"\n")
		if name != "Client.csv" {
			continue
		}
		// One more row: a name of 1 GiB, written a megabyte at a time.
		io.WriteString(w, "C9,")
		chunk := bytes.Repeat([]byte("y"), 1<<20)
		for range 1 << 10 {
			if _, err := w.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		io.WriteString(w, ",,Huge,1980-01-02,1,0,\n")
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	e := MustOpen(t, path)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, report, err := Map(context.Background(), e, nil)
	runtime.ReadMemStats(&after)
	if err == nil || len(report.Problems) != 1 || !strings.HasPrefix(report.Problems[0].Error(), "Client.csv line 5: the row is longer than 1 MiB") {
		t.Errorf("err %v, problems %v; want the row at line 5 too long", err, report.Problems)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
		t.Errorf("Map allocated %d MB reading a ZIP with a line of 1 GiB; want under 200 MB", alloc>>20)
	}
}
