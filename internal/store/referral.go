package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
	"github.com/doorway-cas/doorway/internal/notify"
)

// referralColumnsOf lists a referral's columns, qualified by a table alias for joins ("r.").
func referralColumnsOf(a string) string {
	return strings.NewReplacer("$.", a).Replace(`$.id, $.client_id, $.hpl_entry_id, $.program_id, $.facility_id, $.agency_id,
	COALESCE($.unit_id, ''), $.status, $.source, $.over_refer, $.over_refer_reason, COALESCE($.expected_vacancy, ''), $.rank,
	$.scheme_version, $.match_reason, $.deadline, COALESCE($.reason_code, ''), $.note, $.created_by, $.created_at, $.updated_at,
	$.unit_assigned_at, $.eligibility_override, $.eligibility_override_reason`)
}

var referralColumns = referralColumnsOf("")

func scanReferral(row scanner) (cas.Referral, error) { return scanReferralWith(row) }

// scanReferralWith scans referralColumns, then any extra columns selected after them.
func scanReferralWith(row scanner, extra ...any) (cas.Referral, error) {
	var r cas.Referral
	var assigned sql.NullTime
	err := row.Scan(append([]any{&r.ID, &r.ClientID, &r.HPLEntryID, &r.ProgramID, &r.FacilityID, &r.AgencyID, &r.UnitID, &r.Status, &r.Source,
		&r.OverRefer, &r.OverReferReason, &r.ExpectedVacancy, &r.Rank, &r.SchemeVersion, &r.MatchReason, &r.Deadline,
		&r.ReasonCode, &r.Note, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &assigned, &r.EligibilityOverride, &r.EligibilityOverrideReason}, extra...)...)
	r.Deadline, r.CreatedAt, r.UpdatedAt, r.UnitAssignedAt = r.Deadline.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC(), timePtr(assigned)
	return r, err
}

// ReferralFilter narrows a referral list.
type ReferralFilter struct {
	AgencyID   string
	ProgramID  string
	FacilityID string
	ClientID   string
	Status     []cas.ReferralStatus
}

// Referrals lists the referrals the actor may see, newest first: all for admins, their agency's
// and those of the clients whose navigator they are for agency users.
func (db *DB) Referrals(ctx context.Context, actor *cas.User, f ReferralFilter, page Page) ([]cas.Referral, string, error) {
	return listReferrals(ctx, db.sql, actor, f, page)
}

func listReferrals(ctx context.Context, q querier, actor *cas.User, f ReferralFilter, page Page) ([]cas.Referral, string, error) {
	statuses := make([]string, 0, len(f.Status))
	for _, s := range f.Status {
		if !slices.Contains(cas.ReferralStatuses, s) {
			return nil, "", cas.Invalid("status", "unknown status %q", s)
		}
		statuses = append(statuses, string(s))
	}
	list, next, err := listPage(page, 1, func(after []string, limit int) (*sql.Rows, error) {
		if after[0] == "" {
			after[0] = "~"
		}
		return q.QueryContext(ctx, `SELECT `+referralColumns+` FROM referrals
			WHERE ($1 = '' OR agency_id = $1 OR client_id IN (SELECT id FROM clients WHERE navigator_user_id = $9))
			AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR program_id = $3)
			AND ($4 = '' OR facility_id = $4) AND ($5 = '' OR client_id = $5) AND ($6 = '' OR (',' || $6 || ',') LIKE ('%,' || status || ',%'))
			AND id < $7 ORDER BY id DESC LIMIT $8`,
			agencyScope(actor), f.AgencyID, f.ProgramID, f.FacilityID, f.ClientID, strings.Join(statuses, ","), after[0], limit,
			clientScopeOf(actor))
	}, scanReferral, func(r cas.Referral) []string { return []string{r.ID} })
	if err != nil {
		return nil, "", fmt.Errorf("list referrals: %w", err)
	}
	return list, next, nil
}

// Referral returns one referral with its timeline, or not_found to an actor who is no party to it
// (cas.PartyTo).
func (db *DB) Referral(ctx context.Context, actor *cas.User, id string) (cas.Referral, []cas.ReferralEvent, error) {
	r, _, events, err := referralWithEvents(ctx, db.sql, actor, id)
	return r, events, err
}

// referralWithEvents reads a referral the actor may see, how they stand to it, and its timeline.
func referralWithEvents(ctx context.Context, q querier, actor *cas.User, id string) (cas.Referral, cas.Party, []cas.ReferralEvent, error) {
	r, party, err := referralFor(ctx, q, actor, id, "")
	if err != nil {
		return cas.Referral{}, party, nil, err
	}
	var events []cas.ReferralEvent
	err = eachRow(ctx, q, `SELECT e.at, e.status, e.action, e.by_id, COALESCE(u.name, e.by_id), e.note
		FROM referral_events e LEFT JOIN users u ON u.id = e.by_id WHERE e.referral_id = $1 ORDER BY e.id`, []any{id},
		func(row scanner) error {
			var ev cas.ReferralEvent
			err := row.Scan(&ev.At, &ev.Status, &ev.Action, &ev.ByID, &ev.ByName, &ev.Note)
			ev.At = ev.At.UTC()
			events = append(events, ev)
			return err
		})
	return r, party, events, err
}

// referralFor reads a referral and how the actor stands to it; a referral the actor may not see
// is not found.
func referralFor(ctx context.Context, q querier, actor *cas.User, id, lock string) (cas.Referral, cas.Party, error) {
	r, err := referralByID(ctx, q, id, lock)
	if err != nil {
		return cas.Referral{}, cas.PartyNone, err
	}
	var navigator string
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(navigator_user_id, '') FROM clients WHERE id = $1`, r.ClientID).Scan(&navigator); err != nil {
		return cas.Referral{}, cas.PartyNone, fmt.Errorf("navigator of referral %s: %w", id, err)
	}
	party := cas.PartyTo(actor, r.AgencyID, navigator)
	if !party.May(cas.RightSee) {
		return cas.Referral{}, cas.PartyNone, cas.NotFound("referral")
	}
	return r, party, nil
}

func referralByID(ctx context.Context, q querier, id, lock string) (cas.Referral, error) {
	r, err := scanReferral(q.QueryRowContext(ctx, `SELECT `+referralColumns+` FROM referrals WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return cas.Referral{}, cas.NotFound("referral")
	}
	if err != nil {
		return cas.Referral{}, fmt.Errorf("referral %s: %w", id, err)
	}
	return r, nil
}

// NewReferral is a CAS admin's manual referral.
type NewReferral struct {
	ClientID        string
	FacilityID      string
	OverRefer       bool
	Reason          string // required to over-refer
	ExpectedVacancy cas.Date
	// EligibilityOverrideReason refers a client the engine's rules refuse, flagged and audited.
	EligibilityOverrideReason string
}

// CreateReferral refers a client on the HPL to a facility by hand. The client must meet the rules
// the engine uses (ready, not parked, not referred to the program again yet, the program's
// household types, populations, ages and documents, a unit of the facility that fits the
// household) unless the CAS admin overrides them with a reason; consent is never overridden. The
// referral holds a free unit that suits the household; when the facility has none, it is refused
// unless the CAS admin over-refers, with a reason, because a unit will open soon: the over-referral
// then waits in line for the facility's next fitting unit. A client holds at most one unit through
// referrals, so a client who holds one already can only be over-referred. The facility is locked
// while its capacity is counted, so of two admins racing for its last unit exactly one gets it.
func (db *DB) CreateReferral(ctx context.Context, actor *cas.User, in NewReferral) (cas.Referral, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.Referral{}, cas.Errorf(cas.EForbidden, "only CAS admins make referrals")
	}
	in.Reason, in.EligibilityOverrideReason = strings.TrimSpace(in.Reason), strings.TrimSpace(in.EligibilityOverrideReason)
	if in.ExpectedVacancy != "" {
		if _, err := cas.ParseDate("expected_vacancy", string(in.ExpectedVacancy)); err != nil {
			return cas.Referral{}, err
		}
	}
	// The ranking is read before the transaction, which then checks the entry itself.
	list, places, err := db.rankedPlaces(ctx, []string{in.ClientID})
	if err != nil {
		return cas.Referral{}, err
	}
	var r cas.Referral
	err = db.inTx(ctx, actor, func(tx *Tx) error {
		f, err := db.facility(ctx, tx, in.FacilityID, db.dialect.forUpdate)
		if err != nil {
			return cas.Invalid("facility_id", "no facility has ID %q", in.FacilityID)
		}
		client, err := tx.client(in.ClientID, "")
		if err != nil {
			return cas.Invalid("client_id", "no client has ID %q", in.ClientID)
		}
		if !client.Consent {
			return &cas.Error{Code: cas.EConflict, Field: "client_id", Message: "the client has no release of information on file; record consent before referring"}
		}
		if !client.ConsentOn(tx.today()) {
			return &cas.Error{Code: cas.EConflict, Field: "client_id", Message: fmt.Sprintf(
				"the client's release of information expired on %s; renew it before referring", client.ConsentExpiresOn)}
		}
		program, err := db.program(ctx, tx, f.ProgramID)
		if err != nil {
			return err
		}
		ranked, err := tx.rankOf(places, client)
		if err != nil {
			return err
		}
		units, err := facilityUnits(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		refusals := match.Refusals(tx.today(), ranked.Candidate, program, units)
		if len(refusals) > 0 && in.EligibilityOverrideReason == "" {
			return &cas.Error{Code: cas.EConflict, Field: "eligibility_override_reason", Details: refusals,
				Message: fmt.Sprintf("%s %s is not eligible for %s: %s. To refer anyway, give eligibility_override_reason.",
					client.FirstName, client.LastName, program.Name, strings.Join(refusals, "; "))}
		}
		r = cas.Referral{ID: newID(), ClientID: client.ID, HPLEntryID: ranked.Entry.ID, ProgramID: program.ID, FacilityID: f.ID, AgencyID: f.AgencyID,
			Status: cas.ReferralPending, Source: cas.SourceManual, Rank: ranked.Rank, SchemeVersion: list.scheme.Version,
			Deadline: tx.now.Add(time.Duration(program.ResponseDays) * 24 * time.Hour), CreatedBy: actor.ID, CreatedAt: tx.now, UpdatedAt: tx.now}
		if len(refusals) > 0 {
			r.EligibilityOverride, r.EligibilityOverrideReason = true, in.EligibilityOverrideReason
		}
		held, err := tx.unitHeldFor(client.ID)
		if err != nil {
			return err
		}
		if held == "" {
			if r.UnitID, err = tx.freeUnitFor(f.ID, client, r.EligibilityOverride); err != nil {
				return err
			}
		}
		switch {
		case r.UnitID != "":
			r.MatchReason = fmt.Sprintf("Referred by hand by %s; rank %d; holds a free unit.", actor.Name, ranked.Rank)
		case !in.OverRefer && held != "":
			return &cas.Error{Code: cas.EConflict, Field: "client_id", Message: fmt.Sprintf(
				"the client already holds a unit through referral %s; withdraw it first, or over-refer so this referral waits in line for the next unit", held)}
		case !in.OverRefer:
			return cas.Errorf(cas.EConflict, "%s has no free unit for this household; to refer anyway because a unit will open soon, over-refer with a reason", f.Name)
		case in.Reason == "":
			return cas.Invalid("reason", "a reason is required to over-refer to a full facility")
		default:
			r.OverRefer, r.OverReferReason, r.ExpectedVacancy = true, in.Reason, in.ExpectedVacancy
			r.MatchReason = fmt.Sprintf("Over-referred by hand by %s; rank %d; waits in line for the facility's next unit that fits: %s", actor.Name, ranked.Rank, in.Reason)
		}
		if r.EligibilityOverride {
			r.MatchReason += " Eligibility overridden (" + strings.Join(refusals, "; ") + "): " + r.EligibilityOverrideReason
		}
		return tx.insertReferral(r, "")
	})
	return r, err
}

// rankOf finds a client's open HPL entry, as the engine would see it in this transaction, and
// its rank on the list (places, read just before the transaction).
func (tx *Tx) rankOf(places map[string]int, client cas.Client) (match.Ranked, error) {
	e, err := scanHPLEntry(tx.queryRow(`SELECT `+hplColumns+` FROM hpl_entries WHERE client_id = $1 AND status IN ('active', 'referred')`+
		tx.db.dialect.forUpdate, client.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return match.Ranked{}, &cas.Error{Code: cas.EConflict, Field: "client_id", Message: "the client is not on the HPL (or is housed or removed)"}
	}
	if err != nil {
		return match.Ranked{}, fmt.Errorf("HPL entry of client %s: %w", client.ID, err)
	}
	var open bool
	if err := tx.queryRow(`SELECT EXISTS (SELECT 1 FROM referrals WHERE client_id = $1 AND status IN ('pending', 'accepted'))
		OR EXISTS (SELECT 1 FROM match_proposals WHERE client_id = $1 AND status = 'open')`, client.ID).Scan(&open); err != nil {
		return match.Ranked{}, fmt.Errorf("open referrals of client %s: %w", client.ID, err)
	}
	notAgain, err := notReferredAgain(tx.ctx, tx, tx.now.Add(-tx.db.NoRereferral), client.ID)
	if err != nil {
		return match.Ranked{}, err
	}
	client.Consent = client.ConsentOn(tx.today())
	ranked := match.Ranked{Candidate: match.Candidate{Entry: e, Client: client, OpenReferral: open, NotReferredAgainBy: notAgain[client.ID]}}
	if pos, ok := places[client.ID]; ok {
		ranked.Rank = pos + 1
	}
	return ranked, nil
}

// unitHeldFor returns the open referral through which a client holds a unit, if any.
func (tx *Tx) unitHeldFor(clientID string) (string, error) {
	var id string
	err := tx.queryRow(`SELECT COALESCE(MAX(id), '') FROM referrals WHERE client_id = $1 AND status IN ('pending', 'accepted') AND unit_id IS NOT NULL`,
		clientID).Scan(&id)
	return id, err
}

// freeUnitFor picks a free unit of the facility that suits the household, or with anyUnit (an
// eligibility override) any free unit; "" when there is none.
func (tx *Tx) freeUnitFor(facilityID string, c cas.Client, anyUnit bool) (string, error) {
	units, err := freeUnits(tx.ctx, tx, facilityID)
	if err != nil {
		return "", err
	}
	for _, u := range units {
		if ok, _ := match.FitsUnit(c, u); ok {
			return u.ID, nil
		}
	}
	if anyUnit && len(units) > 0 {
		return units[0].ID, nil
	}
	return "", nil
}

// freeUnits lists the units nobody holds; facilityID "" means all.
func freeUnits(ctx context.Context, q querier, facilityID string) ([]cas.Unit, error) {
	return unitsWhere(ctx, q, `status = 'available' AND ($1 = '' OR facility_id = $1) AND `+unheld, facilityID)
}

// facilityUnits lists every unit of a facility, whatever its state.
func facilityUnits(ctx context.Context, q querier, facilityID string) ([]cas.Unit, error) {
	return unitsWhere(ctx, q, `facility_id = $1`, facilityID)
}

func unitsWhere(ctx context.Context, q querier, where string, args ...any) ([]cas.Unit, error) {
	var units []cas.Unit
	err := eachRow(ctx, q, `SELECT `+unitColumns+` FROM unit_states WHERE `+where+`
		ORDER BY facility_id, accessible DESC, bedrooms DESC, label`, args, func(row scanner) error {
		u, err := scanUnit(row)
		units = append(units, u)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	return units, nil
}

// insertReferral writes a new referral, its first timeline entry and audit event, and marks the
// client's HPL entry referred.
func (tx *Tx) insertReferral(r cas.Referral, proposalID string) error {
	if r.UnitID != "" {
		u, err := tx.lockUnitRow(r.UnitID)
		if err != nil {
			return err
		}
		if _, _, err := tx.claim(u, cas.Claim{Action: cas.ClaimRefer, ClientID: r.ClientID}); err != nil {
			return err
		}
	}
	if _, err := tx.exec(`INSERT INTO referrals (id, client_id, hpl_entry_id, program_id, facility_id, agency_id, unit_id, status, source,
		over_refer, over_refer_reason, expected_vacancy, rank, scheme_version, match_reason, deadline, created_by, created_at, updated_at,
		eligibility_override, eligibility_override_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19, $20)`,
		r.ID, r.ClientID, r.HPLEntryID, r.ProgramID, r.FacilityID, r.AgencyID, nullString(r.UnitID), r.Status, r.Source,
		r.OverRefer, r.OverReferReason, nullString(string(r.ExpectedVacancy)), r.Rank, r.SchemeVersion, r.MatchReason, r.Deadline,
		r.CreatedBy, r.CreatedAt, r.EligibilityOverride, r.EligibilityOverrideReason); err != nil {
		return fmt.Errorf("insert referral: %w", err)
	}
	if err := tx.referralEvent(r.ID, r.Status, "created", r.MatchReason); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE hpl_entries SET status = 'referred', updated_at = $1 WHERE id = $2 AND status = 'active'`, tx.now, r.HPLEntryID); err != nil {
		return fmt.Errorf("mark HPL entry referred: %w", err)
	}
	after := map[string]any{"referral": r}
	if proposalID != "" {
		after["proposal_id"] = proposalID
	}
	if err := tx.audit("referral.create", "referral", r.ID, nil, after); err != nil {
		return err
	}
	return tx.notifyReferral(notify.NewReferral, r, "")
}

func (tx *Tx) referralEvent(id string, status cas.ReferralStatus, action, note string) error {
	_, err := tx.exec(`INSERT INTO referral_events (referral_id, at, status, action, by_id, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, tx.now, status, action, tx.actor.ID, note)
	if err != nil {
		return fmt.Errorf("timeline of %s: %w", id, err)
	}
	return nil
}
