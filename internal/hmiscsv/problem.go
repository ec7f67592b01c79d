package hmiscsv

import (
	"fmt"
	"strings"
)

// Problem is something wrong in an export, located as precisely as it can be: the file, the CSV
// line (the header is line 1) and the column. Line and Column are zero and empty when they do not
// apply.
type Problem struct {
	File    string
	Line    int
	Column  string
	Message string
}

// Error reads like `Client.csv line 12, column DOB: "31/02/1980" is not a date (want yyyy-mm-dd)`.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, " line %d", p.Line)
	}
	if p.Column != "" {
		if p.Line > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " column %s", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}
