-- One Nmbrs call budget for every worker process (issue 22, CONTRACT §5.3 "One budget for all
-- of Eitje"): a token bucket per scope (`rest` = Eitje's REST subscription, `soap:<domain>` =
-- one Nmbrs environment's fair use), refilled by time, taken in batches and ahead (the bucket
-- goes into debt for tokens that come within the horizon; the process paces them), shared
-- between the processes by the integrations each has waiting, paused after a 42909 with one
-- probe at a time. `nmbrs_budget_take` is `domain::call_budget::Bucket::take` step for step.
CREATE TABLE nmbrs_call_budget (
    scope text PRIMARY KEY,
    tokens double precision NOT NULL,
    refilled_at timestamptz NOT NULL,
    paused_since timestamptz,
    probe_until timestamptz,
    takes bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE nmbrs_call_budget IS
    'One Nmbrs call budget per scope, shared by every worker process (src/domain/call_budget/bucket.rs)';
COMMENT ON COLUMN nmbrs_call_budget.refilled_at IS
    'Tokens were counted up to here; in the future after a 42908 with Retry-After (no refill before it)';
COMMENT ON COLUMN nmbrs_call_budget.takes IS
    'Round trips that took tokens, all processes together (against the calls made: the cost of sharing)';
COMMENT ON COLUMN nmbrs_call_budget.tokens IS
    'Tokens there at refilled_at; negative while tokens taken ahead are still to come';
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
    p_rate double precision, p_burst double precision, p_horizon_secs double precision,
    p_probe_secs double precision
) RETURNS TABLE (granted integer, available double precision, wait_secs double precision,
                 paused boolean, probe boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_now timestamptz := clock_timestamp();
    v_bucket nmbrs_call_budget%ROWTYPE;
    v_rate double precision := GREATEST(p_rate, 1e-9);
    v_total double precision;
    v_weight double precision := GREATEST(p_weight, 1e-9);
    v_available double precision;
    v_within double precision;
    v_share double precision;
    v_got integer;
    v_throttled double precision;
    v_wait double precision;
BEGIN
    INSERT INTO nmbrs_call_budget AS b (scope, tokens, refilled_at) VALUES (p_scope, p_burst, v_now)
        ON CONFLICT (scope) DO NOTHING;
    SELECT * INTO v_bucket FROM nmbrs_call_budget b WHERE b.scope = p_scope FOR UPDATE;
    IF v_bucket.paused_since IS NOT NULL THEN
        IF v_bucket.probe_until IS NULL OR v_bucket.probe_until < v_now THEN
            UPDATE nmbrs_call_budget b SET probe_until = v_now + make_interval(secs => p_probe_secs)
                WHERE b.scope = p_scope;
            RETURN QUERY SELECT 0, 0::double precision, 0::double precision, true, true;
        ELSE
            RETURN QUERY SELECT 0, 0::double precision, 0::double precision, true, false;
        END IF;
        RETURN;
    END IF;
    INSERT INTO nmbrs_call_budget_demand AS d (scope, process, weight, seen_at)
        VALUES (p_scope, p_process, v_weight, v_now)
        ON CONFLICT (scope, process) DO UPDATE SET weight = EXCLUDED.weight, seen_at = EXCLUDED.seen_at;
    v_throttled := extract(epoch FROM v_bucket.refilled_at - v_now);
    IF v_throttled > 0 THEN
        -- A Retry-After runs: nothing before it, for anyone.
        RETURN QUERY SELECT 0, v_bucket.tokens, v_throttled + 0.005, false, false;
        RETURN;
    END IF;
    DELETE FROM nmbrs_call_budget_demand d WHERE d.scope = p_scope AND d.seen_at < v_now - interval '1 minute';
    SELECT GREATEST(COALESCE(sum(d.weight), 0), v_weight) INTO v_total FROM nmbrs_call_budget_demand d
        WHERE d.scope = p_scope AND d.seen_at > v_now - interval '2 seconds';
    v_available := LEAST(p_burst,
        v_bucket.tokens + v_rate * extract(epoch FROM v_now - v_bucket.refilled_at));
    v_within := v_available + v_rate * p_horizon_secs;
    v_share := CASE WHEN v_total <= v_weight THEN v_within
                    ELSE GREATEST(v_within * v_weight / v_total, LEAST(v_within, 1)) END;
    v_got := LEAST(GREATEST(floor(v_share), 0), p_want)::integer;
    UPDATE nmbrs_call_budget b SET tokens = v_available - v_got, refilled_at = v_now, takes = b.takes + 1
        WHERE b.scope = p_scope;
    IF v_got = 0 THEN
        v_wait := (v_total / v_weight - v_within) / v_rate;
    ELSE
        v_wait := GREATEST(v_got - v_available, 0) / v_rate;
    END IF;
    RETURN QUERY SELECT v_got, v_available, LEAST(0.25, GREATEST(0.005, v_wait)), false, false;
END $$;
