-- Nmbrs ids become neutral (src/domain/nmbrs_id.rs): an integer on SOAP, a UUID on REST
-- (CONTRACT §5.2). Every column that holds an id of a company, employee or component line
-- becomes text: the decimal digits of a SOAP id (as before, so existing rows keep their
-- meaning) or the hyphenated UUID of a REST one. The SOAP→REST identity tables
-- (nmbrs_company_identities, nmbrs_employee_identities) keep integers: they record SOAP ids.

ALTER TABLE export_contributions
    ALTER COLUMN company_id  TYPE text USING company_id::text,
    ALTER COLUMN employee_id TYPE text USING employee_id::text;

-- The CHECKs that compare owned_ids with an empty integer[] are dropped and made again.
ALTER TABLE export_buckets
    DROP CONSTRAINT export_buckets_owned_marker_with_a_component,
    DROP CONSTRAINT export_buckets_cleared_owns_nothing;
ALTER TABLE export_buckets
    ALTER COLUMN company_id  TYPE text USING company_id::text,
    ALTER COLUMN employee_id TYPE text USING employee_id::text,
    ALTER COLUMN owned_ids   DROP DEFAULT,
    ALTER COLUMN owned_ids   TYPE text[] USING owned_ids::text[],
    ALTER COLUMN owned_ids   SET DEFAULT '{}',
    ALTER COLUMN foreign_ids TYPE text[] USING foreign_ids::text[];
ALTER TABLE export_buckets
    ADD CONSTRAINT export_buckets_owned_marker_with_a_component
        CHECK (owned_marker IS NULL OR owned_ids <> '{}'),
    ADD CONSTRAINT export_buckets_cleared_owns_nothing
        CHECK (stage <> 'cleared' OR (owned_ids = '{}' AND applied_value = 0));

ALTER TABLE sync_hashes
    ALTER COLUMN nmbrs_employee_id TYPE text USING nmbrs_employee_id::text;
