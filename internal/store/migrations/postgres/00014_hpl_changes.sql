-- +goose Up
-- The ranked HPL is kept in each server's memory (docs/hpl-index.md). hpl_changes tells every
-- server which clients' places may have moved since it last looked: one row per change to an HPL
-- entry or a client, and a row with no client when the priority scheme changes. The rows are
-- written by deferred triggers that first take one advisory lock, at commit time, so the changes'
-- numbers follow the order their transactions commit in: a server that has read change N has read
-- every change before it.
CREATE TABLE hpl_changes (
    seq        BIGSERIAL PRIMARY KEY,
    client_id  TEXT
);
-- The off-list part of the HPL (housed and removed entries), newest change first.
CREATE INDEX hpl_entries_status_updated ON hpl_entries (status, updated_at, id);

-- +goose StatementBegin
CREATE FUNCTION hpl_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7262748);
    IF TG_TABLE_NAME = 'priority_schemes' THEN
        INSERT INTO hpl_changes (client_id) VALUES (NULL);
    ELSIF TG_TABLE_NAME = 'clients' THEN
        INSERT INTO hpl_changes (client_id) VALUES (COALESCE(NEW.id, OLD.id));
    ELSE
        INSERT INTO hpl_changes (client_id) VALUES (COALESCE(NEW.client_id, OLD.client_id));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER hpl_entries_changed AFTER INSERT OR UPDATE OR DELETE ON hpl_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hpl_changed();
CREATE CONSTRAINT TRIGGER clients_changed AFTER UPDATE OR DELETE ON clients
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hpl_changed();
CREATE CONSTRAINT TRIGGER priority_schemes_changed AFTER INSERT ON priority_schemes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hpl_changed();

-- +goose Down
DROP TRIGGER priority_schemes_changed ON priority_schemes;
DROP TRIGGER clients_changed ON clients;
DROP TRIGGER hpl_entries_changed ON hpl_entries;
DROP FUNCTION hpl_changed();
DROP INDEX hpl_entries_status_updated;
DROP TABLE hpl_changes;
