-- The worker's backbone: job inbox (idempotency), attempts, and the transactional outbox.

-- One row per (integration, idempotency key): the job's lifecycle.
-- state: running → completed | retryable | failed. Only `completed` is final: a failed job
-- can be replayed (`nmbrs-worker replay`) after a person fixed the cause.
CREATE TABLE jobs (
    integration_id   text        NOT NULL,
    idempotency_key  text        NOT NULL,
    message_id       text        NOT NULL,
    job_type         text        NOT NULL,
    payload_sha256   bytea       NOT NULL,
    state            text        NOT NULL CHECK (state IN ('running', 'retryable', 'completed', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    result_event_id  uuid,
    last_error_code  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, idempotency_key)
);

-- Every run of a job, for operators: when, which delivery, and how it ended.
CREATE TABLE job_attempts (
    id               bigserial   PRIMARY KEY,
    integration_id   text        NOT NULL,
    idempotency_key  text        NOT NULL,
    attempt          integer     NOT NULL,
    message_id       text        NOT NULL,
    redelivered      boolean     NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    outcome          text        CHECK (outcome IN ('completed', 'retry', 'failed')),
    error_code       text,
    error_message    text,
    FOREIGN KEY (integration_id, idempotency_key) REFERENCES jobs ON DELETE CASCADE
);
CREATE INDEX job_attempts_by_job ON job_attempts (integration_id, idempotency_key);

-- Events written in the same transaction as the result that caused them; the relay publishes
-- them with publisher confirms and stamps published_at. Re-publishing = clearing published_at.
CREATE TABLE outbox (
    id               bigserial   PRIMARY KEY,
    event_id         uuid        NOT NULL UNIQUE,
    routing_key      text        NOT NULL,
    correlation_id   text,
    body             text        NOT NULL,
    traceparent      text,
    tracestate       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
