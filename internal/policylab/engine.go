package policylab

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
)

// decide runs the engine at a moment it ran in reality, if anything it would see changed since it
// last ran in the replayed world. A run that follows only new free units gives the engine those
// units (the others were left free because nobody eligible was waiting, and nobody changed); one
// that follows only changed people gives it those people (everyone else was refused by every free
// unit). Both choose as a run over everything would. A new day, an ended re-referral block or a
// new scheme runs over everything.
func (w *world) decide(t time.Time) {
	today := cas.DateOf(t, w.h.Zone)
	full := today != w.lastDay || w.newScheme
	for len(w.expiries) > 0 && !w.expiries[0].After(t) {
		full, w.expiries = true, w.expiries[1:]
	}
	freed, changed := w.freed, w.changed
	w.freed, w.changed, w.newScheme, w.lastDay = nil, nil, false, today
	for _, u := range freed {
		u.isFreed = false
	}
	for _, p := range changed {
		p.dirty = false
	}
	var units []*unit
	var people []*person // nil: everyone waiting
	switch {
	case full || len(freed) > 0 && len(changed) > 0:
		units = w.freeUnits()
	case len(freed) > 0:
		units = slices.DeleteFunc(freed, func(u *unit) bool { return !u.free() })
	case len(changed) > 0:
		units = w.freeUnits()
		people = changed
		slices.SortFunc(people, comparePeople)
	}
	if len(units) == 0 {
		return
	}
	slices.SortFunc(units, func(a, b *unit) int { return strings.Compare(a.ID, b.ID) })
	snap := match.Snapshot{Today: today, Scheme: w.scheme, Ranked: true}
	byFacility := map[string]int{}
	for _, u := range units {
		i, ok := byFacility[u.FacilityID]
		if !ok {
			site := w.sites[u.FacilityID]
			if site == nil {
				continue
			}
			i = len(snap.Facilities)
			byFacility[u.FacilityID] = i
			snap.Facilities = append(snap.Facilities, match.Facility{Facility: site.Facility, Program: site.Program})
		}
		snap.Facilities[i].FreeUnits = append(snap.Facilities[i].FreeUnits, u.Unit)
	}
	if len(units) == 1 && people == nil {
		w.fillOne(units[0], t, today)
		return
	}
	snap.Candidates = w.candidates(t, today, people)
	for _, p := range match.Match(snap).Proposals {
		w.refer(w.byEntry[p.HPLEntryID], w.byUnit[p.UnitID], p.FacilityID, p.ProgramID, t)
	}
}

// fillOne fills the only unit a run has to fill: with one unit there is no facility or unit to
// order, and it goes to the first waiting client from the top whom no rule of the engine's refuses
// (match.Eligible), as the engine's own run over one unit gives it.
func (w *world) fillOne(u *unit, t time.Time, today cas.Date) {
	site := w.sites[u.FacilityID]
	if site == nil {
		return
	}
	for _, p := range w.ranked {
		c, ok := w.candidate(p, t, today)
		if !ok {
			continue
		}
		if ok, _ := match.Eligible(today, c, *site, u.Unit); ok {
			w.refer(p, u, site.Facility.ID, site.Program.ID, t)
			return
		}
	}
}

// freeUnits lists the units free in the replayed world.
func (w *world) freeUnits() []*unit {
	var free []*unit
	for _, u := range w.units {
		if u.free() {
			free = append(free, u)
		}
	}
	return free
}

// candidates gives the engine the people it may refer, in rank order: of those listed, or
// everyone on the list for nil. The slice is reused by the next run.
func (w *world) candidates(t time.Time, today cas.Date, only []*person) []match.Candidate {
	list := w.ranked
	if only != nil {
		list = only
	}
	cands := w.buf[:0]
	for _, p := range list {
		if c, ok := w.candidate(p, t, today); ok {
			cands = append(cands, c)
		}
	}
	w.buf = cands
	return cands
}

// candidate is a person as the engine sees them, when they are waiting and no exclusion of the
// engine's refuses them: ready, not parked, consent on file.
func (w *world) candidate(p *person, t time.Time, today cas.Date) (match.Candidate, bool) {
	if !p.onList || p.open > 0 || p.entry.IntakeStatus != cas.IntakeReady || !p.client.ConsentOn(today) {
		return match.Candidate{}, false
	}
	entry := p.entry
	if p.cfPark > entry.ParkedUntil {
		entry.ParkedUntil = p.cfPark
	}
	if entry.Parked(today) {
		return match.Candidate{}, false
	}
	entry.Status = cas.HPLActive
	c := match.Candidate{Entry: entry, Client: p.client, NotReferredAgainBy: p.blockedAt(t)}
	c.Client.Consent = true
	return c, true
}

// blockedAt lists the programs a replayed referral's end keeps the client from at t.
func (p *person) blockedAt(t time.Time) []string {
	var programs []string
	for _, b := range p.blocks {
		if !t.After(b.until) {
			programs = append(programs, b.program)
		}
	}
	return programs
}

// refer makes the engine's referral in the replayed world and plays out what it leads to: a client
// whose real referral to the program ended without a move-in ends this one the same way, as long
// after; anyone else accepts and moves in after the program's median time to move-in, and the
// unit is theirs until its real next vacancy.
func (w *world) refer(p *person, u *unit, facilityID, programID string, t time.Time) {
	if p == nil || u == nil {
		return
	}
	p.open++
	w.referred(p, facilityID, t, true)
	hold := &cfHolding{}
	u.cf = hold
	if real := w.realReferral(p.EntryID, programID, t); real != nil && real.Closed != nil && real.Status != cas.ReferralHoused {
		w.at(t.Add(real.Closed.Sub(real.held())), orderOutcome, func(end time.Time) {
			p.open--
			if u.cf == hold {
				u.cf = nil
				w.freedUnit(u)
			}
			w.ended(p, programID, real.Status, real.ReasonCode, end)
		})
		return
	}
	hold.tenant = true
	after, ok := w.medianMoveIn[programID]
	if !ok {
		after, ok = w.overallMoveIn, len(w.medianMoveIn) > 0
	}
	if !ok {
		return // nobody moved in during the period: there is no time to move in after
	}
	w.at(t.Add(after), orderOutcome, func(in time.Time) {
		p.open--
		w.moveIn(p, in)
	})
}

// realReferral is the client's real referral to the program made nearest to t (the earlier of
// two as near), or nil.
func (w *world) realReferral(entryID, programID string, t time.Time) *Referral {
	var best *Referral
	var bestGap time.Duration
	for _, r := range w.realOf[entryID+"|"+programID] {
		gap := r.Created.Sub(t)
		if gap < 0 {
			gap = -gap
		}
		if best == nil || gap < bestGap {
			best, bestGap = r, gap
		}
	}
	return best
}

// medianOf is the median of values, the mean of the middle two for an even count.
func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// nearestRank is the p-th percentile of values by the nearest-rank method.
func nearestRank(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[max(int(math.Ceil(p*float64(len(s)))), 1)-1]
}
