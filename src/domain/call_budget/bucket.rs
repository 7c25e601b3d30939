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
//! - **A bulk lane with a bounded share over time.** Calls of jobs past `bulk_after_calls`
//!   (the few huge integrations) are asked for apart (`want_bulk`). While any process has an
//!   ordinary call waiting (or had one within half a second), bulk calls get the tokens there now that
//!   nobody reserved, and beyond them only the bucket's bulk allowance, which gains `rate ×
//!   bulk_share` per second (at most one token there), across every take of every process: the
//!   huge integrations then get that share of a budget the small ones saturate, however often
//!   their process asks, and whatever the small ones leave. When no ordinary call waits
//!   anywhere they share the rate like any other, so nothing is left unused.
//! - **Pause.** After a `42909` the scope is paused for every process: no tokens, only one
//!   probing call at a time, the next `probe_every` after a `42909` (its lease ends after `probe_secs`, so a dead prober frees it),
//!   until a probe is answered ([`Bucket::resume`]).
//!
//! Times are seconds on one clock (the database's, or the process's in memory).

/// One take of tokens by one process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Take {
    /// Ordinary calls this process has waiting (at most its batch).
    pub want: u32,
    /// Bulk-lane calls this process has waiting (at most its batch less `want`).
    pub want_bulk: u32,
    /// The ordinary integrations waiting in this process: above 0 (or when some process had
    /// one within [`ORDINARY_MEMORY_SECS`]), bulk tokens need the bulk allowance.
    pub ordinary_total: f64,
    /// The bulk lane's share of the rate while ordinary calls wait.
    pub bulk_share: f64,
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
pub enum TakeAnswer {
    /// `granted` tokens (maybe 0), the last `bulk` of them for the bulk lane; token `i` may be
    /// used [`ready_in`]`(available, i, rate)` seconds from the take. Ask again after
    /// `wait_secs` if calls still wait.
    Tokens { granted: u32, bulk: u32, available: f64, wait_secs: f64 },
    /// The scope is paused: `probe` says whether this take holds the one probe.
    Paused { probe: bool },
}

/// The shared state of one scope. `tokens` is negative while tokens taken ahead are still
/// to come.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    /// The bulk lane's allowance (module doc), negative while bulk tokens taken ahead are
    /// still to come.
    pub bulk_tokens: f64,
    /// When a take last had an ordinary call waiting (any process).
    pub ordinary_at: f64,
    pub refilled_at: f64,
    pub paused_since: Option<f64>,
    pub probe_until: Option<f64>,
}

/// The shortest and longest wait between two takes of a process that still has calls waiting.
pub const MIN_WAIT_SECS: f64 = 0.005;
pub const MAX_WAIT_SECS: f64 = 0.25;

/// How long ordinary calls count as waiting after a take last had one: a process with calls
/// waiting asks at least every [`MAX_WAIT_SECS`], and between two reads of a small sync no call
/// of it may wait for a moment, which must not hand the bulk lane a whole batch ahead.
pub const ORDINARY_MEMORY_SECS: f64 = 0.5;

/// The most tokens the bulk allowance holds.
pub const BULK_BURST: f64 = 1.0;

/// Seconds from the take until token `i` (from 0) of a grant may be used, when the bucket held
/// `available` tokens (maybe fewer than none) before it: the tokens there go at once, the
/// others one every `1 / rate`, in the order the bucket gains them.
pub fn ready_in(available: f64, i: u32, rate: f64) -> f64 {
    (f64::from(i) + 1.0 - available).max(0.0) / rate.max(f64::MIN_POSITIVE)
}

impl Bucket {
    /// A full bucket.
    pub fn new(burst: f64, now: f64) -> Self {
        Bucket {
            tokens: burst,
            bulk_tokens: BULK_BURST,
            ordinary_at: f64::NEG_INFINITY,
            refilled_at: now,
            paused_since: None,
            probe_until: None,
        }
    }

    /// One take (module doc).
    pub fn take(&mut self, now: f64, t: &Take) -> TakeAnswer {
        if self.paused_since.is_some() {
            let free = self.probe_until.is_none_or(|until| until < now);
            if free {
                self.probe_until = Some(now + t.probe_secs);
            }
            return TakeAnswer::Paused { probe: free };
        }
        let rate = t.rate.max(f64::MIN_POSITIVE);
        let throttled = self.refilled_at - now;
        if throttled > 0.0 {
            // A `Retry-After` runs: nothing before it, for anyone.
            let wait_secs = throttled + MIN_WAIT_SECS;
            return TakeAnswer::Tokens { granted: 0, bulk: 0, available: self.tokens, wait_secs };
        }
        let elapsed = now - self.refilled_at;
        let available = (self.tokens + rate * elapsed).min(t.burst);
        let within = available + rate * t.horizon_secs;
        let weight = t.weight.max(f64::MIN_POSITIVE);
        let total = t.total_weight.max(weight);
        let share = if total <= weight { within } else { (within * weight / total).max(within.min(1.0)) };
        let cap = share.floor().clamp(0.0, f64::from(t.want) + f64::from(t.want_bulk)) as u32;
        let ordinary = cap.min(t.want);
        let bulk_rate = rate * t.bulk_share.clamp(0.0, 1.0);
        let bulk_available = (self.bulk_tokens + bulk_rate * elapsed).min(BULK_BURST);
        if t.ordinary_total > 0.0 {
            self.ordinary_at = now;
        }
        let ordinary_wait = now - self.ordinary_at < ORDINARY_MEMORY_SECS;
        let (bulk, bulk_wait) = if ordinary_wait {
            // Tokens there now that nobody reserved go to whoever asks; beyond them the bulk
            // lane has its allowance, whatever this process's share (its moments follow on
            // after every token already reserved, so the rate holds).
            let spare = (available - f64::from(ordinary)).floor().max(0.0) as u32;
            let free = spare.min(t.want_bulk);
            let allowed = (bulk_available + bulk_rate * t.horizon_secs).floor().max(0.0) as u32;
            let from_allowance = (t.want_bulk - free).min(allowed);
            self.bulk_tokens = bulk_available - f64::from(from_allowance);
            // Until the allowance has one more token.
            let wait = (1.0 - self.bulk_tokens - bulk_rate * t.horizon_secs) / bulk_rate.max(f64::MIN_POSITIVE);
            (free + from_allowance, wait)
        } else {
            self.bulk_tokens = bulk_available;
            ((cap - ordinary).min(t.want_bulk), 0.0)
        };
        let granted = ordinary + bulk;
        self.tokens = available - f64::from(granted);
        self.refilled_at = now;
        let wait = if granted > 0 {
            // Until its last token is ready: the next batch then follows on.
            ready_in(available, granted - 1, rate)
        } else if t.want == 0 && ordinary_wait {
            // Only bulk calls wait here, and the allowance is spent.
            bulk_wait
        } else {
            // Until this process's share of the tokens within the horizon is one.
            (total / weight - within) / rate
        };
        TakeAnswer::Tokens { granted, bulk, available, wait_secs: wait.clamp(MIN_WAIT_SECS, MAX_WAIT_SECS) }
    }

    /// A `42908`: the tokens there are spent, one more is owed (calls reached the gateway
    /// faster than it allows, so the next second gets one fewer: with `k` 42908s a second the
    /// budget gives `k` fewer tokens, whatever made the calls bunch), and with `Retry-After` no new ones
    /// come before it. Tokens taken ahead stay owed.
    pub fn throttle(&mut self, now: f64, retry_after_secs: Option<f64>) {
        self.tokens = self.tokens.min(0.0) - 1.0;
        self.refilled_at = self.refilled_at.max(now + retry_after_secs.unwrap_or(0.0));
    }

    /// A `42909`: the scope pauses (true when this call paused it), and the next probe may go
    /// `probe_every_secs` from now (probes come one at a time and never in a loop, whatever
    /// the jobs' retry schedules).
    pub fn pause(&mut self, now: f64, probe_every_secs: f64) -> bool {
        self.probe_until = Some(now + probe_every_secs);
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
        Take {
            want,
            want_bulk: 0,
            ordinary_total: total_weight,
            bulk_share: 0.1,
            weight,
            total_weight,
            rate: 10.0,
            burst: 5.0,
            horizon_secs: horizon,
            probe_secs: 30.0,
        }
    }

    fn take(want: u32, weight: f64, total_weight: f64) -> Take {
        take_ahead(want, weight, total_weight, 0.0)
    }

    fn granted(a: TakeAnswer) -> u32 {
        match a {
            TakeAnswer::Tokens { granted, .. } => granted,
            TakeAnswer::Paused { .. } => panic!("paused"),
        }
    }

    #[test]
    fn the_bulk_lane_gets_its_share_over_time_however_often_it_asks_while_ordinary_calls_wait() {
        // Process A has only bulk calls and asks every 5 ms; process B's ordinary calls wait.
        let mut b = Bucket::new(5.0, 0.0);
        let bulk_only = Take { want: 0, want_bulk: 50, ..take_ahead(0, 0.1, 4.1, 0.25) };
        let ordinary = take_ahead(50, 4.0, 4.1, 0.25);
        let (mut bulk, mut all) = (0, 0);
        for i in 0..2000 {
            let now = f64::from(i) * 0.005;
            let t = if i % 2 == 0 { &ordinary } else { &bulk_only };
            if let TakeAnswer::Tokens { granted, bulk: b_got, .. } = b.take(now, t) {
                bulk += b_got;
                all += granted;
                assert!(b_got <= granted);
            }
        }
        // 10 s at 10/s: about 100 tokens, the bulk lane's tenth of them (its allowance holds
        // one token ahead).
        assert!((95..=110).contains(&all), "{all}");
        assert!((9..=12).contains(&bulk), "{bulk} bulk tokens of {all}");
        // Ordinary calls wait but use only half the rate (one every 0.2 s): the bulk lane gets
        // the other half, and the rate is used.
        let mut b = Bucket::new(5.0, 0.0);
        let light = take_ahead(1, 4.0, 4.1, 0.25);
        let (mut bulk, mut all) = (0, 0);
        for i in 0..2000 {
            let t = if i % 40 == 0 { &light } else { &bulk_only };
            if let TakeAnswer::Tokens { granted, bulk: b_got, .. } = b.take(f64::from(i) * 0.005, t) {
                bulk += b_got;
                all += granted;
            }
        }
        assert!(bulk >= 45 && (95..=110).contains(&all), "{bulk} bulk tokens of {all}");
        // Nobody has an ordinary call waiting: the bulk lane takes what is there.
        let mut b = Bucket::new(5.0, 0.0);
        let alone = Take { ordinary_total: 0.0, total_weight: 0.1, ..bulk_only };
        match b.take(0.0, &alone) {
            TakeAnswer::Tokens { granted, bulk, .. } => assert_eq!((granted, bulk), (7, 7)),
            other => panic!("{other:?}"),
        }
        // An ordinary call waited a moment ago (between two reads of a small sync): the bulk
        // lane keeps to its allowance for half a second more.
        let mut b = Bucket::new(5.0, 0.0);
        b.take(0.0, &Take { want: 1, ..ordinary });
        match b.take(0.1, &alone) {
            TakeAnswer::Tokens { bulk, .. } => {
                assert_eq!(bulk, 6, "the 5 tokens there and 1 of the allowance, none ahead")
            }
            other => panic!("{other:?}"),
        }
        match b.take(0.7, &alone) {
            TakeAnswer::Tokens { granted, bulk, .. } => assert_eq!((granted, bulk), (7, 7)),
            other => panic!("{other:?}"),
        }
    }

    /// Every moment a token may be used, for takes of `want` at the times given.
    fn schedule(b: &mut Bucket, times: &[f64], t: &Take) -> Vec<f64> {
        let mut at = Vec::new();
        for now in times {
            if let TakeAnswer::Tokens { granted, available, .. } = b.take(*now, t) {
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
            TakeAnswer::Tokens { wait_secs, .. } => assert!((MIN_WAIT_SECS..=MAX_WAIT_SECS).contains(&wait_secs)),
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
            TakeAnswer::Tokens { granted, wait_secs, .. } => assert_eq!((granted, wait_secs >= 1.0), (0, true)),
            other => panic!("{other:?}"),
        }
        assert_eq!(granted(b.take(2.2, &take(3, 1.0, 1.0))), 1, "0.2 s of refill, less the one owed");
        let mut plain = Bucket::new(5.0, 0.0);
        plain.throttle(0.0, None);
        assert_eq!(granted(plain.take(0.0, &take(3, 1.0, 1.0))), 0, "a 42908 spends what is there");
        // Tokens taken ahead stay owed: a throttle does not wipe the debt.
        let mut ahead = Bucket::new(5.0, 0.0);
        ahead.take(0.0, &take_ahead(100, 1.0, 1.0, 1.0));
        ahead.throttle(0.0, None);
        assert_eq!(ahead.tokens, -11.0, "and one more is owed");
    }

    #[test]
    fn a_pause_lets_one_probe_through_at_a_time_until_one_is_answered() {
        let mut b = Bucket::new(5.0, 0.0);
        assert!(b.pause(1.0, 0.1));
        assert!(!b.pause(1.05, 0.1), "paused once");
        assert_eq!(b.take(1.1, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: false }, "not yet: one probe a tenth");
        assert_eq!(b.take(1.2, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: true });
        assert_eq!(b.take(1.3, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: false });
        // The probe got 42909 again: still paused, the next probe a tenth later.
        b.pause(2.0, 0.1);
        assert_eq!(b.take(2.05, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: false });
        assert_eq!(b.take(2.15, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: true });
        // A prober that died frees the probe when its lease ends.
        assert_eq!(b.take(40.0, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: true });
        b.release_probe();
        assert_eq!(b.take(40.1, &take(3, 1.0, 1.0)), TakeAnswer::Paused { probe: true });
        assert!(b.resume(41.0));
        assert!(!b.resume(41.0));
        assert_eq!(granted(b.take(41.0, &take(3, 1.0, 1.0))), 0, "resumes from an empty bucket");
        assert_eq!(granted(b.take(41.2, &take(3, 1.0, 1.0))), 2);
    }
}
