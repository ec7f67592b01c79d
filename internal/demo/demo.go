// Package demo loads a small, realistic, entirely fictional Continuum of Care into an empty
// database, so that a newcomer can try Doorway with one command.
package demo

import (
	"context"
	"fmt"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// Password is the password of every demo account. Demo databases are for trying Doorway only.
const Password = "doorway-demo-password"

// Account is a demo account to sign in with.
type Account struct {
	Email, Name string
	Role        cas.Role
	Agency      string // agency name, empty for admins
	CASContact  bool
}

// CASAdminEmail and HMISAdminEmail are the demo's admins; serve --demo prints API tokens for them.
const (
	CASAdminEmail  = "cas.admin@demo.doorway.test"
	HMISAdminEmail = "hmis.admin@demo.doorway.test"
)

var agencies = []cas.Agency{
	{Name: "Harbor Family Services", HMISOrganizationID: "101"},
	{Name: "Riverside Housing Partners", HMISOrganizationID: "102"},
	{Name: "Eastside Veterans Alliance", HMISOrganizationID: "103"},
}

// Accounts lists the demo accounts, admins first.
var Accounts = []Account{
	{Email: CASAdminEmail, Name: "Casey Alvarez", Role: cas.RoleCASAdmin},
	{Email: HMISAdminEmail, Name: "Morgan Lee", Role: cas.RoleHMISAdmin},
	{Email: "intake@harbor.demo.doorway.test", Name: "Dana Whitfield", Role: cas.RoleAgencyUser, Agency: "Harbor Family Services", CASContact: true},
	{Email: "casemanager@harbor.demo.doorway.test", Name: "Jordan Price", Role: cas.RoleAgencyUser, Agency: "Harbor Family Services"},
	{Email: "housing@riverside.demo.doorway.test", Name: "Sam Okafor", Role: cas.RoleAgencyUser, Agency: "Riverside Housing Partners", CASContact: true},
	{Email: "director@riverside.demo.doorway.test", Name: "Riley Chen", Role: cas.RoleAgencyUser, Agency: "Riverside Housing Partners", CASContact: true},
	{Email: "outreach@eastside.demo.doorway.test", Name: "Avery Brooks", Role: cas.RoleAgencyUser, Agency: "Eastside Veterans Alliance", CASContact: true},
}

// Load fills an empty database with the demo CoC and reports true. A database that already holds
// agencies or accounts is left alone and Load reports false.
func Load(ctx context.Context, db *store.DB) (bool, error) {
	empty, err := db.Empty(ctx)
	if err != nil || !empty {
		return false, err
	}
	ids := map[string]string{}
	for _, a := range agencies {
		created, err := db.CreateAgency(ctx, cas.System, a)
		if err != nil {
			return false, fmt.Errorf("demo agency %s: %w", a.Name, err)
		}
		ids[a.Name] = created.ID
	}
	for _, a := range Accounts {
		u := cas.User{Email: a.Email, Name: a.Name, Role: a.Role, AgencyID: ids[a.Agency], CASContact: a.CASContact}
		if _, err := db.CreateUser(ctx, cas.System, u, Password); err != nil {
			return false, fmt.Errorf("demo account %s: %w", a.Email, err)
		}
	}
	return true, nil
}
