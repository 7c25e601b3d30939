//! Leaving the periods as the probe found them (issue 21): before the questions, the leftovers
//! of an interrupted run are removed (the journal's lines by id, every line carrying a probe
//! marker in the three periods, the SOAP lines, the days as found); after them, the same again
//! for this run; then the periods are read once more and compared with what was there before.
//!
//! Only probe lines are ever deleted. A line Nmbrs will not delete (a closed period) is set to
//! 0 and reported for a person to remove; days that cannot be put back (Nmbrs adds and refuses
//! negative days) are reported with the number to set by hand.

use std::collections::BTreeMap;

use serde_json::json;

use super::journal::OwnLine;
use super::lines::{self, Days, Line, ProbeLineKind, is_probe};
use super::questions::ProbeCtx;
use super::questions::soap::Soap;
use crate::domain::export::days::{DaysBehaviour, DaysPosted, DaysStep, next_days_step};
use crate::nmbrs::PayPeriod;

/// Sets a line Nmbrs refused to delete to 0 (`unprotectedMode`, CONTRACT §5.3) and reports it.
pub async fn neutralise(
    ctx: &ProbeCtx<'_>,
    kind: ProbeLineKind,
    id: &str,
    period: PayPeriod,
) -> anyhow::Result<String> {
    let (id_field, value_field) = match kind {
        ProbeLineKind::Hours => ("hourComponentId", "hours"),
        ProbeLineKind::Wage => ("variableWagecomponentId", "value"),
    };
    // The comment is sent again: a PUT that clears what it leaves out keeps the marker then. Short:
    // the comment limit may not be measured yet (this runs before question 9 too).
    let comment = ctx.marker.comment("q4 left: delete by hand");
    let mut body = json!({"periodDetails": lines::period_post(period, true), "comment": comment});
    body[id_field] = json!(id);
    body[value_field] = json!(0);
    let reply = lines::put_line(&ctx.rest, kind, &ctx.employee, &body).await?;
    ctx.journal().mark_remnant(id)?;
    let what = if reply.ok() {
        format!(
            "{kind:?} line {id} in {period} could not be deleted (closed period); set to 0 ({}): remove it in Nmbrs by hand",
            ctx.rest.rec.cite(&reply)
        )
    } else {
        format!(
            "{kind:?} line {id} in {period} could not be deleted (closed period) nor set to 0 ({}): it still holds its value; remove it in Nmbrs by hand",
            ctx.rest.rec.cite(&reply)
        )
    };
    ctx.remnant(what.clone());
    Ok(what)
}

/// Deletes probe line `id` (known to the journal or found by its marker); a refusal other than
/// 404 neutralises it.
async fn delete(ctx: &ProbeCtx<'_>, line: &OwnLine, notes: &mut Vec<String>) -> anyhow::Result<()> {
    let reply = lines::delete_line(&ctx.rest, line.kind, &ctx.employee, &line.id).await?;
    if reply.ok() || reply.status == 404 {
        ctx.journal().forget_line(&line.id)?;
        if reply.ok() {
            notes.push(format!("deleted {:?} line {} ({}) #{}", line.kind, line.id, line.what, reply.seq));
        }
    } else if line.remnant {
        let what = format!(
            "{:?} line {} in {}-{} is still there (DELETE #{} refused): remove it in Nmbrs by hand",
            line.kind, line.id, line.year, line.period, reply.seq
        );
        ctx.remnant_once(&line.id, what);
    } else {
        notes.push(neutralise(ctx, line.kind, &line.id, PayPeriod::new(line.year, line.period)).await?);
    }
    Ok(())
}

/// Removes everything the journal and the markers name; answers what was done.
pub async fn sweep(ctx: &ProbeCtx<'_>, soap: Option<&Soap>) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    let known: Vec<OwnLine> = ctx.journal().state.lines.clone();
    for line in &known {
        delete(ctx, line, &mut notes).await?;
    }
    let left: Vec<String> = ctx.journal().state.lines.iter().filter(|l| l.remnant).map(|l| l.id.clone()).collect();
    for kind in [ProbeLineKind::Hours, ProbeLineKind::Wage] {
        for period in ctx.periods() {
            for found in ctx.lines(kind, period).await?.into_iter().filter(|l| is_probe(l.comment.as_deref())) {
                if left.iter().any(|id| id.eq_ignore_ascii_case(&found.id)) {
                    continue;
                }
                let own = OwnLine {
                    kind,
                    id: found.id.clone(),
                    year: period.year,
                    period: period.period,
                    what: "found by its marker".into(),
                    remnant: false,
                };
                ctx.journal().add_line(own.clone())?;
                delete(ctx, &own, &mut notes).await?;
            }
        }
    }
    let soap_lines = ctx.journal().state.soap_lines.clone();
    for line in soap_lines {
        match soap {
            Some(soap) => {
                soap.delete_hours(ctx.rest.rec, line.employee, line.id).await?;
                ctx.journal().forget_soap_line(line.id)?;
                notes.push(format!("deleted the SOAP line {} through SOAP", line.id));
            }
            None => ctx.remnant(format!(
                "SOAP line {} (employee {}) may remain: run the probe again with the SOAP settings to remove it",
                line.id, line.employee
            )),
        }
    }
    let days = ctx.journal().state.days.clone();
    match restore_days(ctx).await {
        Ok(()) => notes.extend(days.map(|d| format!("put the days of {} back to {}", d.pay_period(), d.found.days))),
        Err(e) => ctx.remnant(format!("{e:#}")),
    }
    Ok(notes)
}

/// Puts the days (and their factor) of the journal's period back as found, with the worker's
/// own rule (`next_days_step`), which ends right under either POST behaviour. When the days
/// cannot be put back (Nmbrs adds and refuses the negative POST), the factor still is.
pub async fn restore_days(ctx: &ProbeCtx<'_>) -> anyhow::Result<()> {
    let Some(found) = ctx.journal().state.days.clone() else { return Ok(()) };
    let (period, target) = (found.pay_period(), found.found);
    let prior = *ctx.days_behaviour.lock().unwrap_or_else(|e| e.into_inner());
    let first = lines::days(&ctx.rest, &ctx.employee, period).await?;
    let (mut held, mut posts) = (first, Vec::<DaysPosted>::new());
    for _ in 0..5 {
        if held == target {
            ctx.journal().days_restored()?;
            return Ok(());
        }
        let wanted = i32::try_from(target.days)?;
        let n = match next_days_step(wanted, i32::try_from(first.days)?, &posts, prior) {
            DaysStep::Post(n) => i64::from(n),
            // The days are right, the factor is not: POST without changing the days.
            DaysStep::Done => same_days(prior, held),
            DaysStep::Refused(why) => return Err(not_back(ctx, period, held, target, &why.to_string()).await),
        };
        let reply = lines::post_days(&ctx.rest, &ctx.employee, period, n, Some(target.factor)).await?;
        if !reply.ok() {
            let why = format!("POST {n} refused: {}", ctx.rest.rec.cite(&reply));
            return Err(not_back(ctx, period, held, target, &why).await);
        }
        let after = lines::days(&ctx.rest, &ctx.employee, period).await?;
        posts.push(DaysPosted {
            before: i32::try_from(held.days)?,
            posted: i32::try_from(n)?,
            after: i32::try_from(after.days)?,
        });
        held = after;
    }
    Err(not_back(ctx, period, held, target, "still not as found after 5 POSTs").await)
}

/// The days POST that leaves `held` as it is: 0 under "adds", the number itself otherwise
/// (under "replaces"; not knowing, 0 is tried and the reads tell).
fn same_days(behaviour: Option<DaysBehaviour>, held: Days) -> i64 {
    if behaviour == Some(DaysBehaviour::Replaces) { held.days } else { 0 }
}

/// The error for days not put back, after one try to put at least the factor back.
async fn not_back(ctx: &ProbeCtx<'_>, period: PayPeriod, mut held: Days, target: Days, why: &str) -> anyhow::Error {
    let behaviour = *ctx.days_behaviour.lock().unwrap_or_else(|e| e.into_inner());
    if held.factor != target.factor && behaviour.is_some() {
        let n = same_days(behaviour, held);
        if lines::post_days(&ctx.rest, &ctx.employee, period, n, Some(target.factor)).await.is_ok_and(|r| r.ok())
            && let Ok(now) = lines::days(&ctx.rest, &ctx.employee, period).await
        {
            held = now;
        }
    }
    anyhow::anyhow!(
        "{period}: {} days (factor {:?}) where {} (factor {:?}) were found; {why}: set them back in Nmbrs by hand",
        held.days,
        held.factor,
        target.days,
        target.factor
    )
}

/// A line as compared: id, code, value, comment.
type Row = (String, Option<i64>, Option<String>, Option<String>);

/// The periods as read: every line but the probe's, and the next period's days.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    lines: BTreeMap<(String, String), Vec<Row>>,
    days: Days,
}

pub async fn snapshot(ctx: &ProbeCtx<'_>) -> anyhow::Result<Snapshot> {
    let mut out = BTreeMap::new();
    for kind in [ProbeLineKind::Hours, ProbeLineKind::Wage] {
        for period in ctx.periods() {
            let mut read: Vec<Line> = ctx.lines(kind, period).await?;
            read.retain(|l| !is_probe(l.comment.as_deref()));
            let mut rows: Vec<_> =
                read.into_iter().map(|l| (l.id, l.code, l.value.map(|v| v.to_string()), l.comment)).collect();
            rows.sort();
            out.insert((format!("{kind:?}"), period.to_string()), rows);
        }
    }
    Ok(Snapshot { lines: out, days: lines::days(&ctx.rest, &ctx.employee, ctx.next).await? })
}

/// What differs between two snapshots, in words.
pub fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (key, rows) in &before.lines {
        let now = after.lines.get(key).cloned().unwrap_or_default();
        if &now != rows {
            out.push(format!("{} lines of {} changed: {} before, {} after", key.0, key.1, rows.len(), now.len()));
        }
    }
    if before.days != after.days {
        out.push(format!("days: {:?} before, {:?} after", before.days, after.days));
    }
    out
}
