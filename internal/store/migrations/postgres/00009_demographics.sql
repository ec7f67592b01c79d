-- +goose Up
-- HUD's race and ethnicity, gender and sex elements, for the CoC's equity review. Race and gender
-- hold the chosen options comma-separated in HUD's order; every column is empty when not collected.
ALTER TABLE clients ADD COLUMN race TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN gender TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN sex TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE clients DROP COLUMN sex;
ALTER TABLE clients DROP COLUMN gender;
ALTER TABLE clients DROP COLUMN race;
