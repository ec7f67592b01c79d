package hmiscsv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// importFiles are the files Map reads, in the order it reads them: each names records only of the
// files before it. The export's other files say nothing Doorway keeps and are not read.
var importFiles = []string{"Export.csv", "Organization.csv", "Project.csv", "CEParticipation.csv",
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

// Report is what Map found in an export.
type Report struct {
	// Problems make the export unfit to import; nothing is imported until they are fixed in HMIS.
	Problems []*Problem
	// Warnings are what Map tolerated: records it skipped or read in a stated way, and why.
	Warnings []*Problem
	// Rows counts the data rows read, by file.
	Rows map[string]int
}

// Map reads the export and maps it to Doorway's records, for store.DB.ImportHMIS. It reads every
// file to the end and reports every problem it finds, by file, line and column; when there is one,
// it returns an error and no records, so that nothing of a faulty export is imported. It reads
// rows as they stream and keeps a few numbers per enrollment, about 180 bytes with its IDs, so
// an export of a million enrollments takes under 200 MB. progress, when not nil, is told how far
// it has read; cancelling ctx stops it.
//
// "Current" means on the export's end date (Export.csv ExportEndDate, the last day the export
// reports on): a dated record is current when it started on or before that day and has no end
// date or ends on or after it, HUD's date ranges being inclusive. Deleted rows (DateDeleted set)
// are skipped, and so are the rows that name them. The mapping:
//
//   - Organization → an agency, for every organization, so that its accounts can be set up before
//     its projects receive referrals. Doorway's agency names are unique, so two organizations of
//     the same name are a problem.
//   - Project → a program (with one facility) when it receives CE referrals: a current
//     CEParticipation row with ReceivesReferrals = 1, and the project still operating. An export
//     with no ReceivesReferrals = 1 at all does not record CE participation (the DataLab samples,
//     converted from FY2022, have 0 everywhere); then the Continuum's operating residential
//     projects (ContinuumProject = 1, ProjectType 0, 1, 2, 3, 9, 10 or 13) are taken as receiving
//     referrals, with a warning. The program's type is the project's ProjectType.
//   - Inventory → units, for the current rows of the programs: UnitInventory units, except for
//     households without children with UnitInventory 0, where each bed is a unit (HUD counts
//     singles' capacity in beds). HUD exports no bedroom counts: units for households with
//     children get 2 bedrooms, the others 0; CAS admins correct them in Doorway.
//   - Client → a client: names as written ("Unknown" for an empty one: HUD allows a client without
//     a name), BirthDate from DOB, Veteran when VeteranStatus = 1. A client with no DOB is not
//     imported, with a warning: Doorway's age rules need one, and a made-up date could match the
//     client to the wrong units. Consent is false: HUD exports carry no release of information, so
//     CAS admins confirm consent in Doorway, and the engine refers no one before that. Race and
//     ethnicity from the race columns (HispanicLatinaeo in FY2024, HispanicLatinao in FY2026),
//     gender from FY2024's gender columns and sex from FY2026's Sex, for the CoC's equity review:
//     an option column is 1 when chosen, 0 or 99 when not; RaceNone, GenderNone and Sex 8, 9 or 99
//     (doesn't know, prefers not to answer, not collected) leave the element empty. An element the
//     export has no columns for is left as Doorway has it. The household is that of the client's
//     enrollment on the HPL, else of their latest CE enrollment (open ones first), else of their
//     latest enrollment; its size is the number of enrollments with its HouseholdID, and its type
//     with_children when a member was under 18 at entry, only_children when all were, and
//     without_children otherwise (a member of unknown age counts as an adult). A client with no
//     enrollment is a household of one.
//   - Enrollment + Exit + Assessment → an HPL entry for each head of household (RelationshipToHoH
//     1) with an open CE enrollment (no Exit row) whose latest Assessment has PrioritizationStatus
//     1 ("placed on prioritization list"); a CE enrollment is one in a Coordinated Entry project
//     (ProjectType 14) or in any project with assessments. AssessedOn is the AssessmentDate;
//     DaysHomeless counts from DateToStreetESSH to it, or is 0 when the enrollment has none. A client
//     prioritized on two open enrollments gets the latest assessed.
//
// Tolerated, as warnings: an empty HouseholdID (the client is a household of one) or
// RelationshipToHoH (not a head of household), a RaceNone or GenderNone filled beside a chosen
// option (the option is kept), and an Assessment naming an enrollment that Enrollment.csv lacks,
// which is ignored: the FY2026 edge-case sample's CE records come from another export (their
// ExportID differs) and name enrollments it does not have.
func Map(ctx context.Context, e *Export, progress func(Progress)) (store.HMISImport, Report, error) {
	m := &mapper{
		ctx: ctx, e: e, progress: progress,
		rep:        Report{Rows: map[string]int{}},
		failed:     map[string]bool{},
		deleted:    map[record]bool{},
		orgs:       map[string]int{},
		orgNames:   map[string]int{},
		projects:   map[string]int32{},
		receives:   map[string]bool{},
		inventory:  map[string]int{},
		clientIdx:  map[string]int32{},
		enrollIdx:  map[string]int32{},
		households: map[string]int32{},
	}
	rows := map[string]func(Row){
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
		case "CEParticipation.csv":
			m.choosePrograms()
		}
	}
	m.finish()
	if n := len(m.rep.Problems); n > 0 {
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
	deleted map[record]bool

	exportRows int
	exported   time.Time // Export.csv ExportDate: the "today" a birth date must not be after
	asOf       time.Time // Export.csv ExportEndDate: the day "current" refers to

	orgs        map[string]int   // OrganizationID → line
	orgNames    map[string]int   // lower-case OrganizationName → line
	projects    map[string]int32 // ProjectID → index in projectList
	projectList []project
	receives    map[string]bool // ProjectIDs with a current ReceivesReferrals = 1
	anyReceives bool            // some CEParticipation row has ReceivesReferrals = 1
	inventory   map[string]int  // InventoryID → line

	clientIdx   map[string]int32 // PersonalID → index in clients
	clients     []client
	enrollIdx   map[string]int32 // EnrollmentID → index in enrollments
	enrollIDs   []string         // EnrollmentID by index
	enrollments []enrollment
	households  map[string]int32 // HouseholdID → index in hhList
	hhList      []household
}

// record names a record of a file by its ID.
type record struct{ file, id string }

type project struct {
	id, orgID, name string
	line            int
	typ             cas.ProjectType
	hasType         bool
	continuum       bool // ContinuumProject = 1
	operating       bool // no OperatingEndDate before the export's end
	program         bool // imported as a Doorway program
	assessed        bool // CE assessments happen at it: its enrollments are CE enrollments
}

type client struct {
	id    string
	line  int32
	dob   time.Time // zero when Client.csv has none: the client is not imported
	out   int32     // index in out.Clients, or -1
	home  int32     // the enrollment whose household is the client's, or -1
	entry int32     // the enrollment that puts the client on the HPL, or -1
}

// enrollment is what Map keeps of an Enrollment row. Days count from 1970-01-01; noDay is none.
type enrollment struct {
	client, project, household int32 // indexes, -1 when unknown or none
	entry, toStreet, assessed  int32 // EntryDate, DateToStreetESSH, latest AssessmentDate
	line                       int32
	hoh, exited, prioritized   bool
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

// minorOn tells whether someone born on dob was under 18 on day.
func minorOn(dob, day time.Time) bool { return !dob.IsZero() && dob.AddDate(18, 0, 0).After(day) }

// covers tells whether the inclusive range start to end (zero: open-ended) holds day.
func covers(start, end, day time.Time) bool {
	return !start.After(day) && (end.IsZero() || !end.Before(day))
}

// read streams file's rows to fn. A file that is missing, lacks a column or cannot be read to the
// end is recorded as problems, and Map goes on with the next file; only a cancelled context or a
// failing disk stops it.
func (m *mapper) read(file string, fn func(Row)) error {
	if err := m.ctx.Err(); err != nil {
		return err
	}
	if !m.e.has(file) {
		m.failed[file] = true
		m.rep.Problems = append(m.rep.Problems, &Problem{File: file, Message: "the export has no " + file + ", which Doorway reads"})
		return nil
	}
	size, rows := m.e.size(file), 0
	var read int64
	err := m.e.Rows(file, func(r Row) error {
		rows, read = rows+1, r.offset
		if rows%progressEvery == 0 {
			if err := m.ctx.Err(); err != nil {
				return err
			}
			m.tell(Progress{File: file, Rows: rows, Read: read, Size: size})
		}
		fn(r)
		return nil
	})
	m.rep.Rows[file] = rows
	m.tell(Progress{File: file, Rows: rows, Read: max(read, size), Size: size, Done: true})
	if err == nil {
		return nil
	}
	problems := problemsIn(err)
	if problems == nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	m.failed[file] = true
	m.rep.Problems = append(m.rep.Problems, problems...)
	return nil
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

func (m *mapper) problem(r Row, col, format string, args ...any) {
	m.rep.Problems = append(m.rep.Problems, r.problem(col, fmt.Sprintf(format, args...)))
}

func (m *mapper) warn(r Row, col, format string, args ...any) {
	m.rep.Warnings = append(m.rep.Warnings, r.problem(col, fmt.Sprintf(format, args...)))
}

// unknown reports a reference to a record that file does not have, unless file could not be read
// whole.
func (m *mapper) unknown(r Row, col, file, what, id string) {
	if !m.failed[file] {
		m.problem(r, col, "unknown %s %s: %s has no such %s", what, id, file, col)
	}
}

// isDeleted tells whether the row is deleted, and remembers its ID so that rows naming it are
// skipped too.
func (m *mapper) isDeleted(r Row, id string) bool {
	if r.String("DateDeleted") == "" {
		return false
	}
	m.deleted[record{r.file, strings.Clone(id)}] = true
	return true
}

// id reads a required HMIS ID, at most 32 characters (HUD's String(32)).
func (m *mapper) id(r Row, col string) (string, bool) {
	s := r.String(col)
	switch {
	case s == "":
		m.problem(r, col, "the field is empty; want an ID")
		return "", false
	case len(s) > 32:
		m.problem(r, col, "%q is longer than 32 characters (HUD String(32))", s)
		return "", false
	}
	return s, true
}

// date reads a date, which must be there when required.
func (m *mapper) date(r Row, col string, required bool) (time.Time, bool) {
	t, err := r.Date(col)
	switch {
	case err != nil:
		m.rep.Problems = append(m.rep.Problems, problemsIn(err)...)
		return t, false
	case required && t.IsZero():
		m.problem(r, col, "the field is empty; want a date")
		return t, false
	}
	return t, true
}

// code reads a required HUD code, one of valid.
func (m *mapper) code(r Row, col string, valid ...int) (int, bool) {
	n, err := r.Int(col)
	if err != nil {
		m.rep.Problems = append(m.rep.Problems, problemsIn(err)...)
		return 0, false
	}
	for _, v := range valid {
		if n == v {
			return n, true
		}
	}
	codes := make([]string, len(valid))
	for i, v := range valid {
		codes[i] = strconv.Itoa(v)
	}
	m.problem(r, col, "%d is not one of HUD's codes for %s (%s)", n, col, strings.Join(codes, ", "))
	return 0, false
}

// count reads a required count: a whole number, 0 or more.
func (m *mapper) count(r Row, col string) (int, bool) {
	n, err := r.Int(col)
	switch {
	case err != nil:
		m.rep.Problems = append(m.rep.Problems, problemsIn(err)...)
		return 0, false
	case n < 0:
		m.problem(r, col, "%d is negative; want a count", n)
		return 0, false
	}
	return n, true
}

func (m *mapper) exportRow(r Row) {
	m.exportRows++
	if m.exportRows > 1 {
		m.problem(r, "", "a second row: Export.csv describes its export in one row")
		return
	}
	if t, err := r.DateTime("ExportDate"); err != nil {
		m.rep.Problems = append(m.rep.Problems, problemsIn(err)...)
	} else if t.IsZero() {
		m.problem(r, "ExportDate", "the field is empty; want a date and time")
	} else {
		m.exported = t
	}
	m.asOf, _ = m.date(r, "ExportEndDate", true)
}

// checkExport makes sure the export has its dates. Without them, today stands in, so that the
// other files can still be checked.
func (m *mapper) checkExport() {
	if m.exportRows == 0 && !m.failed["Export.csv"] {
		m.rep.Problems = append(m.rep.Problems, &Problem{File: "Export.csv", Message: "no row: Export.csv must describe its export"})
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
// the first time; a duplicate is a problem naming the line of the first. seen looks an ID up.
func (m *mapper) newRecord(r Row, column string, seen func(id string) (line int, dup bool)) (string, bool) {
	id, ok := m.id(r, column)
	if !ok || m.isDeleted(r, id) {
		return "", false
	}
	if line, dup := seen(id); dup {
		m.problem(r, column, "duplicate %s %s: also on line %d", column, id, line)
		return "", false
	}
	return id, true
}

func (m *mapper) organizationRow(r Row) {
	id, ok := m.newRecord(r, "OrganizationID", func(id string) (int, bool) {
		line, dup := m.orgs[id]
		return line, dup
	})
	if !ok {
		return
	}
	m.orgs[strings.Clone(id)] = r.Line()
	name := r.String("OrganizationName")
	if name == "" {
		m.problem(r, "OrganizationName", "the field is empty; want the organization's name")
		return
	}
	key := strings.ToLower(name)
	if line, dup := m.orgNames[key]; dup {
		m.problem(r, "OrganizationName", "%q is also the name of the organization on line %d; Doorway's agency names are unique", name, line)
		return
	}
	m.orgNames[key] = r.Line()
	m.out.Agencies = append(m.out.Agencies, store.ImportAgency{OrganizationID: strings.Clone(id), Name: strings.Clone(name)})
}

func (m *mapper) projectRow(r Row) {
	id, ok := m.newRecord(r, "ProjectID", func(id string) (int, bool) {
		i, dup := m.projects[id]
		if !dup {
			return 0, false
		}
		return m.projectList[i].line, true
	})
	if !ok {
		return
	}
	p := project{id: strings.Clone(id), line: r.Line(), name: strings.Clone(r.String("ProjectName"))}
	if orgID, ok := m.id(r, "OrganizationID"); ok {
		p.orgID = strings.Clone(orgID)
		if _, known := m.orgs[orgID]; !known {
			if m.deleted[record{"Organization.csv", orgID}] {
				m.problem(r, "OrganizationID", "organization %s is deleted in Organization.csv", orgID)
			} else {
				m.unknown(r, "OrganizationID", "Organization.csv", "organization", orgID)
			}
		}
	}
	if p.name == "" {
		m.problem(r, "ProjectName", "the field is empty; want the project's name")
	}
	continuum, _ := m.code(r, "ContinuumProject", 0, 1)
	p.continuum = continuum == 1
	switch {
	case r.String("ProjectType") != "":
		n, err := r.Int("ProjectType")
		switch {
		case err != nil:
			m.rep.Problems = append(m.rep.Problems, problemsIn(err)...)
		case !cas.ProjectType(n).Valid():
			m.problem(r, "ProjectType", "%d is not a HUD project type (list 2.02.6)", n)
		default:
			p.typ, p.hasType = cas.ProjectType(n), true
		}
	case p.continuum:
		m.problem(r, "ProjectType", "the field is empty; HUD requires it of a Continuum project (ContinuumProject = 1)")
	}
	end, _ := m.date(r, "OperatingEndDate", false)
	p.operating = end.IsZero() || !end.Before(m.asOf)
	m.projects[p.id] = int32(len(m.projectList))
	m.projectList = append(m.projectList, p)
}

// projectOf looks up the ProjectID in column col. It returns nil, reporting an unknown project,
// when Project.csv does not have it, and nil, silently, when the project is deleted.
func (m *mapper) projectOf(r Row, col string) *project {
	id, ok := m.id(r, col)
	if !ok {
		return nil
	}
	i, ok := m.projects[id]
	if !ok {
		if !m.deleted[record{"Project.csv", id}] {
			m.unknown(r, col, "Project.csv", "project", id)
		}
		return nil
	}
	return &m.projectList[i]
}

func (m *mapper) ceParticipationRow(r Row) {
	if m.isDeleted(r, r.String("CEParticipationID")) {
		return
	}
	p := m.projectOf(r, "ProjectID")
	receives, ok := m.code(r, "ReceivesReferrals", 0, 1)
	start, okStart := m.date(r, "CEParticipationStatusStartDate", true)
	end, okEnd := m.date(r, "CEParticipationStatusEndDate", false)
	if p == nil || !ok || !okStart || !okEnd || receives != 1 {
		return
	}
	m.anyReceives = true
	if covers(start, end, m.asOf) {
		m.receives[p.id] = true
	}
}

// residential are the project types taken as receiving referrals when the export records no CE
// participation: shelter, transitional and permanent housing.
var residential = map[cas.ProjectType]bool{
	cas.ProjectESEntryExit: true, cas.ProjectESNightByNight: true, cas.ProjectTH: true, cas.ProjectPSH: true,
	cas.ProjectPHHousingOnly: true, cas.ProjectPHWithServices: true, cas.ProjectRRH: true,
}

// choosePrograms picks the projects that become Doorway programs, once CEParticipation is read.
func (m *mapper) choosePrograms() {
	for i := range m.projectList {
		p := &m.projectList[i]
		if m.anyReceives {
			p.program = p.operating && m.receives[p.id]
		} else {
			p.program = p.operating && p.continuum && p.hasType && residential[p.typ]
		}
		if !p.program {
			continue
		}
		if !p.hasType {
			p.program = false
			m.rep.Problems = append(m.rep.Problems, &Problem{File: "Project.csv", Line: p.line, Column: "ProjectType",
				Message: fmt.Sprintf("project %s receives CE referrals, so Doorway needs its ProjectType", p.id)})
			continue
		}
		m.out.Programs = append(m.out.Programs, store.ImportProgram{ProjectID: p.id, OrganizationID: p.orgID, Name: p.name, ProjectType: p.typ})
	}
	if !m.anyReceives && !m.failed["CEParticipation.csv"] {
		taken := fmt.Sprintf("%d projects", len(m.out.Programs))
		if len(m.out.Programs) == 0 {
			taken = "the export has none, so no program is imported"
		}
		m.rep.Warnings = append(m.rep.Warnings, &Problem{File: "CEParticipation.csv", Column: "ReceivesReferrals", Message: "no project " +
			"receives CE referrals (no row has ReceivesReferrals = 1): the export does not record CE participation, so the Continuum's " +
			"operating residential projects (ContinuumProject 1, ProjectType 0, 1, 2, 3, 9, 10, 13) are taken as receiving them: " + taken})
	}
}

// householdTypes maps HUD's list 2.07.4 to Doorway's household types.
var householdTypes = map[int]cas.HouseholdType{1: cas.WithoutChildren, 3: cas.WithChildren, 4: cas.OnlyChildren}

func (m *mapper) inventoryRow(r Row) {
	id, ok := m.newRecord(r, "InventoryID", func(id string) (int, bool) {
		line, dup := m.inventory[id]
		return line, dup
	})
	if !ok {
		return
	}
	m.inventory[strings.Clone(id)] = r.Line()
	p := m.projectOf(r, "ProjectID")
	hh, okHH := m.code(r, "HouseholdType", 1, 3, 4)
	units, okUnits := m.count(r, "UnitInventory")
	beds, okBeds := m.count(r, "BedInventory")
	start, okStart := m.date(r, "InventoryStartDate", true)
	end, okEnd := m.date(r, "InventoryEndDate", false)
	if p == nil || !p.program || !okHH || !okUnits || !okBeds || !okStart || !okEnd || !covers(start, end, m.asOf) {
		return
	}
	typ := householdTypes[hh]
	if typ == cas.WithoutChildren && units == 0 {
		units = beds
	}
	if units == 0 {
		return
	}
	bedrooms := 0
	if typ == cas.WithChildren {
		bedrooms = 2
	}
	m.out.Inventory = append(m.out.Inventory, store.ImportInventory{InventoryID: strings.Clone(id), ProjectID: p.id,
		HouseholdType: typ, Units: units, Bedrooms: bedrooms})
}

// clientColumns are the Client.csv columns of the fields cas.Client.Validate names.
var clientColumns = map[string]string{"first_name": "FirstName", "last_name": "LastName", "birth_date": "DOB", "hmis_personal_id": "PersonalID"}

func (m *mapper) clientRow(r Row) {
	id, ok := m.newRecord(r, "PersonalID", func(id string) (int, bool) {
		i, dup := m.clientIdx[id]
		if !dup {
			return 0, false
		}
		return int(m.clients[i].line), true
	})
	if !ok {
		return
	}
	idx := int32(len(m.clients))
	m.clients = append(m.clients, client{id: strings.Clone(id), line: int32(r.Line()), out: -1, home: -1, entry: -1})
	m.clientIdx[m.clients[idx].id] = idx
	dob, okDOB := m.date(r, "DOB", false)
	veteran, okVeteran := m.code(r, "VeteranStatus", 0, 1, 8, 9, 99)
	race, gender, sex := m.demographics(r)
	if !okDOB || !okVeteran {
		return
	}
	if dob.IsZero() {
		m.warn(r, "DOB", "client %s has no date of birth and is not imported: Doorway's age rules need it; enter it in HMIS and import again", id)
		return
	}
	c := cas.Client{
		FirstName: nameOrUnknown(r.String("FirstName")), LastName: nameOrUnknown(r.String("LastName")),
		BirthDate: cas.DateOf(dob, time.UTC), HMISPersonalID: m.clients[idx].id, Veteran: veteran == 1,
		Race: race, Gender: gender, Sex: sex,
		HouseholdSize: 1, HouseholdType: cas.WithoutChildren, // set by finish
	}
	if err := c.Validate(cas.DateOf(m.exported, time.UTC)); err != nil {
		ce := cas.ErrorOf(err)
		if ce == nil {
			m.problem(r, "", "%v", err)
		} else {
			m.problem(r, clientColumns[ce.Field], "Doorway refuses the client: %s", ce.Message)
		}
		return
	}
	m.clients[idx].dob = dob
	m.clients[idx].out = int32(len(m.out.Clients))
	m.out.Clients = append(m.out.Clients, c)
}

func nameOrUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return strings.Clone(s)
}

func (m *mapper) enrollmentRow(r Row) {
	id, ok := m.newRecord(r, "EnrollmentID", func(id string) (int, bool) {
		i, dup := m.enrollIdx[id]
		if !dup {
			return 0, false
		}
		return int(m.enrollments[i].line), true
	})
	if !ok {
		return
	}
	// The enrollment is kept even when the row has problems, so that the rows naming it are not
	// reported too.
	e := enrollment{client: -1, project: -1, household: -1, entry: noDay, toStreet: noDay, assessed: noDay, line: int32(r.Line())}
	var skip bool // the enrollment of a deleted client or project
	if pid, ok := m.id(r, "PersonalID"); ok {
		if i, known := m.clientIdx[pid]; known {
			e.client = i
		} else if skip = m.deleted[record{"Client.csv", pid}]; !skip {
			m.unknown(r, "PersonalID", "Client.csv", "client", pid)
		}
	}
	if p := m.projectOf(r, "ProjectID"); p != nil {
		e.project = m.projects[p.id]
	} else {
		skip = skip || m.deleted[record{"Project.csv", r.String("ProjectID")}]
	}
	entry, okEntry := m.date(r, "EntryDate", true)
	if okEntry {
		e.entry = dayOf(entry)
	}
	if toStreet, ok := m.date(r, "DateToStreetESSH", false); ok && !toStreet.IsZero() {
		e.toStreet = dayOf(toStreet)
	}
	if r.String("RelationshipToHoH") == "" {
		m.warn(r, "RelationshipToHoH", "the field is empty: the client is not taken as the head of the household")
	} else if rel, ok := m.code(r, "RelationshipToHoH", 1, 2, 3, 4, 5, 99); ok {
		e.hoh = rel == 1
	}
	if skip {
		e.client = -1
	} else if hh := r.String("HouseholdID"); hh == "" {
		m.warn(r, "HouseholdID", "the field is empty: the client is taken as a household of one")
	} else if e.client >= 0 && okEntry {
		i, seen := m.households[hh]
		if !seen {
			i = int32(len(m.hhList))
			m.households[strings.Clone(hh)] = i
			m.hhList = append(m.hhList, household{})
		}
		e.household = i
		m.hhList[i].members++
		if minorOn(m.clients[e.client].dob, entry) {
			m.hhList[i].minors++
		}
	}
	id = strings.Clone(id)
	m.enrollIdx[id] = int32(len(m.enrollments))
	m.enrollIDs = append(m.enrollIDs, id)
	m.enrollments = append(m.enrollments, e)
}

// enrollmentOf looks up the EnrollmentID of an Exit or Assessment row. It returns nil, silently,
// when the enrollment is deleted, and nil, after calling unknown, when Enrollment.csv lacks it.
func (m *mapper) enrollmentOf(r Row, unknown func(id string)) *enrollment {
	id, ok := m.id(r, "EnrollmentID")
	if !ok {
		return nil
	}
	i, ok := m.enrollIdx[id]
	if !ok {
		if !m.deleted[record{"Enrollment.csv", id}] && !m.failed["Enrollment.csv"] {
			unknown(id)
		}
		return nil
	}
	return &m.enrollments[i]
}

func (m *mapper) exitRow(r Row) {
	if m.isDeleted(r, r.String("ExitID")) {
		return
	}
	e := m.enrollmentOf(r, func(id string) { m.unknown(r, "EnrollmentID", "Enrollment.csv", "enrollment", id) })
	if _, ok := m.date(r, "ExitDate", true); ok && e != nil {
		e.exited = true
	}
}

func (m *mapper) assessmentRow(r Row) {
	if m.isDeleted(r, r.String("AssessmentID")) {
		return
	}
	e := m.enrollmentOf(r, func(id string) {
		m.warn(r, "EnrollmentID", "unknown enrollment %s: Enrollment.csv has no such EnrollmentID; the assessment is ignored", id)
	})
	if e == nil {
		return
	}
	if pid, ok := m.id(r, "PersonalID"); ok && e.client >= 0 && m.clients[e.client].id != pid {
		m.problem(r, "PersonalID", "client %s is not the client of enrollment %s (%s)", pid, r.String("EnrollmentID"), m.clients[e.client].id)
	}
	date, okDate := m.date(r, "AssessmentDate", true)
	status, okStatus := m.code(r, "PrioritizationStatus", 1, 2)
	if !okDate || !okStatus {
		return
	}
	// The latest assessment decides; of two on the same day, the later row.
	if d := dayOf(date); d >= e.assessed {
		e.assessed, e.prioritized = d, status == 1
	}
	if e.project >= 0 {
		m.projectList[e.project].assessed = true
	}
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

// finish, once every file is read, puts prioritized heads of household on the HPL and gives
// each client their household.
func (m *mapper) finish() {
	for i := range m.enrollments {
		e := &m.enrollments[i]
		if e.client < 0 || e.project < 0 || e.entry == noDay {
			continue
		}
		c := &m.clients[e.client]
		if c.home < 0 || !m.homeBefore(e, &m.enrollments[c.home]) {
			c.home = int32(i)
		}
		if e.hoh && !e.exited && e.prioritized && (c.entry < 0 || e.assessed >= m.enrollments[c.entry].assessed) {
			c.entry = int32(i)
		}
	}
	for i := range m.clients {
		c := &m.clients[i]
		if c.out < 0 {
			if c.entry >= 0 {
				m.rep.Warnings = append(m.rep.Warnings, &Problem{File: "Enrollment.csv", Line: int(m.enrollments[c.entry].line), Column: "PersonalID",
					Message: fmt.Sprintf("client %s is prioritized on enrollment %s but is not imported, so is not put on the HPL", c.id, m.enrollIDs[c.entry])})
			}
			continue
		}
		out := &m.out.Clients[c.out]
		if c.entry >= 0 {
			c.home = c.entry
			m.addEntry(c)
		}
		switch {
		case c.home < 0:
			if minorOn(c.dob, m.asOf) {
				out.HouseholdType = cas.OnlyChildren
			}
		case m.enrollments[c.home].household < 0:
			if e := m.enrollments[c.home]; minorOn(c.dob, dayTime(e.entry)) {
				out.HouseholdType = cas.OnlyChildren
			}
		default:
			e := m.enrollments[c.home]
			h := m.hhList[e.household]
			out.HouseholdSize, out.HouseholdType = int(h.members), h.typ()
			if h.members > 20 {
				m.rep.Problems = append(m.rep.Problems, &Problem{File: "Enrollment.csv", Line: int(e.line), Column: "HouseholdID",
					Message: fmt.Sprintf("the household of client %s has %d members; Doorway takes households of at most 20", c.id, h.members)})
			}
		}
	}
}

// addEntry puts the client on the HPL by the enrollment that prioritizes them.
func (m *mapper) addEntry(c *client) {
	e := m.enrollments[c.entry]
	days := 0
	if e.toStreet != noDay {
		if days = int(e.assessed - e.toStreet); days < 0 {
			m.rep.Warnings = append(m.rep.Warnings, &Problem{File: "Enrollment.csv", Line: int(e.line), Column: "DateToStreetESSH",
				Message: fmt.Sprintf("the date homelessness began is after the latest assessment (%s), so days homeless are taken as 0", cas.DateOf(dayTime(e.assessed), time.UTC))})
			days = 0
		}
	}
	m.out.Entries = append(m.out.Entries, store.ImportEntry{
		EnrollmentID: m.enrollIDs[c.entry], PersonalID: c.id, DaysHomeless: days,
		AssessedOn: cas.DateOf(dayTime(e.assessed), time.UTC),
	})
}
