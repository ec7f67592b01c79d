-- +goose Up
-- A confidential client (fleeing domestic violence, say) is shown to a receiving agency by alias
-- until the agency accepts a referral of them (docs/privacy.md).
ALTER TABLE clients ADD COLUMN confidential BOOLEAN NOT NULL DEFAULT FALSE;
-- When the retention job removed the client's identifying data; NULL while the record is whole.
ALTER TABLE clients ADD COLUMN deidentified_at TIMESTAMPTZ;

-- The audit log is read newest first, filtered by who, what, or when (GET /api/v1/audit); the
-- filter by client uses audit_events_entity.
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_at ON audit_events (at);

-- +goose Down
DROP INDEX audit_events_at;
DROP INDEX audit_events_action;
DROP INDEX audit_events_actor;
ALTER TABLE clients DROP COLUMN deidentified_at;
ALTER TABLE clients DROP COLUMN confidential;
