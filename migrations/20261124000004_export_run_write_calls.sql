-- The Nmbrs write calls of an export summed over all its attempts, so `job.completed` reports
-- what the job made, not only its last attempt (an attempt killed mid-way is not counted).
ALTER TABLE export_runs ADD COLUMN write_calls bigint NOT NULL DEFAULT 0;
