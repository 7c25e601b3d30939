-- Issue 10 (CONTRACT §5.4), the relink at an integration's first REST job
-- (src/domain/relink.rs, src/store/relink.rs, src/jobs/relink.rs).

-- One row per integration once its relink has started; finished_at set when it is done (a
-- later job relinks nothing). report: what the relink did (counts, buckets put in doubt).
CREATE TABLE nmbrs_relinks (
    integration_id text        PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    report         jsonb
);

-- Recovery points: one row per step done (`company:<SOAP id>`), written in the same
-- transaction as the step's ledger rewrite, so a resumed relink skips it and never relinks twice.
CREATE TABLE nmbrs_relink_steps (
    integration_id text        NOT NULL,
    step           text        NOT NULL,
    done_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, step)
);

-- The id map: a SOAP-era integer id → the REST UUID of the same company, employee or
-- component line. One REST id has at most one SOAP id (per kind).
CREATE TABLE nmbrs_id_links (
    integration_id text        NOT NULL,
    kind           text        NOT NULL
        CHECK (kind IN ('company', 'employee', 'hour_component', 'wage_component')),
    soap_id        integer     NOT NULL,
    rest_id        uuid        NOT NULL,
    linked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, kind, soap_id)
);
CREATE UNIQUE INDEX nmbrs_id_links_by_rest ON nmbrs_id_links (integration_id, kind, rest_id);

-- The relink looks employees up by BSN hash and by (company, employee number).
CREATE INDEX nmbrs_employee_identities_by_bsn
    ON nmbrs_employee_identities (integration_id, bsn_hmac) WHERE bsn_hmac IS NOT NULL;
CREATE INDEX nmbrs_employee_identities_by_number
    ON nmbrs_employee_identities (integration_id, company_id, employee_number);
