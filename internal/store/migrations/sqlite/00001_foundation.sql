-- +goose Up
CREATE TABLE agencies (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    hmis_organization_id TEXT,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX agencies_name ON agencies (lower(name));
CREATE UNIQUE INDEX agencies_hmis_organization_id ON agencies (hmis_organization_id)
    WHERE hmis_organization_id IS NOT NULL;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('cas_admin', 'hmis_admin', 'agency_user')),
    agency_id     TEXT REFERENCES agencies (id),
    cas_contact   BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT NOT NULL,
    disabled_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CHECK ((role = 'agency_user') = (agency_id IS NOT NULL)),
    CHECK (NOT cas_contact OR role = 'agency_user')
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    request_id  TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE agencies;
