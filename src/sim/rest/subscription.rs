//! The simulator's limits per subscription key (issue 22): Nmbrs' API gateway throttles
//! (429 `42908`) and ends a quota (429 `42909`) per `X-Subscription-Key`, that is per app, for
//! all its customers together (REST-NOTES §7 [M]; CONTRACT §5.3). Set with
//! `POST /_sim/rest/limits` ([`SubscriptionLimits`], which also starts the counting afresh);
//! what each key did is `GET /_sim/rest/limits` ([`KeyCount`]).
//!
//! - **Rate.** At most `calls_per_second` calls of one key are let through in any one-second
//!   window (sliding); a call above it is answered 429 `42908` (with `Retry-After` when
//!   `retry_after_secs` is set) and does not count.
//! - **Quota.** After `quota` calls let through, every call is answered 429 `42909` until the
//!   limits are set again, or, with `quota_period_secs`, until the next period begins.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The gateway's limits, the same for every key. Every field optional: none = no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionLimits {
    pub calls_per_second: Option<u32>,
    pub retry_after_secs: Option<u64>,
    pub quota: Option<u64>,
    pub quota_period_secs: Option<u64>,
}

/// What one key's calls met since the limits were set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCount {
    /// The key's first four characters (it is a secret).
    pub key_hint: String,
    /// Calls let through.
    pub passed: u64,
    /// Calls answered 429 `42908`.
    pub throttled: u64,
    /// Calls answered 429 `42909`.
    pub quota_exceeded: u64,
    /// The most calls let through in any one-second window.
    pub peak_per_second: u32,
    /// Calls let through in each whole second since the limits were set.
    pub per_second: Vec<u32>,
}

/// The gateway's answer to one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayVerdict {
    Pass,
    Throttled { retry_after_secs: Option<u64> },
    QuotaExceeded,
}

#[derive(Clone, Debug)]
struct KeyState {
    window: VecDeque<Instant>,
    count: KeyCount,
    /// Calls let through in the current quota period, and when it began.
    used: u64,
    period_start: Instant,
}

/// The limits and every key's count.
#[derive(Clone, Debug)]
pub struct Subscriptions {
    pub limits: SubscriptionLimits,
    since: Instant,
    keys: BTreeMap<String, KeyState>,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Subscriptions { limits: SubscriptionLimits::default(), since: Instant::now(), keys: BTreeMap::new() }
    }
}

impl Subscriptions {
    /// New limits; the counting starts afresh (a used-up quota returns).
    pub fn set(&mut self, limits: SubscriptionLimits) {
        *self = Subscriptions { limits, ..Subscriptions::default() };
    }

    /// Whether the gateway lets a call with `key` through at `now`, counted.
    pub fn admit(&mut self, key: &str, now: Instant) -> GatewayVerdict {
        let limits = self.limits;
        let since = self.since;
        let state = self.keys.entry(key.to_owned()).or_insert_with(|| KeyState {
            window: VecDeque::new(),
            count: KeyCount { key_hint: key.chars().take(4).collect(), ..KeyCount::default() },
            used: 0,
            period_start: now,
        });
        if let Some(period) = limits.quota_period_secs.map(Duration::from_secs)
            && now.duration_since(state.period_start) >= period
        {
            state.used = 0;
            state.period_start = now;
        }
        if limits.quota.is_some_and(|quota| state.used >= quota) {
            state.count.quota_exceeded += 1;
            return GatewayVerdict::QuotaExceeded;
        }
        while state.window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            state.window.pop_front();
        }
        if limits.calls_per_second.is_some_and(|max| state.window.len() >= max as usize) {
            state.count.throttled += 1;
            return GatewayVerdict::Throttled { retry_after_secs: limits.retry_after_secs };
        }
        state.window.push_back(now);
        state.used += 1;
        let count = &mut state.count;
        count.passed += 1;
        count.peak_per_second = count.peak_per_second.max(u32::try_from(state.window.len()).unwrap_or(u32::MAX));
        let second = usize::try_from(now.duration_since(since).as_secs()).unwrap_or(usize::MAX);
        if second < 100_000 {
            if count.per_second.len() <= second {
                count.per_second.resize(second + 1, 0);
            }
            count.per_second[second] += 1;
        }
        GatewayVerdict::Pass
    }

    /// Every key's count, in key order.
    pub fn counts(&self) -> Vec<KeyCount> {
        self.keys.values().map(|k| k.count.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_rate_per_sliding_second_and_its_quota_then_429s() {
        let mut s = Subscriptions::default();
        s.set(SubscriptionLimits {
            calls_per_second: Some(3),
            retry_after_secs: Some(1),
            quota: Some(5),
            ..Default::default()
        });
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let verdicts: Vec<GatewayVerdict> =
            [0, 100, 200, 300, 1_050, 1_150, 1_250].map(|ms| s.admit("key-a", at(ms))).into();
        let throttled = GatewayVerdict::Throttled { retry_after_secs: Some(1) };
        assert_eq!(
            verdicts,
            [
                GatewayVerdict::Pass,
                GatewayVerdict::Pass,
                GatewayVerdict::Pass,
                throttled,
                GatewayVerdict::Pass,
                GatewayVerdict::Pass,
                GatewayVerdict::QuotaExceeded
            ]
        );
        // Another key has its own count.
        assert_eq!(s.admit("key-b", at(1_300)), GatewayVerdict::Pass);
        let counts = s.counts();
        assert_eq!((counts[0].passed, counts[0].throttled, counts[0].quota_exceeded), (5, 1, 1));
        assert_eq!(counts[0].peak_per_second, 3);
        assert_eq!(counts[0].key_hint, "key-");
        // Setting the limits again gives the quota back.
        s.set(SubscriptionLimits { quota: Some(1), quota_period_secs: Some(1), ..Default::default() });
        assert_eq!(s.admit("key-a", at(2_000)), GatewayVerdict::Pass);
        assert_eq!(s.admit("key-a", at(2_500)), GatewayVerdict::QuotaExceeded);
        assert_eq!(s.admit("key-a", at(3_000)), GatewayVerdict::Pass, "the next period has a new quota");
    }
}
