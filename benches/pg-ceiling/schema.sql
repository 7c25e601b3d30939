-- The shape of the worker's per-job writes (migrations/), without foreign keys.
DROP TABLE IF EXISTS jobs, att, outbox;
CREATE TABLE jobs (i text, k text, m text, t text, h bytea, state text, attempts int, r uuid, e text,
                   c timestamptz DEFAULT now(), u timestamptz DEFAULT now(), PRIMARY KEY (i, k));
CREATE TABLE att (id bigserial PRIMARY KEY, i text, k text, a int, m text, rd bool,
                  s timestamptz DEFAULT now(), f timestamptz, o text, ec text, em text);
CREATE INDEX ON att (i, k);
CREATE TABLE outbox (id bigserial PRIMARY KEY, event_id uuid UNIQUE, rk text, c text, body text,
                     tp text, ts text, cr timestamptz DEFAULT now(), p timestamptz);
CREATE INDEX ON outbox (id) WHERE p IS NULL;
