-- One set of job-state words (issue 17): an attempt that will run again ends `retryable`, as
-- the job's state (`jobs.state`), the lifecycle (`JobState::Retryable`) and the jobs metric
-- say. Earlier attempts recorded it as `retry`.
ALTER TABLE job_attempts DROP CONSTRAINT job_attempts_outcome_check;
UPDATE job_attempts SET outcome = 'retryable' WHERE outcome = 'retry';
ALTER TABLE job_attempts ADD CONSTRAINT job_attempts_outcome_check
    CHECK (outcome IN ('completed', 'retryable', 'failed'));
COMMENT ON COLUMN job_attempts.outcome IS
    'How the attempt ended: completed, retryable, failed (JobState, src/jobs/run/lifecycle.rs); NULL while it runs';
COMMENT ON COLUMN jobs.state IS
    'running while an attempt runs, then its end: completed, retryable, failed (JobState, src/jobs/run/lifecycle.rs)';
