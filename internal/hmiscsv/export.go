package hmiscsv

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// ExportOptions says what WriteExport writes besides the referrals.
type ExportOptions struct {
	// ID is the ExportID of both files; empty means one made from ExportedAt: DOORWAY-20261102150405.
	ID string
	// Version is the HMIS CSV version, FY2026 (the default: HUD's format since 1 October 2025) or
	// FY2024; the two files are the same in both, but for Export.csv's CSVVersion.
	Version string
	// From and To are the export period, days in Zone, both included: ExportStartDate and
	// ExportEndDate. An empty From is the day of the first referral, or of the export when there is
	// none; an empty To is the day of the export.
	From, To cas.Date
	// ExportedAt is when the export began, Export.csv's ExportDate; zero means now.
	ExportedAt time.Time
	// Zone is the CoC's time zone: referrals fall on days there, and times are written as its clocks
	// read them (HUD times carry no zone). Nil means UTC.
	Zone *time.Location
	// ImplementationID names the Doorway installation, which HUD asks to be unique to every source
	// database; empty means "doorway".
	ImplementationID string
}

// ExportStats says what WriteExport wrote.
type ExportStats struct {
	ExportID   string
	From, To   cas.Date
	Events     int // Event.csv rows: one per referral whose client and enrollment came from the HMIS
	WithResult int // events with a ReferralResult: housed or declined
	// Unmatched counts the referrals left out of Event.csv because their client or CE enrollment
	// has no HMIS ID, which an HMIS could not load; unmatched.csv lists them.
	Unmatched int
}

// UnmatchedFile lists, beside Event.csv, the referrals an HMIS could not load, with why.
const UnmatchedFile = "unmatched.csv"

// csvVersions are the CSVVersion Export.csv states for each version written.
var csvVersions = map[string]string{FY2024: "2024 v1.3", FY2026: "2026 v1.0"}

// Export.csv codes (HMIS CSV lists 1.9, 1.1, 1.2 and 1.5).
const (
	// Doorway is not the CoC's HMIS (SourceType 1, which also takes the CoC code as SourceID): it
	// re-exports the HMIS's own PersonalIDs and EnrollmentIDs beside its own records, as a data
	// warehouse does.
	sourceWarehouse = 3
	periodReporting = 3 // the referrals made in a reporting period
	fullRefresh     = 2 // every referral of the period, not changes since the last export
	unhashed        = 1 // Event.csv holds no names or SSNs to hash
)

// systemUserID is the UserID of the events the matching engine created.
const systemUserID = "DOORWAY"

// WriteExport writes to dir, made if missing, Doorway's part of a HUD HMIS CSV export: Export.csv,
// saying what the export is, and Event.csv, with one Coordinated Entry Event (4.20) per referral.
// Each event belongs to the CE enrollment the client's HPL entry came from, is the referral to the
// receiving program's project type (EventCode), and carries the referral's result when it has one
// (ReferralResult), dated the day the referral closed. A referral whose client or CE enrollment has
// no HMIS ID (made in Doorway, not imported) is not written to Event.csv, where an HMIS could not
// match it: it is listed in unmatched.csv with the reason. The referrals are those of the period;
// the caller picks them, with store.ReferralRecords.
func WriteExport(dir string, records []store.ReferralRecord, opts ExportOptions) (ExportStats, error) {
	opts, err := opts.complete(records)
	if err != nil {
		return ExportStats{}, fmt.Errorf("export: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ExportStats{}, fmt.Errorf("export: %w", err)
	}
	stats := ExportStats{ExportID: opts.ID, From: opts.From, To: opts.To}
	err = writeFile(dir, opts.Version, "Export.csv", func(w *Writer) error { return writeExportRow(w, opts) })
	if err != nil {
		return ExportStats{}, fmt.Errorf("export: %w", err)
	}
	var unmatched [][]string
	err = writeFile(dir, opts.Version, "Event.csv", func(w *Writer) error {
		for _, rec := range records {
			if why := unmatchedBecause(rec); why != "" {
				unmatched = append(unmatched, []string{rec.Referral.ID, rec.Referral.ClientID, rec.Referral.HPLEntryID,
					rec.Referral.CreatedAt.In(opts.Zone).Format(time.DateOnly), why})
				continue
			}
			hasResult, err := writeEvent(w, rec, opts)
			if err != nil {
				return fmt.Errorf("referral %s: %w", rec.Referral.ID, err)
			}
			stats.Events++
			if hasResult {
				stats.WithResult++
			}
		}
		return nil
	})
	if err != nil {
		return ExportStats{}, fmt.Errorf("export: %w", err)
	}
	stats.Unmatched = len(unmatched)
	if err := writeUnmatched(filepath.Join(dir, UnmatchedFile), unmatched); err != nil {
		return ExportStats{}, fmt.Errorf("export: %w", err)
	}
	return stats, nil
}

// unmatchedBecause says why an HMIS could not load a referral's event, or "" when it could.
func unmatchedBecause(rec store.ReferralRecord) string {
	switch {
	case rec.PersonalID == "" && rec.EnrollmentID == "":
		return "the client and their HPL entry were added in Doorway: no HMIS PersonalID or CE EnrollmentID"
	case rec.PersonalID == "":
		return "the client has no HMIS PersonalID"
	case rec.EnrollmentID == "":
		return "the HPL entry was added in Doorway: no HMIS CE EnrollmentID"
	}
	return ""
}

// writeUnmatched writes the referrals left out of Event.csv, or removes the list of an earlier
// export to the same folder when there are none, so a stale list is never read as this one's.
func writeUnmatched(path string, rows [][]string) error {
	if len(rows) == 0 {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"ReferralID", "ClientID", "HPLEntryID", "ReferralDate", "Reason"}) //nolint:errcheck // Flush reports it
	w.WriteAll(rows)                                                                    //nolint:errcheck // the same
	err = w.Error()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// complete fills in the defaults of opts and checks what was given.
func (opts ExportOptions) complete(records []store.ReferralRecord) (ExportOptions, error) {
	if opts.Version == "" {
		opts.Version = FY2026
	}
	if _, ok := csvVersions[opts.Version]; !ok {
		return opts, fmt.Errorf("HMIS CSV version %q: want %s or %s", opts.Version, FY2024, FY2026)
	}
	if opts.Zone == nil {
		opts.Zone = time.UTC
	}
	if opts.ExportedAt.IsZero() {
		opts.ExportedAt = time.Now()
	}
	opts.ExportedAt = opts.ExportedAt.In(opts.Zone)
	if opts.ID == "" {
		opts.ID = "DOORWAY-" + opts.ExportedAt.Format("20060102150405")
	}
	if opts.ImplementationID == "" {
		opts.ImplementationID = "doorway"
	}
	if opts.From == "" {
		first := opts.ExportedAt
		for _, rec := range records {
			if rec.Referral.CreatedAt.Before(first) {
				first = rec.Referral.CreatedAt
			}
		}
		opts.From = cas.DateOf(first, opts.Zone)
	}
	if opts.To == "" {
		opts.To = cas.DateOf(opts.ExportedAt, opts.Zone)
	}
	for _, d := range []cas.Date{opts.From, opts.To} {
		if _, err := cas.ParseDate("period", string(d)); err != nil {
			return opts, fmt.Errorf("export period: %q is not a date written YYYY-MM-DD", d)
		}
	}
	if opts.To < opts.From {
		return opts, fmt.Errorf("export period: it ends on %s, before it starts on %s", opts.To, opts.From)
	}
	return opts, nil
}

// writeFile writes the HUD file name in dir, its rows written by fill.
func writeFile(dir, version, name string, fill func(*Writer) error) error {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	w, err := NewWriter(f, version, name)
	if err == nil {
		err = fill(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", name, cerr)
	}
	return err
}

func writeExportRow(w *Writer, opts ExportOptions) error {
	w.Set("ExportID", opts.ID)
	w.SetInt("SourceType", sourceWarehouse)
	w.Set("SourceName", "Doorway")
	w.SetDateTime("ExportDate", opts.ExportedAt)
	w.Set("ExportStartDate", string(opts.From))
	w.Set("ExportEndDate", string(opts.To))
	w.Set("SoftwareName", "Doorway")
	w.Set("CSVVersion", csvVersions[opts.Version])
	w.SetInt("ExportPeriodType", periodReporting)
	w.SetInt("ExportDirective", fullRefresh)
	w.SetInt("HashStatus", unhashed)
	w.Set("ImplementationID", opts.ImplementationID)
	return w.WriteRow()
}

// writeEvent writes the CE Event of a referral, and reports whether it has a result.
func writeEvent(w *Writer, rec store.ReferralRecord, opts ExportOptions) (bool, error) {
	r := rec.Referral
	w.Set("EventID", hudID(r.ID))
	w.Set("EnrollmentID", hudID(rec.EnrollmentID))
	w.Set("PersonalID", hudID(rec.PersonalID))
	w.SetDate("EventDate", r.CreatedAt.In(opts.Zone))
	w.SetInt("Event", EventCode(rec.ProjectType))
	w.Set("LocationCrisisOrPHHousing", LocationOf(rec.ProgramName, hudID(rec.HMISProjectID)))
	result, hasResult := ReferralResult(r)
	if hasResult {
		closed := r.UpdatedAt // the same moment: nothing changes a referral after it closes
		if rec.ClosedAt != nil {
			closed = *rec.ClosedAt
		}
		w.SetInt("ReferralResult", result)
		w.SetDate("ResultDate", closed.In(opts.Zone))
	}
	w.SetDateTime("DateCreated", r.CreatedAt.In(opts.Zone))
	w.SetDateTime("DateUpdated", r.UpdatedAt.In(opts.Zone))
	w.Set("UserID", userID(r.CreatedBy))
	w.Set("ExportID", opts.ID)
	return hasResult, w.WriteRow()
}

// hudID fits a Doorway ID into HUD's IDs of at most 32 characters: Doorway's IDs are UUIDs, 36
// characters with their hyphens and 32 without. IDs from the HMIS, and any other ID that fits, are
// written as they are.
func hudID(id string) string {
	if len(id) == 36 && strings.Count(id, "-") == 4 {
		return strings.ReplaceAll(id, "-", "")
	}
	return id
}

// userID is the UserID of a record made by user: DOORWAY for the matching engine and the operator's
// tools, or the CAS admin's ID.
func userID(user string) string {
	if user == "" || user == cas.System.ID {
		return systemUserID
	}
	return hudID(user)
}

// CheckEvents checks the Event.csv of an export against HUD's rules for CE Events (4.20), as the
// CE APR reads them, and returns what breaks them, by line and column:
//
//   - EventID, EnrollmentID, PersonalID, EventDate, Event and the audit columns DateCreated,
//     DateUpdated, UserID and ExportID are required, and each ID fits HUD's 32 characters;
//   - each field holds its HUD type, and each code is on its HUD list;
//   - ProbSolDivRRResult only with Event 2 (problem solving or diversion), ReferralCaseManageAfter
//     only with Event 5 (post-placement case management), LocationCrisisOrPHHousing only with a
//     referral to a housing opening (10–15), and ReferralResult only with those or a voucher
//     (10–15, 17, 18);
//   - ResultDate only with a ReferralResult;
//   - ExportID is Export.csv's, and no EventID repeats.
//
// A file that cannot be read is a problem too: no Export.csv or Event.csv, a missing column, a
// broken line.
func CheckEvents(e *Export) []*Problem {
	exportID, problems := theExportID(e)
	seen := map[string]int{} // EventID → its line
	err := e.Rows("Event.csv", func(r Row) error {
		c := &eventCheck{r: r}
		c.check(exportID)
		if id := r.String("EventID"); id != "" {
			if line, dup := seen[id]; dup {
				c.bad("EventID", "%q is also the EventID on line %d", id, line)
			} else {
				seen[id] = r.Line()
			}
		}
		problems = append(problems, c.problems...)
		return nil
	})
	return append(problems, asProblems("Event.csv", err)...)
}

// theExportID reads the ExportID of Export.csv's one row.
func theExportID(e *Export) (string, []*Problem) {
	var ids []string
	err := e.Rows("Export.csv", func(r Row) error {
		ids = append(ids, r.String("ExportID"))
		return nil
	})
	if err != nil {
		return "", asProblems("Export.csv", err)
	}
	if len(ids) != 1 || ids[0] == "" {
		return "", []*Problem{{File: "Export.csv", Message: fmt.Sprintf("want one row with an ExportID; found %d rows, IDs %q", len(ids), ids)}}
	}
	return ids[0], nil
}

// asProblems turns an error reading file into its problems.
func asProblems(file string, err error) []*Problem {
	if err == nil {
		return nil
	}
	if ps := problemsIn(err); ps != nil {
		return ps
	}
	return []*Problem{{File: file, Message: err.Error()}}
}

// eventCheck gathers the problems of one Event.csv row.
type eventCheck struct {
	r        Row
	problems []*Problem
}

func (c *eventCheck) bad(col, format string, args ...any) {
	c.problems = append(c.problems, c.r.problem(col, fmt.Sprintf(format, args...)))
}

func (c *eventCheck) check(exportID string) {
	r := c.r
	for _, col := range []string{"EventID", "EnrollmentID", "PersonalID", "EventDate", "Event", "DateCreated", "DateUpdated", "UserID", "ExportID"} {
		if r.String(col) == "" {
			c.bad(col, "the field is empty; HUD requires it")
		}
	}
	for _, col := range []string{"EventID", "EnrollmentID", "PersonalID", "UserID", "ExportID"} {
		if n := len(r.String(col)); n > 32 {
			c.bad(col, "%d characters; HUD allows 32", n)
		}
	}
	if n := len([]rune(r.String("LocationCrisisOrPHHousing"))); n > 250 {
		c.bad("LocationCrisisOrPHHousing", "%d characters; HUD allows 250", n)
	}
	for _, col := range []string{"EventDate", "ResultDate"} {
		if _, err := r.Date(col); err != nil {
			c.problems = append(c.problems, asProblems(r.file, err)...)
		}
	}
	for _, col := range []string{"DateCreated", "DateUpdated", "DateDeleted"} {
		if _, err := r.DateTime(col); err != nil {
			c.problems = append(c.problems, asProblems(r.file, err)...)
		}
	}
	if got := r.String("ExportID"); got != "" && exportID != "" && got != exportID {
		c.bad("ExportID", "%q is not Export.csv's ExportID %q", got, exportID)
	}

	event, known := c.code("Event", func(n int) bool { return n >= 1 && n <= 18 })
	c.code("ProbSolDivRRResult", noYesMissing)
	c.code("ReferralCaseManageAfter", noYesMissing)
	c.code("ReferralResult", func(n int) bool { return n >= cas.ResultClientAccepted && n <= cas.ResultProviderRejected })
	if r.String("ResultDate") != "" && r.String("ReferralResult") == "" {
		c.bad("ResultDate", "a result date without a ReferralResult; HUD wants it empty")
	}
	if !known {
		return // the rules below depend on the event
	}
	housingOpening := event >= EventReferralES && event <= EventReferralOtherPH
	c.only("ProbSolDivRRResult", event == 2, event, "Event 2 (problem solving/diversion)")
	c.only("ReferralCaseManageAfter", event == 5, event, "Event 5 (post-placement case management)")
	c.only("LocationCrisisOrPHHousing", housingOpening, event, "referrals to a housing opening (Events 10–15)")
	c.only("ReferralResult", housingOpening || event == 17 || event == 18, event,
		"referrals to a housing opening or a voucher (Events 10–15, 17, 18)")
}

// only reports a field set on an event that HUD wants it empty on.
func (c *eventCheck) only(col string, allowed bool, event int, where string) {
	if c.r.String(col) != "" && !allowed {
		c.bad(col, "set on Event %d; HUD wants it only on %s", event, where)
	}
}

// noYesMissing are the codes of HUD list 1.7: 0 No, 1 Yes, 99 Data not collected.
func noYesMissing(n int) bool { return n == 0 || n == 1 || n == 99 }

// code reads the optional HUD code in col and reports whether there is one that valid allows.
func (c *eventCheck) code(col string, valid func(int) bool) (int, bool) {
	if c.r.String(col) == "" {
		return 0, false
	}
	n, err := c.r.Int(col)
	if err != nil {
		c.problems = append(c.problems, asProblems(c.r.file, err)...)
		return 0, false
	}
	if !valid(n) {
		c.bad(col, "%d is not a HUD code for %s", n, col)
		return n, false
	}
	return n, true
}
