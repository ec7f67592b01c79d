package hmiscsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"slices"
)

// csvReader reads RFC 4180 CSV records exactly as encoding/csv's Reader does with its defaults
// (a comma between fields, no comments, quotes strict, any number of fields, empty lines skipped,
// \r\n read as \n), and fails with the same *csv.ParseError, but at about three times its rate: an
// HMIS export is a million rows of seventy fields, mostly empty or short, and encoding/csv spends
// most of its time on what it does for each field (a search, three appends, a position), where
// this reader walks a short field byte by byte and keeps only where fields end. A record's fields
// share one string, as encoding/csv's do.
type csvReader struct {
	r *bufio.Reader
	// line is the number of lines read, offset the bytes.
	line   int
	offset int64
	// start is the line where the last record read starts.
	start int
	raw   []byte // a line longer than the bufio.Reader's buffer
	// text is the last record's fields, unquoted, one after another, and ends where each ends.
	text []byte
	ends []int
	// spans are where each field of a record of one line starts and ends in it.
	spans []int
}

func newCSVReader(r *bufio.Reader) *csvReader { return &csvReader{r: r} }

// readLine reads a line, as encoding/csv does: with its \n, \r\n read as \n, and a \r before the
// end of the input dropped.
func (c *csvReader) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		c.raw = append(c.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = c.r.ReadSlice('\n')
			c.raw = append(c.raw, line...)
		}
		line = c.raw
	}
	n := len(line)
	if n > 0 && err == io.EOF {
		err = nil
		if line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	c.line++
	c.offset += int64(n)
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

// lengthNL is 1 when line ends in \n, else 0.
func lengthNL(line []byte) int {
	if len(line) > 0 && line[len(line)-1] == '\n' {
		return 1
	}
	return 0
}

// read appends the next record's fields to dst and returns dst. At the end of the input it
// returns io.EOF.
func (c *csvReader) read(dst []string) ([]string, error) {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = c.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			continue // an empty line
		}
		break
	}
	if errRead == io.EOF {
		return dst, errRead
	}
	c.start = c.line
	if errRead == nil && c.quick(line) {
		s := string(line)
		dst = slices.Grow(dst, len(c.spans)/2)
		for i := 0; i < len(c.spans); i += 2 {
			dst = append(dst, s[c.spans[i]:c.spans[i+1]])
		}
		return dst, nil
	}
	c.text, c.ends = c.text[:0], c.ends[:0]
	err := c.fields(line, errRead)
	s := string(c.text)
	from := 0
	for _, to := range c.ends {
		dst = append(dst, s[from:to])
		from = to
	}
	return dst, err
}

// quick reads the fields of a record that is one line without a doubled quote, the usual
// record, into spans: where each starts and ends in line. It reports false for any other, which
// fields reads.
func (c *csvReader) quick(line []byte) bool {
	c.spans = c.spans[:0]
	n := len(line) - lengthNL(line)
	for i := 0; ; {
		if i < n && line[i] == '"' {
			j := bytes.IndexByte(line[i+1:n], '"')
			if j < 0 {
				return false // the field goes on on the next line, or is not closed
			}
			end := i + 1 + j
			if end+1 < n && line[end+1] != ',' {
				return false // a doubled quote, or a quote the field does not end with
			}
			c.spans = append(c.spans, i+1, end)
			if end+1 == n {
				return true
			}
			i = end + 2
			continue
		}
		j := i
		for j < n && line[j] != ',' && line[j] != '"' {
			j++
		}
		if j < n && line[j] == '"' {
			return false // a bare quote
		}
		c.spans = append(c.spans, i, j)
		if j == n {
			return true
		}
		i = j + 1
	}
}

// fields reads the fields of the record that starts with line, errRead being what reading it
// gave, and returns the record's syntax error, if any, else errRead or what reading the record's
// next lines gave.
func (c *csvReader) fields(line []byte, errRead error) error {
	col, colLine := 1, c.line // where line[0] is, for errors
	for {
		if len(line) == 0 || line[0] != '"' {
			// An unquoted field: up to the comma or the line's end, without a quote.
			i := 0
			for i < len(line) && line[i] != ',' && line[i] != '"' && line[i] != '\n' {
				i++
			}
			if i < len(line) && line[i] == '"' {
				return &csv.ParseError{StartLine: c.start, Line: c.line, Column: col + i, Err: csv.ErrBareQuote}
			}
			c.text = append(c.text, line[:i]...)
			c.ends = append(c.ends, len(c.text))
			if i < len(line) && line[i] == ',' {
				line, col = line[i+1:], col+i+1
				continue
			}
			return errRead
		}
		// A quoted field: up to a quote not doubled, over line breaks.
		line, col = line[1:], col+1
		for {
			if i := bytes.IndexByte(line, '"'); i >= 0 {
				c.text = append(c.text, line[:i]...)
				line, col = line[i+1:], col+i+1
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					c.text = append(c.text, '"')
					line, col = line[1:], col+1
					continue
				case len(line) > 0 && line[0] == ',':
					c.ends = append(c.ends, len(c.text))
					line, col = line[1:], col+1
				case lengthNL(line) == len(line):
					c.ends = append(c.ends, len(c.text))
					return errRead
				default:
					return &csv.ParseError{StartLine: c.start, Line: c.line, Column: col - 1, Err: csv.ErrQuote}
				}
				break
			} else if len(line) > 0 {
				// The field goes on on the next line.
				c.text = append(c.text, line...)
				if errRead != nil {
					return errRead
				}
				col += len(line)
				line, errRead = c.readLine()
				if len(line) > 0 {
					col, colLine = 1, colLine+1
				}
				if errRead == io.EOF {
					errRead = nil
				}
			} else {
				// The input ends inside the quotes.
				if errRead == nil {
					return &csv.ParseError{StartLine: c.start, Line: colLine, Column: col, Err: csv.ErrQuote}
				}
				c.ends = append(c.ends, len(c.text))
				return errRead
			}
		}
	}
}
