-- The call budget's bulk lane gets a bounded share over time, across every process (issue 22,
-- `domain::call_budget::bucket` module doc): the bucket keeps a bulk allowance that gains
-- `rate × bulk_share` per second; while any process has an ordinary call waiting (a take had
-- one within half a second), bulk tokens need it beyond the tokens there now. The
-- take also returns the database's moment, so every process paces its tokens on the one clock.
ALTER TABLE nmbrs_call_budget ADD COLUMN bulk_tokens double precision NOT NULL DEFAULT 1;
COMMENT ON COLUMN nmbrs_call_budget.bulk_tokens IS
    'The bulk lane''s allowance at refilled_at (gains rate x bulk_share per second, at most 1); negative while taken ahead';
ALTER TABLE nmbrs_call_budget ADD COLUMN ordinary_at timestamptz;
COMMENT ON COLUMN nmbrs_call_budget.ordinary_at IS
    'When a take last had an ordinary (not bulk) call waiting, any process: for half a second after, bulk tokens need the allowance';

DROP FUNCTION nmbrs_budget_take(text, uuid, integer, double precision, double precision,
    double precision, double precision, double precision);

CREATE FUNCTION nmbrs_budget_take(
    p_scope text, p_process uuid, p_want integer, p_want_bulk integer, p_weight double precision,
    p_ordinary double precision, p_bulk_share double precision,
    p_rate double precision, p_burst double precision, p_horizon_secs double precision,
    p_probe_secs double precision
) RETURNS TABLE (granted integer, bulk integer, available double precision, wait_secs double precision,
                 paused boolean, probe boolean, at_epoch double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_now timestamptz := clock_timestamp();
    v_epoch double precision;
    v_bucket nmbrs_call_budget%ROWTYPE;
    v_rate double precision := GREATEST(p_rate, 1e-9);
    v_total double precision;
    v_ordinary double precision;
    v_weight double precision := GREATEST(p_weight, 1e-9);
    v_elapsed double precision;
    v_available double precision;
    v_within double precision;
    v_share double precision;
    v_cap integer;
    v_got integer;
    v_bulk_rate double precision;
    v_bulk_available double precision;
    v_bulk integer;
    v_spare integer;
    v_bulk_left double precision;
    v_bulk_wait double precision := 0;
    v_throttled double precision;
    v_wait double precision;
BEGIN
    v_epoch := extract(epoch FROM v_now);
    INSERT INTO nmbrs_call_budget AS b (scope, tokens, refilled_at) VALUES (p_scope, p_burst, v_now)
        ON CONFLICT (scope) DO NOTHING;
    SELECT * INTO v_bucket FROM nmbrs_call_budget b WHERE b.scope = p_scope FOR UPDATE;
    IF v_bucket.paused_since IS NOT NULL THEN
        IF v_bucket.probe_until IS NULL OR v_bucket.probe_until < v_now THEN
            UPDATE nmbrs_call_budget b SET probe_until = v_now + make_interval(secs => p_probe_secs)
                WHERE b.scope = p_scope;
            RETURN QUERY SELECT 0, 0, 0::double precision, 0::double precision, true, true, v_epoch;
        ELSE
            RETURN QUERY SELECT 0, 0, 0::double precision, 0::double precision, true, false, v_epoch;
        END IF;
        RETURN;
    END IF;
    INSERT INTO nmbrs_call_budget_demand AS d (scope, process, weight, seen_at)
        VALUES (p_scope, p_process, v_weight, v_now)
        ON CONFLICT (scope, process) DO UPDATE SET weight = EXCLUDED.weight, seen_at = EXCLUDED.seen_at;
    v_throttled := extract(epoch FROM v_bucket.refilled_at - v_now);
    IF v_throttled > 0 THEN
        -- A Retry-After runs: nothing before it, for anyone.
        RETURN QUERY SELECT 0, 0, v_bucket.tokens, v_throttled + 0.005, false, false, v_epoch;
        RETURN;
    END IF;
    DELETE FROM nmbrs_call_budget_demand d WHERE d.scope = p_scope AND d.seen_at < v_now - interval '1 minute';
    SELECT GREATEST(COALESCE(sum(d.weight), 0), v_weight) INTO v_total FROM nmbrs_call_budget_demand d
        WHERE d.scope = p_scope AND d.seen_at > v_now - interval '2 seconds';
    -- Ordinary calls waiting anywhere: a process asks at least every quarter second while
    -- calls wait, so half a second tells (and the gap between two reads of a small sync
    -- does not hand the bulk lane a batch ahead).
    IF p_ordinary > 0 THEN
        v_bucket.ordinary_at := v_now;
    END IF;
    v_ordinary := CASE WHEN v_bucket.ordinary_at > v_now - interval '500 milliseconds' THEN 1 ELSE 0 END;
    v_elapsed := extract(epoch FROM v_now - v_bucket.refilled_at);
    v_available := LEAST(p_burst, v_bucket.tokens + v_rate * v_elapsed);
    v_within := v_available + v_rate * p_horizon_secs;
    v_share := CASE WHEN v_total <= v_weight THEN v_within
                    ELSE GREATEST(v_within * v_weight / v_total, LEAST(v_within, 1)) END;
    v_cap := LEAST(GREATEST(floor(v_share), 0), GREATEST(p_want, 0) + GREATEST(p_want_bulk, 0))::integer;
    v_got := LEAST(v_cap, GREATEST(p_want, 0));
    v_bulk_rate := v_rate * LEAST(GREATEST(p_bulk_share, 0), 1);
    v_bulk_available := LEAST(1, v_bucket.bulk_tokens + v_bulk_rate * v_elapsed);
    IF v_ordinary > 0 THEN
        -- Tokens there now that nobody reserved, then only the bulk allowance.
        v_spare := LEAST(GREATEST(floor(v_available - v_got), 0), GREATEST(p_want_bulk, 0))::integer;
        v_bulk := LEAST(GREATEST(p_want_bulk, 0) - v_spare,
                        GREATEST(floor(v_bulk_available + v_bulk_rate * p_horizon_secs), 0))::integer;
        v_bulk_left := v_bulk_available - v_bulk;
        v_bulk := v_bulk + v_spare;
        v_bulk_wait := (1 - v_bulk_left - v_bulk_rate * p_horizon_secs) / GREATEST(v_bulk_rate, 1e-9);
    ELSE
        v_bulk := LEAST(v_cap - v_got, GREATEST(p_want_bulk, 0));
        v_bulk_left := v_bulk_available;
    END IF;
    v_got := v_got + v_bulk;
    UPDATE nmbrs_call_budget b SET tokens = v_available - v_got, bulk_tokens = v_bulk_left,
        ordinary_at = v_bucket.ordinary_at,
        refilled_at = v_now, takes = b.takes + 1
        WHERE b.scope = p_scope;
    IF v_got > 0 THEN
        v_wait := GREATEST(v_got - v_available, 0) / v_rate;
    ELSIF p_want = 0 AND v_ordinary > 0 THEN
        v_wait := v_bulk_wait;
    ELSE
        v_wait := (v_total / v_weight - v_within) / v_rate;
    END IF;
    RETURN QUERY SELECT v_got, v_bulk, v_available, LEAST(0.25, GREATEST(0.005, v_wait)), false, false, v_epoch;
END $$;
