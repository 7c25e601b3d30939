//! Text helpers shared by the reader (which trims every leaf) and the record codec (which
//! trims a value again before decoding it, for callers that hand it untrimmed text). Its own
//! module so that both can use it without either importing the other.

/// `str::trim`, with a shortcut for the usual text: one that starts and ends with a visible
/// ASCII character has nothing to trim (two byte reads, no scan).
pub fn trim(t: &str) -> &str {
    match t.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => t,
        [only] if only.is_ascii_graphic() => t,
        _ => t.trim(),
    }
}
