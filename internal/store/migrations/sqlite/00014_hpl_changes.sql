-- +goose Up
-- The ranked HPL is kept in each server's memory (docs/hpl-index.md). hpl_changes tells it which
-- clients' places may have moved since it last looked: one row per change to an HPL entry or a
-- client, and a row with no client when the priority scheme changes. SQLite writes one
-- transaction at a time, so the changes' numbers follow the order their transactions commit in.
CREATE TABLE hpl_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  TEXT
);
CREATE INDEX hpl_entries_status_updated ON hpl_entries (status, updated_at, id);

-- +goose StatementBegin
CREATE TRIGGER hpl_entries_inserted AFTER INSERT ON hpl_entries
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (NEW.client_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER hpl_entries_updated AFTER UPDATE ON hpl_entries
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (NEW.client_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER hpl_entries_deleted AFTER DELETE ON hpl_entries
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (OLD.client_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_updated AFTER UPDATE ON clients
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_deleted AFTER DELETE ON clients
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (OLD.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER priority_schemes_inserted AFTER INSERT ON priority_schemes
BEGIN
    INSERT INTO hpl_changes (client_id) VALUES (NULL);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER priority_schemes_inserted;
DROP TRIGGER clients_deleted;
DROP TRIGGER clients_updated;
DROP TRIGGER hpl_entries_deleted;
DROP TRIGGER hpl_entries_updated;
DROP TRIGGER hpl_entries_inserted;
DROP INDEX hpl_entries_status_updated;
DROP TABLE hpl_changes;
