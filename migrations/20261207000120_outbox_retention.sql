-- Issue 19 item 7: a published event's body is pruned after NMBRS_WORKER_OUTBOX_RETENTION
-- (default 7 days); the row keeps its id, event_id, routing_key (the type) and its times.
-- A job's result event (jobs.result_event_id, `job.completed`) keeps its body: a duplicate
-- delivery re-publishes it with the same event_id (CONTRACT §2.2); it holds counts and error
-- codes, no personal data.
ALTER TABLE outbox
    ALTER COLUMN body DROP NOT NULL,
    ADD COLUMN pruned_at timestamptz,
    ADD CONSTRAINT outbox_body_until_pruned CHECK ((body IS NULL) = (pruned_at IS NOT NULL));
CREATE INDEX outbox_unpruned ON outbox (published_at) WHERE pruned_at IS NULL AND published_at IS NOT NULL;
CREATE INDEX jobs_result_event ON jobs (result_event_id) WHERE result_event_id IS NOT NULL;
