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
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
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
// the columns of Client.csv and Enrollment.csv that changed in FY2024 and FY2026. An export of an
// older format is refused by name: its files have other columns, and the HMIS can export a newer one.
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
		if year, _, _ := strings.Cut(stated, " "); year < FY2024 && len(year) == 4 && strings.HasPrefix(year, "20") {
			return "", unsupported(year)
		}
	}
	for _, probe := range []struct{ file, fy2022, fy2024, fy2026 string }{
		{"Client.csv", "Ethnicity", "Woman", "Sex"},
		{"Enrollment.csv", "", "TranslationNeeded", "MentalHealthConsultation"},
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
		case probe.fy2022 != "" && h.has(probe.fy2022):
			return "", unsupported("2022")
		}
	}
	return "", fmt.Errorf("cannot tell the HMIS CSV version: Export.csv says CSVVersion %q, and neither Client.csv nor Enrollment.csv has the FY2024 or FY2026 columns", stated)
}

// unsupported refuses an export of an older format than FY2024.
func unsupported(year string) error {
	return fmt.Errorf("FY%s exports are not supported: export FY2024 or FY2026 from your HMIS", year)
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
	t, err := newTable(file, f, e.Version)
	if err != nil {
		return err
	}
	var missing []error
	for _, c := range want {
		if t.header.find(c) < 0 {
			missing = append(missing, &Problem{File: file, Line: 1, Column: c, Message: "this required column is missing from the header"})
		}
	}
	if len(missing) > 0 {
		return errors.Join(missing...)
	}
	// A goroutine parses the file a few batches of rows ahead of fn, so that parsing, which costs
	// about as much as what the mapper does with the rows, runs on a core of its own.
	full, free, stop := make(chan *rowBatch, 2), make(chan *rowBatch, 4), make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() { t.readAhead(full, free, stop) })
	defer reader.Wait()
	defer close(stop)
	for b := range full {
		for _, row := range b.rows {
			if err := fn(row); err != nil {
				return err
			}
		}
		switch {
		case b.err == io.EOF:
			return nil
		case b.err != nil:
			return b.err
		}
		select {
		case free <- b:
		default:
		}
	}
	return nil
}

// rowsPerBatch is how many rows rows reads ahead at a time.
const rowsPerBatch = 256

// rowBatch is rows read ahead of the caller, and the error that ended the file after them, if any:
// io.EOF after the last row.
type rowBatch struct {
	rows   []Row
	fields []string // the fields of the rows, which slice it
	err    error
}

// readAhead sends the file's rows on full in batches, taking batches back from free to fill
// again, until a row cannot be read, the file ends or stop is closed.
func (t *table) readAhead(full chan<- *rowBatch, free <-chan *rowBatch, stop <-chan struct{}) {
	defer close(full)
	width := len(t.header.names)
	for {
		var b *rowBatch
		select {
		case b = <-free:
			b.rows, b.fields = b.rows[:0], b.fields[:0]
		default:
			b = &rowBatch{rows: make([]Row, 0, rowsPerBatch), fields: make([]string, 0, rowsPerBatch*width)}
		}
		for len(b.rows) < rowsPerBatch {
			row, err := t.next()
			if err != nil {
				b.err = err
				break
			}
			// The reader reuses a row's fields and notes for the next: the batch keeps copies.
			start := len(b.fields)
			b.fields = append(b.fields, row.fields...)
			row.fields = b.fields[start:len(b.fields):len(b.fields)]
			row.notes = slices.Clone(row.notes)
			b.rows = append(b.rows, row)
		}
		select {
		case full <- b:
		case <-stop:
			return
		}
		if b.err != nil {
			return
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
	t, err := newTable(file, f, e.Version)
	if err != nil {
		return nil, err
	}
	return t.header, nil
}

// open opens file for reading within the limits: a file larger than maxFileBytes (as a ZIP says
// before it is read, or as it turns out) is a Problem.
func (e *Export) open(file string) (*bounded, error) {
	p, ok := e.files[file]
	if !ok {
		return nil, fmt.Errorf("%s is not in the export: %w", file, fs.ErrNotExist)
	}
	if e.size(file) > maxFileBytes {
		return nil, &Problem{File: file, Message: errFileTooLarge.Error()}
	}
	f, err := e.fsys.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return &bounded{r: f, Closer: f}, nil
}

// Limits on what the reader takes in, so that its memory stays bounded whatever a file holds: a
// ZIP of one megabyte can hold a file of gigabytes, or a single line of one.
const (
	maxFileBytes = 2 << 30 // one file of the export, uncompressed
	maxRowBytes  = 1 << 20 // one row: a line, or several when a quoted field holds line breaks
)

var (
	errFileTooLarge = errors.New("the file is larger than 2 GiB uncompressed, more than Doorway reads; export a shorter period, or ask your HMIS vendor")
	errRowTooLong   = errors.New("the row is longer than 1 MiB, and HUD's rows are a few thousand characters at most: " +
		"a quote may be left open, or the file is not CSV")
)

// bounded reads a file, failing once it has given more than maxFileBytes in all or more than
// maxRowBytes since rowStart, the start of the row being read. It notes whether the file has
// given a NUL byte or text that may not be UTF-8, so that only then are fields checked one by one.
type bounded struct {
	r io.Reader
	io.Closer
	read, rowStart int64
	odd            bool
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.read-b.rowStart > maxRowBytes {
		return 0, errRowTooLong
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	if !b.odd && (bytes.IndexByte(p[:n], 0) >= 0 || !utf8.Valid(p[:n])) {
		b.odd = true // a character cut between two reads sets it too, which costs only time
	}
	if b.read > maxFileBytes {
		return n, errFileTooLarge
	}
	return n, err
}

// table reads the rows of one CSV file after its header.
type table struct {
	file   string
	src    *bounded
	skip   int64 // bytes of src before the CSV text: a byte-order mark
	r      *csv.Reader
	header *header
	// limits are HUD's maximum lengths of the columns, by position; 0 is none. limited are the
	// positions that have one.
	limits  []int
	limited []int
	// notes are what the last row read has that the mapper judges: fields recoded, holding a NUL
	// or too long.
	notes []note
	// nextLine is the line the next row starts on.
	nextLine int
}

// note marks a field of a row whose text is odd, whatever the column means.
type note struct {
	pos  int
	kind noteKind
}

type noteKind uint8

const (
	recoded noteKind = iota // not UTF-8, so read as Windows-1252
	nul                     // holds a NUL byte
	tooLong                 // longer than HUD's maximum for its column
)

var (
	bom     = []byte{0xEF, 0xBB, 0xBF}
	utf16LE = []byte{0xFF, 0xFE}
	utf16BE = []byte{0xFE, 0xFF}
)

// newTable starts reading file, a version's file when version is set: its header's columns get
// HUD's maximum lengths.
func newTable(file string, src *bounded, version string) (*table, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	t := &table{file: file, src: src, nextLine: 1}
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		br.Discard(len(bom))
		t.skip = int64(len(bom))
	} else if b, err := br.Peek(2); err == nil && (bytes.Equal(b, utf16LE) || bytes.Equal(b, utf16BE)) {
		return nil, &Problem{File: file, Line: 1, Message: "the file is UTF-16 text (Excel's \"Unicode Text\"), not CSV: save it as \"CSV UTF-8\", or export it again from HMIS"}
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1 // checked here, to say which line is short
	r.ReuseRecord = true
	t.r = r
	names, err := t.read()
	if err == io.EOF {
		return nil, &Problem{File: file, Line: 1, Message: "the file is empty; want a header row"}
	}
	if err != nil {
		return nil, err
	}
	t.header = newHeader(names)
	if cols, err := columnsOf(version, file); err == nil {
		t.limits = make([]int, len(names))
		for _, c := range cols {
			if i := t.header.find(c.name); i >= 0 && c.kind == 'S' && c.max > 0 {
				t.limits[i] = c.max
				t.limited = append(t.limited, i)
			}
		}
		slices.Sort(t.limited) // notes in the order of the fields, as when every field is looked at
		t.limited = slices.Compact(t.limited)
	}
	return t, nil
}

// read reads the next record, its fields as UTF-8, noting what is odd in them.
func (t *table) read() ([]string, error) {
	fields, err := t.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, err
		}
		return nil, t.problem(err)
	}
	// src stops a row once it has given maxRowBytes and a buffer's worth more, which bounds memory;
	// a row that ends in between is caught here.
	end := t.skip + t.r.InputOffset()
	start, size := t.nextLine, end-t.src.rowStart
	t.src.rowStart = end
	last, _ := t.r.FieldPos(len(fields) - 1)
	t.nextLine = last + strings.Count(fields[len(fields)-1], "\n") + 1
	if size > maxRowBytes {
		return nil, &Problem{File: t.file, Line: start, Message: errRowTooLong.Error()}
	}
	t.notes = t.notes[:0]
	if !t.src.odd { // the usual case: only the fields HUD limits need a look
		for _, i := range t.limited {
			if i < len(fields) && t.tooLong(i, fields[i]) {
				t.notes = append(t.notes, note{i, tooLong})
			}
		}
		return fields, nil
	}
	for i, f := range fields {
		if t.src.odd && !utf8.ValidString(f) {
			fields[i], _ = charmap.Windows1252.NewDecoder().String(f)
			t.notes = append(t.notes, note{i, recoded})
		}
		if t.src.odd && strings.IndexByte(fields[i], 0) >= 0 {
			t.notes = append(t.notes, note{i, nul})
		}
		if t.tooLong(i, fields[i]) {
			t.notes = append(t.notes, note{i, tooLong})
		}
	}
	return fields, nil
}

// tooLong tells whether f, the field at position i, is longer than HUD allows in its column.
func (t *table) tooLong(i int, f string) bool {
	return i < len(t.limits) && t.limits[i] > 0 && len(f) > t.limits[i] && utf8.RuneCountInString(strings.TrimSpace(f)) > t.limits[i]
}

// next returns the next row, or io.EOF after the last.
func (t *table) next() (Row, error) {
	fields, err := t.read()
	if err != nil {
		return Row{}, err
	}
	line, _ := t.r.FieldPos(0)
	if n, want := len(fields), len(t.header.names); n != want {
		msg := fmt.Sprintf("the row has %d fields but the header has %d", n, want)
		if n < want {
			msg += " (is the file cut short?)"
		}
		return Row{}, &Problem{File: t.file, Line: line, Message: msg}
	}
	return Row{file: t.file, line: line, offset: t.r.InputOffset(), fields: fields, header: t.header, notes: t.notes, limits: t.limits}, nil
}

// problem turns a CSV syntax error, or a limit reached, into a Problem at the line where the bad
// record starts.
func (t *table) problem(err error) error {
	switch {
	case errors.Is(err, errRowTooLong):
		return &Problem{File: t.file, Line: t.nextLine, Message: errRowTooLong.Error()}
	case errors.Is(err, errFileTooLarge):
		return &Problem{File: t.file, Message: errFileTooLarge.Error()}
	}
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
	// asked are the names pos was asked for, as asked (no lower-casing), in the order first asked,
	// and seen their place in it. The mapper asks for the same columns in the same order on every
	// row, so the name asked for is most often the one after the last asked, the last asked again
	// or, as a row begins, the first: next is where the one after is, and a string compare, the
	// same string being asked for each time, is all such a lookup costs.
	asked []askedColumn
	seen  map[string]int
	next  int
}

type askedColumn struct {
	name string
	pos  int
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
	if h.next < len(h.asked) && h.asked[h.next].name == name {
		h.next++
		return h.asked[h.next-1].pos
	}
	if h.next > 0 && h.asked[h.next-1].name == name {
		return h.asked[h.next-1].pos
	}
	if len(h.asked) > 0 && h.asked[0].name == name {
		h.next = 1
		return h.asked[0].pos
	}
	i, ok := h.seen[name]
	if !ok {
		i = len(h.asked)
		h.asked = append(h.asked, askedColumn{name, h.find(name)})
		h.seen[name] = i
	}
	h.next = i + 1
	return h.asked[i].pos
}

// find is the position of column name, or -1, looked up afresh: for what the reader asks once of a
// file, which is no guide to what the mapper asks of each row.
func (h *header) find(name string) int {
	if i, ok := h.index[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}

func (h *header) has(name string) bool { return h.pos(name) >= 0 }
