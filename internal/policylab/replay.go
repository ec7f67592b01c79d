package policylab

import (
	"cmp"
	"container/heap"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
)

// world is one replay of the history: under the schemes in force (the baseline) or under one
// scheme throughout (the alternative).
type world struct {
	h      *History
	fixed  *cas.PriorityScheme // nil: the scheme in force at each moment
	scheme cas.PriorityScheme

	people  []*person
	byEntry map[string]*person
	units   []*unit
	byUnit  map[string]*unit
	sites   map[string]*match.Facility // facility ID → the facility and its program, no units
	// realOf lists the real referrals of a client's entry to a program, oldest first.
	realOf        map[string][]*Referral
	parkedByReal  map[string]bool // entryID|time of a real decline that parked the client
	movedIn       map[string]bool // entryID|time of a real move-in
	viaEngine     map[string]bool // unitID|clientID|time of a move-in through a referral the replay makes again
	medianMoveIn  map[string]time.Duration
	overallMoveIn time.Duration

	events eventQueue
	seq    int
	ranked []*person // the people on the list, in rank order under the scheme

	// What changed since the engine last ran.
	lastDay   cas.Date
	freed     []*unit
	changed   []*person
	expiries  []time.Time // when re-referral blocks end, in order
	newScheme bool

	made     []made
	declines map[string]int
	buf      []match.Candidate // the candidates of the last run
}

// made is a referral of the replayed world.
type made struct {
	entryID, facilityID string
	at                  time.Time
	engine              bool
}

type person struct {
	*Person
	v       int // the version in force; -1 before joining
	entry   cas.HPLEntry
	client  cas.Client
	key     []int64
	onList  bool // joined, and not left, housed or yet to join
	left    bool
	leftAt  *time.Time
	housed  *time.Time
	open    int      // open referrals
	cfPark  cas.Date // parked by a replayed decline until then
	blocks  []block
	dirty   bool
	firstAt *time.Time // the first referral in the period
}

type block struct {
	program string
	until   time.Time
}

type unit struct {
	cas.Unit
	holds   []Hold
	applied []bool // which real holds took the unit in the replayed world
	exists  bool
	given   int        // real holds holding it in the replayed world
	cf      *cfHolding // a replayed referral holding it
	isFreed bool       // listed in world.freed
}

// cfHolding is a replayed referral's hold on a unit: until its decline, or, once accepted, until
// the unit's real next vacancy.
type cfHolding struct{ tenant bool }

func (u *unit) free() bool { return u.exists && u.given == 0 && u.cf == nil }

// The order of events at one moment: the state first, the engine last.
const (
	orderScheme = iota
	orderPerson
	orderReferral
	orderHoldEnd
	orderHoldStart
	orderOutcome
	orderEngine
)

type event struct {
	at    time.Time
	order int
	seq   int
	do    func(t time.Time)
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	a, b := &q[i], &q[j]
	return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.order, b.order), cmp.Compare(a.seq, b.seq)) < 0
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func (w *world) at(t time.Time, order int, do func(time.Time)) {
	if !t.Before(w.h.To) {
		return
	}
	w.seq++
	heap.Push(&w.events, event{at: t, order: order, seq: w.seq, do: do})
}

// replaced reports whether a real referral is the engine's, in the period: the replay makes its
// own instead.
func (w *world) replaced(r *Referral) bool {
	return r.Source == cas.SourceEngine && !r.Created.Before(w.h.From) && r.Created.Before(w.h.To)
}

// replay runs the history in time order under one scheme (nil: those in force) and returns the
// replayed world.
func replay(h *History, fixed *cas.PriorityScheme) *world {
	w := &world{h: h, fixed: fixed, byEntry: map[string]*person{}, byUnit: map[string]*unit{}, sites: map[string]*match.Facility{},
		realOf: map[string][]*Referral{}, parkedByReal: map[string]bool{}, movedIn: map[string]bool{}, viaEngine: map[string]bool{},
		declines: map[string]int{}}
	w.scheme = w.schemeAt(time.Time{})
	w.index()
	w.schedule()
	for w.events.Len() > 0 {
		e := heap.Pop(&w.events).(event)
		e.do(e.at)
	}
	return w
}

// schemeAt is the scheme in force at t, or the fixed one.
func (w *world) schemeAt(t time.Time) cas.PriorityScheme {
	if w.fixed != nil {
		return *w.fixed
	}
	s := cas.PriorityScheme{Version: 1, Criteria: cas.DefaultCriteria}
	for i, v := range w.h.Schemes {
		if i == 0 || !v.CreatedAt.After(t) {
			s = v
		}
	}
	return s
}

// index builds the lookups: programs, facilities, units, people, real referrals and the median
// days to move-in by program.
func (w *world) index() {
	h := w.h
	programs := map[string]cas.Program{}
	for _, p := range h.Programs {
		programs[p.ID] = p
	}
	for _, f := range h.Facilities {
		w.sites[f.ID] = &match.Facility{Facility: f, Program: programs[f.ProgramID]}
	}
	for i := range h.People {
		p := &person{Person: &h.People[i], v: -1}
		w.people = append(w.people, p)
		w.byEntry[p.EntryID] = p
	}
	moveIns := map[string][]float64{}
	var all []float64
	for i := range h.Referrals {
		r := &h.Referrals[i]
		key := r.EntryID + "|" + r.ProgramID
		w.realOf[key] = append(w.realOf[key], r)
		if r.Closed == nil {
			continue
		}
		if r.Status == cas.ReferralDeclined && cas.DeclineReason(r.ReasonCode) == cas.DeclineClientUnreachable {
			w.parkedByReal[moment(r.EntryID, *r.Closed)] = true
		}
		if r.Status == cas.ReferralHoused {
			w.movedIn[moment(r.EntryID, *r.Closed)] = true
			if w.replaced(r) {
				w.viaEngine[r.UnitID+"|"+moment(r.ClientID, *r.Closed)] = true
			}
		}
		if r.Status == cas.ReferralHoused && !r.Closed.Before(h.From) && r.Closed.Before(h.To) {
			d := float64(r.Closed.Sub(r.Created))
			moveIns[r.ProgramID] = append(moveIns[r.ProgramID], d)
			all = append(all, d)
		}
	}
	for _, list := range w.realOf {
		slices.SortStableFunc(list, func(a, b *Referral) int { return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID)) })
	}
	w.medianMoveIn = map[string]time.Duration{}
	for p, ds := range moveIns {
		w.medianMoveIn[p] = time.Duration(medianOf(ds))
	}
	if len(all) > 0 {
		w.overallMoveIn = time.Duration(medianOf(all))
	}
}

// schedule puts every real event of the history on the queue.
func (w *world) schedule() {
	h := w.h
	for i, s := range h.Schemes {
		if i > 0 && w.fixed == nil {
			w.at(s.CreatedAt, orderScheme, func(t time.Time) {
				w.scheme = w.schemeAt(t)
				w.rerank()
			})
		}
	}
	for _, p := range w.people {
		w.schedulePerson(p)
	}
	for i := range h.Units {
		w.scheduleUnit(&h.Units[i])
	}
	for i := range h.Referrals {
		if r := &h.Referrals[i]; !w.replaced(r) {
			w.scheduleGiven(r)
		}
	}
	runs := slices.Clone(h.Runs)
	for i := range h.Referrals {
		if r := &h.Referrals[i]; w.replaced(r) {
			runs = append(runs, r.Created)
		}
	}
	slices.SortFunc(runs, time.Time.Compare)
	runs = slices.CompactFunc(runs, time.Time.Equal)
	for _, t := range runs {
		if !t.Before(h.From) {
			w.at(t, orderEngine, w.decide)
		}
	}
}

// schedulePerson schedules a person's versions, and their leaving the list when a version says
// they left it other than through a referral: removed, or found housed by an import.
func (w *world) schedulePerson(p *person) {
	for i := range p.Versions {
		at := p.Versions[i].At
		if i == 0 || at.Before(p.Joined) {
			at = p.Joined
		}
		w.at(at, orderPerson, func(time.Time) { w.applyVersion(p, i) })
		switch st := p.Versions[i].Entry.Status; {
		case st == cas.HPLInactive, st == cas.HPLHoused && !w.movedIn[moment(p.EntryID, p.Versions[i].At)]:
			w.at(at, orderPerson, func(t time.Time) { w.leave(p, t) })
			return
		}
	}
}

func (w *world) applyVersion(p *person, i int) {
	v := &p.Versions[i]
	entry := v.Entry
	if p.v >= 0 && w.parkedByReal[moment(p.EntryID, v.At)] {
		// A real decline parked the client: the replay parks on its own declines instead.
		entry.ParkedUntil, entry.ParkReason = p.entry.ParkedUntil, p.entry.ParkReason
	}
	joining := p.v < 0
	p.v, p.entry, p.client = i, entry, v.Client
	if p.left || p.housed != nil {
		return
	}
	if joining {
		p.onList = true
	} else {
		w.unrank(p)
	}
	p.key = keyOf(w.scheme, &Version{Entry: p.entry, Client: p.client})
	w.rank(p)
	w.touch(p)
}

func (w *world) leave(p *person, t time.Time) {
	if p.left || p.housed != nil {
		return
	}
	p.left, p.leftAt = true, &t
	if p.onList {
		w.unrank(p)
		p.onList = false
	}
}

func (w *world) touch(p *person) {
	if !p.dirty {
		p.dirty = true
		w.changed = append(w.changed, p)
	}
}

// moment keys something that happened to a record at a moment.
func moment(id string, t time.Time) string { return id + "|" + t.UTC().Format(time.RFC3339Nano) }

// keyOf is a version's sort key under a scheme, as the HPL ranks it.
func keyOf(scheme cas.PriorityScheme, v *Version) []int64 {
	return match.SortKey(scheme, &match.Candidate{Entry: v.Entry, Client: v.Client})
}

// comparePeople orders people as the HPL does: by their key under the scheme, then the order they
// joined, then the entry ID.
func comparePeople(a, b *person) int {
	return cmp.Or(slices.Compare(a.key, b.key), a.Joined.Compare(b.Joined), strings.Compare(a.EntryID, b.EntryID))
}

func (w *world) rank(p *person) {
	i, _ := slices.BinarySearchFunc(w.ranked, p, comparePeople)
	w.ranked = slices.Insert(w.ranked, i, p)
}

func (w *world) unrank(p *person) {
	if i, found := slices.BinarySearchFunc(w.ranked, p, comparePeople); found {
		w.ranked = slices.Delete(w.ranked, i, i+1)
	}
}

// rerank ranks the list again under a new scheme.
func (w *world) rerank() {
	for _, p := range w.ranked {
		p.key = keyOf(w.scheme, &Version{Entry: p.entry, Client: p.client})
	}
	slices.SortFunc(w.ranked, comparePeople)
	w.newScheme = true
}

// scheduleUnit schedules a unit's creation and its real holds. A stay that began with the move-in
// of a referral the replay makes again is not scheduled: the replay has its own tenant. Its end,
// like the end of every hold, is the unit's real next vacancy.
func (w *world) scheduleUnit(hu *Unit) {
	u := &unit{Unit: hu.Unit, holds: hu.Holds, applied: make([]bool, len(hu.Holds))}
	w.units = append(w.units, u)
	w.byUnit[u.ID] = u
	w.at(u.CreatedAt, orderHoldEnd, func(time.Time) {
		u.exists = true
		w.freedUnit(u)
	})
	for k := range u.holds {
		hold := &u.holds[k]
		if hold.Kind != HoldOccupancy || !w.viaEngine[u.ID+"|"+moment(hold.ClientID, hold.From)] {
			w.at(hold.From, orderHoldStart, func(time.Time) { w.holdStart(u, k) })
		}
		if hold.To != nil {
			w.at(*hold.To, orderHoldEnd, func(time.Time) { w.holdEnd(u, k) })
		}
	}
}

func (w *world) holdStart(u *unit, k int) {
	if u.cf != nil {
		return // the replayed world's tenant is in it
	}
	u.applied[k] = true
	u.given++
}

func (w *world) holdEnd(u *unit, k int) {
	switch {
	case u.applied[k]:
		u.applied[k] = false
		u.given--
	case u.cf != nil && u.cf.tenant:
		u.cf = nil // the real next vacancy: the replayed tenant leaves
	default:
		return
	}
	w.freedUnit(u)
}

func (w *world) freedUnit(u *unit) {
	if u.free() && !u.isFreed {
		u.isFreed = true
		w.freed = append(w.freed, u)
	}
}

// scheduleGiven schedules a referral the replay keeps as it was: a CAS admin's, or one made before
// the period. It holds its unit as in reality and, if its client is still waiting in the replayed
// world, refers them and ends as it ended.
func (w *world) scheduleGiven(r *Referral) {
	if r.UnitID != "" {
		hold := Hold{Kind: HoldReferral, ID: r.ID, From: r.held(), To: r.Closed}
		if u := w.byUnit[r.UnitID]; u != nil {
			u.holds = append(u.holds, hold)
			u.applied = append(u.applied, false)
			k := len(u.holds) - 1
			w.at(hold.From, orderHoldStart, func(time.Time) { w.holdStart(u, k) })
			if hold.To != nil {
				w.at(*hold.To, orderReferral, func(time.Time) { w.holdEnd(u, k) })
			}
		}
	}
	p := w.byEntry[r.EntryID]
	if p == nil {
		return
	}
	applied := false
	w.at(r.Created, orderReferral, func(t time.Time) {
		if !p.onList {
			return // housed or gone in the replayed world
		}
		applied = true
		p.open++
		w.referred(p, r.FacilityID, t, false)
	})
	if r.Closed == nil {
		return
	}
	w.at(*r.Closed, orderReferral, func(t time.Time) {
		if !applied {
			return
		}
		p.open--
		if r.Status == cas.ReferralHoused {
			w.moveIn(p, t)
			return
		}
		w.ended(p, r.ProgramID, r.Status, r.ReasonCode, t)
	})
}

// referred records a referral made in the replayed world.
func (w *world) referred(p *person, facilityID string, t time.Time, engine bool) {
	if t.Before(w.h.From) {
		return
	}
	w.made = append(w.made, made{entryID: p.EntryID, facilityID: facilityID, at: t, engine: engine})
	if p.firstAt == nil {
		p.firstAt = &t
	}
}

func (w *world) moveIn(p *person, t time.Time) {
	if p.housed != nil || p.left {
		return
	}
	p.housed = &t
	if p.onList {
		w.unrank(p)
		p.onList = false
	}
}

// ended returns a client to the list after a referral ended without a move-in, as the rules say:
// blocked from the program, parked, or gone when housed elsewhere.
func (w *world) ended(p *person, programID string, status cas.ReferralStatus, reason string, t time.Time) {
	if !t.Before(w.h.From) {
		w.declines[declineReason(status, reason)]++
	}
	if slices.Contains(cas.BlockingStatuses("referral"), string(status)) {
		until := t.Add(w.h.NoRereferral)
		p.blocks = append(p.blocks, block{program: programID, until: until})
		w.expiries = append(w.expiries, until)
	}
	if status == cas.ReferralDeclined {
		rule, _ := cas.DeclineRuleOf(cas.DeclineReason(reason))
		if rule.Leaves {
			w.leave(p, t)
			return
		}
		if rule.ParkDays > 0 {
			p.cfPark = cas.DateOf(t, w.h.Zone).AddDays(rule.ParkDays)
		}
	}
	w.touch(p)
}

// declineReason names how a referral ended without a move-in: its decline reason, or expired or
// withdrawn.
func declineReason(status cas.ReferralStatus, reason string) string {
	if status == cas.ReferralDeclined && reason != "" {
		return reason
	}
	return string(status)
}
