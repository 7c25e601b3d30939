-- OAuth grants of REST integrations (CONTRACT §5.1). Nmbrs refresh tokens are single-use and
-- rotate, so the worker owns each integration's grant from its first job on and keeps here the
-- newest refresh token of the current grant: one row per integration, the token sealed with the
-- worker's key ring (AES-256-GCM, associated data binding integration and grant; never
-- plaintext). `generation` counts rotations: a write states the generation it read, so a
-- rotation can never overwrite a newer one.
CREATE TABLE oauth_grants (
    integration_id       text        PRIMARY KEY,
    grant_id             uuid        NOT NULL,
    key_id               text        NOT NULL,
    sealed_refresh_token text        NOT NULL,
    -- The scopes of the last token reply (space-separated, RFC 6749 §3.3); NULL when the
    -- token endpoint never named them.
    scopes               text,
    generation           bigint      NOT NULL CHECK (generation >= 1),
    adopted_at           timestamptz NOT NULL DEFAULT now(),
    refreshed_at         timestamptz NOT NULL DEFAULT now()
);

-- Grants a newer consent replaced: a job message that still carries one uses the current grant
-- and never brings the old one back.
CREATE TABLE oauth_retired_grants (
    integration_id text        NOT NULL,
    grant_id       uuid        NOT NULL,
    retired_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, grant_id)
);
