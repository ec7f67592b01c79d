package match

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"

	_ "modernc.org/sqlite"
)

// The benchmarks' CoC: 100,000 clients on the HPL and 20,000 free units in 1,000 facilities.
const (
	benchCandidates = 100_000
	benchFacilities = 1_000
	benchUnits      = 20_000
)

var benchToday = cas.Date("2026-06-01")

// generateSnapshot builds a CoC with a realistic mix, the same for the same seed: mostly single
// adults and some families; studios to three bedrooms, about 10% accessible; programs for
// everyone, for families, for veterans, chronically homeless people, DV survivors, youth, seniors
// or young veteran families, some requiring documents; about 70% of clients ready, some parked,
// declined or already referred. The tests use it small, the benchmarks large.
func generateSnapshot(seed uint64, candidates, facilities, units int) Snapshot {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	chance := func(p float64) bool { return rng.Float64() < p }
	s := Snapshot{Today: benchToday, Scheme: cas.PriorityScheme{Version: 3, Criteria: cas.DefaultCriteria}}

	type focus int
	const (
		forAdults focus = iota
		forFamilies
		forAnyone
		forYouth
	)
	programs := make([]cas.Program, max(1, facilities/3))
	focuses := make([]focus, len(programs))
	for i := range programs {
		p := cas.Program{ID: fmt.Sprintf("prog-%04d", i), AgencyID: fmt.Sprintf("agency-%03d", i%50), Name: fmt.Sprintf("Program %d", i),
			ProjectType: cas.ProjectPSH, ResponseDays: 3, ReferralMode: cas.ReferralAuto}
		req := &p.Requirements
		switch x := rng.Float64(); {
		case x < 0.30:
			req.HouseholdTypes = []cas.HouseholdType{cas.WithoutChildren}
		case x < 0.50:
			req.HouseholdTypes, focuses[i] = []cas.HouseholdType{cas.WithChildren}, forFamilies
		case x < 0.60:
			focuses[i] = forAnyone
		case x < 0.70:
			req.Populations = []cas.Population{cas.Veteran}
		case x < 0.82:
			req.Populations, p.ProjectType = []cas.Population{cas.ChronicallyHomeless}, cas.ProjectPSH
		case x < 0.87:
			req.Populations, focuses[i] = []cas.Population{cas.DVSurvivor}, forAnyone
		case x < 0.93:
			req.Populations, req.MinAge, req.MaxAge, focuses[i] = []cas.Population{cas.Youth}, 18, 24, forYouth
			req.HouseholdTypes = []cas.HouseholdType{cas.WithoutChildren, cas.OnlyChildren}
		case x < 0.96:
			// Young veteran families: few clients qualify, so some units stay empty.
			req.Populations, req.MaxAge, focuses[i] = []cas.Population{cas.Veteran}, 35, forFamilies
			req.HouseholdTypes = []cas.HouseholdType{cas.WithChildren}
		default:
			req.HouseholdTypes, req.MinAge = []cas.HouseholdType{cas.WithoutChildren}, 55
		}
		switch x := rng.Float64(); {
		case x < 0.40:
			req.RequiredDocuments = []string{"Photo ID"}
		case x < 0.55:
			req.RequiredDocuments = []string{"Photo ID", "Social Security card"}
		case x < 0.60:
			req.RequiredDocuments = []string{"Photo ID", "Birth certificate"}
		}
		if chance(0.2) {
			p.ReferralMode = cas.ReferralReview
		}
		programs[i] = p
	}

	perFacility := make([]int, facilities)
	for i := range units {
		if i < facilities {
			perFacility[i]++
		} else {
			perFacility[rng.IntN(facilities)]++
		}
	}
	unitID := 0
	for i := range facilities {
		pi := i % len(programs)
		p := programs[pi]
		f := Facility{Program: p, Facility: cas.Facility{ID: fmt.Sprintf("fac-%04d", i), ProgramID: p.ID, AgencyID: p.AgencyID,
			Name: fmt.Sprintf("Site %d", i)}}
		for j := range perFacility[i] {
			u := cas.Unit{ID: fmt.Sprintf("unit-%06d", unitID), FacilityID: f.Facility.ID, AgencyID: p.AgencyID,
				Label: fmt.Sprintf("Apt %d", 100+j), Accessible: chance(0.10), Status: cas.UnitAvailable}
			unitID++
			switch focuses[pi] {
			case forAdults:
				u.Bedrooms, u.HouseholdTypes = rng.IntN(2), []cas.HouseholdType{cas.WithoutChildren}
			case forFamilies:
				u.Bedrooms, u.HouseholdTypes = 1+rng.IntN(3), []cas.HouseholdType{cas.WithChildren}
			case forYouth:
				u.Bedrooms, u.HouseholdTypes = rng.IntN(2), []cas.HouseholdType{cas.WithoutChildren, cas.OnlyChildren}
			default:
				if u.Bedrooms = rng.IntN(4); u.Bedrooms < 2 {
					u.HouseholdTypes = []cas.HouseholdType{cas.WithoutChildren}
				} else {
					u.HouseholdTypes = []cas.HouseholdType{cas.WithChildren, cas.WithoutChildren}
				}
			}
			f.FreeUnits = append(f.FreeUnits, u)
		}
		s.Facilities = append(s.Facilities, f)
	}

	joined := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	documents := []struct {
		name   string
		chance float64
	}{{"Photo ID", 0.75}, {"Social Security card", 0.55}, {"Birth certificate", 0.45}, {"Income verification", 0.30}}
	for i := range candidates {
		cl := cas.Client{ID: fmt.Sprintf("client-%06d", i), FirstName: "Client", LastName: fmt.Sprint(i), HouseholdSize: 1,
			HouseholdType: cas.WithoutChildren, Consent: chance(0.95), Veteran: chance(0.09), Chronic: chance(0.35),
			DVSurvivor: chance(0.12), NeedsAccessible: chance(0.07)}
		age := 25 + rng.IntN(50)
		switch x := rng.Float64(); {
		case x < 0.25:
			cl.HouseholdType, cl.HouseholdSize, age = cas.WithChildren, 2+rng.IntN(5), 19+rng.IntN(50)
		case x < 0.28:
			cl.HouseholdType, cl.HouseholdSize, age, cl.Youth = cas.OnlyChildren, 1+rng.IntN(2), 16+rng.IntN(3), true
		case x < 0.40:
			age, cl.Youth = 18+rng.IntN(7), chance(0.6)
		default:
			if chance(0.2) {
				cl.HouseholdSize = 2
			}
		}
		cl.BirthDate = benchToday.AddDays(-age*365 - rng.IntN(365))
		e := cas.HPLEntry{ID: fmt.Sprintf("hpl-%06d", i), ClientID: cl.ID, Score: rng.IntN(18), DaysHomeless: rng.IntN(3650),
			AssessedOn: benchToday.AddDays(-rng.IntN(730)), IntakeStatus: cas.IntakeReady, Status: cas.HPLActive,
			// Many join in the same minute, so the CreatedAt and ID tie-breaks are exercised.
			CreatedAt: joined.Add(time.Duration(rng.IntN(candidates/4+1)) * time.Minute)}
		if cl.Chronic {
			e.Score = min(17, e.Score+3)
		}
		for _, d := range documents {
			if chance(d.chance) {
				name := d.name
				if chance(0.05) {
					name = strings.ToLower(name[:1]) + name[1:] // "photo ID": spelled differently
				}
				e.Documents = append(e.Documents, name)
			}
		}
		switch x := rng.Float64(); {
		case x < 0.20:
			e.IntakeStatus = cas.IntakePending
		case x < 0.30:
			e.IntakeStatus = cas.IntakeIncompleteDocuments
		}
		switch x := rng.Float64(); {
		case x < 0.04:
			e.Status = cas.HPLReferred
		case x < 0.06:
			e.Status = cas.HPLHoused
		case x < 0.08:
			e.Status = cas.HPLInactive
		}
		switch x := rng.Float64(); {
		case x < 0.04:
			e.ParkedUntil = benchToday.AddDays(1 + rng.IntN(60))
		case x < 0.06:
			e.ParkedUntil = benchToday.AddDays(-rng.IntN(60)) // parked until today or before: no longer parked
		}
		c := Candidate{Entry: e, Client: cl, OpenReferral: chance(0.03)}
		if chance(0.05) {
			for range 1 + rng.IntN(2) {
				c.NotReferredAgainBy = append(c.NotReferredAgainBy, programs[rng.IntN(len(programs))].ID)
			}
		}
		s.Candidates = append(s.Candidates, c)
	}
	return s
}

func freeUnits(s Snapshot) int {
	n := 0
	for _, f := range s.Facilities {
		n += len(f.FreeUnits)
	}
	return n
}

func BenchmarkMatch(b *testing.B) {
	benchmarkMatch(b, generateSnapshot(1, benchCandidates, benchFacilities, benchUnits))
}

// BenchmarkMatchRanked is BenchmarkMatch with the candidates handed over already ranked, as the
// store's maintained HPL hands them.
func BenchmarkMatchRanked(b *testing.B) {
	benchmarkMatch(b, ranked(generateSnapshot(1, benchCandidates, benchFacilities, benchUnits)))
}

// BenchmarkMatchOneUnitRanked is a run for a single freed unit, the candidates handed over ranked:
// it reads the list only down to the first eligible client.
func BenchmarkMatchOneUnitRanked(b *testing.B) {
	s, _ := oneFreeUnit(generateSnapshot(1, benchCandidates, benchFacilities, benchUnits), rand.New(rand.NewPCG(1, 4)))
	benchmarkMatch(b, ranked(s))
}

func benchmarkMatch(b *testing.B, s Snapshot) {
	var res Result
	for b.Loop() {
		res = Match(s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(freeUnits(s)), "ns/unit")
	b.ReportMetric(float64(len(res.Proposals)), "proposals")
	b.ReportMetric(float64(len(res.Unfilled)), "unfilled")
}

// sqlBaselineUnits bounds the units BenchmarkPerVacancySQL fills. All 20,000 take about two and a
// half minutes on two cores; should that grow past a few minutes, lower it and compare the engines
// by ns/unit, bearing in mind that the first units are the cheapest: each query walks past more
// clients who wait for units of other kinds than the one before.
const sqlBaselineUnits = benchUnits

// BenchmarkPerVacancySQL is the baseline Match replaces: the way a per-vacancy SQL engine works,
// one query per free unit that picks the best eligible client not yet placed, by the default
// scheme (score, chronic, days homeless, earliest assessment), on the same generated CoC. The
// candidates are indexed in that order behind their status, so each query walks the index from
// the best client still waiting and stops at the first eligible one. Loading the database is not
// timed (see load-s). Unlike Match it fills units in the order they are listed, with no thought
// for scarcity.
func BenchmarkPerVacancySQL(b *testing.B) {
	ctx := context.Background()
	s := generateSnapshot(1, benchCandidates, benchFacilities, benchUnits)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "baseline.db")+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	start := time.Now()
	loadBaseline(b, db, s)
	load := time.Since(start)

	var units []cas.Unit
	for _, f := range s.Facilities {
		units = append(units, f.FreeUnits...)
	}
	units = units[:min(len(units), sqlBaselineUnits)]
	filled := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if _, err := db.Exec(`UPDATE candidates SET placed = 0`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		filled = fillBySQL(b, ctx, db, units)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(units)), "ns/unit")
	b.ReportMetric(float64(len(units)), "units")
	b.ReportMetric(float64(filled), "proposals")
	b.ReportMetric(load.Seconds(), "load-s")
}

// baselineQuery finds the best eligible client not yet placed for one unit ($1) on a day ($2).
const baselineQuery = `
SELECT c.pos FROM units u JOIN programs p ON p.id = u.program_id, candidates c
WHERE u.id = $1
  AND c.placed = 0 AND c.status = 'active' AND c.intake_status = 'ready' AND c.consent = 1 AND c.open_referral = 0
  AND (c.parked_until = '' OR c.parked_until <= $2)
  AND NOT EXISTS (SELECT 1 FROM declines d WHERE d.pos = c.pos AND d.program_id = p.id)
  AND (NOT EXISTS (SELECT 1 FROM program_household_types WHERE program_id = p.id)
       OR c.household_type IN (SELECT household_type FROM program_household_types WHERE program_id = p.id))
  AND (p.veteran = 0 OR c.veteran = 1)
  AND (p.chronic = 0 OR c.chronic = 1)
  AND (p.dv_survivor = 0 OR c.dv_survivor = 1)
  AND (p.youth = 0 OR c.youth = 1 OR (c.birth_date <= date($2, '-18 years') AND c.birth_date > date($2, '-25 years')))
  AND (p.min_age = 0 OR c.birth_date <> '' AND c.birth_date <= date($2, '-' || p.min_age || ' years'))
  AND (p.max_age = 0 OR c.birth_date <> '' AND c.birth_date > date($2, '-' || (p.max_age + 1) || ' years'))
  AND NOT EXISTS (SELECT 1 FROM program_documents pd WHERE pd.program_id = p.id
       AND NOT EXISTS (SELECT 1 FROM candidate_documents cd WHERE cd.pos = c.pos AND cd.document = pd.document))
  AND c.household_type IN (SELECT household_type FROM unit_household_types WHERE unit_id = u.id)
  AND c.household_size <= MAX(2, 2 * u.bedrooms)
  AND (u.accessible = 1 OR c.needs_accessible = 0)
ORDER BY c.score DESC, c.chronic DESC, c.days_homeless DESC, c.assessed_on, c.created_at, c.entry_id
LIMIT 1`

func fillBySQL(tb testing.TB, ctx context.Context, db *sql.DB, units []cas.Unit) int {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	find, err := tx.PrepareContext(ctx, baselineQuery)
	if err != nil {
		tb.Fatal(err)
	}
	place, err := tx.PrepareContext(ctx, `UPDATE candidates SET placed = 1 WHERE pos = $1`)
	if err != nil {
		tb.Fatal(err)
	}
	filled := 0
	for _, u := range units {
		var pos int
		switch err := find.QueryRowContext(ctx, u.ID, string(benchToday)).Scan(&pos); {
		case err == sql.ErrNoRows:
			continue
		case err != nil:
			tb.Fatal(err)
		}
		if _, err := place.ExecContext(ctx, pos); err != nil {
			tb.Fatal(err)
		}
		filled++
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return filled
}

// loadBaseline writes a snapshot into plain tables, as a per-vacancy engine would find it.
func loadBaseline(tb testing.TB, db *sql.DB, s Snapshot) {
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(query string, args ...any) {
		if _, err := tx.Exec(query, args...); err != nil {
			tb.Fatalf("%s: %v", query, err)
		}
	}
	for _, ddl := range []string{
		`CREATE TABLE candidates (pos INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, score INTEGER NOT NULL, chronic INTEGER NOT NULL,
			days_homeless INTEGER NOT NULL, assessed_on TEXT NOT NULL, created_at INTEGER NOT NULL, household_type TEXT NOT NULL,
			household_size INTEGER NOT NULL, birth_date TEXT NOT NULL, veteran INTEGER NOT NULL, youth INTEGER NOT NULL,
			dv_survivor INTEGER NOT NULL, needs_accessible INTEGER NOT NULL, consent INTEGER NOT NULL, intake_status TEXT NOT NULL,
			status TEXT NOT NULL, parked_until TEXT NOT NULL, open_referral INTEGER NOT NULL, placed INTEGER NOT NULL DEFAULT 0)`,
		// The queue: the clients who may be referred, in the default scheme's order.
		`CREATE INDEX candidates_queue ON candidates (status, intake_status, placed,
			score DESC, chronic DESC, days_homeless DESC, assessed_on, created_at, entry_id)`,
		`CREATE TABLE candidate_documents (pos INTEGER NOT NULL, document TEXT NOT NULL, PRIMARY KEY (pos, document))`,
		`CREATE TABLE declines (pos INTEGER NOT NULL, program_id TEXT NOT NULL, PRIMARY KEY (pos, program_id))`,
		`CREATE TABLE programs (id TEXT PRIMARY KEY, veteran INTEGER NOT NULL, chronic INTEGER NOT NULL, dv_survivor INTEGER NOT NULL,
			youth INTEGER NOT NULL, min_age INTEGER NOT NULL, max_age INTEGER NOT NULL)`,
		`CREATE TABLE program_household_types (program_id TEXT NOT NULL, household_type TEXT NOT NULL, PRIMARY KEY (program_id, household_type))`,
		`CREATE TABLE program_documents (program_id TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (program_id, document))`,
		`CREATE TABLE units (id TEXT PRIMARY KEY, facility_id TEXT NOT NULL, program_id TEXT NOT NULL, bedrooms INTEGER NOT NULL,
			accessible INTEGER NOT NULL)`,
		`CREATE TABLE unit_household_types (unit_id TEXT NOT NULL, household_type TEXT NOT NULL, PRIMARY KEY (unit_id, household_type))`,
	} {
		exec(ddl)
	}
	for pos, c := range s.Candidates {
		exec(`INSERT INTO candidates (pos, entry_id, score, chronic, days_homeless, assessed_on, created_at, household_type, household_size,
			birth_date, veteran, youth, dv_survivor, needs_accessible, consent, intake_status, status, parked_until, open_referral)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			pos, c.Entry.ID, c.Entry.Score, c.Client.Chronic, c.Entry.DaysHomeless, string(c.Entry.AssessedOn), c.Entry.CreatedAt.UnixNano(),
			string(c.Client.HouseholdType), c.Client.HouseholdSize, string(c.Client.BirthDate), c.Client.Veteran, c.Client.Youth,
			c.Client.DVSurvivor, c.Client.NeedsAccessible, c.Client.Consent, string(c.Entry.IntakeStatus), string(c.Entry.Status),
			string(c.Entry.ParkedUntil), c.OpenReferral)
		for _, d := range c.Entry.Documents {
			exec(`INSERT OR IGNORE INTO candidate_documents (pos, document) VALUES ($1, $2)`, pos, documentKey(d))
		}
		for _, p := range c.NotReferredAgainBy {
			exec(`INSERT OR IGNORE INTO declines (pos, program_id) VALUES ($1, $2)`, pos, p)
		}
	}
	programs := map[string]bool{}
	for _, f := range s.Facilities {
		p := f.Program
		if !programs[p.ID] {
			programs[p.ID] = true
			pops := p.Requirements.Populations
			exec(`INSERT INTO programs (id, veteran, chronic, dv_survivor, youth, min_age, max_age) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				p.ID, slices.Contains(pops, cas.Veteran), slices.Contains(pops, cas.ChronicallyHomeless), slices.Contains(pops, cas.DVSurvivor),
				slices.Contains(pops, cas.Youth), p.Requirements.MinAge, p.Requirements.MaxAge)
			for _, t := range p.Requirements.HouseholdTypes {
				exec(`INSERT INTO program_household_types (program_id, household_type) VALUES ($1, $2)`, p.ID, string(t))
			}
			for _, d := range p.Requirements.RequiredDocuments {
				exec(`INSERT INTO program_documents (program_id, document) VALUES ($1, $2)`, p.ID, documentKey(d))
			}
		}
		for _, u := range f.FreeUnits {
			exec(`INSERT INTO units (id, facility_id, program_id, bedrooms, accessible) VALUES ($1, $2, $3, $4, $5)`,
				u.ID, f.Facility.ID, p.ID, u.Bedrooms, u.Accessible)
			for _, t := range u.HouseholdTypes {
				exec(`INSERT INTO unit_household_types (unit_id, household_type) VALUES ($1, $2)`, u.ID, string(t))
			}
		}
	}
	exec(`ANALYZE`)
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}
