package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/policylab"
)

// PolicyLabHistory reads what a replay of [from, to) needs (policylab.History): the scheme's
// versions, programs, facilities and units with their holds, the HPL entries on the list in the
// period with every recorded state of them and their clients, the real referrals, and the moments
// the engine ran. CAS admins may.
func (db *DB) PolicyLabHistory(ctx context.Context, actor *cas.User, from, to time.Time) (*policylab.History, error) {
	if !actor.IsSystem() && actor.Role != cas.RoleCASAdmin {
		return nil, cas.Errorf(cas.EForbidden, "only CAS admins use the policy lab")
	}
	h := &policylab.History{From: from.UTC(), To: to.UTC(), Zone: db.Zone, NoRereferral: db.NoRereferral}
	since := h.From.Add(-h.NoRereferral)
	var err error
	if h.Schemes, err = schemeVersions(ctx, db.sql); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, db.sql, `SELECT `+programColumns+` FROM programs ORDER BY id`, nil, func(row scanner) error {
		p, err := scanProgram(row)
		h.Programs = append(h.Programs, p)
		return err
	}); err != nil {
		return nil, fmt.Errorf("programs: %w", err)
	}
	if err := eachRow(ctx, db.sql, `SELECT `+facilityColumns+` FROM facilities ORDER BY id`, nil, func(row scanner) error {
		f, err := scanFacility(row)
		h.Facilities = append(h.Facilities, f)
		return err
	}); err != nil {
		return nil, fmt.Errorf("facilities: %w", err)
	}
	if h.Units, err = unitHolds(ctx, db.sql, h.From, h.To); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, db.sql, `SELECT id, client_id, hpl_entry_id, program_id, facility_id, COALESCE(unit_id, ''), source, created_at,
		unit_assigned_at, closed_at, status, COALESCE(reason_code, '') FROM referrals
		WHERE created_at < $1 AND (closed_at IS NULL OR closed_at >= $2) ORDER BY created_at, id`, []any{h.To, since}, func(row scanner) error {
		var r policylab.Referral
		var created, assigned, closed anyTime
		err := row.Scan(&r.ID, &r.ClientID, &r.EntryID, &r.ProgramID, &r.FacilityID, &r.UnitID, &r.Source, &created, &assigned, &closed,
			&r.Status, &r.ReasonCode)
		r.Created, r.UnitAssigned, r.Closed = created.Time, assigned.ptr(), closed.ptr()
		h.Referrals = append(h.Referrals, r)
		return err
	}); err != nil {
		return nil, fmt.Errorf("referrals: %w", err)
	}
	if h.People, err = db.periodPeople(ctx, h.From, h.To); err != nil {
		return nil, err
	}
	err = eachRow(ctx, db.sql, `SELECT ran_at FROM match_runs WHERE ran_at >= $1 AND ran_at < $2 ORDER BY ran_at`, []any{h.From, h.To},
		func(row scanner) error {
			var at anyTime
			err := row.Scan(&at)
			h.Runs = append(h.Runs, at.Time)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("match runs: %w", err)
	}
	return h, nil
}

// schemeVersions lists every version of the prioritization scheme, oldest first, beginning with
// the default the CoC ran on before it set one.
func schemeVersions(ctx context.Context, q querier) ([]cas.PriorityScheme, error) {
	list := []cas.PriorityScheme{{Version: 1, Criteria: cas.DefaultCriteria, CreatedBy: cas.System.ID}}
	err := eachRow(ctx, q, `SELECT version, criteria, created_at, created_by FROM priority_schemes ORDER BY version`, nil, func(row scanner) error {
		var s cas.PriorityScheme
		var criteria string
		if err := row.Scan(&s.Version, &criteria, &s.CreatedAt, &s.CreatedBy); err != nil {
			return err
		}
		s.CreatedAt = s.CreatedAt.UTC()
		if s.Version == 1 {
			list = list[:0]
		}
		list = append(list, s)
		return json.Unmarshal([]byte(criteria), &list[len(list)-1].Criteria)
	})
	if err != nil {
		return nil, fmt.Errorf("priority schemes: %w", err)
	}
	return list, nil
}

// unitHolds reads every unit with its stays, reservations and offline periods that overlap
// [from, to).
func unitHolds(ctx context.Context, q querier, from, to time.Time) ([]policylab.Unit, error) {
	var units []policylab.Unit
	at := map[string]int{}
	if err := eachRow(ctx, q, `SELECT `+unitColumns+` FROM unit_states ORDER BY id`, nil, func(row scanner) error {
		u, err := scanUnit(row)
		at[u.ID] = len(units)
		units = append(units, policylab.Unit{Unit: u})
		return err
	}); err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	err := eachRow(ctx, q, `
		SELECT 'occupancy', id, unit_id, COALESCE(client_id, ''), started_at, ended_at FROM occupancies
			WHERE started_at < $1 AND (ended_at IS NULL OR ended_at >= $2)
		UNION ALL
		SELECT 'reservation', id, unit_id, '', created_at, ended_at FROM reservations
			WHERE created_at < $1 AND (ended_at IS NULL OR ended_at >= $2)
		UNION ALL
		SELECT 'offline', id, unit_id, '', started_at, ended_at FROM offline_periods
			WHERE started_at < $1 AND (ended_at IS NULL OR ended_at >= $2)`, []any{to, from}, func(row scanner) error {
		var hold policylab.Hold
		var unitID string
		var start, end anyTime
		if err := row.Scan(&hold.Kind, &hold.ID, &unitID, &hold.ClientID, &start, &end); err != nil {
			return err
		}
		hold.From, hold.To = start.Time, end.ptr()
		if i, ok := at[unitID]; ok {
			units[i].Holds = append(units[i].Holds, hold)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unit holds: %w", err)
	}
	for i := range units {
		slices.SortFunc(units[i].Holds, func(a, b policylab.Hold) int { return a.From.Compare(b.From) })
	}
	return units, nil
}

// periodPeople reads the HPL entries on the list at some moment of [from, to), each with its
// recorded states (hpl_entry_versions, client_versions) merged in time order. An entry or client
// with no recorded state, from before they were kept, stands as it is now from the day it joined;
// an entry that has since left the list leaves it at its last change.
func (db *DB) periodPeople(ctx context.Context, from, to time.Time) ([]policylab.Person, error) {
	var people []policylab.Person
	var entries []cas.HPLEntry
	var clients []cas.Client
	if err := eachRow(ctx, db.sql, entryWithClient+` WHERE e.created_at < $1 AND (e.status IN ('active', 'referred') OR e.updated_at >= $2)
		ORDER BY e.created_at, e.id`, []any{to, from}, func(row scanner) error {
		var c cas.Client
		e, err := scanHPLEntry(rowWithClient{row, &c})
		entries, clients = append(entries, e), append(clients, c)
		return err
	}); err != nil {
		return nil, fmt.Errorf("HPL entries of the period: %w", err)
	}
	entryIDs, clientIDs := make([]string, len(entries)), make([]string, len(entries))
	for i := range entries {
		entryIDs[i], clientIDs[i] = entries[i].ID, entries[i].ClientID
	}
	entryVersions := map[string][]policylab.Version{}
	if err := eachIn(ctx, db.sql, `SELECT entry_id, at, score, assessed_on, days_homeless, documents, intake_status, status,
		COALESCE(parked_until, ''), COALESCE(park_reason, '') FROM hpl_entry_versions WHERE entry_id IN `, entryIDs, func(row scanner) error {
		var v policylab.Version
		var at anyTime
		var docs string
		e := &v.Entry
		if err := row.Scan(&e.ID, &at, &e.Score, &e.AssessedOn, &e.DaysHomeless, &docs, &e.IntakeStatus, &e.Status, &e.ParkedUntil,
			&e.ParkReason); err != nil {
			return err
		}
		v.At = at.Time
		if err := json.Unmarshal([]byte(docs), &e.Documents); err != nil {
			return err
		}
		entryVersions[e.ID] = append(entryVersions[e.ID], v)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("HPL entry versions: %w", err)
	}
	clientVersions := map[string][]policylab.Version{}
	if err := eachIn(ctx, db.sql, `SELECT client_id, at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor,
		needs_accessible, consent, COALESCE(consent_date, ''), COALESCE(consent_expires_on, '') FROM client_versions WHERE client_id IN `,
		slices.Compact(slices.Sorted(slices.Values(clientIDs))), func(row scanner) error {
			var v policylab.Version
			var at anyTime
			c := &v.Client
			if err := row.Scan(&c.ID, &at, &c.BirthDate, &c.HouseholdSize, &c.HouseholdType, &c.Veteran, &c.Chronic, &c.Youth, &c.DVSurvivor,
				&c.NeedsAccessible, &c.Consent, &c.ConsentDate, &c.ConsentExpiresOn); err != nil {
				return err
			}
			v.At = at.Time
			clientVersions[c.ID] = append(clientVersions[c.ID], v)
			return nil
		}); err != nil {
		return nil, fmt.Errorf("client versions: %w", err)
	}
	for i, e := range entries {
		c := clients[i]
		p := policylab.Person{EntryID: e.ID, ClientID: e.ClientID, Name: c.FirstName + " " + c.LastName, Joined: e.CreatedAt,
			Groups: policylab.GroupsOf(&c)}
		p.Versions = mergeVersions(e, c, sortedVersions(entryVersions[e.ID], to), sortedVersions(clientVersions[c.ID], to))
		people = append(people, p)
	}
	return people, nil
}

// sortedVersions keeps the versions before to, in the order they were recorded; eachIn reads
// them in chunks, in no set order.
func sortedVersions(list []policylab.Version, to time.Time) []policylab.Version {
	list = slices.DeleteFunc(list, func(v policylab.Version) bool { return !v.At.Before(to) })
	slices.SortStableFunc(list, func(a, b policylab.Version) int { return a.At.Compare(b.At) })
	return list
}

// mergeVersions merges an entry's and its client's recorded states into the states of the pair,
// each from the moment either changed; the fields not recorded come from the rows as they are now.
func mergeVersions(e cas.HPLEntry, c cas.Client, entryVersions, clientVersions []policylab.Version) []policylab.Version {
	if len(entryVersions) == 0 {
		// Nothing recorded: the entry as it is now, from the day it joined, and off the list since
		// its last change if it has left.
		now := e
		now.Status = cas.HPLActive
		entryVersions = []policylab.Version{{At: e.CreatedAt, Entry: now}}
		if e.Status == cas.HPLHoused || e.Status == cas.HPLInactive {
			entryVersions = append(entryVersions, policylab.Version{At: e.UpdatedAt, Entry: e})
		}
	}
	if len(clientVersions) == 0 {
		clientVersions = []policylab.Version{{At: e.CreatedAt, Client: c}}
	}
	var times []time.Time
	for _, v := range slices.Concat(entryVersions, clientVersions) {
		times = append(times, v.At)
	}
	slices.SortFunc(times, time.Time.Compare)
	times = slices.CompactFunc(times, time.Time.Equal)
	var out []policylab.Version
	ei, ci := 0, 0
	for _, t := range times {
		for ei+1 < len(entryVersions) && !entryVersions[ei+1].At.After(t) {
			ei++
		}
		for ci+1 < len(clientVersions) && !clientVersions[ci+1].At.After(t) {
			ci++
		}
		out = append(out, policylab.Version{At: t, Entry: withEntryState(e, entryVersions[ei].Entry), Client: withClientState(c, clientVersions[ci].Client)})
	}
	return out
}

// withEntryState is the entry with a recorded state's fields.
func withEntryState(e, state cas.HPLEntry) cas.HPLEntry {
	e.Score, e.AssessedOn, e.DaysHomeless, e.Documents = state.Score, state.AssessedOn, state.DaysHomeless, state.Documents
	e.IntakeStatus, e.Status, e.ParkedUntil, e.ParkReason = state.IntakeStatus, state.Status, state.ParkedUntil, state.ParkReason
	return e
}

// withClientState is the client with a recorded state's fields.
func withClientState(c, state cas.Client) cas.Client {
	c.BirthDate, c.HouseholdSize, c.HouseholdType = state.BirthDate, state.HouseholdSize, state.HouseholdType
	c.Veteran, c.Chronic, c.Youth, c.DVSurvivor, c.NeedsAccessible = state.Veteran, state.Chronic, state.Youth, state.DVSurvivor, state.NeedsAccessible
	c.Consent, c.ConsentDate, c.ConsentExpiresOn = state.Consent, state.ConsentDate, state.ConsentExpiresOn
	return c
}

// maxPolicyLabDays is the longest period a replay takes: three years, as the dashboards' window.
const maxPolicyLabDays = 3 * 366

// PolicyLab replays the CoC's days from through to (both included, in its time zone) under the
// scheme in force and under the candidate criteria, and compares them (policylab.Compare). The
// criteria are refused as SetPriorityScheme refuses them. CAS admins may.
func (db *DB) PolicyLab(ctx context.Context, actor *cas.User, from, to cas.Date, criteria []cas.Criterion) (policylab.Report, error) {
	scheme := cas.PriorityScheme{Criteria: criteria}
	if err := scheme.Validate(); err != nil {
		return policylab.Report{}, err
	}
	if _, err := cas.ParseDate("from", string(from)); err != nil {
		return policylab.Report{}, err
	}
	if _, err := cas.ParseDate("to", string(to)); err != nil {
		return policylab.Report{}, err
	}
	if to < from {
		return policylab.Report{}, cas.Invalid("to", "to (%s) is before from (%s)", to, from)
	}
	if to > from.AddDays(maxPolicyLabDays-1) {
		return policylab.Report{}, cas.Invalid("to", "a period may span at most %d days: %s to %s is longer", maxPolicyLabDays, from, to)
	}
	h, err := db.PolicyLabHistory(ctx, actor, from.Start(db.Zone), to.AddDays(1).Start(db.Zone))
	if err != nil {
		return policylab.Report{}, err
	}
	report := policylab.Compare(h, scheme)
	// The comparison names the people whose outcome changes: who looked, and at what, is audited.
	asked := map[string]any{"from": from, "to": to, "criteria": criteria, "changed": len(report.Changed)}
	err = db.inTx(ctx, actor, func(tx *Tx) error { return tx.audit("report.policy_lab", "report", "policy_lab", nil, asked) })
	return report, err
}
