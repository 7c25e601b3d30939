//! AMQP header helpers and the worker's own `x-nmbrs-*` headers.

use lapin::types::{AMQPValue, FieldTable, ShortString};

/// Why a message was parked (machine-readable), on messages in `nmbrs.jobs.dead`.
pub const ERROR_CODE: &str = "x-nmbrs-error-code";
/// Why a message was parked, in English.
pub const ERROR: &str = "x-nmbrs-error";
/// The routing key a parked message originally had, so `replay` can send it back.
pub const ROUTING_KEY: &str = "x-nmbrs-routing-key";
/// Which attempt of the job this delivery is (1 when absent).
pub const ATTEMPT: &str = "x-nmbrs-attempt";
/// Selects the retry queue of a delay on the `nmbrs.jobs.retry` headers exchange. It has no
/// `x-` prefix on purpose: a headers exchange ignores `x-` headers when matching.
pub const RETRY_DELAY: &str = "nmbrs-retry-delay";
/// How often `replay` has sent this message back to work.
pub const REPLAYED: &str = "x-nmbrs-replayed";

/// A header as text, whatever string or number type the publisher used.
pub fn text(headers: &FieldTable, name: &str) -> Option<String> {
    match headers.inner().get(&ShortString::from(name))? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_string()),
        other => integer(other).map(|n| n.to_string()),
    }
}

/// A header as a non-negative integer.
pub fn number(headers: Option<&FieldTable>, name: &str) -> Option<u32> {
    let value = headers?.inner().get(&ShortString::from(name))?;
    match value {
        AMQPValue::LongString(_) | AMQPValue::ShortString(_) => text(headers?, name)?.trim().parse().ok(),
        other => integer(other).and_then(|n| u32::try_from(n).ok()),
    }
}

fn integer(value: &AMQPValue) -> Option<i64> {
    Some(match *value {
        AMQPValue::ShortShortInt(n) => n.into(),
        AMQPValue::ShortShortUInt(n) => n.into(),
        AMQPValue::ShortInt(n) => n.into(),
        AMQPValue::ShortUInt(n) => n.into(),
        AMQPValue::LongInt(n) => n.into(),
        AMQPValue::LongUInt(n) => n.into(),
        AMQPValue::LongLongInt(n) => n,
        _ => return None,
    })
}

/// Sets a header of the worker's own text, cut to [`super::fields::HEADER_TEXT_MAX`] bytes.
pub fn set_text(headers: &mut FieldTable, name: &'static str, value: &str) {
    headers.insert(name.into(), super::fields::header_text(value));
}

pub fn set_number(headers: &mut FieldTable, name: &str, value: u32) {
    headers.insert(name.into(), AMQPValue::LongLongInt(value.into()));
}

/// The attempt number of a delivery (1-based).
pub fn attempt(headers: Option<&FieldTable>) -> u32 {
    number(headers, ATTEMPT).unwrap_or(1).max(1)
}

/// A copy of `headers` without the given names.
pub fn without(headers: Option<&FieldTable>, names: &[&str]) -> FieldTable {
    let mut out = FieldTable::default();
    if let Some(h) = headers {
        for (k, v) in h.inner() {
            if !names.contains(&k.as_str()) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_from_any_integer_or_string_type() {
        let mut h = FieldTable::default();
        h.insert(ATTEMPT.into(), AMQPValue::ShortInt(3));
        assert_eq!(attempt(Some(&h)), 3);
        set_text(&mut h, ATTEMPT, "4");
        assert_eq!(attempt(Some(&h)), 4);
        set_number(&mut h, ATTEMPT, 5);
        assert_eq!(attempt(Some(&h)), 5);
        assert_eq!(attempt(None), 1);
        h.insert(ATTEMPT.into(), AMQPValue::LongLongInt(-2));
        assert_eq!(attempt(Some(&h)), 1);
    }

    #[test]
    fn without_drops_only_the_named_headers() {
        let mut h = FieldTable::default();
        set_text(&mut h, ERROR, "x");
        set_text(&mut h, "traceparent", "t");
        let kept = without(Some(&h), &[ERROR]);
        assert_eq!(text(&kept, "traceparent").as_deref(), Some("t"));
        assert_eq!(text(&kept, ERROR), None);
    }
}
