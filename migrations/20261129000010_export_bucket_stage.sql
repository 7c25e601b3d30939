-- Issue 12: where a bucket's write stands is one named stage, not four columns and flags
-- (dirty, in_doubt, pending_value, foreign_ids: 16 combinations of which 5 meant something).
-- The stages are the recovery points of the write (src/domain/export/stage.rs):
--   settled      Nmbrs holds what applied_value / owned_ids say; nothing under way
--   to_write     the ledger changed (or a lost insert was settled); a write may be needed
--   cleared      the worker's own components are deleted; the insert comes next
--   insert_sent  an insert of pending_value may have been sent; its id is not recorded
--   in_doubt     that insert can be neither confirmed nor ruled out; stopped for a person
ALTER TABLE export_buckets ADD COLUMN stage text;

UPDATE export_buckets SET stage = CASE
    WHEN in_doubt AND pending_value IS NOT NULL THEN 'in_doubt'
    WHEN pending_value IS NOT NULL THEN 'insert_sent'
    -- In doubt without a pending insert, or dirty: nothing may have landed; write again.
    WHEN dirty OR in_doubt THEN 'to_write'
    ELSE 'settled'
END;

-- Lines known to be in the period before an insert belong only to a pending insert. Before
-- this migration an empty list also stood for "could not be read" (issue 11, field 07): an
-- empty list becomes NULL (unknown), so a read-back never adopts a line that may be a person's.
UPDATE export_buckets SET foreign_ids = NULL WHERE pending_value IS NULL OR foreign_ids = '{}';

ALTER TABLE export_buckets
    ALTER COLUMN stage SET NOT NULL,
    ALTER COLUMN stage SET DEFAULT 'settled',
    ADD CONSTRAINT export_buckets_stage_known
        CHECK (stage IN ('settled', 'to_write', 'cleared', 'insert_sent', 'in_doubt')),
    -- A pending insert has its value, and only a pending insert has one.
    ADD CONSTRAINT export_buckets_pending_with_its_stage
        CHECK ((stage IN ('insert_sent', 'in_doubt')) = (pending_value IS NOT NULL)),
    -- The lines that were there before an insert are known (or NULL: could not be read)
    -- only while that insert is pending.
    ADD CONSTRAINT export_buckets_foreign_with_pending
        CHECK (foreign_ids IS NULL OR pending_value IS NOT NULL),
    -- Cleared: the worker's own components are gone.
    ADD CONSTRAINT export_buckets_cleared_owns_nothing
        CHECK (stage <> 'cleared' OR (owned_ids = '{}' AND applied_value = 0));

DROP INDEX export_buckets_dirty;
ALTER TABLE export_buckets DROP COLUMN dirty, DROP COLUMN in_doubt;
CREATE INDEX export_buckets_unsettled ON export_buckets (integration_id) WHERE stage <> 'settled';

COMMENT ON COLUMN export_buckets.stage IS
    'Where the bucket''s write stands: settled, to_write, cleared, insert_sent, in_doubt (src/domain/export/stage.rs)';
COMMENT ON COLUMN export_buckets.foreign_ids IS
    'With a pending insert: ids of the lines of the bucket''s code in the period before it (a person''s); NULL = the period could not be read first';
