//! Question 4, closed periods (REST-NOTES §2 [L], CONTRACT §5.3): in the period before the
//! current one, a `POST` with `unprotectedMode` false (its refusal code) and true (a line to
//! delete), then `DELETE` of that line, which has no `unprotectedMode`
//! (`delete_in_closed_period`: `done` or `refused:<code>`).
//!
//! A refused DELETE leaves the line there: it is set to 0 with `PUT` (`unprotectedMode` true,
//! as the worker does, CONTRACT §5.3) and reported as something a person must remove in Nmbrs;
//! the journal keeps it, so each later run tries the DELETE again, on that same line: a run
//! that finds such a leftover in the period asks its DELETE question on it and makes no new
//! line there, so a Nmbrs that refuses the DELETE is left one line, however often the probe runs.

use super::ProbeCtx;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::lines::{self, ProbeLineKind};

pub async fn ask(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("closed_period");
    match run(ctx).await {
        Ok((Some(answer), evidence)) => f.set("delete_in_closed_period", answer, evidence),
        Ok((None, evidence)) => f.unknown("delete_in_closed_period", evidence),
        Err(e) => f.unknown("delete_in_closed_period", format!("question 4 stopped: {e:#}")),
    }
}

async fn run(ctx: &ProbeCtx<'_>) -> anyhow::Result<(Option<String>, String)> {
    let (period, rec) = (ctx.previous, ctx.rest.rec);
    let comment = ctx.marker.comment("q4 closed period");
    let mut evidence = vec![format!("{period} is before the current period {}", ctx.current)];
    let protected = lines::hour_body(ctx.hour_code, "1", &comment, period, false);
    let first = ctx.create(ProbeLineKind::Hours, &protected, period, "closed_period", None).await?;
    evidence.push(format!("POST unprotectedMode=false: {}", rec.cite(&first.reply)));
    let leftover = ctx
        .journal()
        .state
        .lines
        .iter()
        .find(|l| l.remnant && l.kind == ProbeLineKind::Hours && (l.year, l.period) == (period.year, period.period))
        .map(|l| l.id.clone());
    let line = match (first.id, leftover) {
        // Nmbrs took it without unprotectedMode: the period is not closed for it; use that line.
        (Some(id), _) => id,
        (None, Some(id)) => {
            evidence.push(format!("the line {id} an earlier run could not delete is asked again (no new line made)"));
            id
        }
        (None, None) => {
            let unprotected = lines::hour_body(ctx.hour_code, "1", &comment, period, true);
            let second = ctx.create(ProbeLineKind::Hours, &unprotected, period, "closed_period", None).await?;
            evidence.push(format!("POST unprotectedMode=true: {}", rec.cite(&second.reply)));
            match second.id {
                Some(id) => id,
                None => {
                    return Ok((None, format!("no line could be made in {period} to delete: {}", evidence.join("; "))));
                }
            }
        }
    };
    let reply = lines::delete_line(&ctx.rest, ProbeLineKind::Hours, &ctx.employee, &line).await?;
    evidence.push(format!("DELETE: {}", rec.cite(&reply)));
    if reply.ok() {
        ctx.journal().forget_line(&line)?;
        return Ok((Some("done".into()), evidence.join("; ")));
    }
    if !(400..500).contains(&reply.status) || reply.status == 404 {
        return Ok((None, format!("the DELETE neither removed the line nor refused it: {}", evidence.join("; "))));
    }
    let answer = format!("refused:{}", reply.code_or_status());
    let already = ctx.journal().state.lines.iter().any(|l| l.id == line && l.remnant);
    if already {
        ctx.remnant_once(
            &line,
            format!("Hours line {line} in {period} is still there (DELETE refused): remove it in Nmbrs by hand"),
        );
    } else {
        evidence.push(crate::cli::probe::cleanup::neutralise(ctx, ProbeLineKind::Hours, &line, period).await?);
    }
    Ok((Some(answer), evidence.join("; ")))
}
