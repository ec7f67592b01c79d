package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// ReferralRow is a line of the referral list: the referral, its client as the reader may see the
// record (nil when they may not), the label of the unit it holds, and the names of its program and
// facility (of another agency's, for a client's navigator).
type ReferralRow struct {
	cas.Referral
	Client            *cas.Client
	Unit              string
	Program, Facility string
}

// ReferralList is the referrals page: a page of referrals, and the programs and facilities the
// reader may see, to filter by and to name the rows' own.
type ReferralList struct {
	Programs   []cas.Program
	Facilities []cas.Facility
	Referrals  []ReferralRow
	Next       string
}

// ReferralList reads a page of the referrals the actor may see, newest first, with their clients
// (each read audited) and units: five queries and one audit insert however long the page.
func (db *DB) ReferralList(ctx context.Context, actor *cas.User, f ReferralFilter, page Page) (ReferralList, error) {
	var l ReferralList
	err := db.inView(ctx, actor, true, func(tx *Tx) error {
		var err error
		if l.Programs, l.Facilities, err = tx.programsAndFacilities(); err != nil {
			return err
		}
		refs, next, err := listReferrals(ctx, tx, actor, f, page)
		if err != nil {
			return err
		}
		l.Next = next
		var clientIDs, unitIDs []string
		for _, r := range refs {
			clientIDs = append(clientIDs, r.ClientID)
			if r.UnitID != "" {
				unitIDs = append(unitIDs, r.UnitID)
			}
		}
		clients, err := tx.readClients(clientIDs)
		if err != nil {
			return err
		}
		labels, err := tx.unitLabels(unitIDs)
		if err != nil {
			return err
		}
		places, err := tx.referralPlaces(refs)
		if err != nil {
			return err
		}
		for _, r := range refs {
			row := ReferralRow{Referral: r, Unit: labels[r.UnitID], Program: places[r.FacilityID][0], Facility: places[r.FacilityID][1]}
			if c, ok := clients[r.ClientID]; ok {
				row.Client = &c
			}
			l.Referrals = append(l.Referrals, row)
		}
		return nil
	})
	return l, err
}

// ReferralPage is one referral's page: the referral and its timeline, how the reader stands to it,
// its client as the reader may see the record (nil when they may not) with their navigator, the
// names of its program, facility and unit, and the facility's units, among which the client may
// move in.
type ReferralPage struct {
	Referral                cas.Referral
	Party                   cas.Party
	Events                  []cas.ReferralEvent
	Client                  *cas.Client
	Navigator               *Navigator
	Program, Facility, Unit string
	FacilityUnits           []cas.Unit
}

// Navigator is a client's navigator as the receiving agency sees them: who, how to reach them, and
// their agency.
type Navigator struct {
	ID, Name, Email string
	AgencyID        string
	Agency          string
}

// ReferralPage reads one referral's page, the client's record read audited; a referral outside
// the actor's agency is not found.
func (db *DB) ReferralPage(ctx context.Context, actor *cas.User, id string) (ReferralPage, error) {
	var p ReferralPage
	err := db.inView(ctx, actor, true, func(tx *Tx) error {
		var err error
		if p.Referral, p.Party, p.Events, err = referralWithEvents(ctx, tx, actor, id); err != nil {
			return err
		}
		r := p.Referral
		clients, err := tx.readClients([]string{r.ClientID})
		if err != nil {
			return err
		}
		if c, ok := clients[r.ClientID]; ok {
			p.Client = &c
			if p.Navigator, err = tx.navigator(c.NavigatorUserID); err != nil {
				return err
			}
		}
		if err := tx.queryRow(`SELECT p.name, f.name, COALESCE((SELECT label FROM units WHERE id = $2), '')
			FROM facilities f JOIN programs p ON p.id = f.program_id WHERE f.id = $1`, r.FacilityID, r.UnitID).
			Scan(&p.Program, &p.Facility, &p.Unit); err != nil {
			return fmt.Errorf("referral %s names: %w", id, err)
		}
		p.FacilityUnits, err = All(func(pg Page) ([]cas.Unit, string, error) {
			return listUnits(ctx, tx, actor, UnitFilter{FacilityID: r.FacilityID}, pg)
		})
		return err
	})
	return p, err
}

// navigator reads a client's navigator by user ID; nil for none.
func (tx *Tx) navigator(userID string) (*Navigator, error) {
	if userID == "" {
		return nil, nil
	}
	var n Navigator
	if err := tx.queryRow(`SELECT u.id, u.name, u.email, COALESCE(u.agency_id, ''), COALESCE(a.name, '')
		FROM users u LEFT JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1`, userID).Scan(&n.ID, &n.Name, &n.Email, &n.AgencyID, &n.Agency); err != nil {
		return nil, fmt.Errorf("navigator %s: %w", userID, err)
	}
	return &n, nil
}

// referralPlaces names the program and facility of each of refs, which the actor may see, by
// facility ID: one query. A navigator's client may be referred to an agency whose programs the
// navigator does not otherwise see.
func (tx *Tx) referralPlaces(refs []cas.Referral) (map[string][2]string, error) {
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.FacilityID
	}
	ids = distinct(ids)
	places := map[string][2]string{}
	if len(ids) == 0 {
		return places, nil
	}
	err := eachRow(tx.ctx, tx, `SELECT f.id, p.name, f.name FROM facilities f JOIN programs p ON p.id = f.program_id
		WHERE f.id IN (`+placeholders(1, len(ids))+`)`, anys(ids), func(row scanner) error {
		var id, program, facility string
		err := row.Scan(&id, &program, &facility)
		places[id] = [2]string{program, facility}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("name the places of %d referrals: %w", len(refs), err)
	}
	return places, nil
}

// readClients reads the client records of ids that the actor may see, by ID, and audits each read
// once: one query and one insert.
func (tx *Tx) readClients(ids []string) (map[string]cas.Client, error) {
	clients, err := tx.clientsByID(ids)
	if err != nil {
		return nil, err
	}
	read := make([]string, 0, len(clients))
	for _, id := range distinct(ids) {
		if _, ok := clients[id]; ok {
			read = append(read, id)
		}
	}
	return clients, tx.auditReads("client.read", "client", read)
}

// clientsByID reads the client records of ids that the actor may see, by ID, shielded where the
// actor may not see who the client is, without auditing:
// for pages that show a name, as the HPL does, not the record.
func (tx *Tx) clientsByID(ids []string) (map[string]cas.Client, error) {
	ids = distinct(ids)
	clients := map[string]cas.Client{}
	if len(ids) == 0 {
		return clients, nil
	}
	err := eachRow(tx.ctx, tx, `SELECT `+scopedClientColumns+` FROM clients WHERE `+clientScope+` AND id IN (`+placeholders(2, len(ids))+`)`,
		append([]any{clientScopeOf(tx.actor)}, anys(ids)...), func(row scanner) error {
			c, err := scanScopedClient(row)
			clients[c.ID] = c
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("read %d clients: %w", len(ids), err)
	}
	return clients, nil
}

// unitLabels names the units of ids that the actor may see, by ID.
func (tx *Tx) unitLabels(ids []string) (map[string]string, error) {
	ids = distinct(ids)
	labels := map[string]string{}
	if len(ids) == 0 {
		return labels, nil
	}
	err := eachRow(tx.ctx, tx, `SELECT id, label FROM units WHERE ($1 = '' OR agency_id = $1) AND id IN (`+placeholders(2, len(ids))+`)`,
		append([]any{agencyScope(tx.actor)}, anys(ids)...), func(row scanner) error {
			var id, label string
			err := row.Scan(&id, &label)
			labels[id] = label
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("label %d units: %w", len(ids), err)
	}
	return labels, nil
}

// auditReads appends an audit event for each record read by the transaction's actor, in one
// statement: what tx.audit does for one read, for a page of them.
func (tx *Tx) auditReads(action, entityType string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{tx.now, tx.actor.ID, action, entityType, nullString(requestID(tx.ctx))}
	rows := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		rows[i] = fmt.Sprintf("($1, $2, $3, $4, $%d, NULL, NULL, $5)", len(args))
	}
	if _, err := tx.exec(`INSERT INTO audit_events (`+auditColumns+`) VALUES `+strings.Join(rows, ", "), args...); err != nil {
		return fmt.Errorf("audit %d reads: %w", len(ids), err)
	}
	return nil
}

// distinct is ids without repeats or blanks, in their first order.
func distinct(ids []string) []string {
	seen := map[string]bool{"": true}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// BoardReferral is an open referral on the board, with the names it shows.
type BoardReferral struct {
	cas.Referral
	Client, Program, Facility, Unit string
}

// BoardProposal is a proposal of the matching engine waiting for a CAS admin, with its names.
type BoardProposal struct {
	Proposal
	Client, Program, Facility, Unit string
}

// Board is the CAS admins' referral board: every open (pending or accepted) referral the actor may
// see, newest first, and for CAS admins the proposals waiting for review, oldest first.
type Board struct {
	Referrals []BoardReferral
	Proposals []BoardProposal
}

// Board reads the referral board in one transaction: six queries however many referrals.
func (db *DB) Board(ctx context.Context, actor *cas.User) (Board, error) {
	var b Board
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		open, err := All(func(p Page) ([]cas.Referral, string, error) {
			return listReferrals(ctx, tx, actor, ReferralFilter{Status: []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}}, p)
		})
		if err != nil {
			return err
		}
		var proposals []Proposal
		if cas.CanManageReferrals(actor) {
			if proposals, err = openProposals(ctx, tx); err != nil {
				return err
			}
		}
		n, err := tx.names()
		if err != nil {
			return err
		}
		var clientIDs, unitIDs []string
		for _, r := range open {
			clientIDs, unitIDs = append(clientIDs, r.ClientID), append(unitIDs, r.UnitID)
		}
		for _, p := range proposals {
			clientIDs, unitIDs = append(clientIDs, p.ClientID), append(unitIDs, p.UnitID)
		}
		clients, err := tx.clientsByID(clientIDs)
		if err != nil {
			return err
		}
		units, err := tx.unitLabels(unitIDs)
		if err != nil {
			return err
		}
		for _, r := range open {
			b.Referrals = append(b.Referrals, BoardReferral{Referral: r, Client: fullName(clients[r.ClientID]), Program: n.program[r.ProgramID],
				Facility: n.facility[r.FacilityID], Unit: units[r.UnitID]})
		}
		for _, p := range proposals {
			b.Proposals = append(b.Proposals, BoardProposal{Proposal: p, Client: fullName(clients[p.ClientID]), Program: n.program[p.ProgramID],
				Facility: n.facility[p.FacilityID], Unit: units[p.UnitID]})
		}
		return nil
	})
	return b, err
}

// viewNames are the names of the programs and facilities the actor may see, by ID.
type viewNames struct {
	program, facility map[string]string
}

// names reads the names of the programs and facilities the actor may see.
func (tx *Tx) names() (viewNames, error) {
	n := viewNames{program: map[string]string{}, facility: map[string]string{}}
	programs, facilities, err := tx.programsAndFacilities()
	for _, p := range programs {
		n.program[p.ID] = p.Name
	}
	for _, f := range facilities {
		n.facility[f.ID] = f.Name
	}
	return n, err
}

// programsAndFacilities reads the programs and the facilities the actor may see, by name: two
// queries.
func (tx *Tx) programsAndFacilities() ([]cas.Program, []cas.Facility, error) {
	programs, err := All(func(p Page) ([]cas.Program, string, error) {
		return listPrograms(tx.ctx, tx, tx.actor, ProgramFilter{}, p)
	})
	if err != nil {
		return nil, nil, err
	}
	facilities, err := All(func(p Page) ([]cas.Facility, string, error) {
		return listFacilities(tx.ctx, tx, tx.actor, FacilityFilter{}, p)
	})
	return programs, facilities, err
}

// fullName is a client's name as the HPL and the board show it (cas.Client.Name); "" for none.
func fullName(c cas.Client) string {
	if c.ID == "" {
		return ""
	}
	return c.Name()
}
