-- Issue 19 item 1: one outbox row must never stop the relay. A row the relay cannot build (a
-- field AMQP cannot carry, a body over the event size limit) is set aside at once; a row the
-- broker refuses or that fails its publish again and again (publish_failures) is set aside after
-- a few tries. Set-aside rows are no longer taken by the relay; they stay for operators
-- (`nmbrs_worker_outbox_set_aside_unpublished` > 0 alerts), who clear set_aside_at to send one again.
ALTER TABLE outbox
    ADD COLUMN publish_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN set_aside_at     timestamptz,
    ADD COLUMN set_aside_reason text;

DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL AND set_aside_at IS NULL;
CREATE INDEX outbox_set_aside ON outbox (id) WHERE set_aside_at IS NOT NULL AND published_at IS NULL;
