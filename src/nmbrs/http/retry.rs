//! The one retry policy of every Nmbrs call, SOAP and REST, and the one rule for a write whose
//! outcome the reply does not prove (issue 19 items 4 and 5):
//!
//! - only [`ErrorKind::Transient`] failures are retried inside the call, with `backon`'s
//!   exponential backoff and jitter (`ClientConfig` delays and `max_retries`), waiting at least
//!   `Retry-After` when the reply sends it (a longer wait than `retry_after_cap` is left to the
//!   job's retry schedule);
//! - SOAP's catch-all fault 9999 is retried once only, then it counts as given;
//! - an insert ([`Effect::Insert`]) is repeated only after a failure that proves it did not
//!   happen ([`NmbrsError::proves_not_applied`]);
//! - an insert that fails without such proof ends as [`ErrorKind::OutcomeUnknown`] (in doubt):
//!   a lost reply, a timeout, a redirect, any 5xx whatever its body says, an uncoded SOAP
//!   server fault, an answer that cannot be read. The export then reads the period back
//!   before it would insert again (`jobs::export_apply`), exactly as for a lost reply.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

use super::config::ClientConfig;
use crate::nmbrs::catalogue::Effect;
use crate::nmbrs::error::{ErrorKind, NmbrsError};

/// SOAP's catch-all fault code: retried once only.
const CATCH_ALL: u32 = 9999;

/// Runs `attempt` under the policy of the module doc. `name` names the call in the logs;
/// `effect` is the operation's; `retry_after_cap` the longest `Retry-After` waited in the call.
pub async fn with_retries<T, F, Fut>(
    config: &ClientConfig,
    name: &'static str,
    effect: Effect,
    retry_after_cap: Duration,
    attempt: F,
) -> Result<T, NmbrsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, NmbrsError>>,
{
    let backoff = ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(config.retry_min_delay)
        .with_max_delay(config.retry_max_delay)
        .with_max_times(config.max_retries);
    let insert = effect == Effect::Insert;
    let catch_all = AtomicUsize::new(0);
    let result = attempt
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|e: &NmbrsError| {
            may_repeat(e, insert)
                && (e.nmbrs_code() != Some(CATCH_ALL) || catch_all.fetch_add(1, Ordering::Relaxed) < 1)
        })
        .adjust(move |e: &NmbrsError, backoff: Option<Duration>| match (backoff, e.retry_after()) {
            (Some(_), Some(wait)) if wait > retry_after_cap => None,
            (Some(delay), Some(wait)) => Some(delay.max(wait)),
            (delay, _) => delay,
        })
        .notify(|e, delay| tracing::warn!(operation = name, error = %e, ?delay, "nmbrs call failed, retrying"))
        .await;
    match result {
        Err(e) if insert => Err(failed_insert(e)),
        other => other,
    }
}

/// Whether a failure of a call may be repeated inside the call.
fn may_repeat(e: &NmbrsError, insert: bool) -> bool {
    e.kind() == ErrorKind::Transient && (!insert || e.proves_not_applied())
}

/// The error a failed insert ends with: as it is when the reply proves nothing was applied,
/// otherwise in doubt ([`ErrorKind::OutcomeUnknown`], the cause kept).
pub fn failed_insert(e: NmbrsError) -> NmbrsError {
    if e.proves_not_applied() { e } else { e.in_doubt() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nmbrs::soap::fault::SoapFault;
    use crate::nmbrs::soap::operation::Operation;

    const INSERT: Operation = Operation::HourComponentVarInsert;

    fn fault(code: &str, text: &str) -> NmbrsError {
        NmbrsError::Fault { operation: INSERT, fault: SoapFault::new(code.into(), text.into()) }
    }

    #[test]
    fn only_a_reply_that_proves_nothing_happened_leaves_an_insert_not_landed() {
        let refused = [
            fault("soap:Server", "x ---> 2001: Invalid Hour component"),
            fault("soap:Server", "x ---> 2011: Protected Mode"),
            fault("soap:Server", "x ---> 1001: Invalid Authentication"),
            fault("soap:Server", "x ---> 1006: Generic Login Security Failure"),
            fault("soap:Client", "Server was unable to read request. ---> There is an error in XML document"),
            NmbrsError::Connect { operation: INSERT, message: "refused".into() },
        ];
        for e in refused {
            let shown = e.to_string();
            assert_ne!(failed_insert(e).kind(), ErrorKind::OutcomeUnknown, "{shown}");
        }
        let in_doubt = [
            fault("soap:Server", "Server was unable to process request. ---> Object reference not set"),
            fault("soap:Server", "x ---> 9999: Unknown error"),
            fault("soap:Server", "x ---> 4242: Something new"),
            NmbrsError::Http { operation: INSERT, status: 500, content_type: "text/html".into() },
            NmbrsError::Timeout { operation: INSERT, after: Duration::from_secs(1) },
            NmbrsError::Transport { operation: INSERT, message: "reset".into() },
            NmbrsError::Redirected { operation: INSERT, status: 307, location: "http://elsewhere".into() },
            NmbrsError::Malformed { operation: INSERT, message: "no id".into() },
        ];
        for e in in_doubt {
            let shown = e.to_string();
            assert_eq!(failed_insert(e).kind(), ErrorKind::OutcomeUnknown, "{shown}");
        }
    }
}
