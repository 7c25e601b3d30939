//! The simulator's SOAP fair-use limit per Nmbrs environment (domain), for the storm benchmark
//! (issue 22, "SOAP side by side with its per-domain limit"). Nmbrs documents no SOAP
//! throttling fault: its help centre says up to 150 calls per second are served and that
//! beyond that a half-second delay is added, other users' calls in the same second counting
//! too (`../shared/nmbrs/OPERATIONS.md` §6). So a call above the limit is not refused: it is
//! answered `delay_ms` later (500 by default), and counted.
//!
//! Set with `POST /_sim/soap/limits` ([`FairUseLimits`], which also starts the counting afresh);
//! what each domain met is `GET /_sim/soap/limits` ([`DomainCount`]). Without a limit (the
//! default) nothing is delayed or kept.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The fair-use limit, the same for every domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FairUseLimits {
    /// Calls of one domain served at once in any sliding second; none = no limit.
    pub calls_per_second: Option<u32>,
    /// The delay added to a call above it (Nmbrs: half a second); 0 = 500.
    pub delay_ms: u64,
}

/// What one domain's calls met since the limit was set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCount {
    pub domain: String,
    /// Calls that arrived (all are served).
    pub calls: u64,
    /// Calls served only after the added delay.
    pub delayed: u64,
    /// The most calls that arrived in any one-second window.
    pub peak_per_second: u32,
}

/// The limit and every domain's arrivals.
#[derive(Clone, Debug, Default)]
pub struct FairUse {
    pub limits: FairUseLimits,
    domains: BTreeMap<String, (VecDeque<Instant>, DomainCount)>,
}

impl FairUse {
    /// A new limit; the counting starts afresh.
    pub fn set(&mut self, limits: FairUseLimits) {
        *self = FairUse { limits, domains: BTreeMap::new() };
    }

    /// A call of `domain` arrived at `now`: the delay to add before it is served, if any.
    /// Every arrival counts in the window (Nmbrs counts the calls of a second, served or not).
    pub fn arrive(&mut self, domain: &str, now: Instant) -> Option<Duration> {
        let max = self.limits.calls_per_second?;
        let (window, count) = self.domains.entry(domain.to_ascii_lowercase()).or_insert_with(|| {
            (VecDeque::new(), DomainCount { domain: domain.to_ascii_lowercase(), ..DomainCount::default() })
        });
        while window.front().is_some_and(|t| now.saturating_duration_since(*t) >= Duration::from_secs(1)) {
            window.pop_front();
        }
        let over = window.len() >= max as usize;
        window.push_back(now);
        count.calls += 1;
        count.peak_per_second = count.peak_per_second.max(u32::try_from(window.len()).unwrap_or(u32::MAX));
        if !over {
            return None;
        }
        count.delayed += 1;
        let ms = if self.limits.delay_ms == 0 { 500 } else { self.limits.delay_ms };
        Some(Duration::from_millis(ms))
    }

    /// Every domain's count, in domain order.
    pub fn counts(&self) -> Vec<DomainCount> {
        self.domains.values().map(|(_, c)| c.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_above_a_domains_limit_in_a_sliding_second_are_delayed_not_refused() {
        let mut f = FairUse::default();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert_eq!(f.arrive("demo", at(0)), None, "no limit set: nothing delayed");
        f.set(FairUseLimits { calls_per_second: Some(2), delay_ms: 0 });
        let delays: Vec<Option<Duration>> = [0, 100, 200, 1_150, 1_160].map(|ms| f.arrive("demo", at(ms))).into();
        let half = Some(Duration::from_millis(500));
        assert_eq!(delays, [None, None, half, None, half]);
        // Another domain has its own limit.
        assert_eq!(f.arrive("Other", at(1_260)), None);
        let counts = f.counts();
        assert_eq!((counts[0].domain.as_str(), counts[0].calls, counts[0].delayed), ("demo", 5, 2));
        assert_eq!(counts[0].peak_per_second, 3);
        assert_eq!((counts[1].domain.as_str(), counts[1].calls, counts[1].delayed), ("other", 1, 0));
    }
}
