-- +goose Up
-- How the receiving agency reaches a client, and the client's navigator: a user of any agency
-- (a shelter's case manager, an outreach worker) who follows the client's referrals.
ALTER TABLE clients ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN contact_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN navigator_user_id TEXT REFERENCES users (id);
CREATE INDEX clients_navigator ON clients (navigator_user_id) WHERE navigator_user_id IS NOT NULL;

-- +goose Down
DROP INDEX clients_navigator;
ALTER TABLE clients DROP COLUMN navigator_user_id;
ALTER TABLE clients DROP COLUMN contact_notes;
ALTER TABLE clients DROP COLUMN email;
ALTER TABLE clients DROP COLUMN phone;
