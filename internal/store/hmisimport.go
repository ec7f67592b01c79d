package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// HMISImport is what a CoC's HUD HMIS CSV export says, already validated and mapped to Doorway's
// terms by the caller (package hmiscsv): keys are HMIS IDs.
type HMISImport struct {
	Agencies  []ImportAgency
	Programs  []ImportProgram
	Inventory []ImportInventory
	Clients   []cas.Client // HMISPersonalID set
	Entries   []ImportEntry
	// Housed lists the PersonalIDs of the clients HMIS shows moved into permanent housing, and
	// ExitedCE the EnrollmentIDs of the CE enrollments that have exited: their HPL entries leave
	// the list.
	Housed   []string
	ExitedCE []string
	// Demographics names the demographic elements the export carries: FY2024 exports have no sex,
	// FY2026 ones no gender. Importing leaves an element the export does not carry as it was.
	Demographics ImportDemographics
	// Consent is a consent list recorded with the import, in its transaction: by HMIS PersonalID,
	// of clients already in Doorway or in this export.
	Consent []ConsentRecord
}

// ImportDemographics says which of HUD's demographic elements an export carries.
type ImportDemographics struct{ Race, Gender, Sex bool }

// ImportAgency is an HMIS Organization.
type ImportAgency struct{ OrganizationID, Name string }

// ImportProgram is an HMIS Project that receives CE referrals.
type ImportProgram struct {
	ProjectID, OrganizationID, Name string
	ProjectType                     cas.ProjectType
}

// ImportInventory is a current Inventory row: its units of one household type.
type ImportInventory struct {
	InventoryID, ProjectID string
	HouseholdType          cas.HouseholdType
	Units                  int
	Bedrooms               int
}

// ImportEntry is a client prioritized on an open CE enrollment: an HPL entry.
type ImportEntry struct {
	EnrollmentID, PersonalID string
	AssessedOn               cas.Date
	DaysHomeless             int
}

// ImportResult counts what an import created and updated, by kind of record.
type ImportResult struct {
	Created map[string]int
	Updated map[string]int
	// Housed and Exited count the HPL entries the import took off the list because HMIS shows
	// their clients moved into permanent housing, or out of coordinated entry; Withdrawn counts
	// their clients' open referrals it withdrew. Updated counts them too, as hpl_entries and
	// referrals.
	Housed, Exited, Withdrawn int
	// NoCASContact names the agencies with programs but no CAS Contact: referrals to them reach the
	// CAS admins instead until one of their users is designated.
	NoCASContact []string
	// Consented counts the clients of the consent list recorded with the import.
	Consented int
}

func (r ImportResult) add(m map[string]int, kind string) { m[kind]++ }

// ImportHMIS writes an HMIS export in one transaction: agencies by OrganizationID, programs by
// ProjectID (each with one facility), units from the current inventory counts, clients by
// PersonalID and HPL entries by the CE EnrollmentID. Records seen before are updated, so importing
// the same export twice changes nothing; units are only ever added (a unit with a history is never
// deleted by an import), and an export without a client's birth date leaves the one Doorway has.
// An entry on the list whose client the export shows housed becomes housed, and one whose CE
// enrollment has exited becomes inactive; their clients' open referrals are withdrawn, which tells
// the agencies. Only the HMIS team may. With dryRun nothing is kept.
func (db *DB) ImportHMIS(ctx context.Context, actor *cas.User, in HMISImport, dryRun bool) (ImportResult, error) {
	res := ImportResult{Created: map[string]int{}, Updated: map[string]int{}}
	if !cas.CanManageAgencies(actor) {
		return res, cas.Errorf(cas.EForbidden, "only the HMIS team imports HMIS exports")
	}
	errDryRun := fmt.Errorf("dry run")
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		res = ImportResult{Created: map[string]int{}, Updated: map[string]int{}} // counted again if the transaction is retried
		if db.dialect == sqliteDialect {
			// The pages a large import changes would not fit SQLite's cache of 2 MB, which would
			// write them out as it goes, some more than once: a larger cache for the import alone.
			if _, err := tx.exec(`PRAGMA cache_size = -262144`); err != nil {
				return err
			}
			defer tx.exec(`PRAGMA cache_size = -2000`) //nolint:errcheck // SQLite's default again, for the connection's next use
		}
		agencies, err := tx.hmisIDs(`SELECT hmis_organization_id, id FROM agencies WHERE hmis_organization_id IS NOT NULL`)
		if err != nil {
			return err
		}
		for _, a := range in.Agencies {
			if agencies[a.OrganizationID], err = tx.upsertAgency(agencies[a.OrganizationID], a, &res); err != nil {
				return err
			}
		}
		programs, err := tx.hmisIDs(`SELECT hmis_project_id, id FROM programs WHERE hmis_project_id IS NOT NULL`)
		if err != nil {
			return err
		}
		facilities, err := tx.hmisIDs(`SELECT hmis_project_id, id FROM facilities WHERE hmis_project_id IS NOT NULL`)
		if err != nil {
			return err
		}
		if err := tx.upsertPrograms(agencies, programs, facilities, in.Programs, &res); err != nil {
			return err
		}
		if err := tx.importUnits(facilities, in.Inventory, &res); err != nil {
			return err
		}
		clients, err := tx.hmisIDs(`SELECT hmis_personal_id, id FROM clients WHERE hmis_personal_id IS NOT NULL`)
		if err != nil {
			return err
		}
		// An import of more clients than Doorway has, a first one most often, builds the indexes
		// of the tables it writes most rows to after writing them (SQLite).
		var build []string
		if len(in.Clients) > len(clients) {
			if build, err = tx.dropIndexesForLoad("clients", "client_versions", "hpl_entries", "hpl_entry_versions", "audit_events"); err != nil {
				return err
			}
		}
		consentOf := consentOfNewClients(clients, in.Consent)
		if err := tx.upsertClients(clients, in.Clients, in.Demographics, consentOf, &res); err != nil {
			return err
		}
		if err := tx.leaveHPL(in, &res); err != nil {
			return err
		}
		if err := tx.importEntries(clients, in.Entries, &res); err != nil {
			return err
		}
		if len(in.Consent) > 0 {
			written := map[string]bool{} // the clients whose consent their INSERT wrote
			for pid := range consentOf {
				written[clients[pid]] = true
			}
			if err := tx.recordConsent(in.Consent, written); err != nil {
				return err
			}
			res.Consented = len(in.Consent)
		}
		if err := tx.buildIndexes(build); err != nil {
			return err
		}
		if res.NoCASContact, err = tx.ids(`SELECT name FROM agencies a WHERE EXISTS (SELECT 1 FROM programs p WHERE p.agency_id = a.id)
			AND NOT EXISTS (SELECT 1 FROM users u WHERE u.agency_id = a.id AND u.cas_contact AND u.disabled_at IS NULL) ORDER BY name`); err != nil {
			return fmt.Errorf("agencies without a CAS Contact: %w", err)
		}
		if err := tx.audit("hmis.import", "import", newID(), nil, res); err != nil {
			return err
		}
		if err := tx.enqueue(JobMatch, matchReason{Reason: "hmis_import"}); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err == errDryRun {
		err = nil
	}
	return res, err
}

// hmisIDs maps HMIS IDs to Doorway IDs with a two-column query.
func (tx *Tx) hmisIDs(query string) (map[string]string, error) {
	ids := map[string]string{}
	err := eachRow(tx.ctx, tx, query, nil, func(row scanner) error {
		var hmis, id string
		err := row.Scan(&hmis, &id)
		ids[hmis] = id
		return err
	})
	return ids, err
}

// upsertAgency creates or renames the agency of an organization and returns its ID.
func (tx *Tx) upsertAgency(id string, a ImportAgency, res *ImportResult) (string, error) {
	if id == "" {
		id = newID()
		res.add(res.Created, "agencies")
		_, err := tx.exec(`INSERT INTO agencies (id, name, hmis_organization_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
			id, a.Name, a.OrganizationID, tx.now)
		if isUniqueViolation(err) {
			return "", cas.Invalid("OrganizationName", "organization %s is named %q, like another agency", a.OrganizationID, a.Name)
		}
		return id, err
	}
	r, err := tx.exec(`UPDATE agencies SET name = $1, updated_at = $2 WHERE id = $3 AND name <> $1`, a.Name, tx.now, id)
	return id, countUpdate(r, err, res, "agencies")
}

func countUpdate(r sql.Result, err error, res *ImportResult, kind string) error {
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n > 0 {
		res.add(res.Updated, kind)
	}
	return nil
}

// upsertPrograms creates or updates the program of each ProjectID, and gives each program that
// lacks one its facility.
func (tx *Tx) upsertPrograms(agencies, programs, facilities map[string]string, in []ImportProgram, res *ImportResult) error {
	created := tx.newRowInserter("programs", "id, agency_id, name, hmis_project_id, project_type, requirements, response_days, referral_mode, created_at, updated_at")
	req, _ := json.Marshal(cas.Requirements{HouseholdTypes: []cas.HouseholdType{}, Populations: []cas.Population{}, RequiredDocuments: []string{}})
	var sites [][]any // the new facilities' rows, written once their programs are
	for _, p := range in {
		agencyID, ok := agencies[p.OrganizationID]
		if !ok {
			return cas.Invalid("OrganizationID", "project %s names organization %s, which the export does not have", p.ProjectID, p.OrganizationID)
		}
		id, ok := programs[p.ProjectID]
		if !ok {
			id = newID()
			programs[p.ProjectID] = id
			res.add(res.Created, "programs")
			if err := created.add(id, agencyID, p.Name, p.ProjectID, p.ProjectType, string(req), cas.DefaultResponseDays, "auto", tx.now, tx.now); err != nil {
				return fmt.Errorf("insert programs: %w", err)
			}
		} else {
			if err := created.flush(); err != nil { // the program may be one of them
				return fmt.Errorf("insert programs: %w", err)
			}
			r, err := tx.exec(`UPDATE programs SET name = $1, project_type = $2, updated_at = $3 WHERE id = $4 AND (name <> $1 OR project_type <> $2)`,
				p.Name, p.ProjectType, tx.now, id)
			if err := countUpdate(r, err, res, "programs"); err != nil {
				return err
			}
		}
		if _, ok := facilities[p.ProjectID]; ok {
			continue
		}
		fid := newID()
		facilities[p.ProjectID] = fid
		res.add(res.Created, "facilities")
		sites = append(sites, []any{fid, id, agencyID, p.Name, p.ProjectID, tx.now, tx.now})
	}
	if err := created.close(); err != nil {
		return fmt.Errorf("insert programs: %w", err)
	}
	inserted := tx.newRowInserter("facilities", "id, program_id, agency_id, name, hmis_project_id, created_at, updated_at")
	for _, row := range sites {
		if err := inserted.add(row...); err != nil {
			return fmt.Errorf("insert facilities: %w", err)
		}
	}
	if err := inserted.close(); err != nil {
		return fmt.Errorf("insert facilities: %w", err)
	}
	return nil
}

// importUnits makes sure each current inventory row has its count of units, labelled by household
// type and number, keyed by InventoryID and number.
func (tx *Tx) importUnits(facilities map[string]string, inv []ImportInventory, res *ImportResult) error {
	existing, err := tx.hmisIDs(`SELECT hmis_key, id FROM units WHERE hmis_key IS NOT NULL`)
	if err != nil {
		return err
	}
	agencyOf, err := tx.hmisIDs(`SELECT id, agency_id FROM facilities`)
	if err != nil {
		return err
	}
	type facilityLabel struct{ facilityID, label string }
	labelled := map[facilityLabel]bool{}
	err = eachRow(tx.ctx, tx, `SELECT facility_id, label FROM units`, nil, func(row scanner) error {
		var l facilityLabel
		err := row.Scan(&l.facilityID, &l.label)
		labelled[l] = true
		return err
	})
	if err != nil {
		return fmt.Errorf("unit labels: %w", err)
	}
	units := tx.newRowInserter("units", "id, facility_id, agency_id, label, bedrooms, household_types, accessible, created_at, updated_at, hmis_key")
	labels := map[cas.HouseholdType]string{cas.WithoutChildren: "Adult", cas.WithChildren: "Family", cas.OnlyChildren: "Youth"}
	for _, row := range inv {
		fid, ok := facilities[row.ProjectID]
		if !ok {
			continue // a project that does not receive referrals: its inventory is not Doorway's
		}
		agencyID := agencyOf[fid]
		types, _ := json.Marshal([]cas.HouseholdType{row.HouseholdType})
		for n := 1; n <= row.Units; n++ {
			key := row.InventoryID + ":" + strconv.Itoa(n)
			if _, ok := existing[key]; ok {
				continue
			}
			label := facilityLabel{fid, labels[row.HouseholdType] + " " + shortID(row.InventoryID) + "-" + strconv.Itoa(n)}
			if labelled[label] { // two inventory rows whose IDs start alike: the full ID tells them apart
				label.label = labels[row.HouseholdType] + " " + row.InventoryID + "-" + strconv.Itoa(n)
			}
			labelled[label] = true
			if err := units.add(newID(), fid, agencyID, label.label, row.Bedrooms, string(types), false, tx.now, tx.now, key); err != nil {
				return fmt.Errorf("units: %w", err)
			}
			res.add(res.Created, "units")
		}
	}
	if err := units.close(); err != nil {
		return fmt.Errorf("units: %w", err)
	}
	return nil
}

// shortID keeps unit labels readable when HMIS IDs are long hashes.
func shortID(id string) string {
	if len(id) > 6 {
		return strings.ToUpper(id[:6])
	}
	return id
}

// consentOfNewClients picks out of a consent list, by PersonalID, the records of the clients the
// import creates (those not in clients yet): their consent is written with them, rather than by an
// UPDATE of every one of them after. recordConsent still checks the whole list, and audits it.
func consentOfNewClients(clients map[string]string, records []ConsentRecord) map[string]ConsentRecord {
	of := map[string]ConsentRecord{}
	for _, r := range records {
		k, err := consentKeyOf(r)
		if err != nil || !k.byPersonalID {
			continue
		}
		if _, known := clients[k.key]; known {
			continue
		}
		if _, twice := of[k.key]; !twice { // the list is refused then
			of[k.key] = r
		}
	}
	return of
}

// upsertClients creates or updates the client of each PersonalID. A demographic element the
// export does not carry, like a birth date it lacks, is passed as NULL, which leaves the column as
// it is. A new client named in consentOf is created with that consent.
func (tx *Tx) upsertClients(clients map[string]string, in []cas.Client, carries ImportDemographics, consentOf map[string]ConsentRecord,
	res *ImportResult) error {
	created := tx.newRowInserter("clients", clientInsertColumns)
	for _, c := range in {
		id, ok := clients[c.HMISPersonalID]
		if !ok {
			c.ID, c.CreatedAt, c.UpdatedAt = newID(), tx.now, tx.now
			if r, ok := consentOf[c.HMISPersonalID]; ok {
				c.Consent, c.ConsentDate, c.ConsentExpiresOn = true, r.ConsentDate, r.ExpiresOn
			}
			clients[c.HMISPersonalID] = c.ID
			res.add(res.Created, "clients")
			if err := created.add(clientValues(c)...); err != nil {
				return fmt.Errorf("insert clients: %w", err)
			}
			continue
		}
		if err := created.flush(); err != nil { // the client may be one of them
			return fmt.Errorf("insert clients: %w", err)
		}
		race := sql.NullString{String: joinOptions(c.Race), Valid: carries.Race}
		gender := sql.NullString{String: joinOptions(c.Gender), Valid: carries.Gender}
		sex := sql.NullString{String: string(c.Sex), Valid: carries.Sex}
		birth := sql.NullString{String: string(c.BirthDate), Valid: c.BirthDate != ""}
		r, err := tx.exec(`UPDATE clients SET first_name = $1, last_name = $2, birth_date = COALESCE($3, birth_date), household_size = $4,
			household_type = $5, veteran = $6, race = COALESCE($7, race), gender = COALESCE($8, gender), sex = COALESCE($9, sex), updated_at = $10
			WHERE id = $11 AND (first_name <> $1 OR last_name <> $2 OR birth_date <> COALESCE($3, birth_date) OR household_size <> $4
			OR household_type <> $5 OR veteran <> $6 OR race <> COALESCE($7, race) OR gender <> COALESCE($8, gender) OR sex <> COALESCE($9, sex))`,
			c.FirstName, c.LastName, birth, c.HouseholdSize, c.HouseholdType, c.Veteran, race, gender, sex, tx.now, id)
		if err := countUpdate(r, err, res, "clients"); err != nil {
			return err
		}
	}
	if err := created.close(); err != nil {
		return fmt.Errorf("insert clients: %w", err)
	}
	return nil
}

// importEntries puts each prioritized client on the HPL once, keyed by the CE EnrollmentID. A
// client already on the list (by another entry) keeps that entry.
func (tx *Tx) importEntries(clients map[string]string, entries []ImportEntry, res *ImportResult) error {
	known, err := tx.hmisIDs(`SELECT hmis_enrollment_id, id FROM hpl_entries WHERE hmis_enrollment_id IS NOT NULL`)
	if err != nil {
		return err
	}
	onList, err := tx.hmisIDs(`SELECT client_id, id FROM hpl_entries WHERE status IN ('active', 'referred')`)
	if err != nil {
		return err
	}
	created := tx.newRowInserter("hpl_entries", `id, client_id, score, assessed_on, days_homeless, documents, intake_status, status,
		created_at, updated_at, hmis_enrollment_id`)
	for _, e := range entries {
		clientID, ok := clients[e.PersonalID]
		if !ok {
			return cas.Invalid("PersonalID", "enrollment %s names client %s, which the export does not have", e.EnrollmentID, e.PersonalID)
		}
		if id, ok := known[e.EnrollmentID]; ok {
			if err := created.flush(); err != nil { // the entry may be one of them
				return fmt.Errorf("HPL entries: %w", err)
			}
			r, err := tx.exec(`UPDATE hpl_entries SET assessed_on = $1, days_homeless = $2, updated_at = $3 WHERE id = $4
				AND (assessed_on <> $1 OR days_homeless <> $2)`, string(e.AssessedOn), e.DaysHomeless, tx.now, id)
			if err := countUpdate(r, err, res, "hpl_entries"); err != nil {
				return err
			}
			continue
		}
		if _, ok := onList[clientID]; ok {
			continue
		}
		id := newID()
		onList[clientID], known[e.EnrollmentID] = id, id
		if err := created.add(id, clientID, 0, string(e.AssessedOn), e.DaysHomeless, "[]", cas.IntakeReady, cas.HPLActive,
			tx.now, tx.now, e.EnrollmentID); err != nil {
			return fmt.Errorf("HPL entries: %w", err)
		}
		res.add(res.Created, "hpl_entries")
	}
	if err := created.close(); err != nil {
		return fmt.Errorf("HPL entries: %w", err)
	}
	return nil
}

// Why an import takes an entry off the HPL: the removal reason, and the withdrawn referrals' note.
const (
	leftHoused = "moved into permanent housing in HMIS"
	leftCE     = "exited coordinated entry in HMIS"
)

// leaveHPL takes off the list the entries of the clients the export shows housed, as housed, and
// those of CE enrollments that have exited, as inactive, and withdraws their clients' open
// referrals.
func (tx *Tx) leaveHPL(in HMISImport, res *ImportResult) error {
	housed, exited := map[string]bool{}, map[string]bool{}
	for _, id := range in.Housed {
		housed[id] = true
	}
	for _, id := range in.ExitedCE {
		exited[id] = true
	}
	type onList struct{ id, personalID, enrollmentID string }
	var entries []onList
	err := eachRow(tx.ctx, tx, `SELECT e.id, c.hmis_personal_id, COALESCE(e.hmis_enrollment_id, '') FROM hpl_entries e
		JOIN clients c ON c.id = e.client_id WHERE e.status IN ('active', 'referred') AND c.hmis_personal_id IS NOT NULL ORDER BY e.id`,
		nil, func(row scanner) error {
			var e onList
			err := row.Scan(&e.id, &e.personalID, &e.enrollmentID)
			entries = append(entries, e)
			return err
		})
	if err != nil {
		return fmt.Errorf("HPL entries of HMIS clients: %w", err)
	}
	for _, e := range entries {
		var err error
		switch {
		case housed[e.personalID]:
			res.Housed++
			err = tx.leaveHPLEntry(e.id, cas.HPLHoused, leftHoused, res)
		case exited[e.enrollmentID]:
			res.Exited++
			err = tx.leaveHPLEntry(e.id, cas.HPLInactive, leftCE, res)
		default:
			continue
		}
		if err != nil {
			return err
		}
		res.add(res.Updated, "hpl_entries")
	}
	return nil
}

// leaveHPLEntry gives an entry its new status and reason, and withdraws its client's open
// referrals with the reason.
func (tx *Tx) leaveHPLEntry(id string, status cas.HPLStatus, reason string, res *ImportResult) error {
	before, err := tx.db.hplEntry(tx.ctx, tx, id, tx.db.dialect.forUpdate)
	if err != nil {
		return err
	}
	after := before
	after.Status, after.RemovalReason, after.ParkedUntil, after.ParkReason, after.UpdatedAt = status, reason, "", "", tx.now
	if err := tx.writeHPLEntry(after); err != nil {
		return err
	}
	if err := tx.audit("hpl.hmis_"+string(status), "hpl_entry", id, before, after); err != nil {
		return err
	}
	var open int
	if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE client_id = $1 AND status IN ('pending', 'accepted')`, before.ClientID).Scan(&open); err != nil {
		return err
	}
	if open > 0 {
		res.Withdrawn += open
		res.Updated["referrals"] += open
	}
	return tx.closeOtherReferrals(cas.Referral{ClientID: before.ClientID}, "Withdrawn: the client "+reason+".")
}
