//! What a failed database call means for the job that made it (issue 19 items 3 and 10e), by
//! PostgreSQL's SQLSTATE class, so that one word decides everywhere:
//!
//! - [`DbFault::Unavailable`]: the database cannot be used now (no connection, the pool timed
//!   out, class 08 connection exception, 53 insufficient resources, 57P01–57P03 shutdown or
//!   not yet accepting connections). Nothing is wrong with the job: the worker stops taking
//!   deliveries until the database answers again, then hands the delivery back once.
//! - [`DbFault::Input`]: the job carries a value PostgreSQL refuses, and will refuse on every
//!   try (class 22 data exception, e.g. 22021 a NUL byte in text, 22003 a number out of range;
//!   class 23 integrity constraint violation). The job is refused, never retried.
//! - [`DbFault::Transient`]: this statement lost a race or a wait (40001 serialization
//!   failure, 40P01 deadlock, 55P03 lock not available, 57014 statement timeout): trying again
//!   later may succeed.
//! - [`DbFault::Other`]: anything else (a bug, a missing migration): retried on the job
//!   schedule like a transient error, and counted so it ends in `job.failed`.

/// What a failed database call means (module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFault {
    Unavailable,
    Input,
    Transient,
    Other,
}

impl DbFault {
    /// The meaning of `err`.
    pub fn of(err: &sqlx::Error) -> Self {
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed => DbFault::Unavailable,
            sqlx::Error::Database(e) => e.code().map_or(DbFault::Other, |code| Self::of_sqlstate(&code)),
            // A connection that broke mid-message reports a protocol error.
            sqlx::Error::Protocol(_) => DbFault::Unavailable,
            _ => DbFault::Other,
        }
    }

    /// The meaning of a five-character SQLSTATE.
    pub fn of_sqlstate(code: &str) -> Self {
        match code {
            "57P01" | "57P02" | "57P03" => DbFault::Unavailable,
            "40001" | "40P01" | "55P03" | "57014" => DbFault::Transient,
            _ => match code.get(..2) {
                Some("08" | "53") => DbFault::Unavailable,
                Some("22" | "23") => DbFault::Input,
                _ => DbFault::Other,
            },
        }
    }
}

/// `"SQLSTATE 22021"`, or what kind of failure it was: for messages, never the statement's values.
pub fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(e) => format!("SQLSTATE {}", e.code().as_deref().unwrap_or("unknown")),
        sqlx::Error::Io(_) => "connection failed".into(),
        sqlx::Error::PoolTimedOut => "no connection within the pool's timeout".into(),
        other => format!("{other}").chars().take(200).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_are_classified_by_class_and_the_few_exact_codes() {
        for (code, fault) in [
            ("08006", DbFault::Unavailable),
            ("08001", DbFault::Unavailable),
            ("53300", DbFault::Unavailable),
            ("57P01", DbFault::Unavailable),
            ("57P03", DbFault::Unavailable),
            ("22021", DbFault::Input),
            ("22P05", DbFault::Input),
            ("22003", DbFault::Input),
            ("23505", DbFault::Input),
            ("40001", DbFault::Transient),
            ("40P01", DbFault::Transient),
            ("55P03", DbFault::Transient),
            ("57014", DbFault::Transient),
            ("42P01", DbFault::Other),
            ("XX000", DbFault::Other),
            ("", DbFault::Other),
        ] {
            assert_eq!(DbFault::of_sqlstate(code), fault, "{code}");
        }
    }

    #[test]
    fn a_broken_connection_or_an_empty_pool_is_unavailable() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(DbFault::of(&io), DbFault::Unavailable);
        assert_eq!(DbFault::of(&sqlx::Error::PoolTimedOut), DbFault::Unavailable);
        assert_eq!(DbFault::of(&sqlx::Error::RowNotFound), DbFault::Other);
    }
}
