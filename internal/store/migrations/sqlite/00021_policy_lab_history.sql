-- +goose Up
-- The policy lab (docs/policy-lab.md) replays the CoC's history under another prioritization
-- scheme, which needs the HPL as it stood at each moment. hpl_entry_versions and client_versions
-- keep every state of an entry and of a client, with the moment it began (the row's updated_at,
-- which every change sets to the transaction's clock); triggers write them, so no code path can
-- forget. match_runs records when the engine ran with at least one free unit: the moments a
-- replay lets the engine choose.
CREATE TABLE hpl_entry_versions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id      TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    at            TIMESTAMP NOT NULL,
    score         INTEGER NOT NULL,
    assessed_on   TEXT NOT NULL,
    days_homeless INTEGER NOT NULL,
    documents     TEXT NOT NULL,
    intake_status TEXT NOT NULL,
    status        TEXT NOT NULL,
    parked_until  TEXT,
    park_reason   TEXT
);
CREATE INDEX hpl_entry_versions_entry ON hpl_entry_versions (entry_id, seq);

CREATE TABLE client_versions (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id          TEXT NOT NULL,
    at                 TIMESTAMP NOT NULL,
    birth_date         TEXT NOT NULL,
    household_size     INTEGER NOT NULL,
    household_type     TEXT NOT NULL,
    veteran            BOOLEAN NOT NULL,
    chronic            BOOLEAN NOT NULL,
    youth              BOOLEAN NOT NULL,
    dv_survivor        BOOLEAN NOT NULL,
    needs_accessible   BOOLEAN NOT NULL,
    consent            BOOLEAN NOT NULL,
    consent_date       TEXT,
    consent_expires_on TEXT
);
CREATE INDEX client_versions_client ON client_versions (client_id, seq);

CREATE TABLE match_runs (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    ran_at TIMESTAMP NOT NULL
);
CREATE INDEX match_runs_ran_at ON match_runs (ran_at);

-- +goose StatementBegin
CREATE TRIGGER hpl_entries_versioned_insert AFTER INSERT ON hpl_entries
BEGIN
    INSERT INTO hpl_entry_versions (entry_id, client_id, at, score, assessed_on, days_homeless, documents, intake_status, status,
        parked_until, park_reason)
    VALUES (NEW.id, NEW.client_id, NEW.updated_at, NEW.score, NEW.assessed_on, NEW.days_homeless, NEW.documents, NEW.intake_status,
        NEW.status, NEW.parked_until, NEW.park_reason);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER hpl_entries_versioned_update AFTER UPDATE ON hpl_entries
BEGIN
    INSERT INTO hpl_entry_versions (entry_id, client_id, at, score, assessed_on, days_homeless, documents, intake_status, status,
        parked_until, park_reason)
    VALUES (NEW.id, NEW.client_id, NEW.updated_at, NEW.score, NEW.assessed_on, NEW.days_homeless, NEW.documents, NEW.intake_status,
        NEW.status, NEW.parked_until, NEW.park_reason);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_versioned_insert AFTER INSERT ON clients
BEGIN
    INSERT INTO client_versions (client_id, at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor,
        needs_accessible, consent, consent_date, consent_expires_on)
    VALUES (NEW.id, NEW.updated_at, NEW.birth_date, NEW.household_size, NEW.household_type, NEW.veteran, NEW.chronic, NEW.youth,
        NEW.dv_survivor, NEW.needs_accessible, NEW.consent, NEW.consent_date, NEW.consent_expires_on);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_versioned_update AFTER UPDATE ON clients
BEGIN
    INSERT INTO client_versions (client_id, at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor,
        needs_accessible, consent, consent_date, consent_expires_on)
    VALUES (NEW.id, NEW.updated_at, NEW.birth_date, NEW.household_size, NEW.household_type, NEW.veteran, NEW.chronic, NEW.youth,
        NEW.dv_survivor, NEW.needs_accessible, NEW.consent, NEW.consent_date, NEW.consent_expires_on);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER clients_versioned_update;
DROP TRIGGER clients_versioned_insert;
DROP TRIGGER hpl_entries_versioned_update;
DROP TRIGGER hpl_entries_versioned_insert;
DROP TABLE match_runs;
DROP TABLE client_versions;
DROP TABLE hpl_entry_versions;
