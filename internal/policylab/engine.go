package policylab

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
)

// firstTop is how much of the list a run with one unit to fill reads first, as the store's runs do.
const firstTop = 1024

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
	top := -1
	if len(units) == 1 && people == nil {
		top = firstTop
	}
	for {
		var more bool
		snap.Candidates, more = w.candidates(t, today, people, top)
		res := match.Match(snap)
		if len(res.Proposals) > 0 || !more {
			for _, p := range res.Proposals {
				w.refer(w.byEntry[p.HPLEntryID], w.byUnit[p.UnitID], p.FacilityID, p.ProgramID, t)
			}
			return
		}
		top *= 8
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

// candidates gives the engine the people it may refer, in rank order: of those listed (nil:
// everyone on the list), the first top of those waiting (all when top < 0); more says some were
// left out.
func (w *world) candidates(t time.Time, today cas.Date, only []*person, top int) ([]match.Candidate, bool) {
	list := w.ranked
	if only != nil {
		list = only
	}
	var cands []match.Candidate
	for i, p := range list {
		if !p.onList || p.open > 0 {
			continue
		}
		entry := p.entry
		if p.cfPark > entry.ParkedUntil {
			entry.ParkedUntil = p.cfPark
		}
		if entry.IntakeStatus != cas.IntakeReady || entry.Parked(today) || !p.client.ConsentOn(today) {
			continue
		}
		if top >= 0 && len(cands) == top {
			return cands, i < len(list)
		}
		entry.Status = cas.HPLActive
		c := p.client
		c.Consent = true
		cands = append(cands, match.Candidate{Entry: entry, Client: c, NotReferredAgainBy: p.blockedAt(t)})
	}
	return cands, false
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
		after = w.overallMoveIn
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
