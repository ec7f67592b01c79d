package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/doorway-cas/doorway/internal/cas"
)

// UnitRow is a unit as the roster and the inventory show it: with the open reservation of a
// reserved unit and the open offline period of an offline one.
type UnitRow struct {
	cas.Unit
	Reservation *cas.Reservation
	Offline     *cas.OfflinePeriod
}

// FacilityUnits is a facility with its program's name and its units, by label.
type FacilityUnits struct {
	cas.Facility
	Program string
	Units   []UnitRow
}

// Roster is the units page, where an agency keeps its units true (and the HMIS team corrects any
// agency's): every facility the actor may see, and the one chosen, or all, with their units.
type Roster struct {
	Facilities []cas.Facility
	Shown      []FacilityUnits
}

// Roster reads the units page for facilityID, or for every facility when it is empty; a facility
// the actor may not see is not found.
func (db *DB) Roster(ctx context.Context, actor *cas.User, facilityID string) (Roster, error) {
	var r Roster
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		facilities, err := All(func(p Page) ([]cas.Facility, string, error) {
			return listFacilities(ctx, tx, actor, FacilityFilter{}, p)
		})
		if err != nil {
			return err
		}
		if facilityID != "" && !slices.ContainsFunc(facilities, func(f cas.Facility) bool { return f.ID == facilityID }) {
			return cas.NotFound("facility")
		}
		r.Facilities = facilities
		r.Shown, err = tx.facilityUnits(facilities, UnitFilter{FacilityID: facilityID})
		return err
	})
	return r, err
}

// InventoryFilter narrows the inventory.
type InventoryFilter struct {
	AgencyID string
	Status   cas.UnitStatus
}

// AgencyUnits is one agency's part of the inventory.
type AgencyUnits struct {
	Agency     cas.Agency
	Facilities []FacilityUnits
}

// Inventory is the HMIS team's view of every agency's units: every agency, for the filter, and a
// page of agencies (or the one chosen) with their facilities and units.
type Inventory struct {
	Agencies []cas.Agency
	Shown    []AgencyUnits
	Next     string
}

// Inventory reads a page of agencies with their units, or the one agency f names (not found when
// the actor may not see it). With a status, it keeps the units in that status and the facilities
// that have some.
func (db *DB) Inventory(ctx context.Context, actor *cas.User, f InventoryFilter, page Page) (Inventory, error) {
	var inv Inventory
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		all, err := All(func(p Page) ([]cas.Agency, string, error) { return listAgencies(ctx, tx, actor, p) })
		if err != nil {
			return err
		}
		inv.Agencies = all
		shown := all
		if f.AgencyID != "" {
			i := slices.IndexFunc(all, func(a cas.Agency) bool { return a.ID == f.AgencyID })
			if i < 0 {
				return cas.NotFound("agency")
			}
			shown = all[i : i+1]
		} else if shown, inv.Next, err = listAgencies(ctx, tx, actor, page); err != nil {
			return err
		}
		facilities, err := All(func(p Page) ([]cas.Facility, string, error) {
			return listFacilities(ctx, tx, actor, FacilityFilter{AgencyID: f.AgencyID}, p)
		})
		if err != nil {
			return err
		}
		byAgency := map[string]int{}
		for _, a := range shown {
			byAgency[a.ID] = len(inv.Shown)
			inv.Shown = append(inv.Shown, AgencyUnits{Agency: a})
		}
		facilities = slices.DeleteFunc(facilities, func(fa cas.Facility) bool { _, ok := byAgency[fa.AgencyID]; return !ok })
		units, err := tx.facilityUnits(facilities, UnitFilter{AgencyID: f.AgencyID, Status: f.Status})
		if err != nil {
			return err
		}
		for _, fu := range units {
			if f.Status != "" && len(fu.Units) == 0 {
				continue
			}
			a := &inv.Shown[byAgency[fu.AgencyID]]
			a.Facilities = append(a.Facilities, fu)
		}
		return nil
	})
	return inv, err
}

// facilityUnits gives each facility, in the order given, its program's name and its units that
// pass the filter and the actor may see, with their open reservation or offline period: two
// queries in all.
func (tx *Tx) facilityUnits(facilities []cas.Facility, f UnitFilter) ([]FacilityUnits, error) {
	programs, err := All(func(p Page) ([]cas.Program, string, error) {
		return listPrograms(tx.ctx, tx, tx.actor, ProgramFilter{}, p)
	})
	if err != nil {
		return nil, err
	}
	programName := map[string]string{}
	for _, p := range programs {
		programName[p.ID] = p.Name
	}
	out := make([]FacilityUnits, 0, len(facilities))
	at := map[string]int{}
	for _, fa := range facilities {
		if f.FacilityID != "" && fa.ID != f.FacilityID {
			continue
		}
		at[fa.ID] = len(out)
		out = append(out, FacilityUnits{Facility: fa, Program: programName[fa.ProgramID]})
	}
	// The unit columns are read through a derived table so that scanUnit reads them unqualified
	// next to those of the unit's open reservation and open offline period, at most one of each.
	query := `SELECT ` + unitColumns + `, res_id, res_client, res_starts, res_expires, res_created, off_id, off_reason, off_return, off_started
		FROM (SELECT s.*, r.id AS res_id, r.client_name AS res_client, r.starts_on AS res_starts, r.expires_on AS res_expires,
				r.created_at AS res_created, o.id AS off_id, o.reason AS off_reason, COALESCE(o.expected_return, '') AS off_return,
				o.started_at AS off_started
			FROM unit_states s
			LEFT JOIN reservations r ON r.unit_id = s.id AND r.status = 'open'
			LEFT JOIN offline_periods o ON o.unit_id = s.id AND o.ended_at IS NULL
			WHERE ($1 = '' OR s.agency_id = $1) AND ($2 = '' OR s.agency_id = $2) AND ($3 = '' OR s.facility_id = $3)
				AND ($4 = '' OR s.status = $4)) u
		ORDER BY facility_id, label, id`
	err = eachRow(tx.ctx, tx, query, []any{agencyScope(tx.actor), f.AgencyID, f.FacilityID, string(f.Status)}, func(row scanner) error {
		var resID, resClient, resStarts, resExpires, offID, offReason, offReturn sql.NullString
		var resCreated, offStarted anyTime
		u, err := scanUnit(extraColumns{row, []any{&resID, &resClient, &resStarts, &resExpires, &resCreated,
			&offID, &offReason, &offReturn, &offStarted}})
		if err != nil {
			return err
		}
		i, ok := at[u.FacilityID]
		if !ok {
			return nil
		}
		r := UnitRow{Unit: u}
		if u.Status == cas.UnitReserved && resID.Valid {
			r.Reservation = &cas.Reservation{ID: resID.String, UnitID: u.ID, AgencyID: u.AgencyID, ClientName: resClient.String,
				StartsOn: cas.Date(resStarts.String), ExpiresOn: cas.Date(resExpires.String), Status: cas.ReservationOpen, CreatedAt: resCreated.Time}
		}
		if u.Status == cas.UnitOffline && offID.Valid {
			r.Offline = &cas.OfflinePeriod{ID: offID.String, UnitID: u.ID, Reason: offReason.String,
				ExpectedReturn: cas.Date(offReturn.String), StartedAt: offStarted.Time}
		}
		out[i].Units = append(out[i].Units, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("units of %d facilities: %w", len(out), err)
	}
	return out, nil
}
