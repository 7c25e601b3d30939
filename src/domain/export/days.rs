//! Setting a period's variable days through REST (CONTRACT §5.3 "Days"): REST can only
//! `POST …/variabledays`, and whether a POST replaces the period's days or adds to them is not
//! documented (REST-NOTES §2 \[L\]). The edge must still end with exactly the wanted number, so it
//! reads the days back after every POST and this pure rule decides the next step from what it
//! has seen: the next POST, done, or refused (a correction that cannot be expressed, e.g. a
//! negative POST, or reads that fit neither behaviour).
//!
//! A behaviour learnt before (from another employee in the same job) is a prior: it saves the
//! probe and the step; reads that contradict it are refused, never followed blindly.
//!
//! The order of POSTs never makes the days worse under "adds" when they must go down: with the
//! behaviour still unknown and fewer days wanted than held, the first POST is 0 (a no-op under
//! "adds", which tells the behaviours apart); with more days wanted, it is the difference
//! (right at once under "adds", a step towards it under "replaces", after which the wanted
//! number itself is posted).

/// What Nmbrs did with one POST: the days read before it, the days posted, the days read after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaysPosted {
    pub before: i32,
    pub posted: i32,
    pub after: i32,
}

/// How a POST of variable days acts, as learnt from a [`DaysPosted`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DaysBehaviour {
    /// The period's days become the posted number.
    Replaces,
    /// The posted number is added to the period's days.
    Adds,
}

/// The next step of setting the days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DaysStep {
    /// The days read last are the wanted number.
    Done,
    /// POST this number, then read the days back.
    Post(i32),
    /// The wanted number cannot be reached: the bucket is `refused` (never left silently wrong).
    Refused(DaysRefusal),
}

/// Why [`DaysStep::Refused`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DaysRefusal {
    /// A read after a POST fits neither "replaces" nor "adds" (someone else changed the days, or
    /// Nmbrs does something else), or two POSTs disagree.
    #[error("variable days read back {after} after posting {posted} onto {before}: neither replaced nor added")]
    Inconsistent { before: i32, posted: i32, after: i32 },
    /// Still not the wanted number after [`MAX_POSTS`] POSTs.
    #[error("variable days still {held} after {posts} POSTs, {wanted} wanted")]
    NoConvergence { wanted: i32, held: i32, posts: usize },
}

/// The most POSTs one setting makes (the worst case needs three: probe, then the number, then
/// nothing; one more is a margin).
pub const MAX_POSTS: usize = 4;

impl DaysPosted {
    /// What this POST shows about the behaviour: `Ok(None)` when both readings fit (nothing was
    /// held before, or 0 was posted onto 0).
    pub fn behaviour(self) -> Result<Option<DaysBehaviour>, DaysRefusal> {
        let replaced = self.after == self.posted;
        let added = Some(self.after) == self.before.checked_add(self.posted);
        match (replaced, added) {
            (true, true) => Ok(None),
            (true, false) => Ok(Some(DaysBehaviour::Replaces)),
            (false, true) => Ok(Some(DaysBehaviour::Adds)),
            (false, false) => {
                Err(DaysRefusal::Inconsistent { before: self.before, posted: self.posted, after: self.after })
            }
        }
    }
}

/// What `posts` show about the behaviour, starting from `prior` (learnt before, e.g. from another
/// employee's days): `None` while nothing tells; refused when they fit neither or disagree.
pub fn learnt(prior: Option<DaysBehaviour>, posts: &[DaysPosted]) -> Result<Option<DaysBehaviour>, DaysRefusal> {
    let mut known = prior;
    for p in posts {
        match p.behaviour()? {
            None => {}
            Some(b) if known.is_some_and(|k| k != b) => {
                return Err(DaysRefusal::Inconsistent { before: p.before, posted: p.posted, after: p.after });
            }
            Some(b) => known = Some(b),
        }
    }
    Ok(known)
}

/// The next step towards `wanted` days, given the days read before the first POST (`read`),
/// every POST made so far with the read after it, in order, and the behaviour learnt before
/// (`prior`, `None` when not known).
pub fn next_days_step(wanted: i32, read: i32, posts: &[DaysPosted], prior: Option<DaysBehaviour>) -> DaysStep {
    let held = posts.last().map_or(read, |p| p.after);
    if held == wanted {
        return DaysStep::Done;
    }
    if posts.len() >= MAX_POSTS {
        return DaysStep::Refused(DaysRefusal::NoConvergence { wanted, held, posts: posts.len() });
    }
    let known = match learnt(prior, posts) {
        Ok(known) => known,
        Err(refusal) => return DaysStep::Refused(refusal),
    };
    match known {
        Some(DaysBehaviour::Replaces) => DaysStep::Post(wanted),
        // Possibly negative: Nmbrs may refuse it, and then the bucket is refused.
        Some(DaysBehaviour::Adds) => DaysStep::Post(wanted.saturating_sub(held)),
        None if held < wanted => DaysStep::Post(wanted - held),
        // Fewer wanted: probe with 0 (no change under "adds"; under "replaces" a step to 0).
        None => DaysStep::Post(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simulated Nmbrs: runs the rule to its end, `refuse_negative` as Nmbrs' validation.
    fn run(behaviour: DaysBehaviour, start: i32, wanted: i32, refuse_negative: bool) -> (Result<i32, String>, usize) {
        run_knowing(None, behaviour, start, wanted, refuse_negative)
    }

    fn run_knowing(
        prior: Option<DaysBehaviour>,
        behaviour: DaysBehaviour,
        start: i32,
        wanted: i32,
        refuse_negative: bool,
    ) -> (Result<i32, String>, usize) {
        let mut held = start;
        let mut posts = Vec::new();
        loop {
            match next_days_step(wanted, start, &posts, prior) {
                DaysStep::Done => return (Ok(held), posts.len()),
                DaysStep::Refused(r) => return (Err(r.to_string()), posts.len()),
                DaysStep::Post(n) if n < 0 && refuse_negative => return (Err("negative refused".into()), posts.len()),
                DaysStep::Post(n) => {
                    let before = held;
                    held = match behaviour {
                        DaysBehaviour::Replaces => n,
                        DaysBehaviour::Adds => held + n,
                    };
                    posts.push(DaysPosted { before, posted: n, after: held });
                }
            }
        }
    }

    #[test]
    fn equal_days_need_no_post() {
        assert_eq!(next_days_step(5, 5, &[], None), DaysStep::Done);
        assert_eq!(next_days_step(0, 0, &[], None), DaysStep::Done);
    }

    #[test]
    fn from_nothing_one_post_under_both_behaviours() {
        for b in [DaysBehaviour::Replaces, DaysBehaviour::Adds] {
            assert_eq!(run(b, 0, 12, true), (Ok(12), 1), "{b:?}");
        }
    }

    #[test]
    fn more_days_posts_the_difference_then_the_number_when_it_replaces() {
        assert_eq!(next_days_step(12, 5, &[], None), DaysStep::Post(7));
        assert_eq!(run(DaysBehaviour::Adds, 5, 12, true), (Ok(12), 1));
        assert_eq!(run(DaysBehaviour::Replaces, 5, 12, true), (Ok(12), 2));
        let after_one = [DaysPosted { before: 5, posted: 7, after: 7 }];
        assert_eq!(next_days_step(12, 5, &after_one, None), DaysStep::Post(12));
    }

    #[test]
    fn fewer_days_probe_with_zero_and_never_grow_under_adds() {
        assert_eq!(next_days_step(3, 8, &[], None), DaysStep::Post(0));
        assert_eq!(run(DaysBehaviour::Replaces, 8, 3, true), (Ok(3), 2));
        assert_eq!(run(DaysBehaviour::Replaces, 8, 0, true), (Ok(0), 1));
        // Under "adds" the only way down is a negative POST: tried, and refused by Nmbrs here …
        let probe = [DaysPosted { before: 8, posted: 0, after: 8 }];
        assert_eq!(next_days_step(3, 8, &probe, None), DaysStep::Post(-5));
        assert_eq!(run(DaysBehaviour::Adds, 8, 3, true).0, Err("negative refused".into()));
        // … or accepted.
        assert_eq!(run(DaysBehaviour::Adds, 8, 3, false), (Ok(3), 2));
    }

    #[test]
    fn a_behaviour_learnt_before_saves_the_probe_and_the_step() {
        use DaysBehaviour::*;
        assert_eq!(next_days_step(3, 8, &[], Some(Replaces)), DaysStep::Post(3));
        assert_eq!(next_days_step(12, 5, &[], Some(Replaces)), DaysStep::Post(12));
        assert_eq!(next_days_step(3, 8, &[], Some(Adds)), DaysStep::Post(-5));
        for (start, wanted) in [(0, 5), (5, 12), (8, 3), (8, 0)] {
            assert_eq!(
                run_knowing(Some(Replaces), Replaces, start, wanted, true),
                (Ok(wanted), 1),
                "{start} → {wanted}"
            );
        }
        // A prior the reads contradict is refused, never followed blindly.
        let contradicted = [DaysPosted { before: 5, posted: 7, after: 12 }];
        assert!(matches!(next_days_step(9, 5, &contradicted, Some(Replaces)), DaysStep::Refused(_)));
        assert_eq!(learnt(None, &contradicted), Ok(Some(Adds)));
    }

    #[test]
    fn reads_that_fit_neither_behaviour_are_refused() {
        let odd = [DaysPosted { before: 2, posted: 5, after: 9 }];
        assert!(matches!(next_days_step(5, 2, &odd, None), DaysStep::Refused(DaysRefusal::Inconsistent { .. })));
        let disagree = [DaysPosted { before: 2, posted: 3, after: 3 }, DaysPosted { before: 3, posted: 4, after: 7 }];
        assert!(matches!(next_days_step(9, 2, &disagree, None), DaysStep::Refused(DaysRefusal::Inconsistent { .. })));
    }

    #[test]
    fn a_bounded_number_of_posts() {
        let stuck = DaysPosted { before: 1, posted: 0, after: 1 };
        // "Adds" known, but the reads never move: give up after MAX_POSTS.
        let posts = [stuck; MAX_POSTS];
        assert!(matches!(next_days_step(4, 1, &posts, None), DaysStep::Refused(DaysRefusal::NoConvergence { .. })));
    }

    proptest::proptest! {
        /// Under either behaviour, from any start, the rule ends on the wanted number within
        /// MAX_POSTS, or refuses only because a needed negative POST was refused; it never leaves
        /// more days than it found when fewer are wanted.
        #[test]
        fn ends_on_wanted_or_refuses(start in 0i32..40, wanted in 0i32..40, adds: bool, refuse: bool, known: bool) {
            let b = if adds { DaysBehaviour::Adds } else { DaysBehaviour::Replaces };
            let (end, posts) = run_knowing(known.then_some(b), b, start, wanted, refuse);
            proptest::prop_assert!(posts <= 2);
            match end {
                Ok(held) => proptest::prop_assert_eq!(held, wanted),
                Err(_) => proptest::prop_assert!(adds && refuse && wanted < start),
            }
        }
    }
}
