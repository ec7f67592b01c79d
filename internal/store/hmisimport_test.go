package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func sampleImport() store.HMISImport {
	return store.HMISImport{
		Agencies: []store.ImportAgency{{OrganizationID: "ORG1", Name: "Harbor Family Services"}},
		Programs: []store.ImportProgram{{ProjectID: "P1", OrganizationID: "ORG1", Name: "Harbor PSH", ProjectType: cas.ProjectPSH}},
		Inventory: []store.ImportInventory{
			{InventoryID: "INV1", ProjectID: "P1", HouseholdType: cas.WithChildren, Units: 3, Bedrooms: 2},
			{InventoryID: "INV2", ProjectID: "P9", HouseholdType: cas.WithoutChildren, Units: 5}, // a project Doorway does not refer to
		},
		Clients: []cas.Client{{FirstName: "Pat", LastName: "Doe", BirthDate: "1980-01-02", HMISPersonalID: "C1", HouseholdSize: 3,
			HouseholdType: cas.WithChildren, Consent: true}},
		Entries: []store.ImportEntry{{EnrollmentID: "E1", PersonalID: "C1", AssessedOn: "2026-03-01", DaysHomeless: 200}},
	}
}

func TestImportHMIS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		t.Run("a dry run keeps nothing", func(t *testing.T) {
			res, err := db.ImportHMIS(ctx, &admin, sampleImport(), true)
			if err != nil || res.Created["clients"] != 1 {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			list, _, _ := db.Agencies(ctx, cas.System, store.Page{})
			if len(list) != 0 {
				t.Errorf("a dry run created %d agencies", len(list))
			}
		})
		res, err := db.ImportHMIS(ctx, &admin, sampleImport(), false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"agencies": 1, "programs": 1, "facilities": 1, "units": 3, "clients": 1, "hpl_entries": 1}
		if diff := cmp.Diff(want, res.Created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		t.Run("importing the same export again changes nothing", func(t *testing.T) {
			res, err := db.ImportHMIS(ctx, &admin, sampleImport(), false)
			if err != nil || len(res.Created) != 0 || len(res.Updated) != 0 {
				t.Errorf("second import: %+v %v", res, err)
			}
		})
		t.Run("a newer export updates by HMIS IDs", func(t *testing.T) {
			in := sampleImport()
			in.Clients[0].LastName = "Doe-Smith"
			in.Inventory[0].Units = 4
			res, err := db.ImportHMIS(ctx, &admin, in, false)
			if err != nil || res.Updated["clients"] != 1 || res.Created["units"] != 1 || res.Created["clients"] != 0 {
				t.Errorf("newer import: %+v %v", res, err)
			}
			units, _, _ := db.Units(ctx, cas.System, store.UnitFilter{}, store.Page{})
			if len(units) != 4 {
				t.Errorf("%d units, want 4", len(units))
			}
		})
		t.Run("the HPL has the prioritized client, ready", func(t *testing.T) {
			items, _, _, err := db.HPL(ctx, cas.System, store.HPLFilter{}, store.Page{})
			if err != nil || len(items) != 1 || items[0].Client.LastName != "Doe-Smith" || items[0].Entry.IntakeStatus != cas.IntakeReady {
				t.Errorf("HPL %+v %v", items, err)
			}
		})
		t.Run("a dangling reference writes nothing", func(t *testing.T) {
			in := sampleImport()
			in.Programs = append(in.Programs, store.ImportProgram{ProjectID: "P2", OrganizationID: "NOPE", Name: "X", ProjectType: cas.ProjectRRH})
			in.Clients = append(in.Clients, cas.Client{FirstName: "New", LastName: "Person", BirthDate: "1990-01-01", HMISPersonalID: "C2",
				HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
			if _, err := db.ImportHMIS(ctx, &admin, in, false); cas.ErrorCode(err) != cas.EInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			list, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Person"}, store.Page{})
			if len(list) != 0 {
				t.Error("a refused import wrote a client")
			}
		})
		t.Run("only the HMIS team imports", func(t *testing.T) {
			casAdmin := MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
			if _, err := db.ImportHMIS(ctx, &casAdmin, sampleImport(), false); cas.ErrorCode(err) != cas.EForbidden {
				t.Error("a CAS admin imported")
			}
		})
	})
}

// TestImportHMISTakesClientsOffTheHPL: an export that shows a client on the list housed, or their
// CE enrollment exited, takes their entry off the list and withdraws their open referral, which
// tells the agency's CAS Contact.
func TestImportHMISTakesClientsOffTheHPL(t *testing.T) {
	for _, c := range []struct {
		name          string
		change        func(*store.HMISImport)
		status        cas.HPLStatus
		reason        string
		housed, exits int
	}{
		{"a client HMIS shows housed is housed", func(in *store.HMISImport) { in.Housed = []string{"C1"} },
			cas.HPLHoused, "moved into permanent housing in HMIS", 1, 0},
		{"a client whose CE enrollment exited is inactive", func(in *store.HMISImport) { in.ExitedCE = []string{"E1"} },
			cas.HPLInactive, "exited coordinated entry in HMIS", 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
				casAdmin := MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
				if _, err := db.ImportHMIS(ctx, &admin, sampleImport(), false); err != nil {
					t.Fatal(err)
				}
				agencies, _, _ := db.Agencies(ctx, cas.System, store.Page{})
				facilities, _, _ := db.Facilities(ctx, cas.System, store.FacilityFilter{}, store.Page{})
				clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{}, store.Page{})
				contact, err := db.CreateUser(ctx, cas.System, cas.User{Email: "intake@harbor.test", Name: "Dana Intake", Role: cas.RoleAgencyUser,
					AgencyID: agencies[0].ID, CASContact: true}, "a long enough password")
				if err != nil {
					t.Fatal(err)
				}
				r, err := db.CreateReferral(ctx, &casAdmin, store.NewReferral{ClientID: clients[0].ID, FacilityID: facilities[0].ID})
				if err != nil {
					t.Fatal(err)
				}

				in := sampleImport()
				c.change(&in)
				res, err := db.ImportHMIS(ctx, &admin, in, false)
				if err != nil {
					t.Fatal(err)
				}
				got := []int{res.Housed, res.Exited, res.Withdrawn, res.Updated["hpl_entries"], res.Updated["referrals"]}
				if want := []int{c.housed, c.exits, 1, 1, 1}; !cmp.Equal(want, got) {
					t.Errorf("housed, exited, withdrawn, updated entries and referrals = %v, want %v", got, want)
				}
				items, _, _, err := db.HPL(ctx, cas.System, store.HPLFilter{Status: []cas.HPLStatus{c.status}}, store.Page{})
				if err != nil || len(items) != 1 || items[0].Entry.RemovalReason != c.reason {
					t.Errorf("%s entries %+v %v, want the client's, with reason %q", c.status, items, err, c.reason)
				}
				after, _, err := db.Referral(ctx, &casAdmin, r.ID)
				if err != nil || after.Status != cas.ReferralWithdrawn || after.Note != "Withdrawn: the client "+c.reason+"." {
					t.Errorf("referral %s %q %v, want withdrawn with the reason", after.Status, after.Note, err)
				}
				inbox, _, _, _ := db.Notifications(ctx, &contact, store.Page{})
				if len(inbox) == 0 || inbox[0].Kind != notify.ReferralWithdrawn {
					t.Errorf("the CAS Contact's inbox %+v, want the withdrawal", inbox)
				}
				t.Run("importing the export again changes nothing", func(t *testing.T) {
					res, err := db.ImportHMIS(ctx, &admin, in, false)
					if err != nil || len(res.Created) != 0 || len(res.Updated) != 0 || res.Housed+res.Exited+res.Withdrawn != 0 {
						t.Errorf("second import: %+v %v", res, err)
					}
				})
			})
		})
	}
}

func TestImportHMISNamesAgenciesWithoutCASContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		in := sampleImport()
		in.Agencies = append(in.Agencies, store.ImportAgency{OrganizationID: "ORG2", Name: "Quiet Street Outreach"}) // no program
		res, err := db.ImportHMIS(ctx, &admin, in, true)
		if err != nil || !cmp.Equal(res.NoCASContact, []string{"Harbor Family Services"}) {
			t.Fatalf("without a CAS Contact: %q %v, want the agency with a program", res.NoCASContact, err)
		}
		if _, err := db.ImportHMIS(ctx, &admin, in, false); err != nil {
			t.Fatal(err)
		}
		agencies, _, _ := db.Agencies(ctx, cas.System, store.Page{})
		harbor := agencies[slices.IndexFunc(agencies, func(a cas.Agency) bool { return a.Name == "Harbor Family Services" })]
		if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: "intake@harbor.test", Name: "Dana Intake", Role: cas.RoleAgencyUser,
			AgencyID: harbor.ID, CASContact: true}, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if res, err := db.ImportHMIS(ctx, &admin, in, false); err != nil || len(res.NoCASContact) != 0 {
			t.Errorf("with a CAS Contact: %q %v, want none named", res.NoCASContact, err)
		}
	})
}

func TestImportHMISBirthDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		in := sampleImport()
		in.Clients[0].BirthDate = ""
		if _, err := db.ImportHMIS(ctx, &admin, in, false); err != nil {
			t.Fatal(err)
		}
		clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{}, store.Page{})
		if len(clients) != 1 || clients[0].BirthDate != "" {
			t.Fatalf("clients %+v, want one without a birth date", clients)
		}
		t.Run("a client without a birth date can be given one, and consent, in Doorway", func(t *testing.T) {
			if _, err := db.UpdateClient(ctx, &admin, clients[0].ID, func(c *cas.Client) { c.Consent = true }); err != nil {
				t.Fatalf("consent without a birth date: %v", err)
			}
			if _, err := db.UpdateClient(ctx, &admin, clients[0].ID, func(c *cas.Client) { c.BirthDate = "1981-02-03" }); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("an export without the birth date keeps the one Doorway has", func(t *testing.T) {
			res, err := db.ImportHMIS(ctx, &admin, in, false)
			if err != nil || res.Updated["clients"] != 0 {
				t.Errorf("import: %+v %v, want no client updated", res, err)
			}
			if c, _ := db.Client(ctx, cas.System, clients[0].ID); c.BirthDate != "1981-02-03" {
				t.Errorf("birth date %q, want the one given in Doorway", c.BirthDate)
			}
		})
		t.Run("an export with a birth date sets it", func(t *testing.T) {
			if res, err := db.ImportHMIS(ctx, &admin, sampleImport(), false); err != nil || res.Updated["clients"] != 1 {
				t.Errorf("import: %+v %v, want the client updated", res, err)
			}
			if c, _ := db.Client(ctx, cas.System, clients[0].ID); c.BirthDate != "1980-01-02" {
				t.Errorf("birth date %q, want HMIS's", c.BirthDate)
			}
		})
	})
}

// TestImportHMISLarge: an import of more rows than one INSERT writes, naming a client and an
// enrollment twice, writes what it would one row at a time: every field of a client, and the
// second of each record named twice updates the first.
func TestImportHMISLarge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		in := sampleImport()
		in.Inventory[0].Units = 700
		in.Clients, in.Entries = nil, nil
		for i := range 600 {
			id := fmt.Sprintf("p%d", i) // lower case, as a search asks
			in.Clients = append(in.Clients, cas.Client{FirstName: "Pat", LastName: "Doe", BirthDate: "1980-01-02", HMISPersonalID: id,
				HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Race: []cas.Race{cas.RaceWhite}})
			if i%2 == 0 {
				in.Entries = append(in.Entries, store.ImportEntry{EnrollmentID: fmt.Sprintf("E%d", i), PersonalID: id, AssessedOn: "2026-03-01", DaysHomeless: i})
			}
		}
		in.Clients[10].Phone, in.Clients[10].ContactNotes = "555-0100", "mornings"
		again := in.Clients[590] // not yet written when named again
		again.LastName = "Doe-Smith"
		in.Clients = append(in.Clients, again)
		in.Entries = append(in.Entries, store.ImportEntry{EnrollmentID: "E590", PersonalID: "p590", AssessedOn: "2026-03-02", DaysHomeless: 1})
		for i := range 400 { // more than one batch of consent and of its audit events
			in.Consent = append(in.Consent, store.ConsentRecord{HMISPersonalID: fmt.Sprintf("p%d", i), ConsentDate: "2026-01-05", Where: fmt.Sprintf("line %d", i+2)})
		}

		res, err := db.ImportHMIS(ctx, &admin, in, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Consented != 400 || countAudit(t, db, "client.consent") != 400 {
			t.Errorf("consent recorded for %d clients, %d audited; want 400", res.Consented, countAudit(t, db, "client.consent"))
		}
		for id, want := range map[string]bool{"p0": true, "p399": true, "p400": false} {
			clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: id}, store.Page{})
			if len(clients) != 1 || clients[0].Consent != want || want && clients[0].ConsentDate != "2026-01-05" {
				t.Errorf("client %s: %+v, want consent %v", id, clients, want)
			}
			if want { // written with the new client, audited as a change from none
				var before, after string
				if err := db.SQL().QueryRow(`SELECT before, after FROM audit_events WHERE action = 'client.consent' AND entity_id = $1`, clients[0].ID).
					Scan(&before, &after); err != nil || !strings.Contains(strings.ReplaceAll(before, " ", ""), `"consent":false`) ||
					!strings.Contains(after, "2026-01-05") {
					t.Errorf("client %s's consent audited as %s → %s (%v)", id, before, after, err)
				}
			}
		}
		created := map[string]int{"agencies": 1, "programs": 1, "facilities": 1, "units": 700, "clients": 600, "hpl_entries": 300}
		if diff := cmp.Diff(created, res.Created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]int{"clients": 1, "hpl_entries": 1}, res.Updated); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
		clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: "p590"}, store.Page{})
		if len(clients) != 1 || clients[0].LastName != "Doe-Smith" || !slices.Equal(clients[0].Race, []cas.Race{cas.RaceWhite}) {
			t.Errorf("client p590: %+v", clients)
		}
		if clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: "p10"}, store.Page{}); len(clients) != 1 ||
			clients[0].Phone != "555-0100" || clients[0].ContactNotes != "mornings" {
			t.Errorf("client p10: %+v, want the phone and notes imported", clients)
		}
		items, _, _, err := db.HPL(ctx, cas.System, store.HPLFilter{Search: "p590"}, store.Page{})
		if err != nil || len(items) != 1 || items[0].Entry.AssessedOn != "2026-03-02" || items[0].Entry.DaysHomeless != 1 {
			t.Errorf("HPL entry of p590: %+v %v", items, err)
		}
		labels := map[string]bool{}
		for page := (store.Page{Limit: 500}); ; {
			units, next, err := db.Units(ctx, cas.System, store.UnitFilter{}, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range units {
				labels[u.Label] = true
			}
			if page.Cursor = next; next == "" {
				break
			}
		}
		if len(labels) != 700 || !labels["Family INV1-700"] {
			t.Errorf("%d units with distinct labels, want 700 up to Family INV1-700", len(labels))
		}
	})
}

// TestImportHMISRefusedRow: a client the database refuses, among others written before it, fails
// the import and leaves nothing; the next import goes ahead.
func TestImportHMISRefusedRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		in := sampleImport()
		for i := range 400 {
			in.Clients = append(in.Clients, cas.Client{FirstName: "Pat", LastName: "Doe", BirthDate: "1980-01-02",
				HMISPersonalID: fmt.Sprintf("P%d", i), HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
		}
		in.Clients[300].HouseholdSize = 21 // more than a household may have
		if _, err := db.ImportHMIS(ctx, &admin, in, false); err == nil {
			t.Fatal("an import with a household of 21 went through")
		}
		if clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{}, store.Page{}); len(clients) != 0 {
			t.Errorf("%d clients written by a refused import", len(clients))
		}
		if agencies, _, _ := db.Agencies(ctx, cas.System, store.Page{}); len(agencies) != 0 {
			t.Errorf("%d agencies written by a refused import", len(agencies))
		}
		if res, err := db.ImportHMIS(ctx, &admin, sampleImport(), false); err != nil || res.Created["clients"] != 1 {
			t.Errorf("the next import: %+v %v", res, err)
		}
	})
}

func TestReferralRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, _ := inv.mustClientOnHPL(t, "Exported", 10, func(c *cas.Client) { c.HMISPersonalID = "PID-7" })
		r, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: c.ID, FacilityID: inv.facility.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeclineReferral(ctx, &inv.staff, r.ID, cas.DeclineIneligible, ""); err != nil {
			t.Fatal(err)
		}
		recs, err := db.ReferralRecords(ctx, &inv.casAdmin, start.Add(-time.Hour), start.Add(time.Hour))
		if err != nil || len(recs) != 1 {
			t.Fatalf("records %+v %v", recs, err)
		}
		rec := recs[0]
		if rec.PersonalID != "PID-7" || rec.ProjectType != cas.ProjectPSH || rec.ClosedAt == nil || rec.Referral.ReasonCode != cas.DeclineIneligible ||
			rec.EnrollmentID != "" || rec.ProgramName != "Harbor Family PSH" {
			t.Errorf("record %+v", rec)
		}
		if recs, _ := db.ReferralRecords(ctx, &inv.casAdmin, start.Add(time.Hour), time.Time{}); len(recs) != 0 {
			t.Errorf("a referral outside the period was exported")
		}
		if _, err := db.ReferralRecords(ctx, &inv.staff, time.Time{}, time.Time{}); cas.ErrorCode(err) != cas.EForbidden {
			t.Errorf("an agency user exported: %v", err)
		}
	})
}

// TestImportHMISBuildsIndexesAgain: an import of more clients than Doorway has writes its rows
// before it builds the indexes of their tables (on SQLite). After it, after a dry run and after an
// import refused midway, the database has the indexes it had, and a search by name uses one.
func TestImportHMISBuildsIndexesAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		indexes := func() []string {
			query := `SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`
			if db.Dialect() != "sqlite" {
				query = `SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`
			}
			var list []string
			rows, err := db.SQL().Query(query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				list = append(list, s)
			}
			return list
		}
		want := indexes()
		if !slices.ContainsFunc(want, func(s string) bool { return strings.HasPrefix(s, "clients_name: ") }) {
			t.Fatalf("no clients_name index among %v", want)
		}
		in := sampleImport()
		for i := range 300 {
			in.Clients = append(in.Clients, cas.Client{FirstName: "Pat", LastName: fmt.Sprintf("Doe%03d", i), BirthDate: "1980-01-02",
				HMISPersonalID: fmt.Sprintf("P%d", i), HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
			in.Entries = append(in.Entries, store.ImportEntry{EnrollmentID: fmt.Sprintf("E%d", i), PersonalID: fmt.Sprintf("P%d", i), AssessedOn: "2026-03-01"})
		}
		refused := in
		refused.Clients = slices.Clone(in.Clients)
		refused.Clients[200].HouseholdSize = 21 // more than a household may have
		for _, c := range []struct {
			name   string
			in     store.HMISImport
			dryRun bool
		}{{"a dry run", in, true}, {"an import refused midway", refused, false}, {"an import", in, false}} {
			db.ImportHMIS(ctx, &admin, c.in, c.dryRun) //nolint:errcheck // the refused one fails, as it should
			if diff := cmp.Diff(want, indexes()); diff != "" {
				t.Errorf("after %s, indexes (-want +got):\n%s", c.name, diff)
			}
		}
		if db.Dialect() == "sqlite" {
			var id, parent, unused int
			var plan string
			if err := db.SQL().QueryRow(`EXPLAIN QUERY PLAN SELECT id FROM clients WHERE last_name = 'Doe150'`).Scan(&id, &parent, &unused, &plan); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "clients_name") {
				t.Errorf("a search by last name: %s, want the clients_name index", plan)
			}
		}
		if clients, _, _ := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Doe150"}, store.Page{}); len(clients) != 1 {
			t.Errorf("search for Doe150: %d clients", len(clients))
		}
	})
}
