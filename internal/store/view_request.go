package store

import (
	"context"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Records are the agencies, programs, facilities and units a page of discrepancy reports or
// facility-setup requests points at, as its reader may see them: a record the reader may not see
// is the zero value, and the page leaves its name out. For an agency's users, who file reports and
// requests on the page, they hold every facility and unit of their agency, for the forms.
type Records struct {
	Programs   []cas.Program  // by name
	Facilities []cas.Facility // by name
	agencies   map[string]cas.Agency
	programs   map[string]cas.Program
	facilities map[string]cas.Facility
	units      map[string]cas.Unit
	byFacility map[string][]cas.Unit
}

// Agency is the agency id names.
func (r Records) Agency(id string) cas.Agency { return r.agencies[id] }

// Program is the program id names.
func (r Records) Program(id string) cas.Program { return r.programs[id] }

// Facility is the facility id names.
func (r Records) Facility(id string) cas.Facility { return r.facilities[id] }

// Unit is the unit id names.
func (r Records) Unit(id string) cas.Unit { return r.units[id] }

// UnitsOf lists a facility's units by label, for the forms of an agency's users.
func (r Records) UnitsOf(facilityID string) []cas.Unit { return r.byFacility[facilityID] }

// records reads what a page points at: the agencies, programs and facilities the actor may see,
// and the units of unitIDs, or for an agency's users every unit of their agency: four queries.
func (tx *Tx) records(unitIDs []string) (Records, error) {
	r := Records{agencies: map[string]cas.Agency{}, programs: map[string]cas.Program{}, facilities: map[string]cas.Facility{},
		units: map[string]cas.Unit{}, byFacility: map[string][]cas.Unit{}}
	agencies, err := All(func(p Page) ([]cas.Agency, string, error) { return listAgencies(tx.ctx, tx, tx.actor, p) })
	if err != nil {
		return r, err
	}
	for _, a := range agencies {
		r.agencies[a.ID] = a
	}
	if r.Programs, r.Facilities, err = tx.programsAndFacilities(); err != nil {
		return r, err
	}
	for _, p := range r.Programs {
		r.programs[p.ID] = p
	}
	for _, f := range r.Facilities {
		r.facilities[f.ID] = f
	}
	var units []cas.Unit
	switch ids := distinct(unitIDs); {
	case tx.actor.Role == cas.RoleAgencyUser:
		units, err = All(func(p Page) ([]cas.Unit, string, error) { return listUnits(tx.ctx, tx, tx.actor, UnitFilter{}, p) })
	case len(ids) > 0:
		units, err = unitsWhere(tx.ctx, tx, `($1 = '' OR agency_id = $1) AND id IN (`+placeholders(2, len(ids))+`)`,
			append([]any{agencyScope(tx.actor)}, anys(ids)...)...)
	}
	if err != nil {
		return r, fmt.Errorf("units: %w", err)
	}
	for _, u := range units {
		r.units[u.ID] = u
		r.byFacility[u.FacilityID] = append(r.byFacility[u.FacilityID], u)
	}
	return r, nil
}

// DiscrepancyList is the discrepancy reports page: a page of reports and what they point at.
type DiscrepancyList struct {
	Reports []cas.Discrepancy
	Next    string
	Records
}

// DiscrepancyList reads a page of the discrepancy reports the actor may see, newest first.
func (db *DB) DiscrepancyList(ctx context.Context, actor *cas.User, f DiscrepancyFilter, page Page) (DiscrepancyList, error) {
	var l DiscrepancyList
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		var err error
		if l.Reports, l.Next, err = db.listDiscrepancies(ctx, tx, actor, f, page); err != nil {
			return err
		}
		var unitIDs []string
		for _, d := range l.Reports {
			unitIDs = append(unitIDs, d.UnitIDs...)
		}
		l.Records, err = tx.records(unitIDs)
		return err
	})
	return l, err
}

// DiscrepancyPage is one discrepancy report's page: the report, what it points at, and the names
// of who filed and who resolved it.
type DiscrepancyPage struct {
	Report cas.Discrepancy
	Records
	People map[string]string
}

// DiscrepancyPage reads one report's page; a report the actor may not see is not found.
func (db *DB) DiscrepancyPage(ctx context.Context, actor *cas.User, id string) (DiscrepancyPage, error) {
	var p DiscrepancyPage
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		var err error
		if p.Report, err = db.discrepancy(ctx, tx, actor, id, ""); err != nil {
			return err
		}
		if p.Records, err = tx.records(p.Report.UnitIDs); err != nil {
			return err
		}
		p.People, err = userNames(ctx, tx, p.Report.CreatedBy, p.Report.ResolvedBy)
		return err
	})
	return p, err
}

// FacilityRequestList is the facility-setup requests page: a page of requests and what they point
// at.
type FacilityRequestList struct {
	Requests []cas.FacilityRequest
	Next     string
	Records
}

// FacilityRequestList reads a page of the facility-setup requests the actor may see, newest first.
func (db *DB) FacilityRequestList(ctx context.Context, actor *cas.User, f FacilityRequestFilter, page Page) (FacilityRequestList, error) {
	var l FacilityRequestList
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		var err error
		if l.Requests, l.Next, err = listFacilityRequests(ctx, tx, actor, f, page); err != nil {
			return err
		}
		l.Records, err = tx.records(nil)
		return err
	})
	return l, err
}

// FacilityRequestPage is one facility-setup request's page: the request, what it points at (the
// units it would remove among them), and the names of who asked and who decided.
type FacilityRequestPage struct {
	Request cas.FacilityRequest
	Records
	People map[string]string
}

// FacilityRequestPage reads one request's page; a request the actor may not see is not found.
func (db *DB) FacilityRequestPage(ctx context.Context, actor *cas.User, id string) (FacilityRequestPage, error) {
	var p FacilityRequestPage
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		var err error
		if p.Request, err = facilityRequest(ctx, tx, actor, id); err != nil {
			return err
		}
		if p.Records, err = tx.records(p.Request.Details.RemoveUnitIDs); err != nil {
			return err
		}
		p.People, err = userNames(ctx, tx, p.Request.CreatedBy, p.Request.DecidedBy)
		return err
	})
	return p, err
}
