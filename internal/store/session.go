package store

import (
	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
)

// SessionStore keeps web sessions in the database, so several servers share them and a restart
// signs no one out.
func (db *DB) SessionStore() scs.Store {
	if db.dialect.name == "postgres" {
		return postgresstore.New(db.sql)
	}
	return sqlite3store.New(db.sql)
}
