package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// A client's documents on file live in client_documents, the checklist; each HPL entry of the
// client on the list carries their names in its documents column, kept equal to the checklist by
// syncDocuments in the transaction that changes it, so the maintained ranking and the engine read
// the names on file as they read the rest of the entry.

const documentColumns = `d.id, d.client_id, d.name, COALESCE(d.received_on, ''), COALESCE(d.recorded_by, ''), COALESCE(u.name, ''), d.created_at`

func scanDocument(row scanner) (cas.ClientDocument, error) {
	var d cas.ClientDocument
	err := row.Scan(&d.ID, &d.ClientID, &d.Name, &d.ReceivedOn, &d.RecordedBy, &d.RecordedByName, &d.CreatedAt)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

// clientDocuments reads a client's checklist, by name.
func (tx *Tx) clientDocuments(clientID string) ([]cas.ClientDocument, error) {
	list := []cas.ClientDocument{}
	err := eachRow(tx.ctx, tx, `SELECT `+documentColumns+` FROM client_documents d LEFT JOIN users u ON u.id = d.recorded_by
		WHERE d.client_id = $1 ORDER BY lower(d.name), d.id`, []any{clientID}, func(row scanner) error {
		d, err := scanDocument(row)
		list = append(list, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("documents of client %s: %w", clientID, err)
	}
	return list, nil
}

// ClientDocuments lists the documents on file for a client, by name. CAS admins and the HMIS team
// may; for others the client is not found.
func (db *DB) ClientDocuments(ctx context.Context, actor *cas.User, clientID string) ([]cas.ClientDocument, error) {
	if !canReadHPL(actor) {
		return nil, cas.NotFound("client")
	}
	var list []cas.ClientDocument
	err := db.inView(ctx, actor, false, func(tx *Tx) error {
		if _, err := tx.client(clientID, ""); err != nil {
			return err
		}
		var err error
		list, err = tx.clientDocuments(clientID)
		return err
	})
	return list, err
}

// AddClientDocument records a document on file for a client. CAS admins may. A document of the same
// name already on file is a conflict; a new one may make the client eligible, so the engine looks.
func (db *DB) AddClientDocument(ctx context.Context, actor *cas.User, clientID string, d cas.ClientDocument) (cas.ClientDocument, error) {
	if !cas.CanManageReferrals(actor) {
		return cas.ClientDocument{}, cas.Errorf(cas.EForbidden, "only CAS admins record a client's documents")
	}
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		if _, err := tx.client(clientID, tx.db.dialect.forUpdate); err != nil {
			return err
		}
		if err := d.Validate(tx.today()); err != nil {
			return err
		}
		if err := tx.insertDocument(clientID, &d); err != nil {
			return err
		}
		if err := tx.audit("client.document.add", "client", clientID, nil, d); err != nil {
			return err
		}
		return tx.syncDocuments(clientID)
	})
	return d, err
}

func (tx *Tx) insertDocument(clientID string, d *cas.ClientDocument) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM client_documents WHERE client_id = $1 AND lower(name) = lower($2)`, clientID, d.Name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &cas.Error{Code: cas.EConflict, Field: "name", Message: fmt.Sprintf("%s is already on file", d.Name)}
	}
	d.ID, d.ClientID, d.CreatedAt = newID(), clientID, tx.now
	if !tx.actor.IsSystem() {
		d.RecordedBy, d.RecordedByName = tx.actor.ID, tx.actor.Name
	}
	if _, err := tx.exec(`INSERT INTO client_documents (id, client_id, name, received_on, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		d.ID, clientID, d.Name, nullString(string(d.ReceivedOn)), nullString(d.RecordedBy), tx.now); err != nil {
		return fmt.Errorf("insert document: %w", err)
	}
	return nil
}

// RemoveClientDocument takes a document off a client's checklist. CAS admins may.
func (db *DB) RemoveClientDocument(ctx context.Context, actor *cas.User, clientID, documentID string) error {
	if !cas.CanManageReferrals(actor) {
		return cas.Errorf(cas.EForbidden, "only CAS admins record a client's documents")
	}
	return db.inTx(ctx, actor, func(tx *Tx) error {
		if _, err := tx.client(clientID, tx.db.dialect.forUpdate); err != nil {
			return err
		}
		list, err := tx.clientDocuments(clientID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list, func(d cas.ClientDocument) bool { return d.ID == documentID })
		if i < 0 {
			return cas.NotFound("document")
		}
		if _, err := tx.exec(`DELETE FROM client_documents WHERE id = $1`, documentID); err != nil {
			return fmt.Errorf("remove document %s: %w", documentID, err)
		}
		if err := tx.audit("client.document.remove", "client", clientID, list[i], nil); err != nil {
			return err
		}
		return tx.syncDocuments(clientID)
	})
}

// documentNames are the names on a client's checklist, by name.
func (tx *Tx) documentNames(clientID string) ([]string, error) {
	list, err := tx.clientDocuments(clientID)
	names := make([]string, len(list))
	for i, d := range list {
		names[i] = d.Name
	}
	return names, err
}

// setDocumentNames makes a client's checklist hold the names, recorded today by the actor, for
// the API's HPL entry documents (names only): added when missing, and when exact, the others
// removed.
func (tx *Tx) setDocumentNames(clientID string, names []string, exact bool) error {
	list, err := tx.clientDocuments(clientID)
	if err != nil {
		return err
	}
	has := func(name string) bool {
		return slices.ContainsFunc(list, func(d cas.ClientDocument) bool { return strings.EqualFold(d.Name, name) })
	}
	for _, name := range names {
		if has(name) {
			continue
		}
		d := cas.ClientDocument{Name: name, ReceivedOn: tx.today()}
		if err := d.Validate(tx.today()); err != nil {
			return cas.Invalid("documents", "documents: %s", cas.ErrorOf(err).Message)
		}
		if err := tx.insertDocument(clientID, &d); err != nil {
			return err
		}
		list = append(list, d)
	}
	if !exact {
		return nil
	}
	for _, d := range list {
		if !slices.ContainsFunc(names, func(name string) bool { return strings.EqualFold(d.Name, name) }) {
			if _, err := tx.exec(`DELETE FROM client_documents WHERE id = $1`, d.ID); err != nil {
				return fmt.Errorf("remove document %s: %w", d.ID, err)
			}
		}
	}
	return nil
}

// syncDocuments writes the names on a client's checklist into their entry on the list, where
// the engine reads them.
func (tx *Tx) syncDocuments(clientID string) error {
	names, err := tx.documentNames(clientID)
	if err != nil {
		return err
	}
	docs, _ := json.Marshal(names)
	if _, err := tx.exec(`UPDATE hpl_entries SET documents = $1, updated_at = $2 WHERE client_id = $3 AND status IN ('active', 'referred')`,
		string(docs), tx.now, clientID); err != nil {
		return fmt.Errorf("documents of client %s on the HPL: %w", clientID, err)
	}
	return tx.enqueue(JobMatch, matchReason{Reason: "documents_changed"})
}
