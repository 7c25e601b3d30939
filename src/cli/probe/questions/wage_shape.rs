//! Question 3, wage line period shapes (REST-NOTES §3 item 10, §7): a variable wage line POSTed
//! for the next period (not the current one) in the OpenAPI file's flat shape
//! (`periodDetails: {year, period}`, `unprotectedMode` beside it) and one in the nested shape the
//! hours use and public clients send (`periodDetails: {period: {year, period}, unprotectedMode}`):
//! which of them land in the period they name (`wage_period_shape`: `flat`, `nested`, `both`)?
//! A shape Nmbrs does not read may put the line in the current period without an error, so both
//! periods are read. The nested request breaks the OpenAPI file on purpose and is recorded as
//! such (`off_spec`).

use serde_json::json;

use super::ProbeCtx;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::lines::{self, ProbeLineKind};
use crate::nmbrs::PayPeriod;

/// Why the probe sends the nested shape (in the record).
pub const OFF_SPEC: &str =
    "question 3: the hours' nested period shape on the wage POST, which the OpenAPI file writes flat";

/// The answer from whether each shape landed in the named period.
pub fn decide(flat: bool, nested: bool) -> Option<&'static str> {
    match (flat, nested) {
        (true, true) => Some("both"),
        (true, false) => Some("flat"),
        (false, true) => Some("nested"),
        (false, false) => None,
    }
}

pub async fn ask(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("wage_shape");
    match run(ctx).await {
        Ok((Some(answer), evidence)) => f.set("wage_period_shape", answer, evidence),
        Ok((None, evidence)) => {
            f.unknown("wage_period_shape", format!("neither shape landed in {}: {evidence}", ctx.next))
        }
        Err(e) => f.unknown("wage_period_shape", format!("question 3 stopped: {e:#}")),
    }
}

async fn run(ctx: &ProbeCtx<'_>) -> anyhow::Result<(Option<&'static str>, String)> {
    let Some(code) = ctx.wage_code else {
        anyhow::bail!("the company has no variable wage code to write");
    };
    let period = ctx.next;
    let flat = ctx.line_body(ProbeLineKind::Wage, "1.25", &ctx.marker.comment("question 3 flat period"), period);
    let nested = json!({
        "code": code,
        "value": lines::number("1.5"),
        "comment": ctx.marker.comment("question 3 nested period"),
        "periodDetails": lines::period_post(period, false),
    });
    let mut evidence = Vec::new();
    let mut landed = [false, false];
    for (i, (name, body, off_spec)) in
        [("flat", &flat, None), ("nested", &nested, Some(OFF_SPEC))].into_iter().enumerate()
    {
        let posted = ctx.create(ProbeLineKind::Wage, body, period, "wage_shape", off_spec).await?;
        let cite = ctx.rest.rec.cite(&posted.reply);
        let Some(id) = posted.id else {
            evidence.push(format!("{name}: refused {cite}"));
            continue;
        };
        let found: Option<PayPeriod> =
            ctx.locate(ProbeLineKind::Wage, &id, &[period, ctx.current]).await?.map(|(p, _)| p);
        ctx.remove(ProbeLineKind::Wage, &id).await?;
        landed[i] = found == Some(period);
        let at = found.map_or("in neither period".to_owned(), |p| format!("in {p}"));
        evidence.push(format!("{name}: {cite}, read {at}"));
    }
    Ok((decide(landed[0], landed[1]), format!("named {period}; {}", evidence.join("; "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_combination_of_landings_has_its_answer() {
        assert_eq!(decide(true, true), Some("both"));
        assert_eq!(decide(true, false), Some("flat"));
        assert_eq!(decide(false, true), Some("nested"));
        assert_eq!(decide(false, false), None);
    }
}
