-- +goose Up
-- An agency's request for a new facility or changed units, applied when the HMIS team approves it.
CREATE TABLE facility_requests (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    program_id  TEXT NOT NULL REFERENCES programs (id),
    kind        TEXT NOT NULL CHECK (kind IN ('new_facility', 'change_units')),
    details     JSONB NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reason      TEXT NOT NULL DEFAULT '',
    -- The facility a change_units request changes, or the one an approved new_facility request made.
    facility_id TEXT REFERENCES facilities (id),
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    decided_at  TIMESTAMPTZ,
    decided_by  TEXT,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status <> 'rejected' OR reason <> '')
);
CREATE INDEX facility_requests_agency ON facility_requests (agency_id, id);
CREATE INDEX facility_requests_status ON facility_requests (status, id);

-- +goose Down
DROP TABLE facility_requests;
