package hmiscsv

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// Export is an HMIS CSV export opened for reading: a folder of CSV files or a ZIP of them.
// Files are read one row at a time, when asked for, so an export of any size takes little memory.
type Export struct {
	// Version is "2024" or "2026": the FY of the HMIS CSV format the export follows.
	Version string

	fsys   fs.FS
	files  map[string]string // HUD file name → path in fsys
	closer io.Closer
}

// Open opens the export at path, a folder or a ZIP file, and tells its version. The HUD files may
// also sit in a single subfolder, as they do when a folder is zipped whole. Close the export when
// done.
func Open(path string) (*Export, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open HMIS export: %w", err)
	}
	if fi.IsDir() {
		e, err := OpenFS(os.DirFS(path))
		if err != nil {
			return nil, fmt.Errorf("open HMIS export %s: %w", path, err)
		}
		return e, nil
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open HMIS export %s: not a folder or a ZIP file: %w", path, err)
	}
	e, err := OpenFS(z)
	if err != nil {
		z.Close()
		return nil, fmt.Errorf("open HMIS export %s: %w", path, err)
	}
	e.closer = z
	return e, nil
}

// OpenFS opens the export held in fsys, such as a *zip.Reader over an uploaded file.
func OpenFS(fsys fs.FS) (*Export, error) {
	e := &Export{fsys: fsys, files: map[string]string{}}
	if err := e.find("."); err != nil {
		return nil, err
	}
	if len(e.files) == 0 {
		return nil, errors.New("no HMIS CSV files (Export.csv, Client.csv, ...) found")
	}
	v, err := e.detectVersion()
	if err != nil {
		return nil, err
	}
	e.Version = v
	return e, nil
}

// find records the HUD files in dir, or, when it has none but one subfolder, in that subfolder.
func (e *Export) find(dir string) error {
	entries, err := fs.ReadDir(e.fsys, dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	var subdirs []string
	for _, d := range entries {
		name := d.Name()
		if d.IsDir() {
			// Zips made on a Mac carry a __MACOSX folder of resource forks beside the real one.
			if name != "__MACOSX" && !strings.HasPrefix(name, ".") {
				subdirs = append(subdirs, name)
			}
			continue
		}
		i := slices.IndexFunc(hudFiles, func(f string) bool { return strings.EqualFold(f, name) })
		if i < 0 {
			continue
		}
		if prev, dup := e.files[hudFiles[i]]; dup {
			return fmt.Errorf("two files for %s: %s and %s", hudFiles[i], prev, path.Join(dir, name))
		}
		e.files[hudFiles[i]] = path.Join(dir, name)
	}
	if len(e.files) == 0 && len(subdirs) == 1 {
		return e.find(path.Join(dir, subdirs[0]))
	}
	return nil
}

// detectVersion reads Export.csv's CSVVersion ("2024 v1.3") and, when that says nothing useful,
// the columns of Client.csv and Enrollment.csv that changed in FY2026.
func (e *Export) detectVersion() (string, error) {
	var stated string
	if e.has("Export.csv") {
		err := e.rows("Export.csv", nil, func(r Row) error {
			stated = r.String("CSVVersion")
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return "", err
		}
		for _, v := range []string{FY2024, FY2026} {
			if strings.HasPrefix(stated, v) {
				return v, nil
			}
		}
	}
	for _, probe := range []struct{ file, fy2024, fy2026 string }{
		{"Client.csv", "Woman", "Sex"},
		{"Enrollment.csv", "TranslationNeeded", "MentalHealthConsultation"},
	} {
		if !e.has(probe.file) {
			continue
		}
		h, err := e.header(probe.file)
		if err != nil {
			return "", err
		}
		switch {
		case h.has(probe.fy2026):
			return FY2026, nil
		case h.has(probe.fy2024):
			return FY2024, nil
		}
	}
	return "", fmt.Errorf("cannot tell the HMIS CSV version: Export.csv says CSVVersion %q, and neither Client.csv nor Enrollment.csv has the FY2024 or FY2026 columns", stated)
}

var errStop = errors.New("stop")

// Close releases the ZIP file, if the export is one.
func (e *Export) Close() error {
	if e.closer == nil {
		return nil
	}
	return e.closer.Close()
}

// Files lists the HUD files present in the export, in HUD's alphabetical order. Files that are
// not HUD's are left out.
func (e *Export) Files() []string {
	var names []string
	for _, f := range hudFiles {
		if e.has(f) {
			names = append(names, f)
		}
	}
	return names
}

func (e *Export) has(file string) bool { _, ok := e.files[file]; return ok }

// size is the length of file in bytes, or 0 when it cannot be told.
func (e *Export) size(file string) int64 {
	fi, err := fs.Stat(e.fsys, e.files[file])
	if err != nil {
		return 0
	}
	return fi.Size()
}

// Rows calls fn for each data row of the HUD file name ("Client.csv"), in order, and stops at the
// first error fn returns, which Rows returns. The Row is valid only during the call.
//
// A file that lacks a column Doorway requires fails before the first row, with a *Problem per
// missing column. A row that cannot be read (a quoted field never closed, fewer or more fields than
// the header) fails with a *Problem giving its line. A file not in the export fails with an error
// that wraps fs.ErrNotExist.
func (e *Export) Rows(name string, fn func(Row) error) error {
	return e.rows(name, required[name], fn)
}

// rows reads file, checks that its header has the columns want, and calls fn for each row.
func (e *Export) rows(file string, want []string, fn func(Row) error) error {
	f, err := e.open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	t, err := newTable(file, f)
	if err != nil {
		return err
	}
	var missing []error
	for _, c := range want {
		if !t.header.has(c) {
			missing = append(missing, &Problem{File: file, Line: 1, Column: c, Message: "this required column is missing from the header"})
		}
	}
	if len(missing) > 0 {
		return errors.Join(missing...)
	}
	for {
		row, err := t.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

// header returns the columns of file.
func (e *Export) header(file string) (*header, error) {
	f, err := e.open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := newTable(file, f)
	if err != nil {
		return nil, err
	}
	return t.header, nil
}

func (e *Export) open(file string) (fs.File, error) {
	p, ok := e.files[file]
	if !ok {
		return nil, fmt.Errorf("%s is not in the export: %w", file, fs.ErrNotExist)
	}
	f, err := e.fsys.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return f, nil
}

// table reads the rows of one CSV file after its header.
type table struct {
	file   string
	r      *csv.Reader
	header *header
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func newTable(file string, f io.Reader) (*table, error) {
	br := bufio.NewReaderSize(f, 64<<10)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		br.Discard(len(bom))
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1 // checked here, to say which line is short
	r.ReuseRecord = true
	t := &table{file: file, r: r}
	names, err := r.Read()
	if err == io.EOF {
		return nil, &Problem{File: file, Line: 1, Message: "the file is empty; want a header row"}
	}
	if err != nil {
		return nil, t.problem(err)
	}
	t.header = newHeader(names)
	return t, nil
}

// next returns the next row, or io.EOF after the last.
func (t *table) next() (Row, error) {
	fields, err := t.r.Read()
	if err != nil {
		if err == io.EOF {
			return Row{}, err
		}
		return Row{}, t.problem(err)
	}
	line, _ := t.r.FieldPos(0)
	if n, want := len(fields), len(t.header.names); n != want {
		msg := fmt.Sprintf("the row has %d fields but the header has %d", n, want)
		if n < want {
			msg += " (is the file cut short?)"
		}
		return Row{}, &Problem{File: t.file, Line: line, Message: msg}
	}
	return Row{file: t.file, line: line, offset: t.r.InputOffset(), fields: fields, header: t.header}, nil
}

// problem turns a CSV syntax error into a Problem at the line where the bad record starts.
func (t *table) problem(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", t.file, err)
	}
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = "a quoted field is not closed where it should be (is the file cut short?)"
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a " appears inside a field that is not quoted`
	}
	return &Problem{File: t.file, Line: pe.StartLine, Message: msg}
}

// header maps column names, in any case, to their position in a file's rows.
type header struct {
	names []string
	index map[string]int // lower-case name → position
	// seen caches lookups by the exact name asked for, sparing a lower-casing per field read.
	seen map[string]int
}

func newHeader(names []string) *header {
	h := &header{names: slices.Clone(names), index: map[string]int{}, seen: map[string]int{}}
	for i, n := range h.names {
		key := strings.ToLower(strings.TrimSpace(n))
		if _, dup := h.index[key]; !dup {
			h.index[key] = i
		}
	}
	return h
}

// pos is the position of column name, or -1 when the file has no such column.
func (h *header) pos(name string) int {
	if i, ok := h.seen[name]; ok {
		return i
	}
	i, ok := h.index[strings.ToLower(name)]
	if !ok {
		i = -1
	}
	h.seen[name] = i
	return i
}

func (h *header) has(name string) bool { return h.pos(name) >= 0 }
