-- Team sync state: the content hash of the last successfully published record per
-- (integration, Nmbrs employee). Written in the same transaction as the job's events, so a
-- crash never skips an update.
CREATE TABLE sync_hashes (
    integration_id     text        NOT NULL,
    nmbrs_employee_id  integer     NOT NULL,
    content_hash       bytea       NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, nmbrs_employee_id)
);
