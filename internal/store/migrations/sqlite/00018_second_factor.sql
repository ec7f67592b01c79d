-- +goose Up
-- The second factor: each account's TOTP secret (confirmed once its owner typed a code from it),
-- the last time step a code was accepted at, so a code is never accepted twice; the account's
-- recovery codes, hashed and single use; and the roles the HMIS team requires it of.
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    secret       TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE second_factor_roles (
    role        TEXT PRIMARY KEY CHECK (role IN ('cas_admin', 'hmis_admin', 'agency_user')),
    required_at TIMESTAMP NOT NULL,
    required_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE second_factor_roles;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
