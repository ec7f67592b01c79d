package store

import (
	"context"

	"github.com/doorway-cas/doorway/internal/cas"
)

// UserList is the HMIS team's accounts page: a page of accounts, and every agency, to name each
// account's and to choose one for a new account; which of the accounts have a second factor, and
// the roles that must.
type UserList struct {
	Users             []cas.User
	Next              string
	Agencies          []cas.Agency
	SecondFactor      map[string]bool // by user ID: the second factor is on
	SecondFactorRoles []cas.Role
}

// UserList reads a page of the accounts the actor may list, by email, with the agencies, in one
// transaction.
func (db *DB) UserList(ctx context.Context, actor *cas.User, page Page) (UserList, error) {
	var l UserList
	err := db.inView(ctx, actor, false, func(tx *Tx) (err error) {
		if l.Users, l.Next, err = listUsers(ctx, tx, actor, page); err != nil {
			return err
		}
		if l.Agencies, err = All(func(p Page) ([]cas.Agency, string, error) { return listAgencies(ctx, tx, actor, p) }); err != nil {
			return err
		}
		ids := make([]string, len(l.Users))
		for i, u := range l.Users {
			ids[i] = u.ID
		}
		if l.SecondFactor, err = usersWithSecondFactor(ctx, tx, ids); err != nil {
			return err
		}
		l.SecondFactorRoles, err = secondFactorRoles(ctx, tx)
		return err
	})
	return l, err
}
