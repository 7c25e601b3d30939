//! One budget scope's token bucket, its pause and its probe, as plain data and pure steps
//! (CONTRACT §5.3 "One budget for all of Eitje"). PostgreSQL keeps the same row for every
//! worker process (`store::call_budget`, whose SQL function `nmbrs_budget_take` is this
//! [`Bucket::take`] step for step); a process without a database keeps it in memory.
//!
//! - **Refill by time.** The bucket holds at most `burst` tokens and gains `rate` per second.
//!   `refilled_at` may lie in the future: a `42908` with `Retry-After` sets it there
//!   ([`Bucket::throttle`]), and no token comes before it.
//! - **Taken ahead, in batches, paced.** A take may reserve tokens that the bucket will only
//!   have within the next `horizon_secs`: the bucket goes into debt (negative `tokens`), and each
//!   token comes with the moment it may be used ([`ready_in`]), one every `1 / rate` after those
//!   already there. So one database round trip serves a batch of calls (up to `rate ×
//!   horizon`), and yet the calls leave no faster than the rate plus the burst, across every
//!   process: the tokens of two takes never share a moment.
//! - **Shared by weight.** A process asks for up to `want` tokens for the calls it has waiting;
//!   it gets at most its share of what is there now or within the horizon, `weight /
//!   total_weight` (its waiting integrations against those of every process that asked lately),
//!   and never less than one token when one is there, so the budget is never left unused.
//! - **Pause.** After a `42909` the scope is paused for every process: no tokens, only one
//!   probing call at a time (its lease ends after `probe_secs`, so a dead prober frees it),
//!   until a probe is answered ([`Bucket::resume`]).
//!
//! Times are seconds on one clock (the database's, or the process's in memory).

/// One take of tokens by one process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Take {
    /// Calls this process has waiting (at most its batch).
    pub want: u32,
    /// Its waiting integrations (a bulk one counts a fraction, `FairQueue::weight`).
    pub weight: f64,
    /// The weights of every process that asked lately, this one included.
    pub total_weight: f64,
    /// Calls per second of the scope.
    pub rate: f64,
    /// The most tokens the bucket holds.
    pub burst: f64,
    /// How far ahead a take may reserve tokens, in seconds (the last one granted is ready
    /// within this).
    pub horizon_secs: f64,
    /// How long one probe may take before another process may probe.
    pub probe_secs: f64,
}

/// What a take gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    /// `granted` tokens (maybe 0); token `i` may be used [`ready_in`]`(available, i, rate)`
    /// seconds from now. Ask again after `wait_secs` if calls still wait.
    Tokens { granted: u32, available: f64, wait_secs: f64 },
    /// The scope is paused: `probe` says whether this take holds the one probe.
    Paused { probe: bool },
}

/// The shared state of one scope. `tokens` is negative while tokens taken ahead are still
/// to come.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub refilled_at: f64,
    pub paused_since: Option<f64>,
    pub probe_until: Option<f64>,
}

/// The shortest and longest wait between two takes of a process that still has calls waiting.
pub const MIN_WAIT_SECS: f64 = 0.005;
pub const MAX_WAIT_SECS: f64 = 0.25;

/// Seconds from the take until token `i` (from 0) of a grant may be used, when the bucket held
/// `available` tokens (maybe fewer than none) before it: the tokens there go at once, the
/// others one every `1 / rate`, in the order the bucket gains them.
pub fn ready_in(available: f64, i: u32, rate: f64) -> f64 {
    (f64::from(i) + 1.0 - available).max(0.0) / rate.max(f64::MIN_POSITIVE)
}

impl Bucket {
    /// A full bucket.
    pub fn new(burst: f64, now: f64) -> Self {
        Bucket { tokens: burst, refilled_at: now, paused_since: None, probe_until: None }
    }

    /// One take (module doc).
    pub fn take(&mut self, now: f64, t: &Take) -> Answer {
        if self.paused_since.is_some() {
            let free = self.probe_until.is_none_or(|until| until < now);
            if free {
                self.probe_until = Some(now + t.probe_secs);
            }
            return Answer::Paused { probe: free };
        }
        let rate = t.rate.max(f64::MIN_POSITIVE);
        let throttled = self.refilled_at - now;
        if throttled > 0.0 {
            // A `Retry-After` runs: nothing before it, for anyone.
            let wait_secs = throttled + MIN_WAIT_SECS;
            return Answer::Tokens { granted: 0, available: self.tokens, wait_secs };
        }
        let available = (self.tokens + rate * (now - self.refilled_at)).min(t.burst);
        let within = available + rate * t.horizon_secs;
        let weight = t.weight.max(f64::MIN_POSITIVE);
        let total = t.total_weight.max(weight);
        let share = if total <= weight { within } else { (within * weight / total).max(within.min(1.0)) };
        let granted = share.floor().clamp(0.0, f64::from(t.want)) as u32;
        self.tokens = available - f64::from(granted);
        self.refilled_at = now;
        let wait = if granted == 0 {
            // Until this process's share of the tokens within the horizon is one.
            (total / weight - within) / rate
        } else {
            // Until its last token is ready: the next batch then follows on.
            ready_in(available, granted - 1, rate)
        };
        Answer::Tokens { granted, available, wait_secs: wait.clamp(MIN_WAIT_SECS, MAX_WAIT_SECS) }
    }

    /// A `42908`: the tokens there are spent, and with `Retry-After` no new ones come before it.
    /// Tokens taken ahead stay owed.
    pub fn throttle(&mut self, now: f64, retry_after_secs: Option<f64>) {
        self.tokens = self.tokens.min(0.0);
        self.refilled_at = self.refilled_at.max(now + retry_after_secs.unwrap_or(0.0));
    }

    /// A `42909`: the scope pauses (true when this call paused it) and the probe, if this was
    /// it, is free again.
    pub fn pause(&mut self, now: f64) -> bool {
        self.probe_until = None;
        let newly = self.paused_since.is_none();
        self.paused_since.get_or_insert(now);
        newly
    }

    /// A probe was answered: the pause ends (true when there was one), with an empty bucket.
    pub fn resume(&mut self, now: f64) -> bool {
        let was = self.paused_since.take().is_some();
        self.probe_until = None;
        if was {
            self.tokens = 0.0;
            self.refilled_at = self.refilled_at.max(now);
        }
        was
    }

    /// A probe ended without an answer (no connection, a timeout): another may probe.
    pub fn release_probe(&mut self) {
        self.probe_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rate 10/s, burst 5, and a horizon of `horizon` seconds.
    fn take_ahead(want: u32, weight: f64, total_weight: f64, horizon: f64) -> Take {
        Take { want, weight, total_weight, rate: 10.0, burst: 5.0, horizon_secs: horizon, probe_secs: 30.0 }
    }

    fn take(want: u32, weight: f64, total_weight: f64) -> Take {
        take_ahead(want, weight, total_weight, 0.0)
    }

    fn granted(a: Answer) -> u32 {
        match a {
            Answer::Tokens { granted, .. } => granted,
            Answer::Paused { .. } => panic!("paused"),
        }
    }

    /// Every moment a token may be used, for takes of `want` at the times given.
    fn schedule(b: &mut Bucket, times: &[f64], t: &Take) -> Vec<f64> {
        let mut at = Vec::new();
        for now in times {
            if let Answer::Tokens { granted, available, .. } = b.take(*now, t) {
                at.extend((0..granted).map(|i| now + ready_in(available, i, t.rate)));
            }
        }
        at
    }

    #[test]
    fn tokens_refill_by_time_up_to_the_burst() {
        let mut b = Bucket::new(5.0, 0.0);
        assert_eq!(granted(b.take(0.0, &take(8, 1.0, 1.0))), 5);
        assert_eq!(granted(b.take(0.0, &take(8, 1.0, 1.0))), 0);
        assert_eq!(granted(b.take(0.35, &take(8, 1.0, 1.0))), 3, "10/s for 0.35 s");
        assert_eq!(granted(b.take(100.0, &take(8, 1.0, 1.0))), 5, "never more than the burst");
        // Over any stretch the tokens given are at most burst + rate × time.
        let mut b = Bucket::new(5.0, 0.0);
        let total: u32 = (0..=100).map(|i| granted(b.take(f64::from(i) * 0.01, &take(3, 1.0, 1.0)))).sum();
        assert!(total <= 5 + 10, "{total}");
    }

    #[test]
    fn a_take_reserves_ahead_within_the_horizon_and_paces_its_tokens() {
        // One take of a full bucket with a horizon of a second: the burst at once, then ten
        // more, one every 0.1 s.
        let mut b = Bucket::new(5.0, 0.0);
        let t = take_ahead(100, 1.0, 1.0, 1.0);
        let at = schedule(&mut b, &[0.0], &t);
        assert_eq!(at.len(), 15);
        assert!(at[..5].iter().all(|s| *s == 0.0), "{at:?}");
        assert!((at[5] - 0.1).abs() < 1e-9 && (at[14] - 1.0).abs() < 1e-9, "{at:?}");
        // The next take, a little later, follows on from the last reserved moment.
        let more = schedule(&mut b, &[0.5], &t);
        assert!(more.first().is_some_and(|s| (s - 1.1).abs() < 1e-9), "{more:?}");
        // However often and by however many takes, calls never go faster than the rate plus
        // the burst in any one-second window.
        let mut b = Bucket::new(5.0, 0.0);
        let t = take_ahead(7, 1.0, 1.0, 0.25);
        let times: Vec<f64> = (0..400).map(|i| f64::from(i) * 0.013).collect();
        let mut at = schedule(&mut b, &times, &t);
        at.sort_by(f64::total_cmp);
        for (i, start) in at.iter().enumerate() {
            let in_window = at[i..].iter().take_while(|s| **s < start + 1.0).count();
            assert!(in_window <= 5 + 10, "{in_window} calls in the second from {start}");
        }
        assert!(at.len() >= 45, "and the rate is used: {} tokens in 5.2 s", at.len());
    }

    #[test]
    fn a_process_gets_its_share_but_never_leaves_tokens_unused() {
        let mut b = Bucket::new(5.0, 0.0);
        // One of four waiting integrations: a quarter of 5, rounded down, but at least one.
        assert_eq!(granted(b.take(0.0, &take(5, 1.0, 4.0))), 1);
        assert_eq!(granted(b.take(0.0, &take(5, 3.0, 4.0))), 3);
        let mut alone = Bucket::new(5.0, 0.0);
        assert_eq!(granted(alone.take(0.0, &take(5, 1.0, 1.0))), 5);
        match Bucket::new(5.0, 0.0).take(0.0, &take(9, 1.0, 4.0)) {
            Answer::Tokens { wait_secs, .. } => assert!((MIN_WAIT_SECS..=MAX_WAIT_SECS).contains(&wait_secs)),
            other => panic!("{other:?}"),
        }
        // Taken ahead, the share counts the tokens within the horizon too.
        let mut b = Bucket::new(5.0, 0.0);
        assert_eq!(granted(b.take(0.0, &take_ahead(100, 1.0, 3.0, 1.0))), 5, "a third of 15");
    }

    #[test]
    fn retry_after_stops_the_refill_until_it_passed() {
        let mut b = Bucket::new(5.0, 0.0);
        b.throttle(0.0, Some(2.0));
        match b.take(1.0, &take_ahead(3, 1.0, 1.0, 0.25)) {
            Answer::Tokens { granted, wait_secs, .. } => assert_eq!((granted, wait_secs >= 1.0), (0, true)),
            other => panic!("{other:?}"),
        }
        assert_eq!(granted(b.take(2.2, &take(3, 1.0, 1.0))), 2);
        let mut plain = Bucket::new(5.0, 0.0);
        plain.throttle(0.0, None);
        assert_eq!(granted(plain.take(0.0, &take(3, 1.0, 1.0))), 0, "a 42908 spends what is there");
        // Tokens taken ahead stay owed: a throttle does not wipe the debt.
        let mut ahead = Bucket::new(5.0, 0.0);
        ahead.take(0.0, &take_ahead(100, 1.0, 1.0, 1.0));
        ahead.throttle(0.0, None);
        assert_eq!(ahead.tokens, -10.0);
    }

    #[test]
    fn a_pause_lets_one_probe_through_at_a_time_until_one_is_answered() {
        let mut b = Bucket::new(5.0, 0.0);
        assert!(b.pause(1.0));
        assert!(!b.pause(1.1), "paused once");
        assert_eq!(b.take(1.2, &take(3, 1.0, 1.0)), Answer::Paused { probe: true });
        assert_eq!(b.take(1.3, &take(3, 1.0, 1.0)), Answer::Paused { probe: false });
        // The probe got 42909 again: still paused, the next take probes.
        b.pause(2.0);
        assert_eq!(b.take(2.1, &take(3, 1.0, 1.0)), Answer::Paused { probe: true });
        // A prober that died frees the probe when its lease ends.
        assert_eq!(b.take(40.0, &take(3, 1.0, 1.0)), Answer::Paused { probe: true });
        b.release_probe();
        assert_eq!(b.take(40.1, &take(3, 1.0, 1.0)), Answer::Paused { probe: true });
        assert!(b.resume(41.0));
        assert!(!b.resume(41.0));
        assert_eq!(granted(b.take(41.0, &take(3, 1.0, 1.0))), 0, "resumes from an empty bucket");
        assert_eq!(granted(b.take(41.2, &take(3, 1.0, 1.0))), 2);
    }
}
