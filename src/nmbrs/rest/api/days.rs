//! `days_var_set` through REST (CONTRACT §5.3 "Days"): REST can only POST variable days and
//! whether a POST replaces or adds is undocumented, so the days are read back after every POST
//! and the pure rule [`crate::domain::export::days::next_days_step`] picks the next POST until
//! the read shows the wanted number. A correction that cannot be expressed (Nmbrs refuses a
//! negative POST, reads fit neither behaviour) is `InvalidData` (the bucket is `refused`).
//! What a POST does, once a read-back showed it, is remembered for the job's other employees
//! (one POST each then). A POST whose reply was lost is not in doubt here: the read after it shows what holds, and the
//! rule starts again from that read (it converges from any start), at most [`RESTARTS`] times.
//!
//! The read after the last POST is noted in the job's memory: the check after writing (issue
//! 18, CONTRACT §2.5 "Proof in Nmbrs") takes it as its read of these days instead of reading
//! them a third time (`RestClient::days_var_get`); any POST forgets it.
//!
//! With `NMBRS_REST_DAYS_POST` set to `replace` or `add` (the answer `nmbrs-worker probe` gave
//! for this Nmbrs, [`crate::nmbrs::rest::DaysPostSetting`]) the read-back is skipped: `replace`
//! POSTs the wanted number (no read at all), `add` reads once and POSTs the difference. Both
//! end exact when Nmbrs behaves as set; a lost reply is POSTed again (`replace`: the same number
//! twice is the same days) or read back first (`add`).

use super::edge::{edge_error, employee_uuid};
use crate::domain::export::days::{DaysBehaviour, DaysPosted, DaysStep, learnt, next_days_step};
use crate::nmbrs::rest::operation::RestOperation as Op;
use crate::nmbrs::rest::{EmployeeUuid, RestClient};
use crate::nmbrs::{EmployeeId, ErrorKind, NmbrsError, PayPeriod, WritePeriod};

/// How often a lost POST reply restarts the rule before the failure is returned.
const RESTARTS: usize = 2;

impl RestClient {
    /// Sets the days to `wanted`; answers the POSTs sent (a lost one included).
    pub(super) async fn set_days(&self, employee: EmployeeId, wanted: i32, to: WritePeriod) -> Result<u32, NmbrsError> {
        let WritePeriod { period, unprotected } = to;
        let e = employee_uuid(Op::DaysPost, employee)?;
        if let Some(behaviour) = self.days_post_setting().known() {
            return self.set_days_as(e, wanted, period, unprotected, behaviour).await;
        }
        let mut sent = 0;
        let mut read = self.variable_days(e, period).await?.total();
        let mut posts: Vec<DaysPosted> = Vec::new();
        let mut restarts = 0;
        loop {
            let prior = self.memo.days_post();
            let n = match next_days_step(wanted, read, &posts, prior) {
                DaysStep::Done => {
                    if let Ok(Some(b)) = learnt(prior, &posts) {
                        self.memo.learnt_days_post(b);
                    }
                    // The last read, made after the last POST (or the only one): what Nmbrs holds.
                    self.memo.days_read_back(e, period, posts.last().map_or(read, |p| p.after));
                    return Ok(sent);
                }
                DaysStep::Refused(why) => {
                    return Err(edge_error(Op::DaysPost, ErrorKind::InvalidData, format!("employee {e}: {why}")));
                }
                DaysStep::Post(n) => n,
            };
            let before = posts.last().map_or(read, |p| p.after);
            sent += 1;
            self.memo.days_posting(e, period);
            match self.post_variable_days(e, n, period, unprotected).await {
                Ok(()) => {
                    let after = self.variable_days(e, period).await?.total();
                    posts.push(DaysPosted { before, posted: n, after });
                }
                Err(err) if err.kind() == ErrorKind::OutcomeUnknown && restarts < RESTARTS => {
                    restarts += 1;
                    tracing::warn!(employee = %e, error = %err, "variable days POST reply lost; reading back");
                    read = self.variable_days(e, period).await?.total();
                    posts.clear();
                }
                Err(err) if n < 0 && matches!(err.kind(), ErrorKind::InvalidData | ErrorKind::Unknown) => {
                    return Err(negative_refused(e, n, &err));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// [`Self::set_days`] when `NMBRS_REST_DAYS_POST` says what a POST does: no read-back.
    async fn set_days_as(
        &self,
        e: EmployeeUuid,
        wanted: i32,
        period: PayPeriod,
        unprotected: bool,
        behaviour: DaysBehaviour,
    ) -> Result<u32, NmbrsError> {
        let mut sent = 0;
        let mut restarts = 0;
        loop {
            let n = match behaviour {
                DaysBehaviour::Replaces => wanted,
                DaysBehaviour::Adds => {
                    let held = self.variable_days(e, period).await?.total();
                    if held == wanted {
                        return Ok(sent);
                    }
                    wanted.saturating_sub(held)
                }
            };
            sent += 1;
            self.memo.days_posting(e, period);
            match self.post_variable_days(e, n, period, unprotected).await {
                Ok(()) => return Ok(sent),
                Err(err) if err.kind() == ErrorKind::OutcomeUnknown && restarts < RESTARTS => {
                    restarts += 1;
                    tracing::warn!(employee = %e, error = %err, ?behaviour, "variable days POST reply lost; posting what is still missing");
                }
                Err(err) if n < 0 && matches!(err.kind(), ErrorKind::InvalidData | ErrorKind::Unknown) => {
                    return Err(negative_refused(e, n, &err));
                }
                Err(err) => return Err(err),
            }
        }
    }
}

/// Nmbrs adds posted days and refused the negative POST that would bring them down: the bucket
/// is refused (`InvalidData`), its days as they were.
fn negative_refused(e: EmployeeUuid, n: i32, err: &NmbrsError) -> NmbrsError {
    let message =
        format!("employee {e}: Nmbrs adds posted variable days and refused the negative correction {n} ({err})");
    edge_error(Op::DaysPost, ErrorKind::InvalidData, message)
}
