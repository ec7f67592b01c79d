-- +goose Up
-- The documents on file for a client (photo ID, birth certificate, income proof): the checklist a
-- CAS admin keeps, and what the engine's "documents ready" reads. The HPL entry's documents column
-- stays as the names on file, kept equal to this checklist by the store, so the maintained
-- ranking and the engine's snapshot read them as before.
CREATE TABLE client_documents (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id),
    name        TEXT NOT NULL,
    received_on TEXT,              -- NULL for documents recorded before the checklist kept dates
    recorded_by TEXT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX client_documents_name ON client_documents (client_id, lower(name));

-- The names the HPL entries carried become the checklist, without a date or a recorder.
INSERT INTO client_documents (id, client_id, name, created_at)
SELECT lower(hex(randomblob(16))), client_id, MIN(name), MIN(created_at) FROM (
    SELECT e.client_id, trim(j.value) AS name, e.created_at FROM hpl_entries e, json_each(e.documents) j WHERE trim(j.value) <> ''
) GROUP BY client_id, lower(name);

-- A document added or removed may change the client's place for the engine: the maintained HPL
-- hears of it as of any change to the client (00014_hpl_changes.sql).
-- +goose StatementBegin
CREATE TRIGGER client_documents_inserted AFTER INSERT ON client_documents
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (NEW.client_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER client_documents_deleted AFTER DELETE ON client_documents
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (OLD.client_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER client_documents_deleted;
DROP TRIGGER client_documents_inserted;
DROP TABLE client_documents;
