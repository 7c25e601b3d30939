//! Error text from the wire, bounded. Nmbrs (or a proxy in front of it) decides what a fault
//! string, an error title or a broken connection's message says and how long it is; the worker
//! copies such text into `job.failed`, `job.completed` `errors[].message` and its logs. Every
//! piece of it passes [`bounded`] where the edge builds its error, so no event and no log line
//! carries more than [`MAX_ERROR_TEXT`] characters of it (issue 19 item 10).

use std::fmt::Write as _;

/// The most characters of one piece of Nmbrs error text the worker keeps (a fault string, a
/// transport error's message, an unreadable answer's description). What is cut is marked.
pub const MAX_ERROR_TEXT: usize = 500;

/// `text`, cut after [`MAX_ERROR_TEXT`] characters (on a char boundary) and then marked
/// `…[cut: 500 of N characters]`; shorter text is returned as it is.
pub fn bounded(text: &str) -> String {
    bounded_to(text, MAX_ERROR_TEXT)
}

/// [`bounded`] with another maximum (short fields such as a content type or a SOAP fault code).
pub fn bounded_to(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let mut out = String::with_capacity(cut + 40);
            out.push_str(&text[..cut]);
            let _ = write!(out, "…[cut: {max_chars} of {} characters]", text.chars().count());
            out
        }
    }
}

/// The error `code` of a Nmbrs REST error body (`{"code": 42908, …}`), a number or a numeral.
pub fn error_code(json: &serde_json::Value) -> Option<u64> {
    let code = json.get("code")?;
    code.as_u64().or_else(|| code.as_str()?.trim().parse().ok())
}

/// An error and its `source()` chain as one line (`outer: inner: …`), bounded.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
        if message.len() > 4 * MAX_ERROR_TEXT {
            break;
        }
    }
    bounded(&message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_as_it_is() {
        assert_eq!(bounded("1001: Invalid Authentication"), "1001: Invalid Authentication");
        let exact = "x".repeat(MAX_ERROR_TEXT);
        assert_eq!(bounded(&exact), exact);
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary_and_marked() {
        // Multi-byte characters across the cut: never a split char.
        let long = "é".repeat(MAX_ERROR_TEXT + 1_000);
        let cut = bounded(&long);
        assert!(cut.starts_with(&"é".repeat(MAX_ERROR_TEXT)));
        assert!(cut.ends_with("…[cut: 500 of 1500 characters]"), "{}", &cut[cut.len() - 60..]);
        assert_eq!(cut.chars().filter(|c| *c == 'é').count(), MAX_ERROR_TEXT);
        assert_eq!(bounded_to("text/html; charset=utf-8", 4), "text…[cut: 4 of 24 characters]");
    }

    #[test]
    fn an_error_chain_is_one_bounded_line() {
        let inner = std::io::Error::other("x".repeat(10_000));
        let outer = std::io::Error::new(std::io::ErrorKind::BrokenPipe, inner);
        let line = error_chain(&outer);
        assert!(line.chars().count() < MAX_ERROR_TEXT + 50, "{}", line.len());
        assert!(line.contains("[cut: 500 of"));
    }
}
