//! Question 1, variable days (REST-NOTES §2 [L], §7 [M]): does a second `POST …/variabledays`
//! replace or add (`days_second_post`), does a POST without `daysForWageComponentsPerDay` reset
//! it (`days_post_resets_factor`), are negative days accepted (`days_negative`)?
//!
//! In the next period, from the days as found (noted in the journal first): with days there, a
//! POST of 0 tells the behaviours apart (no change under "adds"); with none, 1 then 0 (1 then 0
//! under "replaces", 1 then 1 under "adds"). Every POST of the first step sets the factor to a
//! value other than the one found; then a POST without it shows whether it stays; then a POST
//! of -1. The days and the factor are put back as found right after (`cleanup::restore_days`).

use super::ProbeCtx;
use crate::cli::probe::cleanup;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::lines::{self, Days};
use crate::domain::export::days::DaysBehaviour;

const IDS: [&str; 3] = ["days_second_post", "days_post_resets_factor", "days_negative"];

/// What the days did after the behaviour POSTs: `before` read first, then each POST and read.
pub fn behaviour(before: i64, steps: &[(i64, i64)]) -> Option<DaysBehaviour> {
    match (before, steps) {
        (b, [(0, after)]) if b != 0 && *after == 0 => Some(DaysBehaviour::Replaces),
        (b, [(0, after)]) if b != 0 && *after == b => Some(DaysBehaviour::Adds),
        (0, [(1, 1), (0, 0)]) => Some(DaysBehaviour::Replaces),
        (0, [(1, 1), (0, 1)]) => Some(DaysBehaviour::Adds),
        _ => None,
    }
}

/// Whether a POST without the factor reset it: `set` before, `after` read after.
pub fn factor_reset(set: i64, after: Option<i64>) -> Option<&'static str> {
    match after {
        Some(f) if f == set => Some("no"),
        None | Some(0) => Some("yes"),
        Some(_) => None,
    }
}

pub async fn ask(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("days");
    if let Err(e) = run(ctx, f).await {
        for id in IDS {
            if f.get(id).is_none() {
                f.unknown(id, format!("question 1 stopped: {e:#}"));
            }
        }
    }
    // Put back at once; what cannot be is reported by the cleanup after the questions.
    if let Err(e) = cleanup::restore_days(ctx).await {
        tracing::warn!(error = %format!("{e:#}"), "the days are not back yet");
    }
}

async fn run(ctx: &ProbeCtx<'_>, f: &mut Findings) -> anyhow::Result<()> {
    let (rest, employee, period) = (&ctx.rest, ctx.employee.as_str(), ctx.next);
    let found = lines::days(rest, employee, period).await?;
    ctx.journal.lock().unwrap_or_else(|e| e.into_inner()).found_days(period, found)?;
    let factor = if found.factor == Some(1) { 2 } else { 1 };
    let mut evidence = vec![format!("{period} held {} days (factor {:?})", found.days, found.factor)];
    let plan: &[i64] = if found.days != 0 { &[0] } else { &[1, 0] };
    let mut steps = Vec::new();
    let mut last = found;
    for days in plan {
        let reply = lines::post_days(rest, employee, period, *days, Some(Some(factor))).await?;
        if !reply.ok() {
            anyhow::bail!("POST of {days} days (factor {factor}) refused: {}", rest.rec.cite(&reply));
        }
        crate::failpoint::crash_point("probe.after_days_post");
        last = lines::days(rest, employee, period).await?;
        evidence.push(format!("#{} POST {days} → read {}", reply.seq, last.days));
        steps.push((*days, last.days));
    }
    let learnt = behaviour(found.days, &steps);
    *ctx.days_behaviour.lock().unwrap_or_else(|e| e.into_inner()) = learnt;
    match learnt {
        Some(DaysBehaviour::Replaces) => f.set(IDS[0], "replace", evidence.join("; ")),
        Some(DaysBehaviour::Adds) => f.set(IDS[0], "add", evidence.join("; ")),
        None => f.unknown(IDS[0], format!("the reads fit neither replace nor add: {}", evidence.join("; "))),
    }
    ask_factor(ctx, f, factor, last, learnt).await?;
    ask_negative(ctx, f).await
}

async fn ask_factor(
    ctx: &ProbeCtx<'_>,
    f: &mut Findings,
    set: i64,
    last: Days,
    learnt: Option<DaysBehaviour>,
) -> anyhow::Result<()> {
    let (rest, employee, period) = (&ctx.rest, ctx.employee.as_str(), ctx.next);
    if last.factor != Some(set) {
        f.unknown(IDS[1], format!("daysForWageComponentsPerDay {set} was posted but read back as {:?}", last.factor));
        return Ok(());
    }
    // The days stay as they are: their number again under "replaces", 0 under "adds".
    let days = match learnt {
        Some(DaysBehaviour::Adds) => 0,
        Some(DaysBehaviour::Replaces) => last.days,
        None => {
            f.unknown(IDS[1], "not asked: what a days POST does is not known (days_second_post)");
            return Ok(());
        }
    };
    let reply = lines::post_days(rest, employee, period, days, None).await?;
    if !reply.ok() {
        f.unknown(IDS[1], format!("a POST without the factor was refused: {}", rest.rec.cite(&reply)));
        return Ok(());
    }
    let after = lines::days(rest, employee, period).await?;
    let evidence = format!(
        "factor {set} set and read back; #{} POST {days} days without daysForWageComponentsPerDay → read factor {:?}, days {}",
        reply.seq, after.factor, after.days
    );
    match factor_reset(set, after.factor) {
        Some(answer) => f.set(IDS[1], answer, evidence),
        None => f.unknown(IDS[1], format!("the factor changed to another value: {evidence}")),
    }
    Ok(())
}

async fn ask_negative(ctx: &ProbeCtx<'_>, f: &mut Findings) -> anyhow::Result<()> {
    let (rest, employee, period) = (&ctx.rest, ctx.employee.as_str(), ctx.next);
    let before = lines::days(rest, employee, period).await?;
    let reply = lines::post_days(rest, employee, period, -1, None).await?;
    let after = lines::days(rest, employee, period).await?;
    let evidence =
        format!("#{} POST -1 onto {} → read {}: {}", reply.seq, before.days, after.days, rest.rec.cite(&reply));
    match reply.status {
        200..=299 => f.set(IDS[2], "accepted", evidence),
        400..=499 => f.set(IDS[2], "refused", format!("{evidence} (code {})", reply.code_or_status())),
        _ => f.unknown(IDS[2], evidence),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reads_decide_the_behaviour_or_nothing() {
        assert_eq!(behaviour(3, &[(0, 0)]), Some(DaysBehaviour::Replaces));
        assert_eq!(behaviour(3, &[(0, 3)]), Some(DaysBehaviour::Adds));
        assert_eq!(behaviour(0, &[(1, 1), (0, 0)]), Some(DaysBehaviour::Replaces));
        assert_eq!(behaviour(0, &[(1, 1), (0, 1)]), Some(DaysBehaviour::Adds));
        assert_eq!(behaviour(3, &[(0, 2)]), None, "someone else changed them");
        assert_eq!(behaviour(0, &[(1, 2), (0, 2)]), None);
    }

    #[test]
    fn a_factor_read_back_decides_the_reset() {
        assert_eq!(factor_reset(1, Some(1)), Some("no"));
        assert_eq!(factor_reset(1, None), Some("yes"));
        assert_eq!(factor_reset(2, Some(0)), Some("yes"));
        assert_eq!(factor_reset(2, Some(5)), None);
    }
}
