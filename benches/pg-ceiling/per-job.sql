-- One job as the worker writes it: lock, claim (+attempt), finish (+event, unlock), relay mark.
\set k random(1, 1000000000)
SELECT pg_advisory_lock(:k);
WITH up AS (INSERT INTO jobs SELECT 'env', gen_random_uuid()::text, 'm', 'SyncTeam', '\x00', 'running', 1 RETURNING i, k, attempts)
INSERT INTO att (i, k, a, m, rd) SELECT i, k, attempts, k, false FROM up;
WITH ev AS (INSERT INTO outbox (event_id, rk, c, body) VALUES (gen_random_uuid(), 'job.completed', 'x', repeat('x', 300)) RETURNING 1)
SELECT count(*), pg_advisory_unlock(:k) FROM ev;
UPDATE outbox SET p = now() WHERE id = (SELECT max(id) FROM outbox);
