package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
	"github.com/doorway-cas/doorway/internal/store"
)

// The demo's Housing Priority List and referral history: about 300 fictional clients who joined
// the list over the last two years, and a month of referrals to the demo facilities that leaves
// referrals in every status. The past is replayed through the store's own services, each event
// with the store's clock set to its moment, so timelines, deadlines and audit events read true.

// clientCount is how many clients the demo puts on the HPL.
const clientCount = 300

// Fictional names; every client gets a different pairing.
var (
	firstNames = []string{"Adrian", "Bianca", "Caleb", "Delia", "Elias", "Fatima", "Gabriel", "Hana", "Isaac", "Jada",
		"Kofi", "Lena", "Marcus", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Silas", "Tamsin", "Uriel", "Vera", "Wesley", "Yara"}
	lastNames = []string{"Abernathy", "Bellamy", "Castellan", "Dunmore", "Ellery", "Fairbanks", "Garrow", "Hollis", "Iverson",
		"Jessup", "Kettering", "Larkspur", "Marchetti", "Norwood", "Oakridge", "Pendleton", "Quarles", "Rowntree", "Stanhope", "Thorne"}
)

// familySizes are the sizes of households with children, as often as they occur.
var familySizes = []int{2, 2, 2, 3, 3, 3, 4, 4, 5}

// documentOdds is how likely a client is to have each document on file.
var documentOdds = []struct {
	Name string
	Odds func(c cas.Client) float64
}{
	{"Photo ID", func(cas.Client) float64 { return 0.8 }},
	{"Homelessness verification", func(c cas.Client) float64 { return either(c.Chronic, 0.85, 0.5) }},
	{"Disability verification", func(c cas.Client) float64 { return either(c.Chronic || c.Veteran, 0.75, 0.2) }},
	{"DD-214", func(c cas.Client) float64 { return either(c.Veteran, 0.9, 0) }},
	{"Income verification", func(cas.Client) float64 { return 0.35 }},
}

func either(cond bool, yes, no float64) float64 {
	if cond {
		return yes
	}
	return no
}

// parkedCount clients are set aside for a while, for one of parkReasons; one client is taken off
// the list for each of removalReasons.
const parkedCount = 8

var (
	parkReasons = []string{
		"In a residential treatment program; follow up at discharge",
		"In hospital; the case manager will confirm discharge plans",
		"Staying with family out of town for a few weeks",
		"Short jail stay; release date confirmed with the case manager",
	}
	removalReasons = []struct {
		code cas.RemovalCode
		note string
	}{
		{cas.RemovalMovedAway, "Moved out of the Continuum's area"},
		{cas.RemovalHousedElsewhere, "Found housing without assistance"},
		{cas.RemovalUnreachable, "No contact for 90 days despite outreach"},
		{cas.RemovalOther, "Entered long-term care"},
	}
)

// person is a generated client, the HPL entry that puts them on the list, when they joined it,
// and whether they are later parked or taken off the list (at AsideAt, with a reason).
type person struct {
	Client       cas.Client
	Entry        cas.HPLEntry
	Joined       time.Time
	Park, Remove string
	RemoveCode   cas.RemovalCode
	AsideAt      time.Time
	ParkUntil    cas.Date
}

// people generates the demo's clients, the same ones for the same clock.
func people(rng *rand.Rand, now time.Time, zone *time.Location) []person {
	chance := func(p float64) bool { return rng.Float64() < p }
	// Race, gender and sex draw from a source of their own, so that they change nothing else
	// about the clients.
	traits := rand.New(rand.NewPCG(3, 4))
	today := cas.DateOf(now, zone)
	names := rng.Perm(len(firstNames) * len(lastNames))
	list := make([]person, clientCount)
	for i := range list {
		c := cas.Client{FirstName: firstNames[names[i]%len(firstNames)], LastName: lastNames[names[i]/len(firstNames)],
			HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: chance(0.95)}
		switch x := rng.Float64(); {
		case x < 0.7:
			c.HMISPersonalID = fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		case x < 0.9:
			c.HMISPersonalID = fmt.Sprintf("P%06d", 100+i)
		}
		age := 25 + rng.IntN(26) + rng.IntN(25) // 25 to 74, most in middle age
		if c.Youth = chance(0.12); c.Youth {
			age = 18 + rng.IntN(7)
		}
		switch {
		case chance(either(c.Youth, 0.15, 0.32)):
			c.HouseholdType, c.HouseholdSize = cas.WithChildren, familySizes[rng.IntN(len(familySizes))]
		case chance(0.1):
			c.HouseholdSize = 2 // a couple
		}
		c.BirthDate = cas.DateOf(today.Start(zone).AddDate(-age, 0, -rng.IntN(365)), zone)
		c.Veteran = !c.Youth && chance(0.12)
		c.Chronic = chance(either(c.Youth, 0.15, 0.35))
		c.DVSurvivor = chance(either(c.HouseholdType == cas.WithChildren, 0.3, 0.12))
		c.NeedsAccessible = chance(either(age >= 60, 0.15, 0.05))
		demographics(traits, &c)

		e := cas.HPLEntry{Score: rng.IntN(14), AssessedOn: today.AddDays(-rng.IntN(730)), DaysHomeless: rng.IntN(730)}
		if c.Chronic {
			e.Score, e.DaysHomeless = min(17, e.Score+4), 365+rng.IntN(2136)
		}
		for _, d := range documentOdds {
			if chance(d.Odds(c)) {
				e.Documents = append(e.Documents, d.Name)
			}
		}
		switch x := rng.Float64(); {
		case x < 0.65:
			e.IntakeStatus = cas.IntakeReady
		case x < 0.85:
			e.IntakeStatus = cas.IntakeIncompleteDocuments
		default:
			e.IntakeStatus = cas.IntakePending
		}
		if c.HMISPersonalID != "" {
			// Assessed in the HMIS: the entry came from the client's CE enrollment there, so its
			// referrals go back to the HMIS as CE Events. The others were added in Doorway.
			e.HMISEnrollmentID = fmt.Sprintf("CE%06d", 100+i)
		}
		joined := e.AssessedOn.Start(zone).Add(9*time.Hour + time.Duration(rng.IntN(8*60))*time.Minute)
		if joined.After(now) {
			joined = now
		}
		list[i] = person{Client: c, Entry: e, Joined: joined}
	}
	aside := rng.Perm(len(list))
	for i, n := range aside[:parkedCount] {
		p := &list[n]
		p.Park, p.ParkUntil = parkReasons[i%len(parkReasons)], today.AddDays(10+rng.IntN(40))
		if p.AsideAt = now.Add(-time.Duration(1+rng.IntN(14)) * 24 * time.Hour); p.AsideAt.Before(p.Joined) {
			p.AsideAt = p.Joined
		}
	}
	for i, n := range aside[parkedCount:][:len(removalReasons)] {
		p := &list[n]
		r := removalReasons[i]
		p.RemoveCode, p.Remove, p.AsideAt = r.code, r.note, p.Joined.Add(now.Sub(p.Joined)/2)
	}
	return list
}

// races are the demo's first race options and how often each is a client's, roughly as among
// people experiencing homelessness in the US; Hispanic/Latina/e/o alone stands for those who
// chose no other option.
var races = []struct {
	Race cas.Race
	Odds float64
}{
	{cas.RaceWhite, 0.44}, {cas.RaceBlack, 0.37}, {cas.RaceHispanic, 0.08}, {cas.RaceAmericanIndian, 0.04},
	{cas.RacePacificIslander, 0.03}, {cas.RaceAsian, 0.02}, {cas.RaceMiddleEastern, 0.02},
}

// demographics gives a client HUD's race and ethnicity, gender and sex: a few multiracial, many
// Hispanic/Latina/e/o, a few non-binary or transgender, and some not collected. They play no part
// in who is referred.
func demographics(rng *rand.Rand, c *cas.Client) {
	chance := func(p float64) bool { return rng.Float64() < p }
	if !chance(0.04) {
		x := rng.Float64()
		i := 0
		for ; i < len(races)-1 && x >= races[i].Odds; i++ {
			x -= races[i].Odds
		}
		c.Race = []cas.Race{races[i].Race}
		if c.Race[0] != cas.RaceHispanic && chance(0.08) {
			c.Race = append(c.Race, races[rng.IntN(len(races))].Race) // Validate drops a repeat
		}
		if c.Race[0] != cas.RaceHispanic && chance(either(c.Race[0] == cas.RaceWhite, 0.4, 0.08)) {
			c.Race = append(c.Race, cas.RaceHispanic)
		}
	}
	switch x := rng.Float64(); {
	case x < 0.03:
		// not collected
	case x < 0.05:
		c.Gender = []cas.Gender{cas.GenderNonBinary}
	case x < either(c.HouseholdType == cas.WithChildren, 0.75, 0.38):
		c.Gender = []cas.Gender{cas.GenderWoman}
	default:
		c.Gender = []cas.Gender{cas.GenderMan}
	}
	if len(c.Gender) > 0 && chance(0.02) {
		c.Gender = append(c.Gender, cas.GenderTransgender)
	}
	if slices.Contains(c.Race, cas.RaceAmericanIndian) && chance(0.25) {
		c.Gender = append(c.Gender, cas.GenderCulturallySpecific)
	}
	female, male := slices.Contains(c.Gender, cas.GenderWoman), slices.Contains(c.Gender, cas.GenderMan)
	if slices.Contains(c.Gender, cas.GenderTransgender) {
		female, male = male, female
	}
	switch {
	case chance(0.06):
		// not collected
	case female:
		c.Sex = cas.SexFemale
	case male:
		c.Sex = cas.SexMale
	case chance(0.5):
		c.Sex = cas.SexFemale
	default:
		c.Sex = cas.SexMale
	}
}

// Facility names the referral stories use.
const (
	harborCommons = "Harbor Commons"
	bayview       = "Bayview Townhomes"
	riverside     = "Riverside Apartments"
	nextStep      = "Next Step Youth House"
	libertyPlace  = "Liberty Place"
	eastgate      = "Eastgate Family Residences"
)

// story is one referral's history: Days[0] days ago the top-ranked client then eligible for a free
// unit of the facility is referred; then each step happens on the following Days. An expiry is the
// worker's, so it comes on the day the response deadline passed.
type story struct {
	Facility string
	Days     []int
	Steps    []cas.ReferralAction
	Reason   cas.DeclineReason // of a decline
	Note     string            // of a decline or a withdrawal, or why to over-refer
	Vacancy  int               // to over-refer to a full facility: in how many days a unit opens
}

// stories is the demo's month of referrals, oldest first for each facility. A facility never has
// more open referrals than free units, except for the over-referral. Eastgate's program reviews
// the engine's proposals, so the matching run at the end proposes for its free unit.
func stories() []story {
	const (
		accept, decline, withdraw = cas.ActionAccept, cas.ActionDecline, cas.ActionWithdraw
		moveIn, expire            = cas.ActionMoveIn, cas.ActionExpire
	)
	type steps = []cas.ReferralAction
	return []story{
		{Facility: riverside, Days: []int{30, 29}, Steps: steps{decline}, Reason: cas.DeclineClientRefused,
			Note: "Prefers to wait for a unit closer to their sister"},
		{Facility: riverside, Days: []int{28, 25}, Steps: steps{expire}},
		{Facility: riverside, Days: []int{27, 26, 20}, Steps: steps{accept, moveIn}},
		{Facility: riverside, Days: []int{24, 23}, Steps: steps{decline}, Reason: cas.DeclineClientUnreachable,
			Note: "Three calls and a visit to the shelter; no answer"},
		{Facility: riverside, Days: []int{22, 21}, Steps: steps{withdraw},
			Note: "Referred before the chronic homelessness verification was checked; re-verifying"},
		{Facility: riverside, Days: []int{18, 17}, Steps: steps{decline}, Reason: cas.DeclineNoUnitAvailable,
			Note: "The free unit is promised to a resident transferring from the second floor"},
		{Facility: riverside, Days: []int{15, 14, 10}, Steps: steps{accept, decline}, Reason: cas.DeclineIneligible,
			Note: "The disability verification on file has lapsed"},
		{Facility: riverside, Days: []int{2}},

		{Facility: nextStep, Days: []int{25, 24}, Steps: steps{decline}, Reason: cas.DeclineClientHousedElsewhere,
			Note: "Moved back in with family in another state"},
		{Facility: nextStep, Days: []int{23, 22, 16}, Steps: steps{accept, moveIn}},
		{Facility: nextStep, Days: []int{14, 11}, Steps: steps{expire}},
		{Facility: nextStep, Days: []int{10, 9}, Steps: steps{decline}, Reason: cas.DeclineSafetyConcern,
			Note: "A no-contact order involves a current resident"},
		{Facility: nextStep, Days: []int{1}},

		{Facility: libertyPlace, Days: []int{26, 24, 19}, Steps: steps{accept, withdraw},
			Note: "The veteran received a HUD-VASH voucher and chose a private apartment"},
		{Facility: libertyPlace, Days: []int{21, 20}, Steps: steps{decline}, Reason: cas.DeclineOther,
			Note: "The veteran asked to wait until recovery from surgery, about two months"},
		{Facility: libertyPlace, Days: []int{18, 15}, Steps: steps{expire}},
		{Facility: libertyPlace, Days: []int{12, 9}, Steps: steps{accept}},
		{Facility: libertyPlace, Days: []int{8, 7}, Steps: steps{decline}, Reason: cas.DeclineIneligible,
			Note: "The discharge status on the DD-214 does not qualify; referred to another veterans program"},

		{Facility: harborCommons, Days: []int{29, 27}, Steps: steps{decline}, Reason: cas.DeclineNoUnitAvailable,
			Note: "The unit is still being repaired after the last move-out"},
		{Facility: harborCommons, Days: []int{20, 18, 11}, Steps: steps{accept, moveIn}},
		{Facility: harborCommons, Days: []int{16, 15}, Steps: steps{withdraw},
			Note: "The household size was recorded wrong; intake is correcting it"},
		{Facility: harborCommons, Days: []int{13, 10}, Steps: steps{expire}},
		{Facility: harborCommons, Days: []int{6, 4}, Steps: steps{accept}},
		{Facility: harborCommons, Days: []int{2}, Vacancy: 21,
			Note: "Apt 201's household moves to a larger home at the end of the month"},

		{Facility: bayview, Days: []int{24, 21}, Steps: steps{decline}, Reason: cas.DeclineClientUnreachable,
			Note: "The family's phone is disconnected and the shelter has no forwarding contact"},
		{Facility: bayview, Days: []int{19, 14}, Steps: steps{expire}},
		{Facility: bayview, Days: []int{12, 10}, Steps: steps{decline}, Reason: cas.DeclineOther,
			Note: "The family chose to stay with relatives out of state for the school year"},
		{Facility: bayview, Days: []int{3}},
	}
}

// event is something that happened in the demo's past, at a moment.
type event struct {
	At time.Time
	Do func() error
}

// history replays the demo's past against the store.
type history struct {
	db     *store.DB
	sites  map[string]match.Facility // by facility name
	taken  map[string]bool           // clients given a part already: referred by a story, parked or removed
	events []event
}

// loadHPL puts the demo's clients on the HPL and replays their referrals, then expires what is
// overdue and lets the matching engine fill the units still free.
func loadHPL(ctx context.Context, db *store.DB, sites map[string]match.Facility) error {
	now := db.Now()
	h := &history{db: db, sites: sites, taken: map[string]bool{}}
	list := people(rand.New(rand.NewPCG(1, 2)), now, db.Zone)
	for i := range list {
		h.person(ctx, i, &list[i])
	}
	for i, s := range stories() {
		if _, ok := sites[s.Facility]; !ok {
			return fmt.Errorf("demo referral %d: no facility %q", i, s.Facility)
		}
		// Each story happens at its own time of day.
		h.story(ctx, i, s, now.Add(-time.Duration(37*i%480)*time.Minute))
	}
	slices.SortStableFunc(h.events, func(a, b event) int { return a.At.Compare(b.At) })
	for _, e := range h.events {
		if err := at(db, e.At, e.Do); err != nil {
			return err
		}
	}
	if _, err := db.ExpireReferrals(ctx); err != nil {
		return fmt.Errorf("demo referrals: %w", err)
	}
	if _, err := db.RunMatch(ctx, false); err != nil {
		return fmt.Errorf("demo matching run: %w", err)
	}
	return nil
}

// at runs fn with the store's clock stopped at t, so that what fn records happened then.
func at(db *store.DB, t time.Time, fn func() error) error {
	clock := db.Now
	db.Now = func() time.Time { return t }
	defer func() { db.Now = clock }()
	return fn()
}

// person schedules a client's joining the HPL, and their parking or removal.
func (h *history) person(ctx context.Context, i int, p *person) {
	h.events = append(h.events, event{p.Joined, func() error {
		c, err := h.db.CreateClient(ctx, cas.System, p.Client)
		if err != nil {
			return fmt.Errorf("demo client %d: %w", i, err)
		}
		p.Client, p.Entry.ClientID = c, c.ID
		if p.Entry, err = h.db.AddToHPL(ctx, cas.System, p.Entry); err != nil {
			return fmt.Errorf("demo client %d on the HPL: %w", i, err)
		}
		h.taken[c.ID] = p.Park != "" || p.Remove != ""
		return nil
	}})
	switch {
	case p.Park != "":
		h.events = append(h.events, event{p.AsideAt, func() error {
			_, err := h.db.ParkHPLEntry(ctx, cas.System, p.Entry.ID, p.ParkUntil, p.Park)
			return wrap(err, "demo client %d parked", i)
		}})
	case p.Remove != "":
		h.events = append(h.events, event{p.AsideAt, func() error {
			_, err := h.db.RemoveFromHPL(ctx, cas.System, p.Entry.ID, p.RemoveCode, p.Remove)
			return wrap(err, "demo client %d removed", i)
		}})
	}
}

// story schedules a referral and its steps, on days counted back from a moment today.
func (h *history) story(ctx context.Context, i int, s story, today time.Time) {
	day := func(n int) time.Time { return today.Add(-time.Duration(n) * 24 * time.Hour) }
	var r cas.Referral
	h.events = append(h.events, event{day(s.Days[0]), func() error {
		var err error
		r, err = h.refer(ctx, s)
		return wrap(err, "demo referral %d to %s", i, s.Facility)
	}})
	for j, a := range s.Steps {
		when := day(s.Days[j+1])
		if a == cas.ActionExpire {
			when = when.Add(time.Minute) // just past the deadline
		}
		h.events = append(h.events, event{when, func() error {
			if r.ID == "" {
				return nil // no client fit: the story is left out
			}
			return wrap(h.step(ctx, s, r, a), "demo referral %d to %s, %s", i, s.Facility, a)
		}})
	}
}

// refer refers the top-ranked client without a part yet who is eligible for one of the facility's
// available units, or for any of its units when over-referring. A client who is refused for want
// of a free unit that suits their household is skipped. When no client fits, no referral is made.
func (h *history) refer(ctx context.Context, s story) (cas.Referral, error) {
	site := h.sites[s.Facility]
	filter := store.UnitFilter{FacilityID: site.Facility.ID, Status: cas.UnitAvailable}
	in := store.NewReferral{FacilityID: site.Facility.ID}
	if s.Vacancy > 0 {
		filter.Status = ""
		in.OverRefer, in.Reason = true, s.Note
		in.ExpectedVacancy = cas.DateOf(h.db.Now(), h.db.Zone).AddDays(s.Vacancy)
	}
	units, _, err := h.db.Units(ctx, cas.System, filter, store.Page{Limit: 500})
	if err != nil {
		return cas.Referral{}, err
	}
	list, _, _, err := h.db.HPL(ctx, cas.System, store.HPLFilter{}, store.Page{Limit: 500})
	if err != nil {
		return cas.Referral{}, err
	}
	today := cas.DateOf(h.db.Now(), h.db.Zone)
	for _, item := range list {
		c := match.Candidate{Entry: item.Entry, Client: item.Client}
		if h.taken[c.Client.ID] || !slices.ContainsFunc(units, func(u cas.Unit) bool {
			ok, _ := match.Eligible(today, c, site, u)
			return ok
		}) {
			continue
		}
		in.ClientID = c.Client.ID
		r, err := h.db.CreateReferral(ctx, cas.System, in)
		if cas.ErrorCode(err) == cas.EConflict {
			continue // the free units do not suit this household
		}
		h.taken[c.Client.ID] = true
		return r, err
	}
	return cas.Referral{}, nil
}

// step takes one step of a story's referral.
func (h *history) step(ctx context.Context, s story, r cas.Referral, a cas.ReferralAction) error {
	var err error
	switch a {
	case cas.ActionAccept:
		_, err = h.db.AcceptReferral(ctx, cas.System, r.ID, "")
	case cas.ActionDecline:
		_, err = h.db.DeclineReferral(ctx, cas.System, r.ID, s.Reason, s.Note)
	case cas.ActionWithdraw:
		_, err = h.db.WithdrawReferral(ctx, cas.System, r.ID, s.Note)
	case cas.ActionMoveIn:
		_, err = h.db.MoveIn(ctx, cas.System, r.ID, r.UnitID)
	case cas.ActionExpire:
		_, err = h.db.ExpireReferrals(ctx)
	}
	return err
}

// wrap adds context to an error, and leaves nil alone.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
