//! Question 9, comments (REST-NOTES §2 "Maximum length and whether Nmbrs alters it"): the
//! longest comment that survives a round trip (`comment_max_chars`). Hour lines in the next
//! period with comments of a given length (the marker first, then `x`s) are POSTed, read back
//! and deleted: a comment cut short gives the limit (confirmed by one of exactly that length); a
//! refused one starts a bisection between the longest kept and the shortest refused. When even
//! the longest tried survives, the answer is `unknown` (no limit found), never a guess.

use super::ProbeCtx;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::lines::{self, ProbeLineKind};

/// The lengths tried first.
const FIRST: usize = 4096;
const LONGEST: usize = 32768;
const SHORT: usize = 64;
/// Tried when even [`SHORT`] is refused: still holds the run's tag (`[nmbrs-probe <run>]`).
const SHORTEST: usize = 32;

/// What one round trip did to a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trip {
    Intact,
    /// Kept, cut to this many characters.
    Cut(usize),
    Refused,
    /// Kept but otherwise changed (or the line was not found).
    Altered,
}

/// How `read` relates to the comment `sent`.
pub fn compare(sent: &str, read: Option<&str>) -> Trip {
    match read {
        Some(r) if r == sent => Trip::Intact,
        Some(r) if !r.is_empty() && sent.starts_with(r) => Trip::Cut(r.chars().count()),
        _ => Trip::Altered,
    }
}

pub async fn ask(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("comment_length");
    let mut evidence = Vec::new();
    match run(ctx, &mut evidence).await {
        Ok(Ok(n)) => {
            // The later questions' comments fit what Nmbrs keeps.
            ctx.marker.fit_to(n);
            f.set("comment_max_chars", n as u64, evidence.join("; "))
        }
        Ok(Err(why)) => f.unknown("comment_max_chars", format!("{why}: {}", evidence.join("; "))),
        Err(e) => f.unknown("comment_max_chars", format!("question 9 stopped: {e:#}; {}", evidence.join("; "))),
    }
}

async fn trip(ctx: &ProbeCtx<'_>, len: usize, evidence: &mut Vec<String>) -> anyhow::Result<Trip> {
    let mut comment = ctx.marker.comment("question 9");
    let pad = len.saturating_sub(comment.chars().count());
    comment.push_str(&"x".repeat(pad));
    let comment: String = comment.chars().take(len).collect();
    let body = lines::hour_body(ctx.hour_code, "0.5", &comment, ctx.next, false);
    let posted = ctx.create(ProbeLineKind::Hours, &body, ctx.next, "comment_length", None).await?;
    let Some(id) = posted.id else {
        evidence.push(format!("{len}: refused #{} ({})", posted.reply.seq, posted.reply.code_or_status()));
        return Ok(if (400..500).contains(&posted.reply.status) { Trip::Refused } else { Trip::Altered });
    };
    let read = ctx.locate(ProbeLineKind::Hours, &id, &[ctx.next]).await?.and_then(|(_, l)| l.comment);
    ctx.remove(ProbeLineKind::Hours, &id).await?;
    let result = compare(&comment, read.as_deref());
    evidence.push(format!("{len}: {result:?} #{}", posted.reply.seq));
    Ok(result)
}

async fn run(ctx: &ProbeCtx<'_>, evidence: &mut Vec<String>) -> anyhow::Result<Result<usize, String>> {
    let confirm = |n: usize, t: Trip| {
        if t == Trip::Intact { Ok(n) } else { Err(format!("{n} characters did not survive either")) }
    };
    match trip(ctx, FIRST, evidence).await? {
        Trip::Cut(n) => Ok(confirm(n, trip(ctx, n, evidence).await?)),
        Trip::Altered => Ok(Err("the comment came back changed, not cut".into())),
        Trip::Intact => match trip(ctx, LONGEST, evidence).await? {
            Trip::Intact => Ok(Err(format!("no limit found: {LONGEST} characters survived"))),
            Trip::Cut(n) => Ok(confirm(n, trip(ctx, n, evidence).await?)),
            Trip::Refused => bisect(ctx, FIRST, LONGEST, evidence).await,
            Trip::Altered => Ok(Err("the comment came back changed, not cut".into())),
        },
        Trip::Refused => match trip(ctx, SHORT, evidence).await? {
            Trip::Intact => bisect(ctx, SHORT, FIRST, evidence).await,
            Trip::Cut(n) => Ok(confirm(n, trip(ctx, n, evidence).await?)),
            Trip::Refused => match trip(ctx, SHORTEST, evidence).await? {
                Trip::Intact => bisect(ctx, SHORTEST, SHORT, evidence).await,
                other => Ok(Err(format!("even {SHORTEST} characters: {other:?}"))),
            },
            other => Ok(Err(format!("even {SHORT} characters: {other:?}"))),
        },
    }
}

/// `lo` survived, `hi` was refused.
async fn bisect(
    ctx: &ProbeCtx<'_>,
    mut lo: usize,
    mut hi: usize,
    evidence: &mut Vec<String>,
) -> anyhow::Result<Result<usize, String>> {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match trip(ctx, mid, evidence).await? {
            Trip::Intact => lo = mid,
            Trip::Refused => hi = mid,
            Trip::Cut(n) => {
                return Ok(if trip(ctx, n, evidence).await? == Trip::Intact {
                    Ok(n)
                } else {
                    Err(format!("{n} did not survive"))
                });
            }
            Trip::Altered => return Ok(Err(format!("{mid} characters came back changed"))),
        }
    }
    Ok(Ok(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_trip_is_intact_cut_or_altered() {
        assert_eq!(compare("abcdef", Some("abcdef")), Trip::Intact);
        assert_eq!(compare("abcdef", Some("abc")), Trip::Cut(3));
        assert_eq!(compare("abcdef", Some("abd")), Trip::Altered);
        assert_eq!(compare("abcdef", None), Trip::Altered);
        assert_eq!(compare("abcdef", Some("")), Trip::Altered);
    }
}
