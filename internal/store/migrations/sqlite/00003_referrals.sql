-- +goose Up
CREATE TABLE clients (
    id               TEXT PRIMARY KEY,
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    hmis_personal_id TEXT,
    household_size   INTEGER NOT NULL CHECK (household_size BETWEEN 1 AND 20),
    household_type   TEXT NOT NULL CHECK (household_type IN ('without_children', 'with_children', 'only_children')),
    veteran          BOOLEAN NOT NULL DEFAULT FALSE,
    chronic          BOOLEAN NOT NULL DEFAULT FALSE,
    youth            BOOLEAN NOT NULL DEFAULT FALSE,
    dv_survivor      BOOLEAN NOT NULL DEFAULT FALSE,
    needs_accessible BOOLEAN NOT NULL DEFAULT FALSE,
    consent          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX clients_hmis_personal_id ON clients (hmis_personal_id) WHERE hmis_personal_id IS NOT NULL;
CREATE INDEX clients_name ON clients (last_name, first_name);

CREATE TABLE hpl_entries (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES clients (id),
    score          INTEGER NOT NULL,
    assessed_on    TEXT NOT NULL,
    days_homeless  INTEGER NOT NULL,
    documents      TEXT NOT NULL,
    intake_status  TEXT NOT NULL CHECK (intake_status IN ('pending', 'incomplete_documents', 'ready')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'referred', 'housed', 'inactive')),
    parked_until   TEXT,
    park_reason    TEXT,
    removal_reason TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
-- A client is on the list at most once at a time.
CREATE UNIQUE INDEX hpl_entries_one_per_client ON hpl_entries (client_id) WHERE status IN ('active', 'referred');
CREATE INDEX hpl_entries_status ON hpl_entries (status);

CREATE TABLE priority_schemes (
    version    INTEGER PRIMARY KEY,
    criteria   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE referrals (
    id                TEXT PRIMARY KEY,
    client_id         TEXT NOT NULL REFERENCES clients (id),
    hpl_entry_id      TEXT NOT NULL REFERENCES hpl_entries (id),
    program_id        TEXT NOT NULL REFERENCES programs (id),
    facility_id       TEXT NOT NULL REFERENCES facilities (id),
    agency_id         TEXT NOT NULL REFERENCES agencies (id),
    unit_id           TEXT REFERENCES units (id),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn', 'expired', 'housed')),
    source            TEXT NOT NULL CHECK (source IN ('engine', 'manual')),
    over_refer        BOOLEAN NOT NULL DEFAULT FALSE,
    over_refer_reason TEXT NOT NULL DEFAULT '',
    expected_vacancy  TEXT,
    rank              INTEGER NOT NULL,
    scheme_version    INTEGER NOT NULL,
    match_reason      TEXT NOT NULL,
    deadline          TIMESTAMP NOT NULL,
    reason_code       TEXT,
    note              TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    closed_at         TIMESTAMP,
    CHECK (NOT over_refer OR over_refer_reason <> '')
);
-- An open referral holds its unit, and a client has one open referral per facility.
CREATE UNIQUE INDEX referrals_unit_held ON referrals (unit_id) WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL;
CREATE UNIQUE INDEX referrals_one_open_per_facility ON referrals (client_id, facility_id) WHERE status IN ('pending', 'accepted');
CREATE INDEX referrals_agency ON referrals (agency_id, status);
CREATE INDEX referrals_deadline ON referrals (status, deadline);
CREATE INDEX referrals_client ON referrals (client_id, program_id, status);

CREATE TABLE referral_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    at          TIMESTAMP NOT NULL,
    status      TEXT NOT NULL,
    action      TEXT NOT NULL,
    by_id       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

-- What the engine proposes for programs in review mode, until a CAS admin sends or dismisses it.
CREATE TABLE match_proposals (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES clients (id),
    hpl_entry_id   TEXT NOT NULL REFERENCES hpl_entries (id),
    program_id     TEXT NOT NULL REFERENCES programs (id),
    facility_id    TEXT NOT NULL REFERENCES facilities (id),
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    unit_id        TEXT NOT NULL REFERENCES units (id),
    rank           INTEGER NOT NULL,
    scheme_version INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'sent', 'dismissed')),
    referral_id    TEXT REFERENCES referrals (id),
    created_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    ended_by       TEXT
);
CREATE UNIQUE INDEX match_proposals_unit_open ON match_proposals (unit_id) WHERE status = 'open';
CREATE UNIQUE INDEX match_proposals_client_open ON match_proposals (client_id) WHERE status = 'open';

-- +goose Down
DROP TABLE match_proposals;
DROP TABLE referral_events;
DROP TABLE referrals;
DROP TABLE priority_schemes;
DROP TABLE hpl_entries;
DROP TABLE clients;
