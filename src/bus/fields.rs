//! The one way a value reaches an AMQP protocol field (issue 19 item 1).
//!
//! AMQP short strings (`message_id`, `correlation_id`, `type`, exchange and routing key) hold
//! at most 255 *bytes*, and every header value travels in the one content-header frame. lapin's
//! `ShortString::from` takes any `String`, and a longer one either panics (debug builds) or
//! writes a corrupt frame that closes the connection. So nothing the worker publishes is turned
//! into a protocol field except through these constructors: a short string is checked and
//! refused (the caller sets the message aside, it never publishes it), and a header text of the
//! worker's own is cut at a byte bound, on a character boundary, and marked.

use lapin::types::{AMQPValue, LongString, ShortString};

/// The most bytes an AMQP short string holds.
pub const SHORT_STRING_MAX: usize = 255;

/// The most bytes of one header text the worker writes (`x-nmbrs-error` and the like). Far
/// below a frame (RabbitMQ's `frame_max` is 128 KiB), so a parked message's headers always fit.
pub const HEADER_TEXT_MAX: usize = 1024;

/// A value that does not fit the protocol field it was meant for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} is {bytes} bytes; AMQP allows at most {max}")]
pub struct FieldTooLong {
    pub field: &'static str,
    pub bytes: usize,
    pub max: usize,
}

/// `value` as an AMQP short string, or why it cannot be one.
pub fn short_string(field: &'static str, value: &str) -> Result<ShortString, FieldTooLong> {
    match value.len() {
        bytes if bytes > SHORT_STRING_MAX => Err(FieldTooLong { field, bytes, max: SHORT_STRING_MAX }),
        _ => Ok(ShortString::from(value)),
    }
}

/// A header value of the worker's own text, cut to [`HEADER_TEXT_MAX`] bytes (with `…` when
/// cut) so it always fits its frame.
pub fn header_text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(clip(value, HEADER_TEXT_MAX).as_str()))
}

/// `value` cut to at most `max` bytes on a character boundary, ending in `…` when cut.
pub fn clip(value: &str, max: usize) -> String {
    if value.len() <= max {
        return value.to_string();
    }
    const MARK: &str = "…";
    let mut end = max.saturating_sub(MARK.len());
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &value[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_string_is_bounded_in_bytes_not_characters() {
        let e_acute = "é".repeat(128); // 128 characters, 256 bytes
        assert_eq!(
            short_string("correlation_id", &e_acute),
            Err(FieldTooLong { field: "correlation_id", bytes: 256, max: 255 })
        );
        let fits = "é".repeat(127) + "x"; // 255 bytes
        assert_eq!(short_string("message_id", &fits).unwrap().as_str(), fits);
        assert!(short_string("message_id", "").is_ok());
    }

    #[test]
    fn header_text_is_cut_on_a_character_boundary_and_marked() {
        let long = "é".repeat(2000);
        let AMQPValue::LongString(cut) = header_text(&long) else { panic!("a long string") };
        let cut = std::str::from_utf8(cut.as_bytes()).expect("still UTF-8");
        assert!(cut.len() <= HEADER_TEXT_MAX && cut.ends_with('…'), "{}", cut.len());
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefgh", 6), "abc…");
    }
}
