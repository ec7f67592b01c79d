package store_test

import (
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestAgencies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		harbor := MustAgency(t, db, "Harbor Family Services")
		riverside := MustAgency(t, db, "Riverside Housing Partners")
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		casAdmin := MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
		worker := MustUser(t, db, "case.manager@harbor.test", cas.RoleAgencyUser, harbor.ID)

		t.Run("the HMIS team creates an agency with an HMIS organization ID", func(t *testing.T) {
			a, err := db.CreateAgency(ctx, &admin, cas.Agency{Name: "  Eastside Veterans Alliance ", HMISOrganizationID: "ORG-17"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Agency(ctx, &admin, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "Eastside Veterans Alliance" || got.HMISOrganizationID != "ORG-17" {
				t.Errorf("got %+v", got)
			}
		})
		t.Run("a name is required", func(t *testing.T) {
			_, err := db.CreateAgency(ctx, &admin, cas.Agency{Name: " "})
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != "name" {
				t.Errorf("err = %v, want invalid name", err)
			}
		})
		t.Run("an HMIS organization ID belongs to one agency", func(t *testing.T) {
			_, err := db.CreateAgency(ctx, &admin, cas.Agency{Name: "Another", HMISOrganizationID: "ORG-17"})
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EConflict || e.Field != "hmis_organization_id" {
				t.Errorf("err = %v, want conflict on hmis_organization_id", err)
			}
		})
		t.Run("a CAS admin and an agency user cannot create agencies", func(t *testing.T) {
			for _, u := range []*cas.User{&casAdmin, &worker} {
				if _, err := db.CreateAgency(ctx, u, cas.Agency{Name: "Sneaky"}); cas.ErrorCode(err) != cas.EForbidden {
					t.Errorf("%s: err = %v, want forbidden", u.Role, err)
				}
			}
		})
		t.Run("the HMIS team renames an agency and the change is audited", func(t *testing.T) {
			a, err := db.UpdateAgency(ctx, &admin, riverside.ID, cas.AgencyPatch{Name: ptr("Riverside Housing")})
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != "Riverside Housing" {
				t.Errorf("name = %q", a.Name)
			}
			var before, after string
			if err := db.SQL().QueryRow(`SELECT actor_id, after FROM audit_events WHERE action = 'agency.update' AND entity_id = $1`, riverside.ID).Scan(&before, &after); err != nil {
				t.Fatal(err)
			}
			if before != admin.ID {
				t.Errorf("audit actor = %q, want %q", before, admin.ID)
			}
		})
		t.Run("an agency user sees only their own agency", func(t *testing.T) {
			list, _, err := db.Agencies(ctx, &worker, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].ID != harbor.ID {
				t.Errorf("agency user listed %+v", list)
			}
			if _, err := db.Agency(ctx, &worker, riverside.ID); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("reading another agency: err = %v, want not_found", err)
			}
			if _, err := db.UpdateAgency(ctx, &worker, riverside.ID, cas.AgencyPatch{Name: ptr("x")}); cas.ErrorCode(err) != cas.ENotFound {
				t.Errorf("changing another agency: err = %v, want not_found", err)
			}
			if _, err := db.UpdateAgency(ctx, &worker, harbor.ID, cas.AgencyPatch{Name: ptr("x")}); cas.ErrorCode(err) != cas.EForbidden {
				t.Errorf("changing their own agency: err = %v, want forbidden", err)
			}
		})
		t.Run("lists page by name without gaps or repeats", func(t *testing.T) {
			seen := map[string]bool{}
			page := store.Page{Limit: 1}
			var names []string
			for {
				list, next, err := db.Agencies(ctx, &casAdmin, page)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range list {
					if seen[a.ID] {
						t.Fatalf("%s listed twice", a.Name)
					}
					seen[a.ID] = true
					names = append(names, a.Name)
				}
				if next == "" {
					break
				}
				page.Cursor = next
			}
			want := []string{"Eastside Veterans Alliance", "Harbor Family Services", "Riverside Housing"}
			if len(names) != len(want) {
				t.Fatalf("paged through %v, want %v", names, want)
			}
			for i := range want {
				if names[i] != want[i] {
					t.Errorf("paged through %v, want %v", names, want)
					break
				}
			}
		})
		t.Run("a forged cursor is refused", func(t *testing.T) {
			_, _, err := db.Agencies(ctx, &admin, store.Page{Cursor: "bm9wZQ"})
			if e := cas.ErrorOf(err); e == nil || e.Field != "cursor" {
				t.Errorf("err = %v, want invalid cursor", err)
			}
		})
		t.Run("CAS Contacts are listed with their agency", func(t *testing.T) {
			contact, err := db.CreateUser(ctx, &admin, cas.User{Email: "intake@harbor.test", Name: "Dana Intake", Role: cas.RoleAgencyUser, AgencyID: harbor.ID, CASContact: true}, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			a, err := db.Agency(ctx, &worker, harbor.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.CASContacts) != 1 || a.CASContacts[0].UserID != contact.ID {
				t.Errorf("CAS contacts = %+v", a.CASContacts)
			}
		})
	})
}
