//! When a failed attempt is tried again (CONTRACT §4).
//!
//! Transient failures are retried later on a growing schedule, without blocking the queue;
//! once the schedule is used up the job fails. Permanent failures and failures that need a
//! person are never retried.

use std::time::Duration;

/// How a failure should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Nmbrs or the network hiccupped: trying again later may work.
    Transient,
    /// The job itself cannot succeed as sent (invalid data, unsupported).
    Permanent,
    /// A person must act first (credentials, a missing right, a closed period).
    NeedsPerson,
}

/// What to do after attempt `attempt` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the job to the retry queue of `delay`; it returns as attempt `attempt + 1`.
    RetryAfter(Duration),
    /// Fail the job and park it. `exhausted` is true when it failed transiently every time.
    GiveUp { exhausted: bool },
}

/// `attempt` is 1-based: after attempt 1 fails, the first delay of the schedule applies.
pub fn decide(class: ErrorClass, attempt: u32, schedule: &[Duration]) -> Decision {
    match class {
        ErrorClass::Transient => match schedule.get(attempt.saturating_sub(1) as usize) {
            Some(&delay) => Decision::RetryAfter(delay),
            None => Decision::GiveUp { exhausted: true },
        },
        ErrorClass::Permanent | ErrorClass::NeedsPerson => Decision::GiveUp { exhausted: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &[u64]) -> Vec<Duration> {
        s.iter().map(|&s| Duration::from_secs(s)).collect()
    }

    #[test]
    fn transient_failures_walk_the_schedule_then_give_up() {
        let schedule = secs(&[10, 60, 300]);
        assert_eq!(decide(ErrorClass::Transient, 1, &schedule), Decision::RetryAfter(Duration::from_secs(10)));
        assert_eq!(decide(ErrorClass::Transient, 2, &schedule), Decision::RetryAfter(Duration::from_secs(60)));
        assert_eq!(decide(ErrorClass::Transient, 3, &schedule), Decision::RetryAfter(Duration::from_secs(300)));
        assert_eq!(decide(ErrorClass::Transient, 4, &schedule), Decision::GiveUp { exhausted: true });
        assert_eq!(decide(ErrorClass::Transient, 99, &schedule), Decision::GiveUp { exhausted: true });
    }

    #[test]
    fn an_empty_schedule_never_retries() {
        assert_eq!(decide(ErrorClass::Transient, 1, &[]), Decision::GiveUp { exhausted: true });
    }

    #[test]
    fn permanent_and_person_failures_are_not_retried() {
        let schedule = secs(&[10]);
        for class in [ErrorClass::Permanent, ErrorClass::NeedsPerson] {
            assert_eq!(decide(class, 1, &schedule), Decision::GiveUp { exhausted: false });
        }
    }

    #[test]
    fn attempt_zero_is_treated_as_the_first() {
        assert_eq!(decide(ErrorClass::Transient, 0, &secs(&[5])), Decision::RetryAfter(Duration::from_secs(5)));
    }
}
