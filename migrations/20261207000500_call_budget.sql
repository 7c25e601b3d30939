-- One Nmbrs call budget for every worker process (issue 22, CONTRACT §5.3 "One budget for all
-- of Eitje"): a token bucket per scope (`rest` = Eitje's REST subscription, `soap:<domain>` =
-- one Nmbrs environment's fair use), refilled by time, taken in batches, shared between the
-- processes by the integrations each has waiting, paused after a 42909 with one probe at a
-- time. `nmbrs_budget_take` is `domain::call_budget::Bucket::take` step for step.
CREATE TABLE nmbrs_call_budget (
    scope text PRIMARY KEY,
    tokens double precision NOT NULL,
    refilled_at timestamptz NOT NULL,
    paused_since timestamptz,
    probe_until timestamptz
);
COMMENT ON TABLE nmbrs_call_budget IS
    'One Nmbrs call budget per scope, shared by every worker process (src/domain/call_budget/bucket.rs)';
COMMENT ON COLUMN nmbrs_call_budget.refilled_at IS
    'Tokens were counted up to here; in the future after a 42908 with Retry-After (no refill before it)';
COMMENT ON COLUMN nmbrs_call_budget.paused_since IS
    'A 42909 paused the scope for every process; NULL when calls flow';
COMMENT ON COLUMN nmbrs_call_budget.probe_until IS
    'While paused: the one probing call holds the probe until here (a dead prober frees it)';

-- What each process has waiting, so each gets its share: a row goes stale (and its share
-- returns to the others) two seconds after its process last asked, e.g. when it died.
CREATE TABLE nmbrs_call_budget_demand (
    scope text NOT NULL,
    process uuid NOT NULL,
    weight double precision NOT NULL,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (scope, process)
);

CREATE FUNCTION nmbrs_budget_take(
    p_scope text, p_process uuid, p_want integer, p_weight double precision,
    p_rate double precision, p_burst double precision, p_probe_secs double precision
) RETURNS TABLE (granted integer, wait_secs double precision, paused boolean, probe boolean)
LANGUAGE plpgsql AS $$
DECLARE
    now_ timestamptz := clock_timestamp();
    b nmbrs_call_budget%ROWTYPE;
    total double precision;
    weight double precision := GREATEST(p_weight, 1e-9);
    available double precision;
    share double precision;
    got integer;
    throttled double precision;
BEGIN
    INSERT INTO nmbrs_call_budget (scope, tokens, refilled_at) VALUES (p_scope, p_burst, now_)
        ON CONFLICT (scope) DO NOTHING;
    SELECT * INTO b FROM nmbrs_call_budget WHERE scope = p_scope FOR UPDATE;
    IF b.paused_since IS NOT NULL THEN
        IF b.probe_until IS NULL OR b.probe_until < now_ THEN
            UPDATE nmbrs_call_budget SET probe_until = now_ + make_interval(secs => p_probe_secs)
                WHERE scope = p_scope;
            RETURN QUERY SELECT 0, 0::double precision, true, true;
        ELSE
            RETURN QUERY SELECT 0, 0::double precision, true, false;
        END IF;
        RETURN;
    END IF;
    INSERT INTO nmbrs_call_budget_demand (scope, process, weight, seen_at)
        VALUES (p_scope, p_process, weight, now_)
        ON CONFLICT (scope, process) DO UPDATE SET weight = EXCLUDED.weight, seen_at = EXCLUDED.seen_at;
    DELETE FROM nmbrs_call_budget_demand WHERE scope = p_scope AND seen_at < now_ - interval '1 minute';
    SELECT GREATEST(COALESCE(sum(d.weight), 0), weight) INTO total FROM nmbrs_call_budget_demand d
        WHERE d.scope = p_scope AND d.seen_at > now_ - interval '2 seconds';
    available := LEAST(p_burst, b.tokens + p_rate * GREATEST(0, extract(epoch FROM now_ - b.refilled_at)));
    share := CASE WHEN total <= weight THEN available
                  ELSE GREATEST(available * weight / total, LEAST(available, 1)) END;
    got := LEAST(GREATEST(floor(share), 0), p_want)::integer;
    UPDATE nmbrs_call_budget SET tokens = available - got, refilled_at = GREATEST(b.refilled_at, now_)
        WHERE scope = p_scope;
    throttled := GREATEST(0, extract(epoch FROM b.refilled_at - now_));
    RETURN QUERY SELECT got,
        throttled + LEAST(0.25, GREATEST(0.005,
            GREATEST(p_want - got, 1) * total / weight / GREATEST(p_rate, 1e-9))),
        false, false;
END $$;
