-- The export ledger (issue 5, CONTRACT §2.5): what each Eitje entry contributes to which
-- bucket, what the worker has in Nmbrs per bucket, and each export's recorded plan.
-- A bucket is (integration, company, employee, year, period, component); component is
-- 'hours:<code>', 'wage:<code>' or 'days'.

-- Per entry, its live contributions (the wanted state; a bucket's value is derived from it).
CREATE TABLE export_contributions (
    integration_id text     NOT NULL,
    entry_id       text     NOT NULL,
    part           text     NOT NULL,  -- worked_hours, worked_days, meals, leave, sick, allowances.<type>
    company_id     integer  NOT NULL,
    employee_id    integer  NOT NULL,
    year           integer  NOT NULL,
    period         smallint NOT NULL,
    component      text     NOT NULL,
    amount         numeric  NOT NULL,
    work_date      date     NOT NULL,
    PRIMARY KEY (integration_id, entry_id, part)
);
CREATE INDEX export_contributions_by_employee_period
    ON export_contributions (integration_id, company_id, employee_id, year, period);

-- Per bucket, what the worker has in Nmbrs (the applied state) and where a write stands.
CREATE TABLE export_buckets (
    integration_id text     NOT NULL,
    company_id     integer  NOT NULL,
    employee_id    integer  NOT NULL,
    year           integer  NOT NULL,
    period         smallint NOT NULL,
    component      text     NOT NULL,
    -- The value the worker's components hold (days: the days last set).
    applied_value  numeric  NOT NULL DEFAULT 0,
    -- The component ids the worker created and owns (never a person's).
    owned_ids      integer[] NOT NULL DEFAULT '{}',
    -- Recovery point: an insert of this value was about to be sent or was sent, and its id is
    -- not recorded yet. A resumed job reads the period back before writing again.
    pending_value  numeric,
    -- The ledger changed and Nmbrs may not have followed yet.
    dirty          boolean  NOT NULL DEFAULT false,
    -- Writes go with UnprotectedMode=true (a closed period the export allowed).
    unprotected    boolean  NOT NULL DEFAULT false,
    -- A lost insert that could not be read back: no write until it is resolved.
    in_doubt       boolean  NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, company_id, employee_id, year, period, component)
);
CREATE INDEX export_buckets_dirty ON export_buckets (integration_id) WHERE dirty;

-- Per export job (integration, idempotency key), the plan recorded with the new ledger: a
-- redelivered or retried job finishes this plan instead of planning again.
CREATE TABLE export_runs (
    integration_id  text        NOT NULL,
    idempotency_key text        NOT NULL,
    export_id       text        NOT NULL,
    plan            jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, idempotency_key)
);
