-- +goose Up
ALTER TABLE users ADD COLUMN email_mode TEXT NOT NULL DEFAULT 'immediate' CHECK (email_mode IN ('immediate', 'digest'));

-- One row per recipient per event: the in-app inbox. Subjects and bodies hold no client data.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL,
    referral_id TEXT REFERENCES referrals (id),
    unit_id     TEXT REFERENCES units (id),
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP,
    -- set for digest readers once a digest carried it
    digested_at TIMESTAMP,
    -- reminders are sent once: kind, subject record and recipient
    dedupe_key  TEXT
);
CREATE INDEX notifications_inbox ON notifications (user_id, read_at, created_at);
CREATE UNIQUE INDEX notifications_dedupe ON notifications (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- The transactional outbox: written with the event, delivered after commit by the worker.
CREATE TABLE email_outbox (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    digest          BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    locked_by       TEXT,
    sent_at         TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX email_outbox_ready ON email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_user ON email_outbox (user_id, digest, created_at);

-- +goose Down
DROP TABLE email_outbox;
DROP TABLE notifications;
ALTER TABLE users DROP COLUMN email_mode;
