package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/notify"
)

const facilityRequestColumns = `id, agency_id, program_id, kind, details, status, reason, COALESCE(facility_id, ''),
	created_at, created_by, decided_at, COALESCE(decided_by, '')`

func scanFacilityRequest(row scanner) (cas.FacilityRequest, error) {
	var r cas.FacilityRequest
	var details string
	var decided sql.NullTime
	err := row.Scan(&r.ID, &r.AgencyID, &r.ProgramID, &r.Kind, &details, &r.Status, &r.Reason, &r.FacilityID,
		&r.CreatedAt, &r.CreatedBy, &decided, &r.DecidedBy)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.DecidedAt = r.CreatedAt.UTC(), timePtr(decided)
	if err := json.Unmarshal([]byte(details), &r.Details); err != nil {
		return r, fmt.Errorf("facility request %s details: %w", r.ID, err)
	}
	return r, nil
}

// FacilityRequestFilter narrows a list of facility-setup requests.
type FacilityRequestFilter struct {
	AgencyID string
	Status   cas.FacilityRequestStatus
}

// FacilityRequests lists the facility-setup requests the actor may see, newest first: agency users
// see their agency's, the CoC's staff every agency's.
func (db *DB) FacilityRequests(ctx context.Context, actor *cas.User, f FacilityRequestFilter, page Page) ([]cas.FacilityRequest, string, error) {
	return listFacilityRequests(ctx, db.sql, actor, f, page)
}

func listFacilityRequests(ctx context.Context, q querier, actor *cas.User, f FacilityRequestFilter, page Page) ([]cas.FacilityRequest, string, error) {
	if f.Status != "" && !slices.Contains([]cas.FacilityRequestStatus{cas.RequestPending, cas.RequestApproved, cas.RequestRejected}, f.Status) {
		return nil, "", cas.Invalid("status", "status must be pending, approved or rejected")
	}
	list, next, err := listPage(page, 1, func(after []string, limit int) (*sql.Rows, error) {
		if after[0] == "" {
			after[0] = "~" // sorts after every ID, so the first page starts at the newest
		}
		return q.QueryContext(ctx, `SELECT `+facilityRequestColumns+` FROM facility_requests
			WHERE ($1 = '' OR agency_id = $1) AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR status = $3)
			AND id < $4 ORDER BY id DESC LIMIT $5`, agencyScope(actor), f.AgencyID, string(f.Status), after[0], limit)
	}, scanFacilityRequest, func(r cas.FacilityRequest) []string { return []string{r.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list facility requests: %w", err)
	}
	return list, next, nil
}

// FacilityRequest returns one facility-setup request, or not_found when the actor may not see it.
func (db *DB) FacilityRequest(ctx context.Context, actor *cas.User, id string) (cas.FacilityRequest, error) {
	return facilityRequest(ctx, db.sql, actor, id)
}

func facilityRequest(ctx context.Context, q querier, actor *cas.User, id string) (cas.FacilityRequest, error) {
	r, err := scanFacilityRequest(q.QueryRowContext(ctx, `SELECT `+facilityRequestColumns+` FROM facility_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !cas.CanSeeAgency(actor, r.AgencyID)) {
		return cas.FacilityRequest{}, cas.NotFound("facility request")
	}
	if err != nil {
		return cas.FacilityRequest{}, fmt.Errorf("facility request %s: %w", id, err)
	}
	return r, nil
}

// CreateFacilityRequest records an agency's request for a new facility or changed units, pending
// the HMIS team's decision. An agency's users may ask for their own agency's programs; the HMIS
// team may record a request for any program.
func (db *DB) CreateFacilityRequest(ctx context.Context, actor *cas.User, r cas.FacilityRequest) (cas.FacilityRequest, error) {
	if !cas.CanManageAgencies(actor) && actor.Role != cas.RoleAgencyUser {
		return cas.FacilityRequest{}, cas.Errorf(cas.EForbidden, "only agency users and the HMIS team ask for facility setup")
	}
	if err := r.Validate(); err != nil {
		return cas.FacilityRequest{}, err
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		p, err := db.program(ctx, tx, r.ProgramID)
		if err != nil || !cas.CanOperateUnits(actor, p.AgencyID) {
			// Another agency's program answers as one that does not exist.
			return cas.Invalid("program_id", "no program has ID %q", r.ProgramID)
		}
		if r.Kind == cas.ChangeUnitsRequest {
			if err := tx.checkUnitChanges(r); err != nil {
				return err
			}
			r.FacilityID = r.Details.FacilityID
		}
		details, err := json.Marshal(r.Details)
		if err != nil {
			return fmt.Errorf("facility request details: %w", err)
		}
		r.ID, r.AgencyID, r.Status, r.CreatedAt, r.CreatedBy = newID(), p.AgencyID, cas.RequestPending, tx.now, actor.ID
		if _, err := tx.exec(`INSERT INTO facility_requests (id, agency_id, program_id, kind, details, status, facility_id, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.AgencyID, r.ProgramID, r.Kind, string(details), r.Status,
			nullString(r.FacilityID), r.CreatedAt, r.CreatedBy); err != nil {
			return fmt.Errorf("insert facility request: %w", err)
		}
		return tx.audit("facility_request.create", "facility_request", r.ID, nil, r)
	})
	return r, err
}

// checkUnitChanges checks a change_units request against the facility as it is now: the facility
// belongs to the request's program, no added label is taken, every removed unit is the facility's.
func (tx *Tx) checkUnitChanges(r cas.FacilityRequest) error {
	d := r.Details
	f, err := tx.db.facility(tx.ctx, tx, d.FacilityID, "")
	if err != nil || f.ProgramID != r.ProgramID {
		return cas.Invalid("details.facility_id", "the program has no facility with ID %q", d.FacilityID)
	}
	for i, spec := range d.Add {
		err := tx.checkUnitLabel(spec.Unit(f.ID))
		if e := cas.ErrorOf(err); e != nil {
			return cas.Invalid(fmt.Sprintf("details.add[%d].label", i), "%s", e.Message)
		}
		if err != nil {
			return err
		}
	}
	for i, id := range d.RemoveUnitIDs {
		var facilityID string
		err := tx.queryRow(`SELECT facility_id FROM units WHERE id = $1`, id).Scan(&facilityID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && facilityID != f.ID) {
			return cas.Invalid(fmt.Sprintf("details.remove_unit_ids[%d]", i), "the facility has no unit with ID %q", id)
		}
		if err != nil {
			return fmt.Errorf("unit %s: %w", id, err)
		}
	}
	return nil
}

// ApproveFacilityRequest applies a pending request in one transaction with its approval: it creates
// the facility and its units, or adds units and takes removed units offline for good. A removed
// unit that is occupied or reserved refuses the approval, and nothing is written. New units ask the
// matching engine to look for referrals. Only the HMIS team may.
func (db *DB) ApproveFacilityRequest(ctx context.Context, actor *cas.User, id string) (cas.FacilityRequest, error) {
	return db.decideFacilityRequest(ctx, actor, id, cas.RequestApproved, "")
}

// RejectFacilityRequest turns down a pending request with a reason. Only the HMIS team may.
func (db *DB) RejectFacilityRequest(ctx context.Context, actor *cas.User, id, reason string) (cas.FacilityRequest, error) {
	return db.decideFacilityRequest(ctx, actor, id, cas.RequestRejected, reason)
}

func (db *DB) decideFacilityRequest(ctx context.Context, actor *cas.User, id string, status cas.FacilityRequestStatus, reason string) (cas.FacilityRequest, error) {
	var r cas.FacilityRequest
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		var err error
		r, err = scanFacilityRequest(tx.queryRow(`SELECT `+facilityRequestColumns+` FROM facility_requests WHERE id = $1`+db.dialect.forUpdate, id))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !cas.CanSeeAgency(actor, r.AgencyID)) {
			return cas.NotFound("facility request")
		}
		if err != nil {
			return fmt.Errorf("facility request %s: %w", id, err)
		}
		if !cas.CanManageAgencies(actor) {
			return cas.Errorf(cas.EForbidden, "only the HMIS team decides facility-setup requests")
		}
		before := r
		if err := r.Decide(status, reason, actor.ID, tx.now); err != nil {
			return err
		}
		if status == cas.RequestApproved {
			if err := tx.applyFacilityRequest(&r); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE facility_requests SET status = $1, reason = $2, facility_id = $3, decided_at = $4, decided_by = $5 WHERE id = $6`,
			r.Status, r.Reason, nullString(r.FacilityID), tx.now, actor.ID, id); err != nil {
			return fmt.Errorf("decide facility request %s: %w", id, err)
		}
		action := "facility_request.approve"
		if status == cas.RequestRejected {
			action = "facility_request.reject"
		}
		if err := tx.audit(action, "facility_request", id, before, r); err != nil {
			return err
		}
		return tx.notifyFacilityRequest(r)
	})
	return r, err
}

// applyFacilityRequest makes the changes an approved request asks for, inside the approval's
// transaction. Errors name the field of the request's details at fault.
func (tx *Tx) applyFacilityRequest(r *cas.FacilityRequest) error {
	d := r.Details
	if r.Kind == cas.NewFacilityRequest {
		f := cas.Facility{ProgramID: r.ProgramID, Name: d.Name, Address: d.Address}
		if err := f.Validate(); err != nil {
			return cas.InDetails(err, "details")
		}
		if err := tx.createFacility(&f); err != nil {
			return err
		}
		r.FacilityID = f.ID
		return tx.createUnits("details.units", f.ID, d.Units)
	}
	// Lock the facility so that its roster does not change under the approval.
	if _, err := tx.db.facility(tx.ctx, tx, r.FacilityID, tx.db.dialect.forUpdate); err != nil {
		return err
	}
	if err := tx.createUnits("details.add", r.FacilityID, d.Add); err != nil {
		return err
	}
	for i, unitID := range d.RemoveUnitIDs {
		if err := tx.removeUnit(unitID); err != nil {
			return cas.InDetails(err, fmt.Sprintf("details.remove_unit_ids[%d]", i))
		}
	}
	return nil
}

func (tx *Tx) createUnits(field, facilityID string, specs []cas.UnitSpec) error {
	for i, spec := range specs {
		u := spec.Unit(facilityID)
		err := u.Validate()
		if err == nil {
			_, err = tx.createUnit(u)
		}
		if err != nil {
			return cas.InDetails(err, fmt.Sprintf("%s[%d]", field, i))
		}
	}
	return nil
}

// removeUnit takes a unit offline for good. Units keep their history, so a removed unit is never
// deleted; one that is offline already has its open period replaced by the removal.
func (tx *Tx) removeUnit(id string) error {
	u, err := tx.lockUnit(id, hmisTeam, "remove")
	if err != nil {
		return err
	}
	switch u.Status {
	case cas.UnitOccupied, cas.UnitReserved:
		return unitConflict(u, "remove")
	case cas.UnitOffline:
		if _, err := tx.exec(`UPDATE offline_periods SET ended_at = $1, ended_by = $2 WHERE unit_id = $3 AND ended_at IS NULL`,
			tx.now, tx.actor.ID, id); err != nil {
			return fmt.Errorf("end offline period of %s: %w", id, err)
		}
		if u, err = tx.db.unit(tx.ctx, tx, id); err != nil { // free for this instant, between the two periods
			return err
		}
	}
	_, _, err = tx.takeOffline(u, cas.OfflinePeriod{Reason: cas.RemovedUnitReason}, "")
	return err
}

// notifyFacilityRequest tells the agency's CAS Contacts the decision: approved or rejected, never
// the rejection's free text, which they read after signing in.
func (tx *Tx) notifyFacilityRequest(r cas.FacilityRequest) error {
	d := notify.Data{Reason: string(r.Status)}
	if err := tx.queryRow(`SELECT p.name, COALESCE((SELECT name FROM facilities WHERE id = $2), '') FROM programs p WHERE p.id = $1`,
		r.ProgramID, r.FacilityID).Scan(&d.Program, &d.Facility); err != nil {
		return fmt.Errorf("facility request %s names: %w", r.ID, err)
	}
	if d.Facility == "" {
		d.Facility = r.Details.Name // a rejected new facility was never made
	}
	return tx.notify(notify.FacilityRequestDecided, r.AgencyID, d, about{path: links.FacilityRequest(r.ID)})
}
