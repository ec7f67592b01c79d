package hmiscsv

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
