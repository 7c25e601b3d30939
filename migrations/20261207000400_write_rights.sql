-- What earlier jobs learned about each Nmbrs write right of an integration (issue 20,
-- CONTRACT §2.6): CheckIntegration never writes to test a write right, so it reports what the
-- last write of each operation found, with when.
CREATE TABLE write_rights (
    integration_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    last_ok_at TIMESTAMPTZ,
    last_refused_at TIMESTAMPTZ,
    PRIMARY KEY (integration_id, operation)
);
COMMENT ON TABLE write_rights IS
    'Per integration and Nmbrs write operation (SOAP name): when a write last succeeded and when Nmbrs last refused the right (src/store/write_rights.rs)';
