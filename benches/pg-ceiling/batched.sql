-- The same rows written 16 jobs per statement (a batching design without per-job locks).
WITH ids AS (SELECT gen_random_uuid()::text AS k FROM generate_series(1, 16)),
up AS (INSERT INTO jobs SELECT 'env', k, k, 'SyncTeam', '\x00', 'running', 1 FROM ids RETURNING i, k, attempts)
INSERT INTO att (i, k, a, m, rd) SELECT i, k, attempts, k, false FROM up;
WITH j AS (SELECT k FROM jobs WHERE state = 'running' LIMIT 16 FOR UPDATE SKIP LOCKED),
ev AS (INSERT INTO outbox (event_id, rk, c, body) SELECT gen_random_uuid(), 'job.completed', k, repeat('x', 300) FROM j RETURNING 1),
u AS (UPDATE jobs SET state = 'completed' WHERE (i, k) IN (SELECT 'env', k FROM j) RETURNING 1)
SELECT count(*) FROM ev;
WITH b AS (SELECT id FROM outbox WHERE p IS NULL ORDER BY id LIMIT 16 FOR UPDATE SKIP LOCKED)
UPDATE outbox SET p = now() WHERE id IN (SELECT id FROM b);
