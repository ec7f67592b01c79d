package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// UnitEvent is one interval in a unit's history: a stay, a reservation or an offline period.
type UnitEvent struct {
	Kind   string // "occupancy", "reservation" or "offline"
	ID     string
	From   time.Time
	To     *time.Time
	Detail string // the client's name, or the reason the unit went offline
	Status string // for reservations: open, released, expired or converted
	By     string // who opened the interval
}

// UnitHistory lists every interval of a unit, newest first, so "since when" and "what happened" are
// answered from the record rather than from memory.
func (db *DB) UnitHistory(ctx context.Context, actor *cas.User, unitID string) ([]UnitEvent, error) {
	if _, err := db.Unit(ctx, actor, unitID); err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `
		SELECT 'occupancy', id, started_at, ended_at, client_name, '', started_by FROM occupancies WHERE unit_id = $1
		UNION ALL
		SELECT 'reservation', id, created_at, ended_at, client_name, status, created_by FROM reservations WHERE unit_id = $1
		UNION ALL
		SELECT 'offline', id, started_at, ended_at, reason, '', started_by FROM offline_periods WHERE unit_id = $1`, unitID)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", unitID, err)
	}
	defer rows.Close()
	events := []UnitEvent{}
	for rows.Next() {
		var e UnitEvent
		var from, to anyTime
		if err := rows.Scan(&e.Kind, &e.ID, &from, &to, &e.Detail, &e.Status, &e.By); err != nil {
			return nil, err
		}
		e.From, e.To = from.Time, to.ptr()
		events = append(events, e)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].From.After(events[j].From) })
	return events, rows.Err()
}
