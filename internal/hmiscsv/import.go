package hmiscsv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// importFiles are the files Map reads, in the order it reads them: each names records only of the
// files before it, but CEParticipation.csv, read before Project.csv so that a project is known to
// receive referrals, or not, when its row is read: whether Doorway needs the project's name and
// type hangs on it.
var importFiles = []string{"Export.csv", "Organization.csv", "CEParticipation.csv", "Project.csv",
	"Inventory.csv", "Client.csv", "Enrollment.csv", "Exit.csv", "Assessment.csv"}

// Progress tells how far Map has read: the rows of File read so far, and its bytes read out of
// Size (0 when unknown), for a progress bar. The last report on a file has Done set.
type Progress struct {
	File       string
	Rows       int
	Read, Size int64
	Done       bool
}

// progressEvery is how many rows Map reads between two progress reports.
const progressEvery = 4096

// Map reads the export and maps it to Doorway's records, for store.DB.ImportHMIS. It reads every
// file to the end and reports what it finds, by file, line and column, in three classes (see
// Report): problems, which refuse the export, so that Map returns an error and no records;
// skipped records, left out with what depends on them; and warnings. It reads rows as they stream
// and keeps a few numbers per enrollment, about 150 bytes with its IDs, so an export of a million
// enrollments takes about 150 MB; a row longer than 1 MiB or a file larger than 2 GiB is a problem,
// not a reason to take more. progress, when not nil, is told how far it has read; cancelling ctx
// stops it.
//
// "Current" means on the export's end date (Export.csv ExportEndDate, the last day the export
// reports on): a dated record is current when it started on or before that day and has no end
// date or ends on or after it, HUD's date ranges being inclusive. Deleted rows (DateDeleted set)
// are not read, and the rows that name them are of no use. The mapping:
//
//   - Organization → an agency, for every organization, so that its accounts can be set up before
//     its projects receive referrals. Doorway's agency names are unique, so of two organizations of
//     the same name the second is skipped, and so is one without a name.
//   - Project → a program (with one facility) when it receives CE referrals: a current
//     CEParticipation row with ReceivesReferrals = 1, and the project still operating. An export
//     with no ReceivesReferrals = 1 at all does not record CE participation (the DataLab samples,
//     converted from FY2022, have 0 everywhere); then the Continuum's operating residential
//     projects (ContinuumProject = 1, ProjectType 0, 1, 2, 3, 9, 10 or 13) are taken as receiving
//     referrals, with a warning. The program's type is the project's ProjectType. A project that
//     might receive referrals but lacks a usable name, type or Continuum flag, or whose
//     organization is skipped or deleted, is skipped; for any other project those fields are
//     only warnings.
//   - Inventory → units, for the current rows of the programs: UnitInventory units, except for
//     households without children with UnitInventory 0, where each bed is a unit (HUD counts
//     singles' capacity in beds). HUD exports no bedroom counts: units for households with
//     children get 2 bedrooms, the others 0; CAS admins correct them in Doorway.
//   - Client → a client: names as written ("Unknown" for an empty one: HUD allows a client without
//     a name), BirthDate from DOB, Veteran when VeteranStatus = 1. A client without a DOB, or with
//     one Doorway cannot take (in the future, or more than 120 years back), is imported with an
//     empty BirthDate: an unknown age, which programs with age limits do not accept. Consent is
//     false: HUD exports carry no release of information, so CAS admins confirm consent in
//     Doorway, and the engine refers no one before that. Race and ethnicity from the race columns
//     (HispanicLatinaeo in FY2024, HispanicLatinao in FY2026), gender from FY2024's gender columns
//     and sex from FY2026's Sex, for the CoC's equity review: an option column is 1 when chosen, 0
//     or 99 when not; RaceNone, GenderNone and Sex 8, 9 or 99 (doesn't know, prefers not to
//     answer, not collected) leave the element empty, and so, with a warning, does any other code.
//     An element the export has no columns for is left as Doorway has it. The household is that
//     of the client's enrollment on the HPL, else of their latest CE enrollment (open ones first),
//     else of their latest enrollment; its size is the number of enrollments with its HouseholdID,
//     and its type with_children when a member was under 18 at entry, only_children when all
//     were, and without_children otherwise (a member of unknown age counts as an adult). A client
//     with no enrollment is a household of one; one whose household has more than 20 members is
//     skipped.
//   - Enrollment + Exit + Assessment → an HPL entry for each head of household (RelationshipToHoH
//     1) with an open CE enrollment (no Exit row) whose latest Assessment has PrioritizationStatus
//     1 ("placed on prioritization list"); a CE enrollment is one in a Coordinated Entry project
//     (ProjectType 14) or in any project with assessments. AssessedOn is the AssessmentDate;
//     DaysHomeless counts from DateToStreetESSH to it, or is 0 when the enrollment has none. A
//     client prioritized on two open enrollments gets the latest assessed. A client HMIS shows
//     housed is left off: one with an open enrollment in permanent housing (ProjectType 3, 9, 10
//     or 13) whose MoveInDate is on or before the export's end. A skipped assessment keeps its
//     enrollment from putting anyone on the HPL. HMISImport.Housed lists the clients HMIS shows
//     housed, and HMISImport.ExitedCE the CE enrollments with an Exit, for the import to take
//     their entries off the HPL.
//
// Tolerated, as warnings: an empty HouseholdID (the client is a household of one) or
// RelationshipToHoH (not a head of household), a RaceNone or GenderNone filled beside a chosen
// option (the option is kept), an Exit without a usable ExitDate (the enrollment is exited all
// the same), and an Assessment naming an enrollment that Enrollment.csv lacks, which is ignored:
// the FY2026 edge-case sample's CE records come from another export (their ExportID differs) and
// name enrollments it does not have. Text that is not UTF-8 is read as Windows-1252.
func Map(ctx context.Context, e *Export, progress func(Progress)) (store.HMISImport, Report, error) {
	m := &mapper{
		ctx: ctx, e: e, progress: progress,
		rep:       Report{Unlisted: map[Unlisted]int{}, listed: map[Unlisted]int{}},
		failed:    map[string]bool{},
		recoded:   map[string]bool{},
		deleted:   map[record]bool{},
		orgs:      map[string]organization{},
		orgNames:  map[string]int{},
		projects:  map[string]int32{},
		receives:  map[string]bool{},
		inventory: map[string]int{},
		clientIdx: map[string]int32{},
	}
	rows := map[string]func(Row) use{
		"Export.csv": m.exportRow, "Organization.csv": m.organizationRow, "Project.csv": m.projectRow,
		"CEParticipation.csv": m.ceParticipationRow, "Inventory.csv": m.inventoryRow, "Client.csv": m.clientRow,
		"Enrollment.csv": m.enrollmentRow, "Exit.csv": m.exitRow, "Assessment.csv": m.assessmentRow,
	}
	for _, file := range importFiles {
		if err := m.read(file, rows[file]); err != nil {
			return store.HMISImport{}, m.rep, err
		}
		switch file {
		case "Export.csv":
			m.checkExport()
		case "Project.csv":
			m.checkParticipation()
		}
	}
	m.finish()
	if n, _, _ := m.rep.Totals(); n > 0 {
		return store.HMISImport{}, m.rep, fmt.Errorf("%d %s in the export: it cannot be imported until %s fixed in HMIS",
			n, plural(n, "problem", "problems"), plural(n, "it is", "they are"))
	}
	return m.out, m.rep, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// class is how a problem bears on the import: the Report list it goes to.
type class uint8

const (
	// refusing refuses the export whatever the row: a duplicate ID.
	refusing class = iota
	// blocking refuses the export when in a row Doorway needs, and is a warning otherwise.
	blocking
	// skipping leaves the record out when Doorway needs it, and is a warning otherwise.
	skipping
	warning
)

// use is what a row is to Doorway, which decides the class of its problems.
type use uint8

const (
	needed   use = iota // Doorway takes the record in, or needs it to read others
	unneeded            // Doorway has no use for it: its problems are only warnings
	deleted             // DateDeleted is set: the row is not read
)

// flagged is a problem of the row being read, waiting for the row's use to tell its class.
type flagged struct {
	class class
	*Problem
}

// mapper holds what Map has read so far. Enrollments, of which an export may hold millions, are
// kept as a few numbers each, their IDs interned once.
type mapper struct {
	ctx      context.Context
	e        *Export
	progress func(Progress)
	rep      Report
	out      store.HMISImport

	// failed are the files that could not be read to the end (or are missing): a reference into
	// one of them is not reported as unknown, since the record may be in the unread part.
	failed  map[string]bool
	recoded map[string]bool // files with text read as Windows-1252, warned of once
	deleted map[record]bool

	// The row being read: its problems, and the positions of its odd fields a helper judged.
	pending []flagged
	judged  []int

	exportRows int
	exported   time.Time // Export.csv ExportDate: the "today" a birth date must not be after
	asOf       time.Time // Export.csv ExportEndDate: the day "current" refers to
	hashed     bool      // Export.csv HashStatus says names and SSNs are hashed, and longer

	orgs        map[string]organization
	orgNames    map[string]int   // lower-case OrganizationName → line
	ceProjects  []reference      // the ProjectIDs of CEParticipation.csv, checked once Project.csv is read
	receives    map[string]bool  // ProjectIDs with a current ReceivesReferrals = 1
	anyReceives bool             // some CEParticipation row has ReceivesReferrals = 1
	projects    map[string]int32 // ProjectID → index in projectList
	projectList []project
	inventory   map[string]int // InventoryID → line

	clientIdx   map[string]int32 // PersonalID → index in clients
	clients     []client
	enrollIDs   ids // EnrollmentIDs, numbered by index in enrollments
	enrollments []enrollment
	households  ids // HouseholdIDs, numbered by index in hhList
	hhList      []household
}

// record names a record of a file by its ID.
type record struct{ file, id string }

// reference is an ID named on a line.
type reference struct {
	id   string
	line int
}

type organization struct {
	line    int
	skipped bool
}

type project struct {
	id, orgID, name string
	line            int
	typ             cas.ProjectType
	hasType         bool
	program         bool // imported as a Doorway program
	skipped         bool // would be a program but is skipped: so is its inventory
	assessed        bool // CE assessments happen at it: its enrollments are CE enrollments
}

type client struct {
	id      string
	line    int32
	adult   int32 // the day the client turns 18, or noDay when the birth date is unknown
	out     int32 // index in out.Clients, or -1
	home    int32 // the enrollment whose household is the client's, or -1
	entry   int32 // the enrollment that puts the client on the HPL, or -1
	housed  bool  // HMIS shows the client moved into permanent housing
	refused bool  // the row has a problem that refuses the export
}

// enrollment is what Map keeps of an Enrollment row. Days count from 1970-01-01; noDay is none.
type enrollment struct {
	client, project, household int32 // indexes, -1 when unknown or none
	entry, toStreet, assessed  int32 // EntryDate, DateToStreetESSH, latest AssessmentDate
	line                       int32
	hoh, exited, prioritized   bool
	movedIn                    bool // into permanent housing, by the export's end
	skipped                    bool // left out, and so are its exits and assessments
	gone                       bool // of a deleted client or project, or refused: of no use
	unjudged                   bool // an assessment of it is skipped: it puts no one on the HPL
}

const noDay = math.MinInt32

func dayOf(t time.Time) int32 { return int32(t.Unix() / 86400) }

func dayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

type household struct{ members, minors int32 }

// typ is the HUD household type: with children when some members but not all are minors.
func (h household) typ() cas.HouseholdType {
	switch h.minors {
	case 0:
		return cas.WithoutChildren
	case h.members:
		return cas.OnlyChildren
	}
	return cas.WithChildren
}

// minorOn tells whether the client was under 18 on day.
func (c *client) minorOn(day int32) bool { return c.adult != noDay && c.adult > day }

// covers tells whether the inclusive range start to end (zero: open-ended) holds day.
func covers(start, end, day time.Time) bool {
	return !start.After(day) && (end.IsZero() || !end.Before(day))
}

// read streams file's rows to fn, which says what each row is to Doorway, and settles each row's
// problems. A file that is missing, lacks a column or cannot be read to the end is a problem, and
// Map goes on with the next file; only a cancelled context or a failing disk stops it.
func (m *mapper) read(file string, fn func(Row) use) error {
	if err := m.ctx.Err(); err != nil {
		return err
	}
	fc := m.rep.File(file)
	if !m.e.has(file) {
		m.failed[file] = true
		m.rep.add("Problems", &Problem{File: file, Message: "the export has no " + file + ", which Doorway reads"})
		return nil
	}
	size := m.e.size(file)
	var read int64
	err := m.e.Rows(file, func(r Row) error {
		fc.Rows, read = fc.Rows+1, r.offset
		if fc.Rows == reserveAfter && size > 0 {
			m.reserve(file, int(size*reserveAfter/read)+reserveAfter)
		}
		if fc.Rows%progressEvery == 0 {
			if err := m.ctx.Err(); err != nil {
				return err
			}
			m.tell(Progress{File: file, Rows: fc.Rows, Read: read, Size: size})
		}
		m.pending, m.judged = m.pending[:0], m.judged[:0]
		u := fn(r)
		if u != deleted {
			m.checkUnused(r)
		}
		m.settle(r, u, fc)
		return nil
	})
	m.tell(Progress{File: file, Rows: fc.Rows, Read: max(read, size), Size: size, Done: true})
	if err == nil {
		return nil
	}
	problems := problemsIn(err)
	if problems == nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	m.failed[file] = true
	for _, p := range problems {
		m.rep.add("Problems", p)
	}
	return nil
}

// reserveAfter is how many rows of a file Map reads before it guesses, from their length, how
// many the file has.
const reserveAfter = 1024

// reserve makes room for about rows records of file, guessed from the length of its first rows,
// in what Map keeps of them: a large file's records are then not copied each time the room runs
// out, and the garbage collector has that much less to do.
func (m *mapper) reserve(file string, rows int) {
	switch file {
	case "Client.csv":
		m.clients = slices.Grow(m.clients, rows-len(m.clients))
		m.out.Clients = slices.Grow(m.out.Clients, rows-len(m.out.Clients))
		idx := make(map[string]int32, rows)
		maps.Copy(idx, m.clientIdx)
		m.clientIdx = idx
	case "Enrollment.csv":
		if n := len(m.enrollIDs.ends); n > 0 {
			m.enrollIDs.reserve(rows, len(m.enrollIDs.text)/n*rows)
		}
		m.enrollments = slices.Grow(m.enrollments, rows-len(m.enrollments))
	}
}

// settle puts the row's problems, and the odd fields no helper judged, in the Report's lists by
// their class and the row's use, and counts the row.
func (m *mapper) settle(r Row, u use, fc *FileCount) {
	if u == deleted {
		return
	}
	for _, n := range r.notes {
		switch {
		case n.kind == recoded:
			if !m.recoded[r.file] {
				m.recoded[r.file] = true
				m.pending = append(m.pending, flagged{warning, r.noteProblem(n)})
			}
		case slices.Contains(m.judged, n.pos), m.hashedLength(r, n):
		default:
			m.pending = append(m.pending, flagged{warning, r.noteProblem(n)})
		}
	}
	var refused, skipped, warned bool
	for _, f := range m.pending {
		c := f.class
		if u == unneeded && c != refusing {
			c = warning
		}
		switch c {
		case refusing, blocking:
			refused = true
			m.rep.add("Problems", f.Problem)
		case skipping:
			skipped = true
			m.rep.add("Skipped", f.Problem)
		default:
			warned = true
			m.rep.add("Warnings", f.Problem)
		}
	}
	switch {
	case refused:
	case skipped:
		fc.Skipped++
	case u == needed:
		fc.Imported++
	}
	if warned {
		fc.Warned++
	}
}

// hashedColumns are the Client.csv columns HUD lets a hashed export (HashStatus 2, 3 or 4) fill
// with hashes longer than their usual length.
var hashedColumns = map[string]bool{"firstname": true, "middlename": true, "lastname": true, "ssn": true}

// hashedLength tells whether n is the length of a hash in a hashed export: no problem.
func (m *mapper) hashedLength(r Row, n note) bool {
	return n.kind == tooLong && m.hashed && r.file == "Client.csv" && hashedColumns[strings.ToLower(r.header.names[n.pos])]
}

func (m *mapper) tell(p Progress) {
	if m.progress != nil {
		m.progress(p)
	}
}

// problemsIn returns the Problems err is made of, or nil when it is something else.
func problemsIn(err error) []*Problem {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var problems []*Problem
	for _, err := range errs {
		var p *Problem
		if !errors.As(err, &p) {
			return nil
		}
		problems = append(problems, p)
	}
	return problems
}

// flag records a problem of the row being read, of class c if Doorway needs the row.
func (m *mapper) flag(c class, r Row, col, format string, args ...any) {
	m.pending = append(m.pending, flagged{c, r.problem(col, fmt.Sprintf(format, args...))})
}

// unusable tells whether the row being read has a problem that refuses the export or skips the
// record.
func (m *mapper) unusable() bool {
	return slices.ContainsFunc(m.pending, func(f flagged) bool { return f.class <= skipping })
}

// refused tells whether the row being read has a problem that refuses the export: the records
// that depend on it are not listed as skipped, since nothing is imported anyway.
func (m *mapper) refused() bool {
	return slices.ContainsFunc(m.pending, func(f flagged) bool { return f.class <= blocking })
}

// demote makes the row's skipping problems warnings: they are in fields that matter only for a
// use the record turns out not to have.
func (m *mapper) demote() {
	for i := range m.pending {
		if m.pending[i].class == skipping || m.pending[i].class == blocking {
			m.pending[i].class = warning
		}
	}
}

// unknown reports a reference to a record that file does not have, unless file could not be read
// whole.
func (m *mapper) unknown(r Row, col, file, what, id string) {
	if !m.failed[file] {
		m.flag(blocking, r, col, "unknown %s %s: %s has no such %s", what, id, file, col)
	}
}

// isDeleted tells whether the row is deleted, and remembers its ID, in column col, so that rows
// naming it are of no use either.
func (m *mapper) isDeleted(r Row, col string) bool {
	if r.String("DateDeleted") == "" {
		return false
	}
	m.deleted[record{r.file, strings.Clone(r.String(col))}] = true
	return true
}

// field returns the text of column col, unless it holds a NUL byte, which is a problem of class c.
// A field longer than HUD allows is a problem of class c too when c refuses the export (an ID cut
// short could name another record), and a warning otherwise: the text is kept as written.
func (m *mapper) field(r Row, c class, col string) (string, bool) {
	if kind, odd := r.note(col); odd && !m.hashedLength(r, note{r.header.pos(col), kind}) {
		pos := r.header.pos(col)
		m.judged = append(m.judged, pos)
		p := r.noteProblem(note{pos, kind})
		if kind == nul || c <= blocking {
			m.pending = append(m.pending, flagged{c, p})
			return "", false
		}
		m.pending = append(m.pending, flagged{warning, p})
	}
	return r.String(col), true
}

// id reads a required HMIS ID, at most 32 characters (HUD's String(32)).
func (m *mapper) id(r Row, col string) (string, bool) {
	s, ok := m.field(r, blocking, col)
	if ok && s == "" {
		m.flag(blocking, r, col, "the field is empty; want an ID")
		return "", false
	}
	return s, ok
}

// date reads a date, which must be there when required. A field that is not a date is a problem of
// class c; an empty one that is required leaves the record out.
func (m *mapper) date(r Row, c class, col string, required bool) (time.Time, bool) {
	s, ok := m.field(r, c, col)
	if !ok {
		return time.Time{}, false
	}
	t, err := r.dateIn(col, s)
	switch {
	case err != nil:
		m.pending = append(m.pending, flagged{c, problemOf(err)})
		return t, false
	case required && t.IsZero():
		m.flag(skipping, r, col, "the field is empty; want a date")
		return t, false
	}
	return t, true
}

// code reads a required HUD code, one of valid; an empty field or another code is a problem of
// class c.
func (m *mapper) code(r Row, c class, col string, valid ...int) (int, bool) {
	s, ok := m.field(r, c, col)
	if !ok {
		return 0, false
	}
	n, err := r.intIn(col, s)
	if err != nil {
		m.pending = append(m.pending, flagged{c, problemOf(err)})
		return 0, false
	}
	if slices.Contains(valid, n) {
		return n, true
	}
	codes := make([]string, len(valid))
	for i, v := range valid {
		codes[i] = strconv.Itoa(v)
	}
	m.flag(c, r, col, "%d is not one of HUD's codes for %s (%s)", n, col, strings.Join(codes, ", "))
	return 0, false
}

// count reads a required count: a whole number, 0 or more.
func (m *mapper) count(r Row, col string) (int, bool) {
	s, ok := m.field(r, skipping, col)
	if !ok {
		return 0, false
	}
	n, err := r.intIn(col, s)
	switch {
	case err != nil:
		m.pending = append(m.pending, flagged{skipping, problemOf(err)})
		return 0, false
	case n < 0:
		m.flag(skipping, r, col, "%d is negative; want a count", n)
		return 0, false
	}
	return n, true
}

// problemOf returns the Problem a Row's reader returned.
func problemOf(err error) *Problem {
	var p *Problem
	errors.As(err, &p)
	return p
}

// checkUnused checks the codes of the columns Doorway requires but does not use (unusedCodes):
// one that is not HUD's is a warning, so that the HMIS team learns of it.
func (m *mapper) checkUnused(r Row) {
	for _, c := range unusedCodes[r.file] {
		pos := r.header.pos(c.column)
		if pos < 0 {
			continue
		}
		s := strings.TrimSpace(r.fields[pos])
		if _, odd := r.note(c.column); odd || s == "" && c.nullable {
			continue // an odd field is warned of as such
		}
		if n, err := strconv.Atoi(s); err == nil && slices.Contains(c.codes, n) {
			continue
		}
		codes := make([]string, len(c.codes))
		for i, v := range c.codes {
			codes[i] = strconv.Itoa(v)
		}
		what := fmt.Sprintf("%q is not one of HUD's codes", s)
		if s == "" {
			what = "the field is empty, and HUD requires one of its codes"
		}
		m.flag(warning, r, c.column, "%s for %s (%s); Doorway does not use this column", what, c.column, strings.Join(codes, ", "))
	}
}

func (m *mapper) exportRow(r Row) use {
	m.exportRows++
	if m.exportRows > 1 {
		m.flag(refusing, r, "", "a second row: Export.csv describes its export in one row")
		return needed
	}
	if t, err := r.DateTime("ExportDate"); err != nil {
		m.pending = append(m.pending, flagged{blocking, problemOf(err)})
	} else if t.IsZero() {
		m.flag(blocking, r, "ExportDate", "the field is empty; want a date and time")
	} else {
		m.exported = t
	}
	if end, ok := m.date(r, blocking, "ExportEndDate", false); ok && end.IsZero() {
		m.flag(blocking, r, "ExportEndDate", "the field is empty; want a date")
	} else {
		m.asOf = end
	}
	m.hashed = slices.Contains([]string{"2", "3", "4"}, r.String("HashStatus"))
	return needed
}

// checkExport makes sure the export has its dates. Without them, today stands in, so that the
// other files can still be checked.
func (m *mapper) checkExport() {
	if m.exportRows == 0 && !m.failed["Export.csv"] {
		m.rep.add("Problems", &Problem{File: "Export.csv", Message: "no row: Export.csv must describe its export"})
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if m.asOf.IsZero() {
		m.asOf = today
	}
	if m.exported.IsZero() {
		m.exported = today
	}
}

// newRecord reads a record's ID from column and reports whether the row is a live record seen for
// the first time; a duplicate refuses the export, naming the line of the first. seen looks an ID
// up.
func (m *mapper) newRecord(r Row, column string, seen func(id string) (line int, dup bool)) (string, use, bool) {
	if m.isDeleted(r, column) {
		return "", deleted, false
	}
	id, ok := m.id(r, column)
	if !ok {
		return "", needed, false
	}
	if line, dup := seen(id); dup {
		m.flag(refusing, r, column, "duplicate %s %s: also on line %d", column, id, line)
		return "", needed, false
	}
	return id, needed, true
}

func (m *mapper) organizationRow(r Row) use {
	id, u, ok := m.newRecord(r, "OrganizationID", func(id string) (int, bool) {
		o, dup := m.orgs[id]
		return o.line, dup
	})
	if !ok {
		return u
	}
	id = strings.Clone(id)
	name, ok := m.field(r, skipping, "OrganizationName")
	key := strings.ToLower(name)
	switch {
	case !ok:
	case name == "":
		m.flag(skipping, r, "OrganizationName", "the field is empty; want the organization's name")
	default:
		if line, dup := m.orgNames[key]; dup {
			m.flag(skipping, r, "OrganizationName", "%q is also the name of the organization on line %d; Doorway's agency names are unique", name, line)
		}
	}
	if m.unusable() {
		m.orgs[id] = organization{line: r.Line(), skipped: true}
		return needed
	}
	m.orgs[id] = organization{line: r.Line()}
	m.orgNames[key] = r.Line()
	m.out.Agencies = append(m.out.Agencies, store.ImportAgency{OrganizationID: id, Name: strings.Clone(name)})
	return needed
}

func (m *mapper) ceParticipationRow(r Row) use {
	if m.isDeleted(r, "CEParticipationID") {
		return deleted
	}
	pid, okID := m.id(r, "ProjectID")
	receives, _ := m.code(r, skipping, "ReceivesReferrals", 0, 1)
	start, _ := m.date(r, blocking, "CEParticipationStatusStartDate", true)
	end, _ := m.date(r, blocking, "CEParticipationStatusEndDate", false)
	if okID {
		pid = strings.Clone(pid)
		m.ceProjects = append(m.ceProjects, reference{pid, r.Line()})
	}
	if m.unusable() || receives != 1 {
		return needed
	}
	m.anyReceives = true
	if covers(start, end, m.asOf) {
		m.receives[pid] = true
	}
	return needed
}

// residential are the project types taken as receiving referrals when the export records no CE
// participation: shelter, transitional and permanent housing.
var residential = map[cas.ProjectType]bool{
	cas.ProjectESEntryExit: true, cas.ProjectESNightByNight: true, cas.ProjectTH: true, cas.ProjectPSH: true,
	cas.ProjectPHHousingOnly: true, cas.ProjectPHWithServices: true, cas.ProjectRRH: true,
}

// permanent are HUD's permanent housing project types: a client who has moved into one of them is
// housed.
var permanent = map[cas.ProjectType]bool{
	cas.ProjectPSH: true, cas.ProjectPHHousingOnly: true, cas.ProjectPHWithServices: true, cas.ProjectRRH: true,
}

// projectRow reads a project, and makes it a program when it receives CE referrals. Whether it
// might decides what its problems are: Doorway needs a program's name, type and organization, and
// only warns of them for any other project.
func (m *mapper) projectRow(r Row) use {
	id, u, ok := m.newRecord(r, "ProjectID", func(id string) (int, bool) {
		i, dup := m.projects[id]
		if !dup {
			return 0, false
		}
		return m.projectList[i].line, true
	})
	if !ok {
		return u
	}
	p := project{id: strings.Clone(id), line: r.Line()}
	end, okEnd := m.date(r, blocking, "OperatingEndDate", false)
	operating := !okEnd || end.IsZero() || !end.Before(m.asOf) // an unreadable end date might be later
	continuum, okContinuum := m.code(r, skipping, "ContinuumProject", 0, 1)
	var typeUnusable bool
	switch {
	case r.String("ProjectType") != "":
		n, ok := m.code(r, skipping, "ProjectType", projectTypes...)
		p.typ, p.hasType, typeUnusable = cas.ProjectType(n), ok, !ok
	case continuum == 1:
		typeUnusable = true
		m.flag(skipping, r, "ProjectType", "the field is empty; HUD requires it of a Continuum project (ContinuumProject = 1)")
	}
	// might: the project receives referrals, or would if its unusable fields said so.
	var might bool
	if m.anyReceives {
		might = operating && m.receives[p.id]
		if might && !p.hasType && !typeUnusable {
			m.flag(skipping, r, "ProjectType", "project %s receives CE referrals, so Doorway needs its ProjectType", p.id)
		}
	} else {
		might = operating && (continuum == 1 || !okContinuum) && (typeUnusable || p.hasType && residential[p.typ])
	}
	if orgID, ok := m.id(r, "OrganizationID"); ok {
		p.orgID = strings.Clone(orgID)
		o, known := m.orgs[orgID]
		switch {
		case known && o.skipped && might:
			m.flag(skipping, r, "OrganizationID", "organization %s is skipped (Organization.csv line %d), so its project is too", orgID, o.line)
		case known:
		case m.deleted[record{"Organization.csv", orgID}]:
			if might {
				m.flag(skipping, r, "OrganizationID", "organization %s is deleted in Organization.csv", orgID)
			}
		default:
			m.unknown(r, "OrganizationID", "Organization.csv", "organization", orgID)
		}
	}
	if name, ok := m.field(r, skipping, "ProjectName"); ok && name == "" {
		m.flag(skipping, r, "ProjectName", "the field is empty; want the project's name")
	} else {
		p.name = strings.Clone(name)
	}
	if !might {
		m.demote()
	}
	p.program, p.skipped = might && !m.unusable(), might && m.unusable() && !m.refused()
	if p.program {
		m.out.Programs = append(m.out.Programs, store.ImportProgram{ProjectID: p.id, OrganizationID: p.orgID, Name: p.name, ProjectType: p.typ})
	}
	m.projects[p.id] = int32(len(m.projectList))
	m.projectList = append(m.projectList, p)
	return needed
}

// projectTypes are HUD's project type codes (list 2.02.6).
var projectTypes = []int{0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14}

// checkParticipation, once Project.csv is read, reports the CEParticipation rows naming projects it
// lacks, and warns when the export records no CE participation at all.
func (m *mapper) checkParticipation() {
	if !m.failed["Project.csv"] {
		for _, ref := range m.ceProjects {
			if _, ok := m.projects[ref.id]; !ok && !m.deleted[record{"Project.csv", ref.id}] {
				m.rep.add("Problems", &Problem{File: "CEParticipation.csv", Line: ref.line, Column: "ProjectID",
					Message: fmt.Sprintf("unknown project %s: Project.csv has no such ProjectID", ref.id)})
			}
		}
	}
	if !m.anyReceives && !m.failed["CEParticipation.csv"] {
		taken := fmt.Sprintf("%d projects", len(m.out.Programs))
		if len(m.out.Programs) == 0 {
			taken = "the export has none, so no program is imported"
		}
		m.rep.add("Warnings", &Problem{File: "CEParticipation.csv", Column: "ReceivesReferrals", Message: "no project " +
			"receives CE referrals (no row has ReceivesReferrals = 1): the export does not record CE participation, so the Continuum's " +
			"operating residential projects (ContinuumProject 1, ProjectType 0, 1, 2, 3, 9, 10, 13) are taken as receiving them: " + taken})
	}
}

// projectOf looks up the ProjectID in column col. It returns nil and needed when the ID is unusable
// or unknown (a problem), and nil and unneeded when the project is deleted.
func (m *mapper) projectOf(r Row, col string) (*project, use) {
	id, ok := m.id(r, col)
	if !ok {
		return nil, needed
	}
	i, ok := m.projects[id]
	if !ok {
		if m.deleted[record{"Project.csv", id}] {
			return nil, unneeded
		}
		m.unknown(r, col, "Project.csv", "project", id)
		return nil, needed
	}
	return &m.projectList[i], needed
}

// householdTypes maps HUD's list 2.07.4 to Doorway's household types.
var householdTypes = map[int]cas.HouseholdType{1: cas.WithoutChildren, 3: cas.WithChildren, 4: cas.OnlyChildren}

func (m *mapper) inventoryRow(r Row) use {
	id, u, ok := m.newRecord(r, "InventoryID", func(id string) (int, bool) {
		line, dup := m.inventory[id]
		return line, dup
	})
	if !ok {
		return u
	}
	m.inventory[strings.Clone(id)] = r.Line()
	p, u := m.projectOf(r, "ProjectID")
	hh, _ := m.code(r, skipping, "HouseholdType", 1, 3, 4)
	units, _ := m.count(r, "UnitInventory")
	beds, _ := m.count(r, "BedInventory")
	start, okStart := m.date(r, blocking, "InventoryStartDate", true)
	end, okEnd := m.date(r, blocking, "InventoryEndDate", false)
	switch {
	case p == nil:
		return u
	case !p.program && !p.skipped:
		return unneeded // a project that does not receive referrals: its inventory is not Doorway's
	case okStart && okEnd && !covers(start, end, m.asOf):
		return unneeded
	case p.skipped:
		m.flag(skipping, r, "ProjectID", "project %s is skipped (Project.csv line %d), so its inventory is too", p.id, p.line)
		return needed
	case m.unusable():
		return needed
	}
	typ := householdTypes[hh]
	if typ == cas.WithoutChildren && units == 0 {
		units = beds
	}
	if units == 0 {
		return needed
	}
	bedrooms := 0
	if typ == cas.WithChildren {
		bedrooms = 2
	}
	m.out.Inventory = append(m.out.Inventory, store.ImportInventory{InventoryID: strings.Clone(id), ProjectID: p.id,
		HouseholdType: typ, Units: units, Bedrooms: bedrooms})
	return needed
}

// clientColumns are the Client.csv columns of the fields cas.Client.Validate names.
var clientColumns = map[string]string{"first_name": "FirstName", "last_name": "LastName", "birth_date": "DOB", "hmis_personal_id": "PersonalID"}

func (m *mapper) clientRow(r Row) use {
	id, u, ok := m.newRecord(r, "PersonalID", func(id string) (int, bool) {
		i, dup := m.clientIdx[id]
		if !dup {
			return 0, false
		}
		return int(m.clients[i].line), true
	})
	if !ok {
		return u
	}
	idx := int32(len(m.clients))
	m.clients = append(m.clients, client{id: strings.Clone(id), line: int32(r.Line()), adult: noDay, out: -1, home: -1, entry: -1})
	m.clientIdx[m.clients[idx].id] = idx
	dob, _ := m.date(r, blocking, "DOB", false)
	veteran, _ := m.code(r, skipping, "VeteranStatus", 0, 1, 8, 9, 99)
	first, _ := m.field(r, skipping, "FirstName")
	last, _ := m.field(r, skipping, "LastName")
	race, gender, sex := m.demographics(r)
	if m.unusable() {
		m.clients[idx].refused = m.refused()
		return needed
	}
	c := cas.Client{
		FirstName: nameOrUnknown(first), LastName: nameOrUnknown(last), HMISPersonalID: m.clients[idx].id,
		Veteran: veteran == 1, Race: race, Gender: gender, Sex: sex,
		HouseholdSize: 1, HouseholdType: cas.WithoutChildren, // set by finish
	}
	if !dob.IsZero() {
		c.BirthDate = cas.DateOf(dob, time.UTC)
	}
	today := cas.DateOf(m.exported, time.UTC)
	err := c.Validate(today)
	if ce := cas.ErrorOf(err); ce != nil && ce.Field == "birth_date" {
		m.flag(warning, r, "DOB", "%s %s: the client is imported with an unknown age", c.BirthDate, strings.TrimPrefix(ce.Message, "birth_date "))
		c.BirthDate = ""
		err = c.Validate(today)
	}
	if err != nil {
		if ce := cas.ErrorOf(err); ce != nil {
			m.flag(skipping, r, clientColumns[ce.Field], "Doorway refuses the client: %s", ce.Message)
		} else {
			m.flag(skipping, r, "", "%v", err)
		}
		return needed
	}
	if c.BirthDate == "" {
		m.rep.NoBirthDate++
	} else {
		m.clients[idx].adult = dayOf(dob.AddDate(18, 0, 0))
	}
	m.clients[idx].out = int32(len(m.out.Clients))
	m.out.Clients = append(m.out.Clients, c)
	return needed
}

func nameOrUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return strings.Clone(s)
}

func (m *mapper) enrollmentRow(r Row) use {
	// A new EnrollmentID gets its number as it is looked up; the enrollment that number names is
	// kept below, whatever the row holds.
	_, u, ok := m.newRecord(r, "EnrollmentID", func(id string) (int, bool) {
		i, added := m.enrollIDs.add(id)
		if added {
			return 0, false
		}
		return int(m.enrollments[i].line), true
	})
	if !ok {
		return u
	}
	// The enrollment is kept even when the row has problems, so that the rows naming it are not
	// reported as naming an unknown one.
	e := enrollment{client: -1, project: -1, household: -1, entry: noDay, toStreet: noDay, assessed: noDay, line: int32(r.Line())}
	var gone bool // the enrollment of a deleted client or project: of no use
	if pid, ok := m.id(r, "PersonalID"); ok {
		if i, known := m.clientIdx[pid]; known {
			e.client = i
		} else if gone = m.deleted[record{"Client.csv", pid}]; !gone {
			m.unknown(r, "PersonalID", "Client.csv", "client", pid)
		}
	}
	p, pu := m.projectOf(r, "ProjectID")
	if p != nil {
		e.project = m.projects[p.id]
	}
	gone = gone || pu == unneeded
	entry, okEntry := m.date(r, blocking, "EntryDate", true)
	if okEntry {
		e.entry = dayOf(entry)
	}
	if toStreet, ok := m.date(r, blocking, "DateToStreetESSH", false); ok && !toStreet.IsZero() {
		e.toStreet = dayOf(toStreet)
	}
	moveInClass := warning // Doorway reads the move-in date of permanent housing only
	if p != nil && p.hasType && permanent[p.typ] {
		moveInClass = blocking
	}
	if moveIn, ok := m.date(r, moveInClass, "MoveInDate", false); ok && !moveIn.IsZero() {
		e.movedIn = moveInClass == blocking && !moveIn.After(m.asOf)
	}
	if r.String("RelationshipToHoH") == "" {
		m.flag(warning, r, "RelationshipToHoH", "the field is empty: the client is not taken as the head of the household")
	} else if rel, ok := m.code(r, skipping, "RelationshipToHoH", 1, 2, 3, 4, 5, 99); ok {
		e.hoh = rel == 1
	}
	hh, okHH := m.field(r, blocking, "HouseholdID")
	switch {
	case gone:
		e.client, e.gone = -1, true
		m.keep(e)
		return unneeded
	case m.refused():
		e.client, e.gone = -1, true
	case m.unusable():
		e.skipped = true
	case !okHH:
	case hh == "":
		m.flag(warning, r, "HouseholdID", "the field is empty: the client is taken as a household of one")
	case e.client >= 0 && okEntry:
		i, added := m.households.add(hh)
		if added {
			m.hhList = append(m.hhList, household{})
		}
		e.household = i
		m.hhList[i].members++
		if m.clients[e.client].minorOn(e.entry) {
			m.hhList[i].minors++
		}
	}
	m.keep(e)
	return needed
}

// keep records the enrollment of the EnrollmentID numbered last.
func (m *mapper) keep(e enrollment) {
	m.enrollments = append(m.enrollments, e)
}

// enrollmentOf looks up the EnrollmentID of an Exit or Assessment row. It returns nil and unneeded
// when the enrollment is deleted or is of a deleted client or project, and nil, after calling
// unknown, when Enrollment.csv lacks it.
func (m *mapper) enrollmentOf(r Row, unknown func(id string) use) (*enrollment, use) {
	id, ok := m.id(r, "EnrollmentID")
	if !ok {
		return nil, needed
	}
	i, ok := m.enrollIDs.number(id)
	switch {
	case ok && m.enrollments[i].gone:
		return nil, unneeded
	case ok:
		return &m.enrollments[i], needed
	case m.deleted[record{"Enrollment.csv", id}]:
		return nil, unneeded
	case m.failed["Enrollment.csv"]:
		return nil, needed
	}
	return nil, unknown(id)
}

// dependent skips the row of an Exit or Assessment of a skipped enrollment.
func (m *mapper) dependent(r Row, e *enrollment, what string) {
	m.flag(skipping, r, "EnrollmentID", "enrollment %s is skipped (Enrollment.csv line %d), so its %s is too", r.String("EnrollmentID"), e.line, what)
}

func (m *mapper) exitRow(r Row) use {
	if m.isDeleted(r, "ExitID") {
		return deleted
	}
	e, u := m.enrollmentOf(r, func(id string) use {
		m.unknown(r, "EnrollmentID", "Enrollment.csv", "enrollment", id)
		return needed
	})
	// Doorway reads of an exit only that it happened.
	if date, ok := m.date(r, warning, "ExitDate", false); ok && date.IsZero() {
		m.flag(warning, r, "ExitDate", "the field is empty: the enrollment is taken as exited all the same")
	}
	switch {
	case e == nil:
		return u
	case e.skipped:
		m.dependent(r, e, "exit")
	default:
		e.exited = true
	}
	return needed
}

func (m *mapper) assessmentRow(r Row) use {
	if m.isDeleted(r, "AssessmentID") {
		return deleted
	}
	e, u := m.enrollmentOf(r, func(id string) use {
		m.flag(warning, r, "EnrollmentID", "unknown enrollment %s: Enrollment.csv has no such EnrollmentID; the assessment is ignored", id)
		return unneeded
	})
	if pid, ok := m.id(r, "PersonalID"); ok && e != nil && e.client >= 0 && m.clients[e.client].id != pid {
		m.flag(skipping, r, "PersonalID", "client %s is not the client of enrollment %s (%s)", pid, r.String("EnrollmentID"), m.clients[e.client].id)
	}
	date, _ := m.date(r, blocking, "AssessmentDate", true)
	status, _ := m.code(r, skipping, "PrioritizationStatus", 1, 2)
	switch {
	case e == nil:
		return u
	case e.skipped:
		m.dependent(r, e, "assessment")
		return needed
	case m.unusable():
		e.unjudged = true
		return needed
	}
	// The latest assessment decides; of two on the same day, the later row.
	if d := dayOf(date); d >= e.assessed {
		e.assessed, e.prioritized = d, status == 1
	}
	if e.project >= 0 {
		m.projectList[e.project].assessed = true
	}
	return needed
}

// isCE tells whether e is a Coordinated Entry enrollment.
func (m *mapper) isCE(e *enrollment) bool {
	p := &m.projectList[e.project]
	return p.assessed || p.hasType && p.typ == cas.ProjectCE
}

// homeBefore tells whether a is a worse choice than b for the household a client is imported
// with: CE enrollments first, open ones before exited ones, then the latest entry.
func (m *mapper) homeBefore(a, b *enrollment) bool {
	if ca, cb := m.isCE(a), m.isCE(b); ca != cb {
		return cb
	}
	if a.exited != b.exited {
		return a.exited
	}
	return a.entry < b.entry
}

// finish, once every file is read, tells who HMIS shows housed or out of Coordinated Entry, puts
// the other prioritized heads of household on the HPL, and gives each client their household.
func (m *mapper) finish() {
	for i := range m.enrollments {
		e := &m.enrollments[i]
		if e.skipped || e.client < 0 || e.project < 0 || e.entry == noDay {
			continue
		}
		c := &m.clients[e.client]
		if c.home < 0 || !m.homeBefore(e, &m.enrollments[c.home]) {
			c.home = int32(i)
		}
		if e.movedIn && !e.exited {
			c.housed = true
		}
		if e.exited && m.isCE(e) {
			m.out.ExitedCE = append(m.out.ExitedCE, m.enrollIDs.id(int32(i)))
		}
		if e.hoh && !e.exited && e.prioritized && !e.unjudged && (c.entry < 0 || e.assessed >= m.enrollments[c.entry].assessed) {
			c.entry = int32(i)
		}
	}
	var drop []bool // by index in out.Clients: skipped once their household is known
	for i := range m.clients {
		c := &m.clients[i]
		if c.housed {
			m.out.Housed = append(m.out.Housed, c.id)
			if c.entry >= 0 {
				m.rep.Housed++
				c.entry = -1
			}
		}
		if c.out < 0 {
			if c.entry >= 0 && !c.refused {
				m.skipLater("Enrollment.csv", &Problem{File: "Enrollment.csv", Line: int(m.enrollments[c.entry].line), Column: "PersonalID",
					Message: fmt.Sprintf("client %s is prioritized on enrollment %s but is skipped (Client.csv line %d), so is not put on the HPL",
						c.id, m.enrollIDs.id(c.entry), c.line)})
			}
			continue
		}
		if c.entry >= 0 {
			c.home = c.entry
		}
		out := &m.out.Clients[c.out]
		switch {
		case c.home < 0:
			if c.minorOn(dayOf(m.asOf)) {
				out.HouseholdType = cas.OnlyChildren
			}
		case m.enrollments[c.home].household < 0:
			if c.minorOn(m.enrollments[c.home].entry) {
				out.HouseholdType = cas.OnlyChildren
			}
		default:
			e := m.enrollments[c.home]
			h := m.hhList[e.household]
			if h.members > 20 {
				if drop == nil {
					drop = make([]bool, len(m.out.Clients))
				}
				drop[c.out] = true
				m.skipLater("Client.csv", &Problem{File: "Enrollment.csv", Line: int(e.line), Column: "HouseholdID",
					Message: fmt.Sprintf("the household of client %s has %d members; Doorway takes households of at most 20", c.id, h.members)})
				continue
			}
			out.HouseholdSize, out.HouseholdType = int(h.members), h.typ()
		}
		if c.entry >= 0 {
			m.addEntry(c)
		}
	}
	if drop != nil {
		kept := m.out.Clients[:0]
		for i, c := range m.out.Clients {
			if !drop[i] {
				kept = append(kept, c)
			}
		}
		m.out.Clients = kept
	}
}

// skipLater lists a record left out once every file is read, counting it as a row of file skipped
// rather than imported.
func (m *mapper) skipLater(file string, p *Problem) {
	m.rep.add("Skipped", p)
	fc := m.rep.File(file)
	fc.Imported--
	fc.Skipped++
}

// addEntry puts the client on the HPL by the enrollment that prioritizes them.
func (m *mapper) addEntry(c *client) {
	e := m.enrollments[c.entry]
	days := 0
	if e.toStreet != noDay {
		if days = int(e.assessed - e.toStreet); days < 0 {
			m.rep.add("Warnings", &Problem{File: "Enrollment.csv", Line: int(e.line), Column: "DateToStreetESSH",
				Message: fmt.Sprintf("the date homelessness began is after the latest assessment (%s), so days homeless are taken as 0", cas.DateOf(dayTime(e.assessed), time.UTC))})
			days = 0
		}
	}
	m.out.Entries = append(m.out.Entries, store.ImportEntry{
		EnrollmentID: m.enrollIDs.id(c.entry), PersonalID: c.id, DaysHomeless: days,
		AssessedOn: cas.DateOf(dayTime(e.assessed), time.UTC),
	})
}
