-- +goose Up
-- A release of information has a date and may expire; consent stays the flag "on file".
ALTER TABLE clients ADD COLUMN consent_date TEXT;
ALTER TABLE clients ADD COLUMN consent_expires_on TEXT;

-- +goose Down
ALTER TABLE clients DROP COLUMN consent_expires_on;
ALTER TABLE clients DROP COLUMN consent_date;
