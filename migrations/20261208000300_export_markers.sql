-- Issue 18 review (CONTRACT §2.5 "Proof in Nmbrs"): which markers an integration issued.
-- A line in Nmbrs is the worker's by its marker only when this integration put that marker
-- there: a marker another integration wrote (two integrations on one Nmbrs company), or any
-- look-alike, is a person's line to the proof, never changed or deleted. Every insert intent's
-- marker is kept here before the intent is recorded (src/store/export_buckets.rs `record`);
-- rows are never deleted (a marker is 16 characters and no personal data).
CREATE TABLE export_markers (
    integration_id text NOT NULL,
    marker text NOT NULL CONSTRAINT export_markers_form CHECK (marker ~ '^EJ-[0-9A-HJKMNP-TV-Z]{13}$'),
    issued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, marker)
);

-- The markers the ledger holds today (intents from before this table).
INSERT INTO export_markers (integration_id, marker)
SELECT integration_id, owned_marker FROM export_buckets WHERE owned_marker IS NOT NULL
UNION
SELECT integration_id, intent_marker FROM export_buckets WHERE intent_marker IS NOT NULL
ON CONFLICT DO NOTHING;

COMMENT ON TABLE export_markers IS
    'Markers ([EJ-…] in a component''s comment) each integration issued: only these make a line in Nmbrs the worker''s (issue 18)';
