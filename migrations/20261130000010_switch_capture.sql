-- Issue 10 (CONTRACT §5.4), the capture part: while an integration is on SOAP, keep what the
-- switch to REST needs to recognise the worker's components, companies and employees.

-- 1. Markers (src/domain/export/marker.rs): every insert carries `[EJ-…] Eitje hours export` as
--    its comment; the marker is unique to its insert intent.
--    intent_marker / intent_value: the last insert intent not known to have landed (pending, or
--      judged not landed) and the value it inserts; a retry of it (same value) sends the same
--      marker. Cleared when that insert lands (the marker moves to owned_marker) or the bucket
--      settles without it.
--    owned_marker: the marker of the component the worker owns (owned_ids) from its insert;
--      NULL for none, or for a component inserted before markers existed.
--    Rows from before this migration keep NULL markers and work as before.
ALTER TABLE export_buckets
    ADD COLUMN intent_marker text,
    ADD COLUMN intent_value numeric,
    ADD COLUMN owned_marker text,
    ADD CONSTRAINT export_buckets_intent_marker_with_value
        CHECK ((intent_marker IS NULL) = (intent_value IS NULL)),
    -- A pending insert's marker is that insert's: the same value.
    ADD CONSTRAINT export_buckets_pending_marker_is_its_intent
        CHECK (pending_value IS NULL OR intent_marker IS NULL OR intent_value = pending_value),
    ADD CONSTRAINT export_buckets_owned_marker_with_a_component
        CHECK (owned_marker IS NULL OR owned_ids <> '{}'),
    -- The canonical form (NULL passes a CHECK).
    ADD CONSTRAINT export_buckets_intent_marker_form CHECK (intent_marker ~ '^EJ-[0-9A-HJKMNP-TV-Z]{13}$'),
    ADD CONSTRAINT export_buckets_owned_marker_form CHECK (owned_marker ~ '^EJ-[0-9A-HJKMNP-TV-Z]{13}$');

COMMENT ON COLUMN export_buckets.intent_marker IS
    'Marker of the last insert intent not known to have landed (src/domain/export/marker.rs); NULL: none, or from before markers';
COMMENT ON COLUMN export_buckets.owned_marker IS
    'Marker in the comment of the component the worker owns; NULL: none, or inserted before markers';

-- 2. Identities per integration, upserted from the reads the jobs make (src/domain/identity.rs).
-- Company id (SOAP) ↔ company number, from List_GetAll.
CREATE TABLE nmbrs_company_identities (
    integration_id text        NOT NULL,
    company_id     integer     NOT NULL,
    company_number integer     NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, company_id)
);

-- Employee id (SOAP) ↔ employee number and the BSN as a keyed hash: HMAC-SHA256 of the 9 digits
-- under a subkey derived (HKDF-SHA256, purpose label) from the key ring key `bsn_key_id`. The
-- plain BSN is never stored.
CREATE TABLE nmbrs_employee_identities (
    integration_id  text        NOT NULL,
    employee_id     integer     NOT NULL,
    company_id      integer     NOT NULL,
    employee_number integer,  -- NULL: the read had none
    bsn_hmac        bytea       CHECK (octet_length(bsn_hmac) = 32),
    bsn_key_id      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, employee_id),
    CONSTRAINT nmbrs_employee_identities_hash_with_key CHECK ((bsn_hmac IS NULL) = (bsn_key_id IS NULL))
);
