-- +goose Up
-- The triggers of 00014 (hpl_changes), 00015 (client_documents) and 00021 (the versions) ran once
-- per row, and those of 00014 once more per row at commit: an import of 100,000 clients spent half
-- its time in them. They run once per statement now, over the statement's rows (its transition
-- table), and write the same rows as before.
--
-- hpl_changes' numbers must still follow the order transactions commit in (docs/hpl-index.md), so
-- its rows are numbered at commit. A statement's trigger puts the clients it changed in
-- hpl_changes_pending and one row in hpl_changes_marks; the marks' deferred trigger runs at
-- commit, takes the advisory lock, and moves the transaction's pending clients into hpl_changes.
-- A transaction of several statements has several marks: the first to run moves every pending
-- row, the others find none. Other transactions never see these rows: they are written and
-- deleted within one. Both tables are always empty between transactions, so they are not logged.
CREATE UNLOGGED TABLE hpl_changes_pending (client_id TEXT);
CREATE UNLOGGED TABLE hpl_changes_marks (mark BOOLEAN);

-- +goose StatementBegin
CREATE FUNCTION hpl_changes_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM hpl_changes_marks;
    PERFORM pg_advisory_xact_lock(7262748);
    WITH moved AS (DELETE FROM hpl_changes_pending RETURNING client_id)
    INSERT INTO hpl_changes (client_id) SELECT client_id FROM moved;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER hpl_changes_marked AFTER INSERT ON hpl_changes_marks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hpl_changes_publish();

-- hpl_rows_changed logs the clients of the statement's rows: the new rows' for an insert or an
-- update, the old rows' for a delete; the clients table's own id; none, a whole-list change, for
-- a new priority scheme.
-- +goose StatementBegin
CREATE FUNCTION hpl_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
BEGIN
    IF TG_TABLE_NAME = 'priority_schemes' THEN
        INSERT INTO hpl_changes_pending (client_id) SELECT NULL FROM new_rows;
    ELSIF TG_TABLE_NAME = 'clients' AND TG_OP = 'DELETE' THEN
        INSERT INTO hpl_changes_pending (client_id) SELECT id FROM old_rows;
    ELSIF TG_TABLE_NAME = 'clients' THEN
        INSERT INTO hpl_changes_pending (client_id) SELECT id FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO hpl_changes_pending (client_id) SELECT client_id FROM old_rows;
    ELSE
        INSERT INTO hpl_changes_pending (client_id) SELECT client_id FROM new_rows;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        INSERT INTO hpl_changes_marks VALUES (TRUE);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

DROP TRIGGER hpl_entries_changed ON hpl_entries;
DROP TRIGGER clients_changed ON clients;
DROP TRIGGER priority_schemes_changed ON priority_schemes;
DROP TRIGGER client_documents_changed ON client_documents;
DROP FUNCTION hpl_changed();

-- A trigger with a transition table takes one kind of statement: one trigger per kind.
CREATE TRIGGER hpl_entries_inserted AFTER INSERT ON hpl_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER hpl_entries_updated AFTER UPDATE ON hpl_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER hpl_entries_deleted AFTER DELETE ON hpl_entries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER clients_updated AFTER UPDATE ON clients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER clients_deleted AFTER DELETE ON clients REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER priority_schemes_inserted AFTER INSERT ON priority_schemes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER client_documents_inserted AFTER INSERT ON client_documents REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();
CREATE TRIGGER client_documents_deleted AFTER DELETE ON client_documents REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_rows_changed();

-- The versions of 00021, likewise once per statement.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hpl_entry_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hpl_entry_versions (entry_id, client_id, at, score, assessed_on, days_homeless, documents, intake_status, status,
        parked_until, park_reason)
    SELECT id, client_id, updated_at, score, assessed_on, days_homeless, documents, intake_status, status, parked_until, park_reason
    FROM new_rows;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION client_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_versions (client_id, at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor,
        needs_accessible, consent, consent_date, consent_expires_on)
    SELECT id, updated_at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor, needs_accessible,
        consent, consent_date, consent_expires_on
    FROM new_rows;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
DROP TRIGGER hpl_entries_versioned ON hpl_entries;
DROP TRIGGER clients_versioned ON clients;
CREATE TRIGGER hpl_entries_versioned_insert AFTER INSERT ON hpl_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_entry_versioned();
CREATE TRIGGER hpl_entries_versioned_update AFTER UPDATE ON hpl_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hpl_entry_versioned();
CREATE TRIGGER clients_versioned_insert AFTER INSERT ON clients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION client_versioned();
CREATE TRIGGER clients_versioned_update AFTER UPDATE ON clients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION client_versioned();

-- +goose Down
DROP TRIGGER clients_versioned_update ON clients;
DROP TRIGGER clients_versioned_insert ON clients;
DROP TRIGGER hpl_entries_versioned_update ON hpl_entries;
DROP TRIGGER hpl_entries_versioned_insert ON hpl_entries;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hpl_entry_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hpl_entry_versions (entry_id, client_id, at, score, assessed_on, days_homeless, documents, intake_status, status,
        parked_until, park_reason)
    VALUES (NEW.id, NEW.client_id, NEW.updated_at, NEW.score, NEW.assessed_on, NEW.days_homeless, NEW.documents, NEW.intake_status,
        NEW.status, NEW.parked_until, NEW.park_reason);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION client_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_versions (client_id, at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor,
        needs_accessible, consent, consent_date, consent_expires_on)
    VALUES (NEW.id, NEW.updated_at, NEW.birth_date, NEW.household_size, NEW.household_type, NEW.veteran, NEW.chronic, NEW.youth,
        NEW.dv_survivor, NEW.needs_accessible, NEW.consent, NEW.consent_date, NEW.consent_expires_on);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER hpl_entries_versioned AFTER INSERT OR UPDATE ON hpl_entries FOR EACH ROW EXECUTE FUNCTION hpl_entry_versioned();
CREATE TRIGGER clients_versioned AFTER INSERT OR UPDATE ON clients FOR EACH ROW EXECUTE FUNCTION client_versioned();

DROP TRIGGER client_documents_deleted ON client_documents;
DROP TRIGGER client_documents_inserted ON client_documents;
DROP TRIGGER priority_schemes_inserted ON priority_schemes;
DROP TRIGGER clients_deleted ON clients;
DROP TRIGGER clients_updated ON clients;
DROP TRIGGER hpl_entries_deleted ON hpl_entries;
DROP TRIGGER hpl_entries_updated ON hpl_entries;
DROP TRIGGER hpl_entries_inserted ON hpl_entries;
DROP FUNCTION hpl_rows_changed();
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
CREATE CONSTRAINT TRIGGER client_documents_changed AFTER INSERT OR DELETE ON client_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hpl_changed();
DROP TRIGGER hpl_changes_marked ON hpl_changes_marks;
DROP FUNCTION hpl_changes_publish();
DROP TABLE hpl_changes_marks;
DROP TABLE hpl_changes_pending;
