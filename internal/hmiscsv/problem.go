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

// Report is what Map found in an export. Its problems come in the three classes of HUD's data
// quality tool: those that refuse the export, records left out, and warnings.
type Report struct {
	// Problems refuse the export: nothing is imported until they are fixed in HMIS. They make the
	// export unreadable or its records ambiguous: a missing file or column, a row that does not
	// parse or is longer than 1 MiB, a duplicate ID, and, in a row Doorway needs, an ID that is
	// empty or too long, a reference to a record the export lacks, or a date that is not a date.
	Problems []*Problem
	// Skipped are records left out of the import, each with why: a value Doorway needs is unusable
	// (a code not among HUD's, an empty field), or a record it depends on is left out.
	Skipped []*Problem
	// Warnings are what Map tolerated: odd values in columns Doorway does not use or in rows it has
	// no use for, and values it read in a way it states.
	Warnings []*Problem
	// Unlisted counts the problems left out of the three lists above: past listLimit of one list,
	// file and column, only a count is kept, so that a file of a million bad rows takes little
	// memory.
	Unlisted map[Unlisted]int
	// Files counts what became of each file's rows, in the order Map reads the files.
	Files []*FileCount
	// Housed counts the heads of household prioritized on an open CE enrollment who are left off
	// the HPL because HMIS shows them housed: an open enrollment in permanent housing (ProjectType
	// 3, 9, 10 or 13) with a move-in date on or before the export's end.
	Housed int
	// NoBirthDate counts the clients imported without a birth date: their age is unknown.
	NoBirthDate int

	listed map[Unlisted]int
}

// Unlisted names a list of a Report ("Problems", "Skipped" or "Warnings"), a file and a column.
type Unlisted struct{ List, File, Column string }

// FileCount says what became of one file's data rows. Rows that are none of imported and skipped
// are deleted (DateDeleted set), of no use to Doorway (the inventory of a project that receives no
// referrals, say), or have a problem that refuses the export.
type FileCount struct {
	File     string
	Rows     int // data rows read
	Imported int // rows Doorway took in
	Skipped  int // rows left out, with why in Report.Skipped
	Warned   int // rows with a warning
}

// listLimit is how many problems of one list, file and column a Report lists.
const listLimit = 100

// add appends p to the list named list, or counts it once the list holds listLimit problems of
// its file and column.
func (r *Report) add(list string, p *Problem) {
	k := Unlisted{List: list, File: p.File, Column: p.Column}
	if r.listed[k] == listLimit {
		r.Unlisted[k]++
		return
	}
	r.listed[k]++
	switch list {
	case "Problems":
		r.Problems = append(r.Problems, p)
	case "Skipped":
		r.Skipped = append(r.Skipped, p)
	default:
		r.Warnings = append(r.Warnings, p)
	}
}

// Totals counts the problems of each class, listed or not.
func (r Report) Totals() (problems, skipped, warnings int) {
	problems, skipped, warnings = len(r.Problems), len(r.Skipped), len(r.Warnings)
	for k, n := range r.Unlisted {
		switch k.List {
		case "Problems":
			problems += n
		case "Skipped":
			skipped += n
		default:
			warnings += n
		}
	}
	return problems, skipped, warnings
}

// File returns the count of a file, made on first use.
func (r *Report) File(name string) *FileCount {
	for _, fc := range r.Files {
		if fc.File == name {
			return fc
		}
	}
	fc := &FileCount{File: name}
	r.Files = append(r.Files, fc)
	return fc
}
