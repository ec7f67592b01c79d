package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// FreeUnits counts the available units of a kind in a facility: what the matching engine may fill.
type FreeUnits struct {
	FacilityID     string
	Bedrooms       int
	HouseholdTypes []cas.HouseholdType
	Accessible     bool
	Free           int
}

// unheld keeps, of unit_states, the units nobody holds: only those can take a referral.
const unheld = `held_by_kind IS NULL`

// FreeCapacity counts the units per facility and unit type that can take a referral (available,
// and held by no open referral or proposal), for the facilities the actor may see; facilityID
// narrows it to one facility.
func (db *DB) FreeCapacity(ctx context.Context, actor *cas.User, facilityID string) ([]FreeUnits, error) {
	return freeCapacity(ctx, db.sql, actor, facilityID)
}

func freeCapacity(ctx context.Context, q querier, actor *cas.User, facilityID string) ([]FreeUnits, error) {
	rows, err := q.QueryContext(ctx, `SELECT facility_id, bedrooms, household_types, accessible, COUNT(*) FROM unit_states
		WHERE status = 'available' AND ($1 = '' OR agency_id = $1) AND ($2 = '' OR facility_id = $2) AND `+unheld+`
		GROUP BY facility_id, bedrooms, household_types, accessible ORDER BY facility_id, bedrooms, accessible`,
		agencyScope(actor), facilityID)
	if err != nil {
		return nil, fmt.Errorf("free capacity: %w", err)
	}
	defer rows.Close()
	list := []FreeUnits{}
	for rows.Next() {
		var f FreeUnits
		var types string
		if err := rows.Scan(&f.FacilityID, &f.Bedrooms, &types, &f.Accessible, &f.Free); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(types), &f.HouseholdTypes); err != nil {
			return nil, err
		}
		list = append(list, f)
	}
	return list, rows.Err()
}

// Usage says how a unit's time over a period was spent. Vacant is time available: not occupied,
// reserved or offline, and after the unit existed.
type Usage struct {
	From, To                            time.Time
	Vacant, Occupied, Reserved, Offline time.Duration
}

// Days converts a duration to days, for reports.
func Days(d time.Duration) float64 { return d.Hours() / 24 }

// UnitUsage measures a unit's vacant, occupied, reserved and offline time between from and to;
// intervals still open count up to the transaction's now.
func (db *DB) UnitUsage(ctx context.Context, actor *cas.User, unitID string, from, to time.Time) (Usage, error) {
	if !to.After(from) {
		return Usage{}, cas.Invalid("to", "the period must end after it starts")
	}
	u, err := db.Unit(ctx, actor, unitID)
	if err != nil {
		return Usage{}, err
	}
	events, err := db.UnitHistory(ctx, actor, unitID)
	if err != nil {
		return Usage{}, err
	}
	now := db.now()
	if to.After(now) {
		to = now
	}
	use := Usage{From: from, To: to}
	exists := overlap(u.CreatedAt, to, from, to)
	var held time.Duration
	for _, e := range events {
		end := now
		if e.To != nil {
			end = *e.To
		}
		d := overlap(e.From, end, from, to)
		switch e.Kind {
		case "occupancy":
			use.Occupied += d
		case "reservation":
			use.Reserved += d
		case "offline":
			use.Offline += d
		}
		held += d
	}
	// Intervals never overlap (a unit has at most one open at a time), so the rest is vacancy.
	use.Vacant = max(exists-held, 0)
	return use, nil
}

// overlap is the length of [a1, a2) ∩ [b1, b2).
func overlap(a1, a2, b1, b2 time.Time) time.Duration {
	start, end := a1, a2
	if b1.After(start) {
		start = b1
	}
	if b2.Before(end) {
		end = b2
	}
	if end.Before(start) {
		return 0
	}
	return end.Sub(start)
}
