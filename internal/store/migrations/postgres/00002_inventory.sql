-- +goose Up
CREATE TABLE programs (
    id              TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    name            TEXT NOT NULL,
    hmis_project_id TEXT,
    project_type    INTEGER NOT NULL,
    requirements    JSONB NOT NULL,
    response_days   INTEGER NOT NULL CHECK (response_days BETWEEN 1 AND 60),
    referral_mode   TEXT NOT NULL CHECK (referral_mode IN ('auto', 'review')),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX programs_agency ON programs (agency_id);
CREATE UNIQUE INDEX programs_hmis_project_id ON programs (hmis_project_id) WHERE hmis_project_id IS NOT NULL;

CREATE TABLE facilities (
    id                     TEXT PRIMARY KEY,
    program_id             TEXT NOT NULL REFERENCES programs (id),
    agency_id              TEXT NOT NULL REFERENCES agencies (id),
    name                   TEXT NOT NULL,
    address                TEXT NOT NULL DEFAULT '',
    inventory_confirmed_at TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX facilities_program ON facilities (program_id);
CREATE INDEX facilities_agency ON facilities (agency_id);

-- Every roster confirmation, so "since when was this roster last confirmed" has a history.
CREATE TABLE inventory_confirmations (
    id           TEXT PRIMARY KEY,
    facility_id  TEXT NOT NULL REFERENCES facilities (id),
    confirmed_at TIMESTAMPTZ NOT NULL,
    confirmed_by TEXT NOT NULL
);
CREATE INDEX inventory_confirmations_facility ON inventory_confirmations (facility_id, confirmed_at);

CREATE TABLE units (
    id              TEXT PRIMARY KEY,
    facility_id     TEXT NOT NULL REFERENCES facilities (id),
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    label           TEXT NOT NULL,
    bedrooms        INTEGER NOT NULL CHECK (bedrooms BETWEEN 0 AND 20),
    household_types JSONB NOT NULL,
    accessible      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX units_facility ON units (facility_id);
CREATE INDEX units_agency ON units (agency_id);
CREATE UNIQUE INDEX units_label ON units (facility_id, label);

-- Intervals: a unit's state is derived from the open one, if any. Rows are closed, never deleted.
CREATE TABLE occupancies (
    id             TEXT PRIMARY KEY,
    unit_id        TEXT NOT NULL REFERENCES units (id),
    client_id      TEXT,
    client_name    TEXT NOT NULL,
    reservation_id TEXT,
    started_at     TIMESTAMPTZ NOT NULL,
    started_by     TEXT NOT NULL,
    ended_at       TIMESTAMPTZ,
    ended_by       TEXT
);
CREATE UNIQUE INDEX occupancies_one_open ON occupancies (unit_id) WHERE ended_at IS NULL;
CREATE INDEX occupancies_unit ON occupancies (unit_id, started_at);

CREATE TABLE reservations (
    id          TEXT PRIMARY KEY,
    unit_id     TEXT NOT NULL REFERENCES units (id),
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    client_name TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'released', 'expired', 'converted')),
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    ended_at    TIMESTAMPTZ,
    ended_by    TEXT,
    CHECK ((status = 'open') = (ended_at IS NULL))
);
CREATE UNIQUE INDEX reservations_one_open ON reservations (unit_id) WHERE status = 'open';
CREATE INDEX reservations_unit ON reservations (unit_id, created_at);
CREATE INDEX reservations_expiry ON reservations (expires_on) WHERE status = 'open';
CREATE INDEX reservations_agency ON reservations (agency_id, created_at);

CREATE TABLE offline_periods (
    id              TEXT PRIMARY KEY,
    unit_id         TEXT NOT NULL REFERENCES units (id),
    reason          TEXT NOT NULL,
    expected_return TEXT,
    started_at      TIMESTAMPTZ NOT NULL,
    started_by      TEXT NOT NULL,
    ended_at        TIMESTAMPTZ,
    ended_by        TEXT
);
CREATE UNIQUE INDEX offline_periods_one_open ON offline_periods (unit_id) WHERE ended_at IS NULL;
CREATE INDEX offline_periods_unit ON offline_periods (unit_id, started_at);

-- A unit's state, derived from its open interval, if any. Only one can be open at a time: a unit
-- goes offline only when available, and a check-in converts an open reservation.
CREATE VIEW unit_states AS
SELECT u.id, u.facility_id, u.agency_id, u.label, u.bedrooms, u.household_types, u.accessible, u.created_at,
       CASE WHEN op.id IS NOT NULL THEN 'offline'
            WHEN oc.id IS NOT NULL THEN 'occupied'
            WHEN r.id IS NOT NULL THEN 'reserved'
            ELSE 'available' END AS status,
       op.started_at AS offline_since,
       oc.started_at AS occupied_since,
       r.created_at AS reserved_since,
       (SELECT MAX(ended_at) FROM occupancies WHERE unit_id = u.id) AS last_occupancy_end,
       (SELECT MAX(ended_at) FROM reservations WHERE unit_id = u.id) AS last_reservation_end,
       (SELECT MAX(ended_at) FROM offline_periods WHERE unit_id = u.id) AS last_offline_end
FROM units u
LEFT JOIN offline_periods op ON op.unit_id = u.id AND op.ended_at IS NULL
LEFT JOIN occupancies oc ON oc.unit_id = u.id AND oc.ended_at IS NULL
LEFT JOIN reservations r ON r.unit_id = u.id AND r.status = 'open';

-- Background work, enqueued in the transaction of the change that calls for it.
CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      JSONB NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    locked_by    TEXT,
    done_at      TIMESTAMPTZ,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_ready ON jobs (kind, run_at) WHERE done_at IS NULL;

-- +goose Down
DROP VIEW unit_states;
DROP TABLE jobs;
DROP TABLE offline_periods;
DROP TABLE reservations;
DROP TABLE occupancies;
DROP TABLE units;
DROP TABLE inventory_confirmations;
DROP TABLE facilities;
DROP TABLE programs;
