-- +goose Up
-- The under-referral suspects as they stood at the start of each week (the CoC's Monday), so that
-- this week's packet can say which programs were under-referred last week as well.
CREATE TABLE suspect_weeks (
    week        TEXT PRIMARY KEY, -- the week's Monday, YYYY-MM-DD in the CoC's time zone
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE suspect_week_units (
    week           TEXT NOT NULL REFERENCES suspect_weeks (week),
    unit_id        TEXT NOT NULL REFERENCES units (id),
    program_id     TEXT NOT NULL REFERENCES programs (id),
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    days_available INTEGER NOT NULL,
    reasons        TEXT NOT NULL, -- the evidence in plain words, one per line
    PRIMARY KEY (week, unit_id)
);
CREATE INDEX suspect_week_units_agency ON suspect_week_units (agency_id, week);

-- +goose Down
DROP TABLE suspect_week_units;
DROP TABLE suspect_weeks;
