package hmiscsv_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

var ctx = context.Background()

// central is the CoC's zone in these tests: six hours behind UTC, so that a referral made at
// 03:30 UTC falls on the day before.
var central = time.FixedZone("CST", -6*60*60)

// referralCoC is a CoC with one agency running a program of each kind Doorway refers to, each with
// a facility of free units for single adults, and a CAS admin.
type referralCoC struct {
	db       *store.DB
	clock    *storetest.Clock
	casAdmin cas.User
	sites    map[cas.ProjectType]cas.Facility
	clients  int
}

func newReferralCoC(t *testing.T, db *store.DB, start time.Time) *referralCoC {
	t.Helper()
	c := &referralCoC{db: db, clock: storetest.NewClock(start), sites: map[cas.ProjectType]cas.Facility{}}
	db.Now = c.clock.Now
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	agency, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Housing"})
	must(err)
	c.casAdmin, err = db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "Casey Admin", Role: cas.RoleCASAdmin},
		"a long enough password")
	must(err)
	for _, typ := range []cas.ProjectType{cas.ProjectPSH, cas.ProjectRRH, cas.ProjectTH, cas.ProjectESEntryExit} {
		p, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: agency.ID, Name: "Harbor " + typ.String(),
			HMISProjectID: fmt.Sprintf("P%d", typ), ProjectType: typ})
		must(err)
		f, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: p.ID, Name: "Harbor " + typ.String() + " site"})
		must(err)
		for i := range 4 {
			_, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: f.ID, Label: fmt.Sprintf("Apt %d", i+1), Bedrooms: 1,
				HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
			must(err)
		}
		c.sites[typ] = f
	}
	return c
}

// refer puts a new single adult on the HPL and refers them to the site of a project type, as by.
// The client and their CE enrollment come from the HMIS, as an import brings them, with the
// PersonalID and EnrollmentID it returns; with hmisPersonalID "none" they were added in Doorway.
func (c *referralCoC) refer(t *testing.T, typ cas.ProjectType, by *cas.User, hmisPersonalID string) (r cas.Referral, personalID, enrollmentID string) {
	t.Helper()
	c.clients++
	switch hmisPersonalID {
	case "none":
		hmisPersonalID = ""
	case "":
		hmisPersonalID, enrollmentID = fmt.Sprintf("PID-%d", c.clients), fmt.Sprintf("ENR-%d", c.clients)
	default:
		enrollmentID = fmt.Sprintf("ENR-%d", c.clients)
	}
	client, err := c.db.CreateClient(ctx, cas.System, cas.Client{FirstName: fmt.Sprintf("Client%d", c.clients), LastName: "Test",
		BirthDate: "1980-05-01", HMISPersonalID: hmisPersonalID, HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	entry, err := c.db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: client.ID, Score: 10, AssessedOn: "2026-01-15", IntakeStatus: cas.IntakeReady})
	if err != nil {
		t.Fatal(err)
	}
	if enrollmentID != "" {
		// As the import links an HPL entry to the CE enrollment it came from.
		if _, err := c.db.SQL().ExecContext(ctx, `UPDATE hpl_entries SET hmis_enrollment_id = $1 WHERE id = $2`, enrollmentID, entry.ID); err != nil {
			t.Fatal(err)
		}
	}
	r, err = c.db.CreateReferral(ctx, by, store.NewReferral{ClientID: client.ID, FacilityID: c.sites[typ].ID})
	if err != nil {
		t.Fatal(err)
	}
	return r, hmisPersonalID, enrollmentID
}

// A step moves a referral on in its lifecycle, a day after the step before.
type step func(db *store.DB, r cas.Referral) (cas.Referral, error)

func accept(db *store.DB, r cas.Referral) (cas.Referral, error) {
	return db.AcceptReferral(ctx, cas.System, r.ID, "")
}

func moveIn(db *store.DB, r cas.Referral) (cas.Referral, error) {
	return db.MoveIn(ctx, cas.System, r.ID, r.UnitID)
}

func withdraw(db *store.DB, r cas.Referral) (cas.Referral, error) {
	return db.WithdrawReferral(ctx, cas.System, r.ID, "sent to the wrong site")
}

func decline(reason cas.DeclineReason) step {
	return func(db *store.DB, r cas.Referral) (cas.Referral, error) {
		return db.DeclineReferral(ctx, cas.System, r.ID, reason, "")
	}
}

// expire lets the referral's deadline pass unanswered.
func expire(clock *storetest.Clock) step {
	return func(db *store.DB, r cas.Referral) (cas.Referral, error) {
		clock.Advance(time.Duration(cas.DefaultResponseDays) * 24 * time.Hour)
		if _, err := db.ExpireReferrals(ctx); err != nil {
			return r, err
		}
		got, _, err := db.Referral(ctx, cas.System, r.ID)
		return got, err
	}
}

// eventRows reads Event.csv by EventID, each row as its columns.
func eventRows(t *testing.T, e *hmiscsv.Export) map[string]map[string]string {
	t.Helper()
	rows := map[string]map[string]string{}
	err := e.Rows("Event.csv", func(r hmiscsv.Row) error {
		rows[r.String("EventID")] = fieldsOf(r, eventColumns)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var (
	exportColumns = strings.Fields(`ExportID SourceType SourceID SourceName SourceContactFirst SourceContactLast
		SourceContactPhone SourceContactExtension SourceContactEmail ExportDate ExportStartDate ExportEndDate
		SoftwareName SoftwareVersion CSVVersion ExportPeriodType ExportDirective HashStatus ImplementationID`)
	eventColumns = strings.Fields(`EventID EnrollmentID PersonalID EventDate Event ProbSolDivRRResult
		ReferralCaseManageAfter LocationCrisisOrPHHousing ReferralResult ResultDate DateCreated DateUpdated
		UserID DateDeleted ExportID`)
)

func fieldsOf(r hmiscsv.Row, cols []string) map[string]string {
	m := map[string]string{}
	for _, c := range cols {
		m[c] = r.String(c)
	}
	return m
}

// compact is a Doorway ID as HUD's 32-character IDs hold it.
func compact(id string) string { return strings.ReplaceAll(id, "-", "") }

func TestWriteExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		start := time.Date(2026, 3, 2, 3, 30, 0, 0, time.UTC) // 1 March, 21:30 in the CoC's zone
		c := newReferralCoC(t, db, start)

		// Each referral is made a day after the last one closed or moved, and each step is a day
		// later; the result, when there is one, is dated the last step's day.
		cases := []struct {
			name     string
			site     cas.ProjectType
			by       *cas.User
			hmisID   string
			steps    []step
			event    string
			result   string
			personal string // the PersonalID, when the client is linked to the HMIS
		}{
			// First, so that no other pending referral is overdue when it expires.
			{name: "expired", site: cas.ProjectTH, by: cas.System, steps: []step{expire(c.clock)}, event: "11"},
			{name: "housed", site: cas.ProjectPSH, by: &c.casAdmin, hmisID: "HMIS-7", steps: []step{accept, moveIn}, event: "14", result: "1"},
			{name: "client refused", site: cas.ProjectRRH, by: cas.System, steps: []step{decline(cas.DeclineClientRefused)}, event: "13", result: "2"},
			{name: "no unit available", site: cas.ProjectTH, by: cas.System, steps: []step{accept, decline(cas.DeclineNoUnitAvailable)}, event: "11", result: "3"},
			{name: "withdrawn", site: cas.ProjectRRH, by: &c.casAdmin, steps: []step{withdraw}, event: "13"},
			{name: "accepted", site: cas.ProjectPSH, by: cas.System, steps: []step{accept}, event: "14"},
			{name: "pending", site: cas.ProjectESEntryExit, by: cas.System, event: "10"},
			// Added in Doorway, not imported: an HMIS could not match it, so it is listed apart.
			{name: "made in Doorway", site: cas.ProjectPSH, by: &c.casAdmin, hmisID: "none"},
		}
		want := map[string]map[string]string{}
		eventOf := map[string]string{} // case name → EventID
		var unmatched []string         // referrals an HMIS could not load
		for _, tc := range cases {
			c.clock.Advance(24 * time.Hour)
			r, personalID, enrollmentID := c.refer(t, tc.site, tc.by, tc.hmisID)
			for _, s := range tc.steps {
				c.clock.Advance(24 * time.Hour)
				var err error
				if r, err = s(db, r); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
			}
			row := map[string]string{}
			for _, col := range eventColumns {
				row[col] = ""
			}
			if personalID == "" {
				unmatched = append(unmatched, r.ID)
				continue
			}
			row["EventID"] = compact(r.ID)
			row["EnrollmentID"] = enrollmentID
			row["PersonalID"] = personalID
			row["EventDate"] = string(cas.DateOf(r.CreatedAt, central))
			row["Event"] = tc.event
			row["LocationCrisisOrPHHousing"] = fmt.Sprintf("Harbor %s [P%d]", tc.site, tc.site)
			if tc.result != "" {
				row["ReferralResult"] = tc.result
				row["ResultDate"] = string(cas.DateOf(c.clock.Now(), central))
			}
			row["DateCreated"] = r.CreatedAt.In(central).Format(hmiscsv.DateTimeLayout)
			row["DateUpdated"] = r.UpdatedAt.In(central).Format(hmiscsv.DateTimeLayout)
			row["UserID"] = "DOORWAY"
			if tc.by != cas.System {
				row["UserID"] = compact(c.casAdmin.ID)
			}
			row["ExportID"] = "DOORWAY-20260320120000"
			want[row["EventID"]] = row
			eventOf[tc.name] = row["EventID"]
		}

		records, err := db.ReferralRecords(ctx, cas.System, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "hud")
		exportedAt := time.Date(2026, 3, 20, 18, 0, 0, 0, time.UTC)
		stats, err := hmiscsv.WriteExport(dir, records, hmiscsv.ExportOptions{ExportedAt: exportedAt, Zone: central, ImplementationID: "coc-xx-500"})
		if err != nil {
			t.Fatal(err)
		}
		wantStats := hmiscsv.ExportStats{ExportID: "DOORWAY-20260320120000", From: "2026-03-02", To: "2026-03-20", Events: 7, WithResult: 3, Unmatched: 1}
		if diff := cmp.Diff(wantStats, stats); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
		e, err := hmiscsv.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()

		t.Run("Export.csv says what the export is, in every required column", func(t *testing.T) {
			if e.Version != hmiscsv.FY2026 {
				t.Errorf("version %q", e.Version)
			}
			var rows []map[string]string
			if err := e.Rows("Export.csv", func(r hmiscsv.Row) error { rows = append(rows, fieldsOf(r, exportColumns)); return nil }); err != nil {
				t.Fatal(err)
			}
			wantExport := map[string]string{"ExportID": "DOORWAY-20260320120000", "SourceType": "3", "SourceID": "", "SourceName": "Doorway",
				"SourceContactFirst": "", "SourceContactLast": "", "SourceContactPhone": "", "SourceContactExtension": "", "SourceContactEmail": "",
				"ExportDate": "2026-03-20 12:00:00", "ExportStartDate": "2026-03-02", "ExportEndDate": "2026-03-20",
				"SoftwareName": "Doorway", "SoftwareVersion": "", "CSVVersion": "2026 v1.0",
				"ExportPeriodType": "3", "ExportDirective": "2", "HashStatus": "1", "ImplementationID": "coc-xx-500"}
			if diff := cmp.Diff([]map[string]string{wantExport}, rows); diff != "" {
				t.Errorf("Export.csv (-want +got):\n%s", diff)
			}
		})

		t.Run("referrals an HMIS could not load are listed apart, with why", func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, hmiscsv.UnmatchedFile))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0][0] != "ReferralID" || rows[1][0] != unmatched[0] || !strings.Contains(rows[1][4], "no HMIS PersonalID") {
				t.Errorf("unmatched.csv: %q, want %s with its reason", rows, unmatched)
			}
		})

		got := eventRows(t, e)
		t.Run("one event per referral, coded by project type, with the result it has", func(t *testing.T) {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Event.csv (-want +got):\n%s", diff)
			}
			if d := got[eventOf["expired"]]["EventDate"]; d != "2026-03-02" {
				t.Errorf("the first referral, made 3 March at 03:30 UTC, is dated %s; want 2 March, the day in the CoC's zone", d)
			}
			if housed := got[eventOf["housed"]]; housed["ResultDate"] == housed["EventDate"] {
				t.Errorf("the housed referral's result is dated the day it was made, not the move-in: %v", housed)
			}
		})

		t.Run("the export keeps HUD's field-dependency rules", func(t *testing.T) {
			for _, p := range hmiscsv.CheckEvents(e) {
				t.Error(p)
			}
		})

		t.Run("the checker finds rules broken", func(t *testing.T) {
			for _, d := range []struct {
				name, row string
				edit      map[string]string
				want      []string // the columns with a problem, on the edited row's line
			}{
				{"a result on an event 4", "housed", map[string]string{"Event": "4"}, []string{"LocationCrisisOrPHHousing", "ReferralResult"}},
				{"a result date without a result", "pending", map[string]string{"ResultDate": "2026-03-19"}, []string{"ResultDate"}},
				{"a diversion result on a referral", "accepted", map[string]string{"ProbSolDivRRResult": "1"}, []string{"ProbSolDivRRResult"}},
				{"case management after on a referral", "accepted", map[string]string{"ReferralCaseManageAfter": "0"}, []string{"ReferralCaseManageAfter"}},
				{"a diversion event with its result", "accepted", map[string]string{"Event": "2", "ProbSolDivRRResult": "1", "LocationCrisisOrPHHousing": ""}, nil},
				{"no enrollment nor person", "expired", map[string]string{"EnrollmentID": "", "PersonalID": ""}, []string{"EnrollmentID", "PersonalID"}},
				{"no event", "expired", map[string]string{"Event": ""}, []string{"Event"}},
				{"an event HUD does not have", "expired", map[string]string{"Event": "19"}, []string{"Event"}},
				{"a result HUD does not have", "housed", map[string]string{"ReferralResult": "4"}, []string{"ReferralResult"}},
				{"not a date", "housed", map[string]string{"ResultDate": "31/03/2026"}, []string{"ResultDate"}},
				{"another export's ID", "pending", map[string]string{"ExportID": "HMIS-1"}, []string{"ExportID"}},
				{"an ID longer than HUD's 32 characters", "pending", map[string]string{"PersonalID": strings.Repeat("x", 33)}, []string{"PersonalID"}},
				{"an EventID twice", "pending", map[string]string{"EventID": eventOf["housed"]}, []string{"EventID"}},
			} {
				t.Run(d.name, func(t *testing.T) {
					damaged, line := damageEvent(t, dir, eventOf[d.row], d.edit)
					var wantProblems, gotProblems []string
					for _, col := range d.want {
						wantProblems = append(wantProblems, fmt.Sprintf("line %d %s", line, col))
					}
					problems := hmiscsv.CheckEvents(damaged)
					for _, p := range problems {
						gotProblems = append(gotProblems, fmt.Sprintf("line %d %s", p.Line, p.Column))
					}
					if diff := cmp.Diff(wantProblems, gotProblems); diff != "" {
						t.Errorf("problems (-want +got):\n%s\nfound: %v", diff, problems)
					}
				})
			}
		})
	})
}

// damageEvent copies the export in dir with the Event.csv row of eventID edited, and returns it
// opened and the row's line.
func damageEvent(t *testing.T, dir, eventID string, edit map[string]string) (*hmiscsv.Export, int) {
	t.Helper()
	out := t.TempDir()
	b, err := os.ReadFile(filepath.Join(dir, "Export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "Export.csv"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "Event.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	line := 0
	for i, rec := range records[1:] {
		if rec[col["EventID"]] == eventID {
			line = i + 2
			for name, v := range edit {
				rec[col[name]] = v
			}
		}
	}
	if line == 0 {
		t.Fatalf("no event %s", eventID)
	}
	w, err := os.Create(filepath.Join(out, "Event.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cw := csv.NewWriter(w)
	cw.WriteAll(records)
	if err := cw.Error(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := hmiscsv.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, line
}

func TestWriteExportOptions(t *testing.T) {
	at := time.Date(2026, 3, 20, 18, 0, 0, 0, time.UTC)
	t.Run("an FY2026 export says so", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := hmiscsv.WriteExport(dir, nil, hmiscsv.ExportOptions{Version: hmiscsv.FY2026, ExportedAt: at, ID: "X1"}); err != nil {
			t.Fatal(err)
		}
		e, err := hmiscsv.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		if e.Version != hmiscsv.FY2026 {
			t.Errorf("version %q, want 2026", e.Version)
		}
		for _, p := range hmiscsv.CheckEvents(e) {
			t.Error(p)
		}
	})
	t.Run("an empty export spans the day it was made", func(t *testing.T) {
		stats, err := hmiscsv.WriteExport(t.TempDir(), nil, hmiscsv.ExportOptions{ExportedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if stats.From != "2026-03-20" || stats.To != "2026-03-20" || stats.Events != 0 || stats.ExportID != "DOORWAY-20260320180000" {
			t.Errorf("stats %+v", stats)
		}
	})
	for _, c := range []struct {
		name string
		opts hmiscsv.ExportOptions
		want string
	}{
		{"an unknown version", hmiscsv.ExportOptions{Version: "2022"}, `version "2022"`},
		{"a period ending before it starts", hmiscsv.ExportOptions{From: "2026-03-10", To: "2026-03-09"}, "ends on 2026-03-09, before it starts on 2026-03-10"},
		{"a day that is not one", hmiscsv.ExportOptions{From: "2026-02-30", To: "2026-03-09"}, `"2026-02-30" is not a date`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := hmiscsv.WriteExport(t.TempDir(), nil, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %s", err, c.want)
			}
		})
	}
	t.Run("an export without Event.csv or Export.csv is a problem", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "Client.csv"), []byte("PersonalID,Woman\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := hmiscsv.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		var files []string
		for _, p := range hmiscsv.CheckEvents(e) {
			files = append(files, p.File)
		}
		if diff := cmp.Diff([]string{"Export.csv", "Event.csv"}, files); diff != "" {
			t.Errorf("problems by file (-want +got):\n%s", diff)
		}
	})
}
