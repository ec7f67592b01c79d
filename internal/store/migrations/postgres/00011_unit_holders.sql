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
    since     TIMESTAMPTZ NOT NULL
);

-- Proposals lapse when the provider uses the unit first.
ALTER TABLE match_proposals DROP CONSTRAINT match_proposals_status_check;
ALTER TABLE match_proposals ADD CONSTRAINT match_proposals_status_check CHECK (status IN ('open', 'sent', 'dismissed', 'lapsed'));
CREATE INDEX match_proposals_ended ON match_proposals (status, ended_at);

ALTER TABLE referrals ADD COLUMN unit_assigned_at TIMESTAMPTZ;
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
UPDATE match_proposals SET status = 'lapsed', ended_at = now(), ended_by = 'system'
    WHERE status = 'open' AND unit_id IN (SELECT unit_id FROM unit_holders);
INSERT INTO unit_holders (unit_id, kind, holder_id, since)
    SELECT unit_id, 'proposal', id, created_at FROM match_proposals WHERE status = 'open';

CREATE UNIQUE INDEX referrals_one_unit_per_client ON referrals (client_id) WHERE status IN ('pending', 'accepted') AND unit_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION unit_holders_interval() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    holder_kind TEXT := TG_ARGV[0];
    open_before BOOLEAN;
    open_after BOOLEAN;
    held_since TIMESTAMPTZ;
BEGIN
    IF holder_kind IN ('reservation', 'proposal') THEN
        open_after := NEW.status = 'open';
        open_before := TG_OP = 'UPDATE' AND OLD.status = 'open';
        held_since := NEW.created_at;
    ELSE
        open_after := NEW.ended_at IS NULL;
        open_before := TG_OP = 'UPDATE' AND OLD.ended_at IS NULL;
        held_since := NEW.started_at;
    END IF;
    IF open_before AND NOT open_after THEN
        DELETE FROM unit_holders WHERE holder_id = OLD.id;
    ELSIF open_after AND NOT open_before THEN
        INSERT INTO unit_holders (unit_id, kind, holder_id, since) VALUES (NEW.unit_id, holder_kind, NEW.id, held_since);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION unit_holders_referral() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before BOOLEAN := TG_OP = 'UPDATE' AND OLD.status IN ('pending', 'accepted') AND OLD.unit_id IS NOT NULL;
    held_after BOOLEAN := NEW.status IN ('pending', 'accepted') AND NEW.unit_id IS NOT NULL;
BEGIN
    IF held_before AND held_after AND OLD.unit_id = NEW.unit_id THEN
        RETURN NULL;
    END IF;
    IF held_before THEN
        DELETE FROM unit_holders WHERE holder_id = OLD.id;
    END IF;
    IF held_after THEN
        INSERT INTO unit_holders (unit_id, kind, holder_id, since)
        VALUES (NEW.unit_id, 'referral', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE NEW.updated_at END);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER offline_period_holds AFTER INSERT OR UPDATE OF ended_at ON offline_periods
    FOR EACH ROW EXECUTE FUNCTION unit_holders_interval('offline_period');
CREATE TRIGGER occupancy_holds AFTER INSERT OR UPDATE OF ended_at ON occupancies
    FOR EACH ROW EXECUTE FUNCTION unit_holders_interval('occupancy');
CREATE TRIGGER reservation_holds AFTER INSERT OR UPDATE OF status ON reservations
    FOR EACH ROW EXECUTE FUNCTION unit_holders_interval('reservation');
CREATE TRIGGER proposal_holds AFTER INSERT OR UPDATE OF status ON match_proposals
    FOR EACH ROW EXECUTE FUNCTION unit_holders_interval('proposal');
CREATE TRIGGER referral_holds AFTER INSERT OR UPDATE OF status, unit_id ON referrals
    FOR EACH ROW EXECUTE FUNCTION unit_holders_referral();

-- A unit's state, derived from its open interval, with who holds it.
CREATE OR REPLACE VIEW unit_states AS
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
DROP TRIGGER referral_holds ON referrals;
DROP TRIGGER proposal_holds ON match_proposals;
DROP TRIGGER reservation_holds ON reservations;
DROP TRIGGER occupancy_holds ON occupancies;
DROP TRIGGER offline_period_holds ON offline_periods;
DROP FUNCTION unit_holders_referral();
DROP FUNCTION unit_holders_interval();
DROP INDEX referrals_one_unit_per_client;
DROP INDEX referrals_closed;
DROP INDEX referrals_waiting;
ALTER TABLE referrals DROP COLUMN eligibility_override_reason;
ALTER TABLE referrals DROP COLUMN eligibility_override;
ALTER TABLE referrals DROP COLUMN unit_assigned_at;
DROP INDEX match_proposals_ended;
UPDATE match_proposals SET status = 'dismissed' WHERE status = 'lapsed';
ALTER TABLE match_proposals DROP CONSTRAINT match_proposals_status_check;
ALTER TABLE match_proposals ADD CONSTRAINT match_proposals_status_check CHECK (status IN ('open', 'sent', 'dismissed'));
DROP TABLE unit_holders;
