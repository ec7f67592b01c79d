package main

import (
	"context"
	"fmt"
)

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs := m.newFlags("migrate")
	dbURL := dbFlag(fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	db, err := m.openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(m.Stdout, "The %s database is up to date.\n", db.Dialect())
	return nil
}
