package store_test

import (
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestClientContactAndNavigator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		c, _ := inv.mustClientOnHPL(t, "Ada", 10, func(c *cas.Client) {
			c.Phone, c.Email, c.ContactNotes = " 555-0100 ", "ada@example.test", "Mornings at the Main St day center"
			c.NavigatorUserID = inv.otherStaff.ID
		})
		got, err := db.Client(ctx, &inv.casAdmin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "555-0100" || got.Email != "ada@example.test" || got.ContactNotes != "Mornings at the Main St day center" ||
			got.NavigatorUserID != inv.otherStaff.ID {
			t.Errorf("client read back %+v", got)
		}

		t.Run("only an active agency user can be a navigator", func(t *testing.T) {
			disabled := MustUser(t, db, "gone@riverside.test", cas.RoleAgencyUser, inv.riverside.ID)
			if _, err := db.UpdateUser(ctx, &inv.hmis, disabled.ID, cas.UserPatch{Disabled: new(true)}); err != nil {
				t.Fatal(err)
			}
			for name, id := range map[string]string{"a CAS admin": inv.casAdmin.ID, "an HMIS admin": inv.hmis.ID,
				"a disabled user": disabled.ID, "no one": "no-such-user"} {
				_, err := db.UpdateClient(ctx, &inv.casAdmin, c.ID, func(c *cas.Client) { c.NavigatorUserID = id })
				if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || e.Field != "navigator_user_id" {
					t.Errorf("%s as navigator: %v, want invalid navigator_user_id", name, err)
				}
			}
		})

		t.Run("contact details are checked", func(t *testing.T) {
			for field, change := range map[string]func(*cas.Client){
				"phone":         func(c *cas.Client) { c.Phone = strings.Repeat("5", cas.MaxPhoneLength+1) },
				"email":         func(c *cas.Client) { c.Email = "not an address" },
				"contact_notes": func(c *cas.Client) { c.ContactNotes = strings.Repeat("x", cas.MaxContactNotesLength+1) },
			} {
				_, err := db.UpdateClient(ctx, &inv.casAdmin, c.ID, change)
				if e := cas.ErrorOf(err); e == nil || e.Field != field {
					t.Errorf("bad %s: %v, want it refused naming the field", field, err)
				}
			}
		})

		t.Run("the navigator can be removed", func(t *testing.T) {
			after, err := db.UpdateClient(ctx, &inv.casAdmin, c.ID, func(c *cas.Client) { c.NavigatorUserID = "" })
			if err != nil || after.NavigatorUserID != "" {
				t.Errorf("remove navigator: %v, %q", err, after.NavigatorUserID)
			}
		})
	})
}
