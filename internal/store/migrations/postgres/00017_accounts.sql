-- +goose Up
-- API tokens may expire, and may be read-only: any write through one is refused.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;

-- Ending every session of an account: a session remembers the epoch it signed in under, and one
-- of an older epoch ends at its next request. Changing the password or signing out everywhere
-- moves the epoch on.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;

-- One-time password reset links made by the HMIS team: only a hash of the link's secret is kept.
-- A link is used once (used_at), and every link of an account is consumed when one is used, a
-- newer one is made, or the password changes. outbox_id is the email that carried it, whose body
-- is blanked once it is sent or the link is dead.
CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    outbox_id   TEXT REFERENCES email_outbox (id)
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Email preferences by kind of notification; a kind without a row follows users.email_mode.
CREATE TABLE notification_preferences (
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    email_mode TEXT NOT NULL CHECK (email_mode IN ('immediate', 'digest')),
    PRIMARY KEY (user_id, kind)
);

-- digested_at now marks every notification whose email is settled, sent alone or in a digest, so
-- that the digest gathers exactly the kinds each reader digests. Those already emailed one by one
-- are settled.
UPDATE notifications SET digested_at = created_at
    WHERE digested_at IS NULL AND user_id IN (SELECT id FROM users WHERE email_mode = 'immediate');

-- +goose Down
DROP TABLE notification_preferences;
DROP TABLE password_resets;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN session_epoch;
ALTER TABLE api_tokens DROP COLUMN read_only;
ALTER TABLE api_tokens DROP COLUMN expires_at;
