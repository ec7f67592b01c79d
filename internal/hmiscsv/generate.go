package hmiscsv

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// GenOptions says what synthetic export Generate writes.
type GenOptions struct {
	Clients int // people in Client.csv
	Units   int // UnitInventory summed over every Inventory row
	// HPL is how many people the export puts on the HPL: heads of household prioritized on an open
	// CE enrollment, so at most Clients. 0 leaves it to chance: about 60% of the households.
	HPL int
	// ConsentShare, from 0 to 1, is the share of the people on the HPL that consent.csv names, in the
	// consent list format (ReadConsentList), rounded to the nearest person. 0 writes no consent.csv.
	ConsentShare float64
	Seed         uint64 // the same options give the same export, byte for byte
	Version      string // HMIS CSV version; only "2024", the default, is generated
}

// GenStats counts the data rows Generate wrote, by file name, and the people it put on the HPL.
type GenStats struct {
	Rows map[string]int
	HPL  int
}

// consentFile is the consent list Generate writes beside the export when asked for one.
const consentFile = "consent.csv"

// HUD codes the generator writes (HMIS CSV lists 2.02.6 ProjectType and 2.07.4 HouseholdType).
const (
	typeESEntryExit = 0
	typeESNightly   = 1
	typeTH          = 2
	typePSH         = 3
	typeOutreach    = 4
	typeServices    = 6
	typePrevention  = 12
	typeRRH         = 13
	typeCE          = 14

	withoutChildren = 1
	withChildren    = 3
	onlyChildren    = 4
)

// projectCycle is the mix of project types, repeated as the export grows.
var projectCycle = []int{typePSH, typeRRH, typeTH, typeESEntryExit, typeESNightly, typePSH, typeRRH,
	typeOutreach, typeServices, typePrevention}

// The synthetic CoC and its three-year export period.
const genCoC = "XX-500"

var (
	genStart      = time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC)
	genEnd        = time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	genExportedAt = time.Date(2025, 10, 1, 2, 0, 0, 0, time.UTC)
)

// Generate writes to dir a synthetic, internally consistent FY2024 HMIS CSV export: Export,
// Organization, User, Project, ProjectCoC, CEParticipation, Inventory, Client, Enrollment, Exit and
// Assessment. Every client has a CE enrollment at the one Coordinated Entry project, with a CE
// assessment for the head of household (PrioritizationStatus 1 for households placed on the
// priority list, whose CE enrollment stays open and who move into no housing; 2 otherwise), and
// about nine more enrollments in the CoC's other projects; some of those have exits. Housing
// projects receive CE referrals (CEParticipation ReceivesReferrals = 1). With a ConsentShare it
// writes consent.csv too. Names, SSNs and places are fictional. Rows are written as they are made,
// so memory stays small whatever the size: only a consent list keeps the IDs of the people on the
// HPL until the end.
func Generate(dir string, opts GenOptions) (GenStats, error) {
	switch {
	case opts.Clients < 0:
		return GenStats{}, fmt.Errorf("generate: %d clients: want 0 or more", opts.Clients)
	case opts.Units < 0:
		return GenStats{}, fmt.Errorf("generate: %d units: want 0 or more", opts.Units)
	case opts.HPL < 0 || opts.HPL > opts.Clients:
		return GenStats{}, fmt.Errorf("generate: %d people on the HPL: want 0 to the %d clients", opts.HPL, opts.Clients)
	case !(opts.ConsentShare >= 0 && opts.ConsentShare <= 1):
		return GenStats{}, fmt.Errorf("generate: a consent share of %v: want 0 to 1", opts.ConsentShare)
	case opts.Version != "" && opts.Version != FY2024:
		return GenStats{}, fmt.Errorf("generate: version %q: only %s exports are generated", opts.Version, FY2024)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return GenStats{}, fmt.Errorf("generate: %w", err)
	}
	g := &generator{dir: dir, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x646f6f72776179)),
		exportID: "doorway-" + strconv.FormatUint(opts.Seed, 10), seq: map[string]int{}}
	err := g.run()
	for _, f := range g.files {
		if ferr := f.close(); err == nil {
			err = ferr
		}
	}
	stats := GenStats{Rows: map[string]int{}, HPL: g.listed}
	if err == nil && opts.ConsentShare > 0 {
		stats.Rows[consentFile], err = g.consentList()
	}
	if err != nil {
		return GenStats{}, fmt.Errorf("generate: %w", err)
	}
	for _, f := range g.files {
		stats.Rows[f.w.file] = f.w.Rows()
	}
	return stats, nil
}

type generator struct {
	dir      string
	opts     GenOptions
	rng      *rand.Rand
	exportID string
	files    []*genFile
	users    []string
	projects []genProject
	ce       genProject
	seq      map[string]int // last ID given, by prefix
	listed   int            // households put on the HPL
	// heads are the people on the HPL, kept for the consent list when one is asked for.
	heads []listedHead
}

// listedHead is a head of household on the HPL, assessed on the day their place was decided.
type listedHead struct {
	id       string
	assessed time.Time
}

type genProject struct {
	id, name string
	typ      int
	opened   time.Time
}

type genFile struct {
	f *os.File
	w *Writer
}

func (f *genFile) close() error {
	err := f.w.Flush()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (g *generator) create(name string) (*Writer, error) {
	f, err := os.Create(filepath.Join(g.dir, name))
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(f, FY2024, name)
	if err != nil {
		f.Close()
		return nil, err
	}
	g.files = append(g.files, &genFile{f: f, w: w})
	return w, nil
}

// id returns the next ID with prefix: C1, C2, ...
func (g *generator) id(prefix string) string {
	g.seq[prefix]++
	return prefix + strconv.Itoa(g.seq[prefix])
}

func (g *generator) run() error {
	for _, step := range []func() error{g.export, g.usersFile, g.organizationsAndProjects, g.inventory, g.people} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// audit sets the five audit columns of a record created on day, during office hours, and updated
// within a month but before the export.
func (g *generator) audit(w *Writer, day time.Time) {
	created := day.Add(time.Duration(8*3600+g.rng.IntN(9*3600)) * time.Second)
	updated := created.Add(time.Duration(g.rng.IntN(30*24*3600)) * time.Second)
	w.SetDateTime("DateCreated", beforeExport(created))
	w.SetDateTime("DateUpdated", beforeExport(updated))
	w.Set("UserID", g.users[g.rng.IntN(len(g.users))])
	w.Set("ExportID", g.exportID)
}

// beforeExport is t, or the export's time when t is later.
func beforeExport(t time.Time) time.Time {
	if t.After(genExportedAt) {
		return genExportedAt
	}
	return t
}

func (g *generator) export() error {
	w, err := g.create("Export.csv")
	if err != nil {
		return err
	}
	w.Set("ExportID", g.exportID)
	w.SetInt("SourceType", 1) // CoC HMIS
	w.Set("SourceID", genCoC)
	w.Set("SourceName", "Doorway synthetic HMIS")
	w.SetDateTime("ExportDate", genExportedAt)
	w.SetDate("ExportStartDate", genStart)
	w.SetDate("ExportEndDate", genEnd)
	w.Set("SoftwareName", "Doorway")
	w.Set("SoftwareVersion", "gen")
	w.Set("CSVVersion", "2024 v1.3")
	w.SetInt("ExportPeriodType", 3) // reporting period
	w.SetInt("ExportDirective", 2)  // full refresh
	w.SetInt("HashStatus", 1)       // unhashed
	w.Set("ImplementationID", "doorway-synthetic")
	return w.WriteRow()
}

func (g *generator) usersFile() error {
	w, err := g.create("User.csv")
	if err != nil {
		return err
	}
	for range 6 {
		id := g.id("U")
		first, last := pick(g.rng, firstNames), pick(g.rng, lastNames)
		w.Set("UserID", id)
		w.Set("UserFirstName", first)
		w.Set("UserLastName", last)
		w.Set("UserEmail", fmt.Sprintf("%s.%s@hmis.example.org", first, last))
		created := genStart.AddDate(-3, 0, g.rng.IntN(365))
		w.SetDateTime("DateCreated", created)
		w.SetDateTime("DateUpdated", created)
		w.Set("ExportID", g.exportID)
		if err := w.WriteRow(); err != nil {
			return err
		}
		g.users = append(g.users, id)
	}
	return nil
}

// organizationsAndProjects writes the agencies, their projects, the projects' CoC and their part
// in Coordinated Entry. The first project is the CE project.
func (g *generator) organizationsAndProjects() error {
	nProjects := max(len(projectCycle), g.opts.Units/20, g.opts.Clients/500)
	orgIDs, err := g.organizations(max(3, nProjects/4))
	if err != nil {
		return err
	}
	g.ce = genProject{id: g.id("P"), name: genCoC + " Coordinated Entry", typ: typeCE, opened: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)}
	all := []genProject{g.ce}
	for i := range nProjects {
		typ := projectCycle[i%len(projectCycle)]
		name := fmt.Sprintf("%s %s", places[i%len(places)], projectLabels[typ])
		if n := i / len(places); n > 0 {
			name += " " + strconv.Itoa(n+1)
		}
		all = append(all, genProject{id: g.id("P"), name: name, typ: typ,
			opened: g.day(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), genStart.AddDate(-1, 0, 0))})
	}
	g.projects = all[1:]

	projects, err := g.create("Project.csv")
	if err != nil {
		return err
	}
	cocs, err := g.create("ProjectCoC.csv")
	if err != nil {
		return err
	}
	ce, err := g.create("CEParticipation.csv")
	if err != nil {
		return err
	}
	for i, p := range all {
		projects.Set("ProjectID", p.id)
		projects.Set("OrganizationID", orgIDs[i%len(orgIDs)])
		projects.Set("ProjectName", p.name)
		projects.SetDate("OperatingStartDate", p.opened)
		projects.SetInt("ContinuumProject", 1)
		projects.SetInt("ProjectType", p.typ)
		switch p.typ {
		case typeRRH:
			projects.SetInt("HousingType", 3) // tenant-based, scattered site
			projects.SetInt("RRHSubType", 2)  // housing with or without services
		case typePSH:
			projects.SetInt("HousingType", 1+g.rng.IntN(3))
		case typeESEntryExit, typeESNightly, typeTH:
			projects.SetInt("HousingType", 1+g.rng.IntN(2)) // site-based
		case typeServices:
			projects.SetInt("ResidentialAffiliation", 0)
		}
		projects.SetInt("TargetPopulation", 4) // not applicable
		projects.SetInt("HOPWAMedAssistedLivingFac", 2)
		g.audit(projects, p.opened)
		if err := projects.WriteRow(); err != nil {
			return err
		}

		cocs.Set("ProjectCoCID", g.id("PC"))
		cocs.Set("ProjectID", p.id)
		cocs.Set("CoCCode", genCoC)
		cocs.Set("Geocode", fmt.Sprintf("99%04d", i%10000))
		cocs.Set("Address1", fmt.Sprintf("%d %s", 10+g.rng.IntN(990), pick(g.rng, streets)))
		cocs.Set("City", pick(g.rng, cities))
		cocs.SetInt("GeographyType", 1+g.rng.IntN(3))
		g.audit(cocs, p.opened)
		if err := cocs.WriteRow(); err != nil {
			return err
		}

		ce.Set("CEParticipationID", g.id("CEP"))
		ce.Set("ProjectID", p.id)
		access, receives := 0, 1
		switch p.typ {
		case typeCE:
			access, receives = 1, 0
			ce.SetInt("PreventionAssessment", 1)
			ce.SetInt("CrisisAssessment", 1)
			ce.SetInt("HousingAssessment", 1)
			ce.SetInt("DirectServices", 0)
		case typeOutreach:
			access, receives = 1, 0
			ce.SetInt("PreventionAssessment", 0)
			ce.SetInt("CrisisAssessment", 1)
			ce.SetInt("HousingAssessment", 0)
			ce.SetInt("DirectServices", 1)
		case typeServices:
			receives = 0
		}
		ce.SetInt("AccessPoint", access)
		ce.SetInt("ReceivesReferrals", receives)
		ce.SetDate("CEParticipationStatusStartDate", p.opened)
		g.audit(ce, p.opened)
		if err := ce.WriteRow(); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) organizations(n int) ([]string, error) {
	w, err := g.create("Organization.csv")
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range n {
		id := g.id("O")
		name := fmt.Sprintf("%s %s", places[i%len(places)], agencyKinds[i%len(agencyKinds)])
		if k := i / len(places); k > 0 {
			name += " " + strconv.Itoa(k+1)
		}
		w.Set("OrganizationID", id)
		w.Set("OrganizationName", name)
		w.SetInt("VictimServiceProvider", 0)
		g.audit(w, genStart.AddDate(-5, 0, 0))
		if err := w.WriteRow(); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// inventory writes each housing project's inventory by household type, sharing opts.Units out
// among the rows so that they add up exactly.
func (g *generator) inventory() error {
	type slot struct {
		p      genProject
		hh     int
		weight int
	}
	var slots []slot
	total := 0
	for _, p := range g.projects {
		switch p.typ {
		case typeESEntryExit, typeESNightly, typeTH, typePSH, typeRRH:
		default:
			continue
		}
		hhs := []int{withoutChildren}
		if g.rng.IntN(2) == 0 {
			hhs = append(hhs, withChildren)
		}
		if (p.typ == typeTH || p.typ == typeESEntryExit) && g.rng.IntN(5) == 0 {
			hhs = append(hhs, onlyChildren)
		}
		for _, hh := range hhs {
			s := slot{p: p, hh: hh, weight: 1 + g.rng.IntN(4)}
			slots = append(slots, s)
			total += s.weight
		}
	}
	w, err := g.create("Inventory.csv")
	if err != nil {
		return err
	}
	cum, given := 0, 0
	for _, s := range slots {
		cum += s.weight
		units := g.opts.Units*cum/total - given
		given += units
		beds := units
		if s.hh == withChildren {
			beds = units * (2 + g.rng.IntN(3))
		}
		var ch, vet, youth int
		if s.hh == onlyChildren {
			youth = beds
		} else {
			if s.p.typ == typePSH {
				ch = beds * g.rng.IntN(60) / 100
			}
			vet = (beds - ch) * g.rng.IntN(25) / 100
		}
		w.Set("InventoryID", g.id("I"))
		w.Set("ProjectID", s.p.id)
		w.Set("CoCCode", genCoC)
		w.SetInt("HouseholdType", s.hh)
		w.SetInt("UnitInventory", units)
		w.SetInt("BedInventory", beds)
		w.SetInt("CHVetBedInventory", 0)
		w.SetInt("YouthVetBedInventory", 0)
		w.SetInt("VetBedInventory", vet)
		w.SetInt("CHYouthBedInventory", 0)
		w.SetInt("YouthBedInventory", youth)
		w.SetInt("CHBedInventory", ch)
		w.SetInt("OtherBedInventory", beds-ch-vet-youth)
		if s.p.typ == typeESEntryExit || s.p.typ == typeESNightly {
			w.SetInt("Availability", 1) // year-round
			w.SetInt("ESBedType", 1)    // facility-based
		}
		w.SetDate("InventoryStartDate", s.p.opened)
		g.audit(w, s.p.opened)
		if err := w.WriteRow(); err != nil {
			return err
		}
	}
	return nil
}

// member is one person of a generated household.
type member struct {
	id           string
	relationship int // RelationshipToHoH: 1 self, 2 child, 3 spouse or partner
}

// people writes the clients household by household, with their enrollments, exits and
// assessments, streaming to all four files at once.
func (g *generator) people() error {
	var ws [4]*Writer
	for i, name := range []string{"Client.csv", "Enrollment.csv", "Exit.csv", "Assessment.csv"} {
		w, err := g.create(name)
		if err != nil {
			return err
		}
		ws[i] = w
	}
	clients, enrollments, exits, assessments := ws[0], ws[1], ws[2], ws[3]
	for left := g.opts.Clients; left > 0; {
		var size int
		var listed bool
		if g.opts.HPL > 0 {
			size, listed = g.listedHousehold(left, g.opts.HPL-g.listed)
		} else {
			size = min(left, g.householdSize())
		}
		household, err := g.household(clients, size)
		if err != nil {
			return err
		}
		left -= len(household)
		if g.opts.HPL == 0 {
			// Drawn after the household, so that a seed gives the export it always has.
			listed = g.rng.IntN(100) < 60
		}
		if err := g.enrollments(enrollments, exits, assessments, household, listed); err != nil {
			return err
		}
	}
	return nil
}

// meanHousehold is the mean of householdSize.
const meanHousehold = 0.72*1 + 0.10*2 + 0.18*4

// listedHousehold draws the size of the next household of the left clients, and whether it goes
// on the HPL, so that need more households go on it in all. Each household goes on it with the
// chance that lists need of the households left, on average, drawn afresh for each, and no
// household takes clients the heads still needed cannot spare, so the count comes out exact. When
// the list needs more heads than the households left would have, every household goes on it and
// some that would be larger are people alone.
func (g *generator) listedHousehold(left, need int) (size int, listed bool) {
	size = min(left, g.householdSize())
	heads := float64(need) / float64(left) // per client left
	switch {
	case need == 0:
	case heads*meanHousehold >= 1:
		listed = true
		if size > 1 && g.rng.Float64()*(meanHousehold-1) >= 1/heads-1 {
			size = 1
		}
	default:
		listed = g.rng.Float64() < heads*meanHousehold
	}
	spare := left - need // clients beyond one for each head still needed
	if listed {
		spare++
	}
	return min(size, spare), listed
}

// householdSize is 1 for most, 2 to 5 for couples and families.
func (g *generator) householdSize() int {
	switch n := g.rng.IntN(100); {
	case n < 72:
		return 1
	case n < 82:
		return 2
	default:
		return 3 + g.rng.IntN(3)
	}
}

// household writes the Client rows of a household of size people: an adult head (or, now and
// then, a youth alone), a partner in some larger households, and children.
func (g *generator) household(w *Writer, size int) ([]member, error) {
	var hh []member
	youthAlone := size == 1 && g.rng.IntN(40) == 0
	for i := range size {
		m := member{id: g.id("C"), relationship: 1}
		minor := youthAlone
		switch {
		case i == 1 && g.rng.IntN(2) == 0:
			m.relationship = 3
		case i > 0:
			m.relationship, minor = 2, true
		}
		if err := g.client(w, m.id, minor); err != nil {
			return nil, err
		}
		hh = append(hh, m)
	}
	return hh, nil
}

func (g *generator) client(w *Writer, id string, minor bool) error {
	w.Set("PersonalID", id)
	w.Set("FirstName", pick(g.rng, firstNames))
	if g.rng.IntN(3) == 0 {
		w.Set("MiddleName", pick(g.rng, firstNames))
	}
	w.Set("LastName", pick(g.rng, lastNames))
	if g.rng.IntN(50) == 0 {
		w.Set("NameSuffix", pick(g.rng, []string{"Jr.", "Sr.", "III"}))
	}
	w.SetInt("NameDataQuality", weighted(g.rng, []choice{{1, 97}, {2, 3}}))
	switch n := g.rng.IntN(100); {
	case n < 65: // 9xx area numbers are never issued as SSNs
		w.Set("SSN", fmt.Sprintf("9%08d", g.rng.IntN(100_000_000)))
		w.SetInt("SSNDataQuality", 1)
	case n < 75:
		w.Set("SSN", fmt.Sprintf("xxxxx%04d", g.rng.IntN(10_000)))
		w.SetInt("SSNDataQuality", 2)
	default:
		w.SetInt("SSNDataQuality", pick(g.rng, []int{8, 9, 99}))
	}
	age := 18 + g.rng.IntN(62)
	if minor {
		age = 3 + g.rng.IntN(15)
	}
	dob := g.day(genEnd.AddDate(-age-1, 0, 1), genEnd.AddDate(-age, 0, 0))
	w.SetDate("DOB", dob)
	w.SetInt("DOBDataQuality", weighted(g.rng, []choice{{1, 95}, {2, 5}}))

	races := []string{"AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinaeo", "MidEastNAfrican", "NativeHIPacific", "White"}
	for _, r := range races {
		w.SetInt(r, 0)
	}
	if g.rng.IntN(100) < 3 {
		w.SetInt("RaceNone", pick(g.rng, []int{8, 9, 99}))
	} else {
		w.SetInt(races[weighted(g.rng, []choice{{0, 3}, {1, 4}, {2, 38}, {3, 15}, {4, 2}, {5, 2}, {6, 36}})], 1)
		if g.rng.IntN(10) == 0 {
			w.SetInt(pick(g.rng, races), 1)
		}
	}
	genders := []string{"Woman", "Man", "NonBinary", "CulturallySpecific", "Transgender", "Questioning", "DifferentIdentity"}
	for _, c := range genders {
		w.SetInt(c, 0)
	}
	switch n := g.rng.IntN(100); {
	case n < 1:
		w.SetInt("GenderNone", pick(g.rng, []int{8, 9, 99}))
	case n < 3:
		w.SetInt("NonBinary", 1)
	default:
		w.SetInt(genders[g.rng.IntN(2)], 1)
		if g.rng.IntN(50) == 0 {
			w.SetInt("Transgender", 1)
		}
	}

	veteran := 99 // HUD: 99 for minors and whoever was not asked
	if !minor {
		veteran = weighted(g.rng, []choice{{0, 86}, {1, 8}, {8, 1}, {9, 1}, {99, 4}})
	}
	w.SetInt("VeteranStatus", veteran)
	if veteran == 1 {
		entered := dob.Year() + 18 + g.rng.IntN(8)
		separated := min(entered+2+g.rng.IntN(20), genEnd.Year())
		w.SetInt("YearEnteredService", entered)
		w.SetInt("YearSeparated", separated)
		for _, war := range wars {
			served := 0
			if entered <= war.to && separated >= war.from {
				served = 1
			}
			w.SetInt(war.column, served)
		}
		w.SetInt("OtherTheater", weighted(g.rng, []choice{{0, 9}, {1, 1}}))
		w.SetInt("MilitaryBranch", 1+g.rng.IntN(4))
		w.SetInt("DischargeStatus", weighted(g.rng, []choice{{1, 75}, {2, 15}, {6, 10}}))
	}
	g.audit(w, g.day(genStart.AddDate(-8, 0, 0), genStart))
	return w.WriteRow()
}

// wars are the theaters of operations of Client.csv, by the years they ran.
var wars = []struct {
	column   string
	from, to int
}{
	{"WorldWarII", 1941, 1945}, {"KoreanWar", 1950, 1953}, {"VietnamWar", 1964, 1975},
	{"DesertStorm", 1990, 1991}, {"AfghanistanOEF", 2001, 2014}, {"IraqOIF", 2003, 2010},
	{"IraqOND", 2010, 2011},
}

// enrollments writes the household's CE enrollment with its assessments, which put it on the HPL
// when onList, and on average nine more household enrollments in other projects, each with an
// exit when it has ended.
func (g *generator) enrollments(enrollments, exits, assessments *Writer, hh []member, onList bool) error {
	ceEntry := g.day(genStart, genEnd.AddDate(0, -1, 0))
	var ceExit time.Time
	if !onList && g.rng.IntN(2) == 0 {
		ceExit = ceEntry.AddDate(0, 0, 30+g.rng.IntN(336))
		if ceExit.After(genEnd) {
			ceExit = time.Time{}
		}
	}
	ceEnrollmentID, err := g.enrollment(enrollments, exits, hh, g.ce, ceEntry, ceExit, false)
	if err != nil {
		return err
	}
	status := 2 // not placed on the prioritization list
	if onList {
		status = 1
	}
	assessed := ceEntry.AddDate(0, 0, g.rng.IntN(30))
	if !ceExit.IsZero() && assessed.After(ceExit) {
		assessed = ceExit
	}
	if g.rng.IntN(4) == 0 {
		if err := g.assessment(assessments, ceEnrollmentID, hh[0].id, ceEntry, 1, status); err != nil {
			return err
		}
	}
	if err := g.assessment(assessments, ceEnrollmentID, hh[0].id, assessed, 2, status); err != nil {
		return err
	}
	if onList {
		g.listed++
		if g.opts.ConsentShare > 0 {
			g.heads = append(g.heads, listedHead{hh[0].id, assessed})
		}
	}

	for range g.rng.IntN(19) {
		p := g.projects[g.rng.IntN(len(g.projects))]
		entry := g.day(genStart, genEnd)
		exit := entry.AddDate(0, 0, g.stay(p.typ))
		if exit.After(genEnd) || g.rng.IntN(10) == 0 {
			exit = time.Time{}
		}
		// A household still on the list has not moved into housing: it would be off the list.
		if _, err := g.enrollment(enrollments, exits, hh, p, entry, exit, !onList); err != nil {
			return err
		}
	}
	return nil
}

// stay is how many days an enrollment in a project of type typ lasts.
func (g *generator) stay(typ int) int {
	switch typ {
	case typeESEntryExit, typeESNightly:
		return 1 + g.rng.IntN(120)
	case typeTH:
		return 60 + g.rng.IntN(660)
	case typePSH:
		return 180 + g.rng.IntN(1800)
	case typeRRH:
		return 60 + g.rng.IntN(480)
	case typePrevention:
		return 30 + g.rng.IntN(150)
	}
	return 1 + g.rng.IntN(365)
}

// enrollment writes one Enrollment row per household member, sharing a HouseholdID, and their
// exits when exit is not zero; in permanent housing, most have a move-in date if movesIn. It
// returns the head of household's EnrollmentID.
func (g *generator) enrollment(w, exits *Writer, hh []member, p genProject, entry, exit time.Time, movesIn bool) (string, error) {
	householdID := g.id("H")
	living := weighted(g.rng, []choice{{116, 40}, {101, 25}, {118, 2}, {204, 1}, {205, 2}, {206, 2}, {207, 3}, {302, 2}, {314, 4}, {335, 8}, {336, 8}, {410, 2}, {99, 1}})
	disabled := weighted(g.rng, []choice{{0, 48}, {1, 48}, {8, 1}, {9, 1}, {99, 2}})
	var moveIn time.Time
	if (p.typ == typePSH || p.typ == typeRRH) && g.rng.IntN(5) > 0 {
		moveIn = entry.AddDate(0, 0, g.rng.IntN(60))
		if !movesIn || moveIn.After(genEnd) || !exit.IsZero() && moveIn.After(exit) {
			moveIn = time.Time{}
		}
	}
	var hohEnrollment string
	for _, m := range hh {
		id := g.id("E")
		if m.relationship == 1 {
			hohEnrollment = id
		}
		w.Set("EnrollmentID", id)
		w.Set("PersonalID", m.id)
		w.Set("ProjectID", p.id)
		w.SetDate("EntryDate", entry)
		w.Set("HouseholdID", householdID)
		w.SetInt("RelationshipToHoH", m.relationship)
		w.Set("EnrollmentCoC", genCoC)
		w.SetInt("LivingSituation", living)
		w.SetInt("LengthOfStay", pick(g.rng, []int{10, 11, 2, 3, 4, 5}))
		switch living {
		case 116, 101, 118: // literally homeless: when it began
			g.homelessSince(w, entry)
		case 99:
		default:
			short := g.rng.IntN(2)
			w.SetInt("LOSUnderThreshold", short)
			if short == 1 {
				street := g.rng.IntN(2)
				w.SetInt("PreviousStreetESSH", street)
				if street == 1 {
					g.homelessSince(w, entry)
				}
			}
		}
		w.SetInt("DisablingCondition", disabled)
		w.SetDate("MoveInDate", moveIn)
		g.audit(w, entry)
		if err := w.WriteRow(); err != nil {
			return "", err
		}
		if exit.IsZero() {
			continue
		}
		exits.Set("ExitID", g.id("X"))
		exits.Set("EnrollmentID", id)
		exits.Set("PersonalID", m.id)
		exits.SetDate("ExitDate", exit)
		g.destination(exits, p.typ)
		g.audit(exits, exit)
		if err := exits.WriteRow(); err != nil {
			return "", err
		}
	}
	return hohEnrollment, nil
}

// homelessSince sets 3.917's approximate start of homelessness and its counts over three years.
func (g *generator) homelessSince(w *Writer, entry time.Time) {
	w.SetDate("DateToStreetESSH", entry.AddDate(0, 0, -g.rng.IntN(1000)))
	w.SetInt("TimesHomelessPastThreeYears", 1+g.rng.IntN(4))
	w.SetInt("MonthsHomelessPastThreeYears", 101+g.rng.IntN(13))
}

// destination sets where a client went on leaving a project of type typ (list 3.12.1): permanent
// housing, often subsidized, from housing projects; anywhere from the others.
func (g *generator) destination(w *Writer, typ int) {
	var d int
	if typ == typePSH || typ == typeRRH || typ == typeTH {
		d = weighted(g.rng, []choice{{435, 50}, {410, 15}, {422, 8}, {423, 5}, {116, 5}, {101, 5}, {30, 7}, {99, 5}})
	} else {
		d = weighted(g.rng, []choice{{101, 20}, {116, 20}, {302, 8}, {312, 10}, {313, 8}, {207, 4}, {410, 8}, {435, 7}, {30, 10}, {8, 2}, {99, 3}})
	}
	w.SetInt("Destination", d)
	if d == 435 { // rental by client with an ongoing subsidy: which subsidy (3.12.A)
		w.SetInt("DestinationSubsidyType", pick(g.rng, []int{420, 431, 433, 434}))
	}
}

// assessment writes a CE assessment of the head of household: level 1 crisis needs, 2 housing
// needs.
func (g *generator) assessment(w *Writer, enrollmentID, personalID string, on time.Time, level, status int) error {
	w.Set("AssessmentID", g.id("A"))
	w.Set("EnrollmentID", enrollmentID)
	w.Set("PersonalID", personalID)
	w.SetDate("AssessmentDate", on)
	w.Set("AssessmentLocation", g.ce.name)
	w.SetInt("AssessmentType", weighted(g.rng, []choice{{1, 20}, {2, 10}, {3, 70}}))
	w.SetInt("AssessmentLevel", level)
	w.SetInt("PrioritizationStatus", status)
	g.audit(w, on)
	return w.WriteRow()
}

// consentList writes consent.csv: ConsentShare of the people on the HPL, picked at random, each
// consenting between their assessment and the export's end, with no expiry. It returns the number
// of people it names. Its own random numbers leave the export the same with or without it.
func (g *generator) consentList() (int, error) {
	rng := rand.New(rand.NewPCG(g.opts.Seed, 0x636f6e73656e74))
	want := int(math.Round(g.opts.ConsentShare * float64(len(g.heads))))
	f, err := os.Create(filepath.Join(g.dir, consentFile))
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(f)
	w.Write(ConsentListColumns[:2])
	named := 0
	for i, h := range g.heads {
		// Of the people left, each is picked with the chance that picks the number still wanted.
		if rng.IntN(len(g.heads)-i) >= want-named {
			continue
		}
		named++
		w.Write([]string{h.id, randomDay(rng, h.assessed, genEnd).Format(time.DateOnly)})
	}
	w.Flush()
	err = w.Error()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return named, err
}

// day is a day between from and to, both included.
func (g *generator) day(from, to time.Time) time.Time { return randomDay(g.rng, from, to) }

// randomDay is a day between from and to, both included, drawn from rng.
func randomDay(rng *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	if days <= 0 {
		return from
	}
	return from.AddDate(0, 0, rng.IntN(days+1))
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// choice is a value and how often, relative to the others, it is picked.
type choice struct{ value, weight int }

// weighted picks one of choices.
func weighted(rng *rand.Rand, choices []choice) int {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := rng.IntN(total)
	for _, c := range choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	panic("unreachable")
}

var projectLabels = map[int]string{
	typeESEntryExit: "Emergency Shelter", typeESNightly: "Night Shelter", typeTH: "Transitional Housing",
	typePSH: "Supportive Housing", typeOutreach: "Street Outreach", typeServices: "Support Services",
	typePrevention: "Prevention", typeRRH: "Rapid Rehousing",
}

// Fictional names and places.
var (
	firstNames = []string{"Avery", "Blair", "Casey", "Dana", "Eden", "Finley", "Gray", "Harper", "Indra", "Jules",
		"Kai", "Lane", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Tatum", "Uma", "Vale",
		"Wren", "Yael", "Zion", "Alma", "Bruno", "Cora", "Dario", "Elsa", "Faye", "Gideon", "Hana", "Ivo"}
	lastNames = []string{"Ashgrove", "Birchwell", "Copperfield", "Dunmore", "Elmstead", "Fairbank", "Glenholm",
		"Hollins", "Ivesdale", "Juniper", "Kestrel", "Larkspur", "Millbrook", "Northcote", "Oakhurst", "Pembrook",
		"Quarry", "Redfern", "Stillwater", "Thornbury", "Underhill", "Vantreese", "Westbrook", "Yarrow", "Zellner"}
	places = []string{"Harbor", "Cedar", "Riverside", "Maple", "Beacon", "Summit", "Lantern", "Willow", "Granite",
		"Meadow", "Northgate", "Bridgeway", "Juniper", "Foxglove", "Aspen", "Hearth", "Lakeview", "Orchard"}
	agencyKinds = []string{"Community Services", "Family Center", "Housing Alliance", "Outreach Collective",
		"Shelter Network", "Recovery Partners"}
	streets = []string{"Main St", "Elm St", "Mill Rd", "Harbor Way", "Church St", "Oak Ave", "Station Rd"}
	cities  = []string{"Fairhaven", "Millbrook", "Eastvale", "Stonebridge", "Westmoor", "Riverton"}
)
