-- With an insert intent, the ids of the lines of the bucket's code that were already in the
-- period before the insert (a person's): a read-back after a lost reply never adopts them.
-- NULL when the worker could not read the period (no read right).
ALTER TABLE export_buckets ADD COLUMN foreign_ids integer[];
