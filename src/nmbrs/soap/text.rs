//! Text helpers shared by the reader (which trims every leaf) and the record codec (which
//! trims a value again before decoding it, for callers that hand it untrimmed text). Its own
//! module so that both can use it without either importing the other; the reader's check for
//! text that needs cleaning lives beside `trim` for the same reason (reader.rs's size).

/// `str::trim`, with a shortcut for the usual text: one that starts and ends with a visible
/// ASCII character has nothing to trim (two byte reads, no scan).
pub fn trim(t: &str) -> &str {
    match t.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => t,
        [only] if only.is_ascii_graphic() => t,
        _ => t.trim(),
    }
}

/// Whether a leaf's raw text (EOLs as written) needs more than trimming: a C0 control other
/// than tab and LF (a character XML 1.0 forbids, or a CR to normalise) or a lead byte `0xEF`
/// (U+FFFE, U+FFFF). One pass over the usual leaf, which then needs nothing else (the reader's
/// fast path; CONTRACT §2.3).
pub fn needs_care(raw: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let care = |b: &u8| (*b < 0x20 && !matches!(*b, b'\t' | b'\n')) || *b == 0xEF;
    // Eight bytes at a time: whether a word holds a byte below 0x20 or a byte 0xEF is exact
    // without a branch per byte ("hasless"/"haszero"); only such a word (a tab or LF in the
    // text) is looked at byte by byte.
    let mut words = raw.as_bytes().chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or_default());
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let ef = w ^ (ONES * 0xEF);
        let lead = ef.wrapping_sub(ONES) & !ef & HIGH;
        if (control | lead) != 0 && word.iter().any(care) {
            return true;
        }
    }
    words.remainder().iter().any(care)
}
