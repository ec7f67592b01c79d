package hmiscsv

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Date layouts of HUD's D and T types.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04:05"
)

// Writer writes one HUD file, say Event.csv, in HUD's CSV layout: a header row of HUD's columns in
// HUD's order, then one line per row. String (S) fields are quoted; integers, dates and times are
// not, and a null field is empty. Lines end in CRLF, as RFC 4180 has it. The writer buffers: call
// Flush at the end.
//
// A row is built with the Set methods, in any order, and written by WriteRow; columns not set are
// null.
type Writer struct {
	file string
	w    *bufio.Writer
	cols []column
	pos  map[string]int
	row  []string
	rows int
	err  error
}

// NewWriter returns a writer of file ("Event.csv") in the given HMIS CSV version ("2024" or
// "2026"), and writes the header row.
func NewWriter(w io.Writer, version, file string) (*Writer, error) {
	cols, err := columnsOf(version, file)
	if err != nil {
		return nil, err
	}
	cw := &Writer{file: file, w: bufio.NewWriterSize(w, 64<<10), cols: cols, pos: map[string]int{}, row: make([]string, len(cols))}
	header := make([]string, len(cols))
	for i, c := range cols {
		cw.pos[c.name] = i
		header[i] = c.name
	}
	cw.writeLine(header, true)
	return cw, nil
}

// Set sets column col of the current row to s.
func (w *Writer) Set(col, s string) {
	i, ok := w.pos[col]
	if !ok {
		if w.err == nil {
			w.err = fmt.Errorf("write %s: HUD's %s has no column %s", w.file, w.file, col)
		}
		return
	}
	w.row[i] = s
}

// SetInt sets column col of the current row to n.
func (w *Writer) SetInt(col string, n int) { w.Set(col, strconv.Itoa(n)) }

// SetDate sets column col of the current row to t's date, or to null when t is zero.
func (w *Writer) SetDate(col string, t time.Time) { w.Set(col, format(t, DateLayout)) }

// SetDateTime sets column col of the current row to t's date and time, or to null when t is zero.
func (w *Writer) SetDateTime(col string, t time.Time) { w.Set(col, format(t, DateTimeLayout)) }

func format(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(layout)
}

// WriteRow writes the current row and starts an empty one. It returns the first error of the
// writer so far: a column HUD's file does not have, or a failed write.
func (w *Writer) WriteRow() error {
	if w.err != nil {
		return w.err
	}
	w.writeLine(w.row, false)
	clear(w.row)
	w.rows++
	return w.err
}

// Rows is the number of data rows written so far.
func (w *Writer) Rows() int { return w.rows }

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("write %s: %w", w.file, err)
	}
	return w.err
}

// writeLine writes fields, quoting those of string columns (and, in a header, every name) and any
// field that could not be read back otherwise.
func (w *Writer) writeLine(fields []string, header bool) {
	for i, f := range fields {
		if i > 0 {
			w.w.WriteByte(',')
		}
		switch {
		case f == "" && !header:
		case header || w.cols[i].kind == 'S' || strings.ContainsAny(f, ",\"\r\n"):
			w.w.WriteByte('"')
			w.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
			w.w.WriteByte('"')
		default:
			w.w.WriteString(f)
		}
	}
	if _, err := w.w.WriteString("\r\n"); err != nil && w.err == nil {
		w.err = fmt.Errorf("write %s: %w", w.file, err)
	}
}
