//! Text helpers shared by the reader (which trims every leaf) and the record codec (which
//! trims a value again before decoding it, for callers that hand it untrimmed text). Its own
//! module so that both can use it without either importing the other. The byte tests here
//! ([`needs_care`], [`local_name`]) look at eight bytes at a time: they run once per leaf.

/// `str::trim`, with a shortcut for the usual text: one that starts and ends with a visible
/// ASCII character has nothing to trim (two byte reads, no scan).
#[inline]
pub fn trim(t: &str) -> &str {
    match t.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => t,
        [only] if only.is_ascii_graphic() => t,
        _ => t.trim(),
    }
}

/// Whether a word of `b` may hold a byte `test` looks for: `test` is given words that
/// together cover every byte of `b` (overlapping, short text padded with `a`), so a byte
/// it finds in no word is in none of `b`. A few word tests for a short leaf or name, no
/// loop per byte.
#[inline]
fn any_word(b: &[u8], test: impl Fn(u64) -> bool) -> bool {
    let word = |at: usize| b.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map_or(0, u64::from_le_bytes);
    let half = |at: usize| b.get(at..at + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).map_or(0, u32::from_le_bytes);
    match b.len() {
        0 => false,
        // The first, middle and last byte: every byte of a text this short.
        1..4 => test(
            0x6161_6161_6100_0000 | u64::from(b[0]) | u64::from(b[b.len() / 2]) << 8 | u64::from(b[b.len() - 1]) << 16,
        ),
        4..8 => test(u64::from(half(0)) | u64::from(half(b.len() - 4)) << 32),
        n => (0..n - 8).step_by(8).any(|at| test(word(at))) || test(word(n - 8)),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether the word holds a byte equal to `byte`: exact ("haszero").
#[inline]
fn holds(w: u64, byte: u8) -> bool {
    let x = w ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH != 0
}

/// Whether raw text (EOLs as written) needs more than trimming: a byte XML 1.0 forbids (a C0
/// control other than tab/LF/CR, or `0xEF`, the lead byte of U+FFFE/U+FFFF), or a
/// CR to normalise. Exact; for the usual leaf a few word tests ([`any_word`]) and no loop.
#[inline]
pub fn needs_care(raw: &str) -> bool {
    let care = |c: &u8| (*c < 0x20 && !matches!(*c, b'\t' | b'\n')) || *c == 0xEF;
    // A byte below 0x20 ("hasless", exact) or 0xEF: only then (a tab or LF in the text, or
    // the rare untidy byte) is the text looked at byte by byte.
    let suspect = |w: u64| w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0 || holds(w, 0xEF);
    any_word(raw.as_bytes(), suspect) && raw.as_bytes().iter().any(care)
}

/// The local part of an element name (`soap:Body` → `Body`), as quick-xml's `local_name`
/// gives it (after the first `:`), without its byte loop for the usual name, which has none.
#[inline]
pub fn local_name(name: &str) -> &str {
    if !any_word(name.as_bytes(), |w| holds(w, b':')) {
        return name;
    }
    name.split_once(':').map_or(name, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_tests_find_what_a_byte_loop_finds_at_every_length_and_position() {
        let bytewise = |t: &str| t.bytes().any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n')) || b == 0xEF);
        let clean = "abcdefghijklmnopqrstuvwxyz0123456789";
        for odd in
            ["\r", "\u{0}", "\u{1F}", "\u{FFFE}", "\u{FFFF}", "\t", "\n", " ", "\u{7F}", "ë", "\u{FEFF}", ":", "&"]
        {
            for len in 0..20 {
                for at in 0..=len {
                    let t = format!("{}{odd}{}", &clean[..at], &clean[at..len]);
                    assert_eq!(needs_care(&t), bytewise(&t), "{t:?}");
                }
            }
        }
        for len in 0..20 {
            assert!(!needs_care(&clean[..len]), "clean text of {len} bytes");
        }
    }

    #[test]
    fn a_local_name_is_what_quick_xml_gives_with_or_without_a_prefix() {
        for name in
            ["", "A", "Id", "BSN", "soap:Body", "s:A", "a:b:c", ":x", "x:", "EmployeeID", "ns1:ContractStartDate"]
        {
            let want = quick_xml::name::QName(name).local_name();
            assert_eq!(local_name(name), want.as_ref(), "{name:?}");
        }
        for len in 1..20 {
            let plain = &"ContractStartDateXYZ"[..len];
            assert_eq!(local_name(plain), plain);
            for at in 0..len {
                let prefixed = format!("{}:{}", &plain[..at], &plain[at..]);
                assert_eq!(local_name(&prefixed), &plain[at..], "{prefixed:?}");
            }
        }
    }
}
