-- +goose Up
-- HMIS keys, so that importing a CoC's HUD export again updates what the last import created.
ALTER TABLE facilities ADD COLUMN hmis_project_id TEXT;
CREATE UNIQUE INDEX facilities_hmis_project_id ON facilities (hmis_project_id) WHERE hmis_project_id IS NOT NULL;
ALTER TABLE units ADD COLUMN hmis_key TEXT;
CREATE UNIQUE INDEX units_hmis_key ON units (hmis_key) WHERE hmis_key IS NOT NULL;
ALTER TABLE hpl_entries ADD COLUMN hmis_enrollment_id TEXT;
CREATE UNIQUE INDEX hpl_entries_hmis_enrollment_id ON hpl_entries (hmis_enrollment_id) WHERE hmis_enrollment_id IS NOT NULL;

-- +goose Down
DROP INDEX hpl_entries_hmis_enrollment_id;
ALTER TABLE hpl_entries DROP COLUMN hmis_enrollment_id;
DROP INDEX units_hmis_key;
ALTER TABLE units DROP COLUMN hmis_key;
DROP INDEX facilities_hmis_project_id;
ALTER TABLE facilities DROP COLUMN hmis_project_id;
