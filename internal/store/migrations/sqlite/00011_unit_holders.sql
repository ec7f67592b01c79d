-- +goose Up
-- One truth about who each unit is for. A unit has at most one holder at any instant: an open
-- offline period, an occupancy, an open reservation, an open referral that holds it, or an open
-- proposal. unit_holders has one row per held unit, kept by the triggers below from the interval,
-- referral and proposal tables, so no code path can give a held unit to a second holder: the
-- primary key refuses it.
CREATE TABLE unit_holders (
    unit_id   TEXT PRIMARY KEY REFERENCES units (id),
    kind      TEXT NOT NULL CHECK (kind IN ('offline_period', 'occupancy', 'reservation', 'referral', 'proposal')),
    holder_id TEXT NOT NULL UNIQUE,
    since     TIMESTAMP NOT NULL
);

-- Proposals lapse when the provider uses the unit first.
CREATE TABLE match_proposals_new (
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
    status         TEXT NOT NULL CHECK (status IN ('open', 'sent', 'dismissed', 'lapsed')),
    referral_id    TEXT REFERENCES referrals (id),
    created_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    ended_by       TEXT
);
INSERT INTO match_proposals_new SELECT id, client_id, hpl_entry_id, program_id, facility_id, agency_id, unit_id, rank,
    scheme_version, reason, status, referral_id, created_at, ended_at, ended_by FROM match_proposals;
DROP TABLE match_proposals;
ALTER TABLE match_proposals_new RENAME TO match_proposals;
CREATE UNIQUE INDEX match_proposals_unit_open ON match_proposals (unit_id) WHERE status = 'open';
CREATE UNIQUE INDEX match_proposals_client_open ON match_proposals (client_id) WHERE status = 'open';
CREATE INDEX match_proposals_ended ON match_proposals (status, ended_at);

ALTER TABLE referrals ADD COLUMN unit_assigned_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN eligibility_override BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE referrals ADD COLUMN eligibility_override_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX referrals_waiting ON referrals (facility_id, created_at) WHERE status IN ('pending', 'accepted') AND unit_id IS NULL;
CREATE INDEX referrals_closed ON referrals (status, closed_at);

-- Who holds each unit today. Intervals first; a referral or proposal whose unit an interval took
-- while it was open lost it: the referral waits in line for its facility's next unit, the proposal
-- lapses.
INSERT INTO unit_holders (unit_id, kind, holder_id, since)
    SELECT unit_id, 'offline_period', id, started_at FROM offline_periods WHERE ended_at IS NULL;
INSERT INTO unit_holders (unit_id, kind, holder_id, since)
    SELECT unit_id, 'occupancy', id, started_at FROM occupancies WHERE ended_at IS NULL
    AND unit_id NOT IN (SELECT unit_id FROM unit_holders);
INSERT INTO unit_holders (unit_id, kind, holder_id, since)
    SELECT unit_id, 'reservation', id, created_at FROM reservations WHERE status = 'open'
    AND unit_id NOT IN (SELECT unit_id FROM unit_holders);
UPDATE referrals SET unit_id = NULL, over_refer = TRUE,
    over_refer_reason = 'Its unit was taken by another holder while it was open; it waits for the next unit of its facility.'
    WHERE status IN ('pending', 'accepted') AND unit_id IN (SELECT unit_id FROM unit_holders);
-- A client holds at most one unit through referrals: the oldest keeps it, the others wait.
UPDATE referrals SET unit_id = NULL, over_refer = TRUE,
    over_refer_reason = 'The client already held a unit through another referral; it waits for the next unit of its facility.'
    WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM referrals o WHERE o.client_id = referrals.client_id AND o.status IN ('pending', 'accepted')
        AND o.unit_id IS NOT NULL AND (o.created_at, o.id) < (referrals.created_at, referrals.id));
INSERT INTO unit_holders (unit_id, kind, holder_id, since)
    SELECT unit_id, 'referral', id, created_at FROM referrals WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL;
UPDATE match_proposals SET status = 'lapsed', ended_at = CURRENT_TIMESTAMP, ended_by = 'system'
    WHERE status = 'open' AND unit_id IN (SELECT unit_id FROM unit_holders);
INSERT INTO unit_holders (unit_id, kind, holder_id, since)
    SELECT unit_id, 'proposal', id, created_at FROM match_proposals WHERE status = 'open';

CREATE UNIQUE INDEX referrals_one_unit_per_client ON referrals (client_id) WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL;

-- +goose StatementBegin
CREATE TRIGGER offline_period_holds AFTER INSERT ON offline_periods WHEN NEW.ended_at IS NULL
BEGIN
    INSERT INTO unit_holders (unit_id, kind, holder_id, since) VALUES (NEW.unit_id, 'offline_period', NEW.id, NEW.started_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER offline_period_ends AFTER UPDATE OF ended_at ON offline_periods WHEN OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
BEGIN
    DELETE FROM unit_holders WHERE holder_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER occupancy_holds AFTER INSERT ON occupancies WHEN NEW.ended_at IS NULL
BEGIN
    INSERT INTO unit_holders (unit_id, kind, holder_id, since) VALUES (NEW.unit_id, 'occupancy', NEW.id, NEW.started_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER occupancy_ends AFTER UPDATE OF ended_at ON occupancies WHEN OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
BEGIN
    DELETE FROM unit_holders WHERE holder_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reservation_holds AFTER INSERT ON reservations WHEN NEW.status = 'open'
BEGIN
    INSERT INTO unit_holders (unit_id, kind, holder_id, since) VALUES (NEW.unit_id, 'reservation', NEW.id, NEW.created_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reservation_ends AFTER UPDATE OF status ON reservations WHEN OLD.status = 'open' AND NEW.status <> 'open'
BEGIN
    DELETE FROM unit_holders WHERE holder_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER referral_holds AFTER INSERT ON referrals WHEN NEW.status IN ('pending', 'accepted') AND NEW.unit_id IS NOT NULL
BEGIN
    INSERT INTO unit_holders (unit_id, kind, holder_id, since) VALUES (NEW.unit_id, 'referral', NEW.id, NEW.created_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER referral_changes AFTER UPDATE OF status, unit_id ON referrals
BEGIN
    DELETE FROM unit_holders WHERE holder_id = OLD.id
        AND NOT (NEW.status IN ('pending', 'accepted') AND NEW.unit_id IS OLD.unit_id);
    INSERT INTO unit_holders (unit_id, kind, holder_id, since)
        SELECT NEW.unit_id, 'referral', NEW.id, NEW.updated_at
        WHERE NEW.status IN ('pending', 'accepted') AND NEW.unit_id IS NOT NULL
        AND NOT (OLD.status IN ('pending', 'accepted') AND OLD.unit_id IS NEW.unit_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER proposal_holds AFTER INSERT ON match_proposals WHEN NEW.status = 'open'
BEGIN
    INSERT INTO unit_holders (unit_id, kind, holder_id, since) VALUES (NEW.unit_id, 'proposal', NEW.id, NEW.created_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER proposal_ends AFTER UPDATE OF status ON match_proposals WHEN OLD.status = 'open' AND NEW.status <> 'open'
BEGIN
    DELETE FROM unit_holders WHERE holder_id = OLD.id;
END;
-- +goose StatementEnd

-- A unit's state, derived from its open interval, with who holds it.
DROP VIEW unit_states;
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
       (SELECT MAX(ended_at) FROM offline_periods WHERE unit_id = u.id) AS last_offline_end,
       h.kind AS held_by_kind, h.holder_id AS held_by_id, h.since AS held_since
FROM units u
LEFT JOIN offline_periods op ON op.unit_id = u.id AND op.ended_at IS NULL
LEFT JOIN occupancies oc ON oc.unit_id = u.id AND oc.ended_at IS NULL
LEFT JOIN reservations r ON r.unit_id = u.id AND r.status = 'open'
LEFT JOIN unit_holders h ON h.unit_id = u.id;

-- +goose Down
DROP VIEW unit_states;
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
DROP TRIGGER proposal_ends;
DROP TRIGGER proposal_holds;
DROP TRIGGER referral_changes;
DROP TRIGGER referral_holds;
DROP TRIGGER reservation_ends;
DROP TRIGGER reservation_holds;
DROP TRIGGER occupancy_ends;
DROP TRIGGER occupancy_holds;
DROP TRIGGER offline_period_ends;
DROP TRIGGER offline_period_holds;
DROP INDEX referrals_one_unit_per_client;
DROP INDEX referrals_closed;
DROP INDEX referrals_waiting;
ALTER TABLE referrals DROP COLUMN eligibility_override_reason;
ALTER TABLE referrals DROP COLUMN eligibility_override;
ALTER TABLE referrals DROP COLUMN unit_assigned_at;
DROP INDEX match_proposals_ended;
UPDATE match_proposals SET status = 'dismissed' WHERE status = 'lapsed';
DROP TABLE unit_holders;
