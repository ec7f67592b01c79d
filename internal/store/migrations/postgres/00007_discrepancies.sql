-- +goose Up
-- Discrepancy reports: an agency tells the CoC that the inventory Doorway shows is wrong, and CAS
-- admins or the HMIS team resolve it on the record with an action or a reason.
CREATE TABLE discrepancies (
    id                TEXT PRIMARY KEY,
    facility_id       TEXT NOT NULL REFERENCES facilities (id),
    agency_id         TEXT NOT NULL REFERENCES agencies (id),
    note              TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution_action TEXT CHECK (resolution_action IN ('offline', 'check_in', 'correction', 'none')),
    resolution_note   TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    created_by        TEXT NOT NULL,
    resolved_at       TIMESTAMPTZ,
    resolved_by       TEXT,
    CHECK ((status = 'open') = (resolved_at IS NULL)),
    CHECK ((status = 'open') = (resolution_action IS NULL))
);
CREATE INDEX discrepancies_agency ON discrepancies (agency_id, id);
CREATE INDEX discrepancies_facility ON discrepancies (facility_id, id);

-- The units a report names, in the order the agency listed them.
CREATE TABLE discrepancy_units (
    discrepancy_id TEXT NOT NULL REFERENCES discrepancies (id),
    unit_id        TEXT NOT NULL REFERENCES units (id),
    position       INTEGER NOT NULL,
    PRIMARY KEY (discrepancy_id, unit_id)
);
CREATE INDEX discrepancy_units_unit ON discrepancy_units (unit_id);

-- +goose Down
DROP TABLE discrepancy_units;
DROP TABLE discrepancies;
