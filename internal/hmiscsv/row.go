package hmiscsv

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Row is one data row of an export file, read by column name without regard to case: "ZIP" and
// "Zip" are the same column. A column the file does not have reads as empty, as does a null field.
type Row struct {
	file   string
	line   int
	offset int64 // bytes of the file read up to the end of the row, for progress
	fields []string
	header *header
	notes  []note // what is odd in the fields, whatever their columns mean
	limits []int  // HUD's maximum length of each column, 0 when none
}

// Line is the row's line in the file, counting the header as line 1. A row with a quoted line
// break in it is at the line where it starts.
func (r Row) Line() int { return r.line }

// Has tells whether the file has column col, in any case.
func (r Row) Has(col string) bool { return r.header.has(col) }

// String returns the field of column col without surrounding spaces.
func (r Row) String(col string) string {
	i := r.header.pos(col)
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// Int returns the integer in column col. An empty field is a Problem too: HUD integers are codes,
// where 0 means No, so a caller reading an optional one checks String(col) != "" first.
func (r Row) Int(col string) (int, error) { return r.intIn(col, r.String(col)) }

// intIn reads s, the field of column col, as Int does.
func (r Row) intIn(col, s string) (int, error) {
	if s == "" {
		return 0, r.problem(col, "the field is empty; want an integer")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, r.problem(col, fmt.Sprintf("%q is not an integer", s))
	}
	return n, nil
}

// Date returns the date in column col, at midnight UTC, or the zero time when the field is empty.
// Besides HUD's yyyy-mm-dd it accepts what real exports write: mm-dd-yyyy and dd-Mon-yyyy, each
// with or without a time of day, which is dropped.
func (r Row) Date(col string) (time.Time, error) { return r.dateIn(col, r.String(col)) }

// dateIn reads s, the field of column col, as Date does.
func (r Row) dateIn(col, s string) (time.Time, error) {
	t, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, r.problem(col, fmt.Sprintf("%q is not a date (want yyyy-mm-dd)", s))
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// DateTime returns the date and time in column col, in UTC as written (HUD times carry no zone),
// or the zero time when the field is empty. It accepts the formats Date does; a date alone is
// midnight.
func (r Row) DateTime(col string) (time.Time, error) {
	s := r.String(col)
	t, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, r.problem(col, fmt.Sprintf("%q is not a date and time (want yyyy-mm-dd hh:mm:ss)", s))
	}
	return t, nil
}

// note returns what is odd in the field of column col, if anything.
func (r Row) note(col string) (noteKind, bool) {
	if len(r.notes) == 0 {
		return 0, false
	}
	i := r.header.pos(col)
	for _, n := range r.notes {
		if n.pos == i && n.kind != recoded {
			return n.kind, true
		}
	}
	return 0, false
}

// noteProblem says what is odd in the field at pos.
func (r Row) noteProblem(n note) *Problem {
	col := r.header.names[n.pos]
	switch n.kind {
	case recoded:
		return r.problem(col, "the text is not UTF-8: Doorway reads this file's text that is not as Windows-1252 (the encoding of "+
			"Excel and older HMIS on Windows); check that names with accents read right, or export the file again as UTF-8")
	case nul:
		return r.problem(col, "the field holds a NUL byte (a zero byte), which no text has: the file may be damaged")
	}
	return r.problem(col, fmt.Sprintf("the field is %d characters long; HUD allows at most %d in %s",
		utf8.RuneCountInString(r.String(col)), r.limits[n.pos], col))
}

func (r Row) problem(col, msg string) *Problem {
	return &Problem{File: r.file, Line: r.line, Column: col, Message: msg}
}

// parseDateTime reads "yyyy-mm-dd", "mm-dd-yyyy" or "dd-Mon-yyyy", optionally followed by a space
// and "hh:mm:ss" or "hh:mm". The empty string is the zero time.
func parseDateTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if t, ok := parseISODate(s); ok {
		return t, true
	}
	datePart, timePart, hasTime := strings.Cut(s, " ")
	var layout string
	switch {
	case len(datePart) > 4 && datePart[4] == '-':
		layout = "2006-1-2"
	case strings.IndexFunc(datePart, isLetter) >= 0:
		layout = "2-Jan-2006"
	default:
		layout = "1-2-2006"
	}
	if hasTime {
		switch strings.Count(timePart, ":") {
		case 2:
			layout += " 15:04:05"
		case 1:
			layout += " 15:04"
		default:
			return time.Time{}, false
		}
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

// parseISODate reads a valid date written yyyy-mm-dd, as HUD writes them, as time.Parse does but
// several times faster: most of the fields of a large export are dates. It reports false for
// anything else, which parseDateTime leaves to time.Parse.
func parseISODate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, okY := digits(s[0:4])
	m, okM := digits(s[5:7])
	d, okD := digits(s[8:10])
	if !okY || !okM || !okD || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// digits reads s, made of decimal digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn is the number of days of month m in year y.
func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func isLetter(c rune) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
