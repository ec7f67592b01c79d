package match

import (
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// refusal is why one client may not be referred to one unit. Its text is the stable reason code a
// CAS admin reads and the engine counts; accepted is no refusal.
//
// The rules run in this order, and the first that refuses is the reason: the exclusions, which
// depend on the client alone; then the program's rules; then the unit's. Because the program's
// rules come before the unit's, a client the program refuses is refused for the same reason by
// every unit of the program, which is what lets the engine judge a client once per facility.
type refusal uint8

const (
	accepted refusal = iota
	refusedReferred
	refusedHoused
	refusedInactive
	refusedNotReady
	refusedParked
	refusedOpenReferral
	refusedNoConsent
	refusedDeclined
	refusedProgramHousehold
	refusedNotVeteran
	refusedNotChronic
	refusedNotDVSurvivor
	refusedNotYouth
	refusedPopulation
	refusedAge
	refusedNoBirthDate
	refusedDocuments
	refusedUnitHousehold
	refusedTooLarge
	refusedNeedsAccessible
	// alreadyMatched is not a rule: it counts clients the engine placed earlier in the same run.
	alreadyMatched
	numRefusals
)

var refusalText = [numRefusals]string{
	accepted:                "eligible",
	refusedReferred:         "already referred",
	refusedHoused:           "already housed",
	refusedInactive:         "not active on the HPL",
	refusedNotReady:         "not ready",
	refusedParked:           "parked",
	refusedOpenReferral:     "open referral",
	refusedNoConsent:        "no consent on file",
	refusedDeclined:         "not referred to this program again yet",
	refusedProgramHousehold: "household type not served by the program",
	refusedNotVeteran:       "not a veteran",
	refusedNotChronic:       "not chronically homeless",
	refusedNotDVSurvivor:    "not a DV survivor",
	refusedNotYouth:         "not a youth (18 to 24)",
	refusedPopulation:       "not in the program's population",
	refusedAge:              "outside the program's age range",
	refusedNoBirthDate:      "birth date missing",
	refusedDocuments:        "missing documents",
	refusedUnitHousehold:    "household type not served by the unit",
	refusedTooLarge:         "household too large for the unit",
	refusedNeedsAccessible:  "needs an accessible unit",
	alreadyMatched:          "already matched this run",
}

func (r refusal) String() string { return refusalText[r] }

// Eligible reports whether candidate c may be referred to unit u of facility f on today. When not,
// why is the first rule that refused, e.g. "not ready", "household too large for the unit" or
// "missing documents: Photo ID, Birth certificate"; the text before any colon is the reason code
// that Match counts in its reasons.
func Eligible(today cas.Date, c Candidate, f Facility, u cas.Unit) (ok bool, why string) {
	r, missing := refuse(today, &c, &f.Program, &u)
	switch {
	case r == accepted:
		return true, ""
	case len(missing) > 0:
		return false, r.String() + ": " + strings.Join(missing, ", ")
	default:
		return false, r.String()
	}
}

// refuse applies every rule in order; for refusedDocuments it also names the missing documents as
// the program spells them.
func refuse(today cas.Date, c *Candidate, p *cas.Program, u *cas.Unit) (refusal, []string) {
	if r := excluded(today, c); r != accepted {
		return r, nil
	}
	if slices.Contains(c.NotReferredAgainBy, p.ID) {
		return refusedDeclined, nil
	}
	req := &p.Requirements
	if len(req.HouseholdTypes) > 0 && !slices.Contains(req.HouseholdTypes, c.Client.HouseholdType) {
		return refusedProgramHousehold, nil
	}
	age := ageOf(&c.Client, today)
	for _, pop := range req.Populations {
		if !inPopulation(&c.Client, pop, age) {
			return populationRefusal(pop), nil
		}
	}
	if r := ageRefusal(age, req.MinAge, req.MaxAge); r != accepted {
		return r, nil
	}
	var missing []string
	for _, d := range req.RequiredDocuments {
		if !slices.ContainsFunc(c.Entry.Documents, func(have string) bool { return documentKey(have) == documentKey(d) }) {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		return refusedDocuments, missing
	}
	return unitRefusal(&c.Client, u), nil
}

// Refusals lists in words every rule of the engine's that refuses a client for a program, as a CAS
// admin reads them before making a referral by hand: not ready, parked, not referred to this
// program again yet, the program's household types, populations, ages and required documents, and
// the unit rules when none of the facility's units fits the household. It leaves out what a CAS
// admin's referral decides by itself: the client's place on the list and their other referrals.
// Consent is the caller's to check: it is the law, not a priority rule. Nil means eligible.
func Refusals(today cas.Date, c Candidate, p cas.Program, units []cas.Unit) []string {
	var list []string
	add := func(r refusal, detail ...string) {
		text := r.String()
		if len(detail) > 0 {
			text += ": " + strings.Join(detail, ", ")
		}
		list = append(list, text)
	}
	if c.Entry.IntakeStatus != cas.IntakeReady {
		add(refusedNotReady)
	}
	if c.Entry.Parked(today) {
		add(refusedParked)
	}
	if slices.Contains(c.NotReferredAgainBy, p.ID) {
		add(refusedDeclined)
	}
	req := &p.Requirements
	if len(req.HouseholdTypes) > 0 && !slices.Contains(req.HouseholdTypes, c.Client.HouseholdType) {
		add(refusedProgramHousehold)
	}
	age := ageOf(&c.Client, today)
	for _, pop := range req.Populations {
		if !inPopulation(&c.Client, pop, age) {
			add(populationRefusal(pop))
		}
	}
	if r := ageRefusal(age, req.MinAge, req.MaxAge); r != accepted {
		add(r)
	}
	var missing []string
	for _, d := range req.RequiredDocuments {
		if !slices.ContainsFunc(c.Entry.Documents, func(have string) bool { return documentKey(have) == documentKey(d) }) {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		add(refusedDocuments, missing...)
	}
	var unitRefusals []refusal
	for i := range units {
		r := unitRefusal(&c.Client, &units[i])
		if r == accepted {
			return list
		}
		if !slices.Contains(unitRefusals, r) {
			unitRefusals = append(unitRefusals, r)
		}
	}
	for _, r := range unitRefusals {
		add(r)
	}
	return list
}

// excluded applies the rules that depend on the client alone.
func excluded(today cas.Date, c *Candidate) refusal {
	switch c.Entry.Status {
	case cas.HPLActive:
	case cas.HPLReferred:
		return refusedReferred
	case cas.HPLHoused:
		return refusedHoused
	default:
		return refusedInactive
	}
	switch {
	case c.Entry.IntakeStatus != cas.IntakeReady:
		return refusedNotReady
	case c.Entry.Parked(today):
		return refusedParked
	case c.OpenReferral:
		return refusedOpenReferral
	case !c.Client.Consent:
		return refusedNoConsent
	}
	return accepted
}

// FitsUnit reports whether a unit suits a household (type, size for the bedrooms, accessibility),
// whatever the program's rules and the client's place on the list; why says what does not fit. A
// CAS admin's manual referral uses it to pick the unit a referral holds.
func FitsUnit(c cas.Client, u cas.Unit) (ok bool, why string) {
	r := unitRefusal(&c, &u)
	return r == accepted, r.String()
}

// unitRefusal applies the unit's rules.
func unitRefusal(c *cas.Client, u *cas.Unit) refusal {
	switch {
	case !slices.Contains(u.HouseholdTypes, c.HouseholdType):
		return refusedUnitHousehold
	case c.HouseholdSize > capacity(u.Bedrooms):
		return refusedTooLarge
	case c.NeedsAccessible && !u.Accessible:
		return refusedNeedsAccessible
	}
	return accepted
}

// capacity is how many people a unit with this many bedrooms houses: two per bedroom, and two in a
// studio.
func capacity(bedrooms int) int { return max(2, 2*bedrooms) }

// unknownAge is the age of a client without a birth date.
const unknownAge = -1

// ageOf is the client's age on today, or unknownAge.
func ageOf(c *cas.Client, today cas.Date) int {
	if c.BirthDate == "" {
		return unknownAge
	}
	return c.Age(today)
}

// ageOn computes clients' ages on one day as ageOf does, but reads a birth date's digits rather
// than parsing it into a time, which counts when a run judges 100,000 clients.
type ageOn struct {
	today          cas.Date
	year, monthDay int // today's, when valid
	valid          bool
}

func newAgeOn(today cas.Date) ageOn {
	year, monthDay, valid := splitDate(today)
	return ageOn{today: today, year: year, monthDay: monthDay, valid: valid}
}

func (a ageOn) of(c *cas.Client) int {
	year, monthDay, valid := splitDate(c.BirthDate)
	switch {
	case !valid || !a.valid:
		return ageOf(c, a.today)
	case a.monthDay < monthDay:
		return a.year - year - 1
	}
	return a.year - year
}

// splitDate reads a date written YYYY-MM-DD as its year and month*100 + day; valid is false for
// whatever time.Parse refuses.
func splitDate(d cas.Date) (year, monthDay int, valid bool) {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return 0, 0, false
	}
	year, y := digits(d[:4])
	month, m := digits(d[5:7])
	day, dd := digits(d[8:])
	if !y || !m || !dd || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, 0, false
	}
	return year, month*100 + day, true
}

func digits(s cas.Date) (n int, ok bool) {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// inPopulation reports whether a client of this age belongs to a population a program serves.
// A youth is flagged as one or aged 18 to 24; a client of unknown age only when flagged.
func inPopulation(c *cas.Client, p cas.Population, age int) bool {
	switch p {
	case cas.Veteran:
		return c.Veteran
	case cas.ChronicallyHomeless:
		return c.Chronic
	case cas.DVSurvivor:
		return c.DVSurvivor
	case cas.Youth:
		return c.Youth || (age >= 18 && age <= 24)
	}
	return false
}

func populationRefusal(p cas.Population) refusal {
	switch p {
	case cas.Veteran:
		return refusedNotVeteran
	case cas.ChronicallyHomeless:
		return refusedNotChronic
	case cas.DVSurvivor:
		return refusedNotDVSurvivor
	case cas.Youth:
		return refusedNotYouth
	}
	return refusedPopulation
}

// ageRefusal applies a program's age limits; zero means no limit. A client of unknown age meets
// no limit: the program cannot tell.
func ageRefusal(age, minAge, maxAge int) refusal {
	switch {
	case minAge == 0 && maxAge == 0:
		return accepted
	case age == unknownAge:
		return refusedNoBirthDate
	case minAge != 0 && age < minAge, maxAge != 0 && age > maxAge:
		return refusedAge
	}
	return accepted
}

// documentKey is how documents are compared: "Photo ID" on file meets a requirement for "photo id".
func documentKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }
