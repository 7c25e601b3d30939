//! Question 2, `PUT` on a variable hour line and a variable wage line (REST-NOTES §2 [L], §7
//! [M]): with (a) only the value, (b) no comment, (c) no `periodDetails`, is the comment kept
//! (`put_omitted_comment`), and did the line move to another period (`put_missing_period`)?
//!
//! Each variant gets a line of its own in the next period (not the current one, so a move to
//! the current period shows), with a marker comment; after the PUT the line is looked for in
//! the next and the current period, then deleted. A finding is answered only when every
//! variant that omits the field, on hour and wage lines alike, shows the same.

use serde_json::{Value, json};

use super::ProbeCtx;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::lines::{self, ProbeLineKind};
use crate::nmbrs::PayPeriod;

/// The three bodies of the question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `{id, value}`: no code, comment or period.
    ValueOnly,
    /// Everything but the comment.
    NoComment,
    /// Everything but `periodDetails`.
    NoPeriod,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::ValueOnly, Variant::NoComment, Variant::NoPeriod];

    fn name(self) -> &'static str {
        match self {
            Variant::ValueOnly => "(a) only the value",
            Variant::NoComment => "(b) no comment",
            Variant::NoPeriod => "(c) no periodDetails",
        }
    }

    fn omits_comment(self) -> bool {
        self != Variant::NoPeriod
    }

    fn omits_period(self) -> bool {
        self != Variant::NoComment
    }
}

/// Where a line was found after its PUT and how its comment read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Found: whether the POST had placed it in the next period (a line Nmbrs put in the
    /// current one tells nothing about a move there), where it is now, and `comment_kept`
    /// (`None`: another comment).
    At { placed: bool, moved_to_current: bool, stayed: bool, comment_kept: Option<bool> },
    /// In neither period after the PUT, or the question stopped: decides nothing, and no
    /// answer is given while such an observation stands.
    Nowhere(String),
    /// Nmbrs refused the PUT (e.g. a body without the code): nothing was changed, so it tells
    /// nothing about omitted fields and is left out of the answer (it is in the evidence).
    Refused(String),
}

/// One PUT's observation.
#[derive(Clone, Debug)]
pub struct PutObservation {
    pub kind: ProbeLineKind,
    pub variant: Variant,
    pub seen: Seen,
    pub evidence: String,
}

/// The answer all `relevant` observations agree on, read with `word`; else why not.
fn agree(
    obs: &[PutObservation],
    relevant: impl Fn(&PutObservation) -> bool,
    word: impl Fn(&Seen) -> Option<&'static str>,
) -> Result<&'static str, String> {
    let words: Vec<(String, Option<&'static str>)> = obs
        .iter()
        .filter(|o| relevant(o) && !matches!(o.seen, Seen::Refused(_)))
        .map(|o| (format!("{:?} {}", o.kind, o.variant.name()), word(&o.seen)))
        .collect();
    match words.first() {
        None => Err("no PUT was observed".into()),
        Some((_, Some(first))) if words.iter().all(|(_, w)| *w == Some(*first)) => Ok(first),
        _ => Err(format!("the PUTs disagree or did not decide: {words:?}")),
    }
}

/// `put_omitted_comment` from the variants that leave the comment out.
pub fn omitted_comment(obs: &[PutObservation]) -> Result<&'static str, String> {
    agree(
        obs,
        |o| o.variant.omits_comment(),
        |s| match s {
            Seen::At { comment_kept: Some(true), .. } => Some("kept"),
            Seen::At { comment_kept: Some(false), .. } => Some("cleared"),
            _ => None,
        },
    )
}

/// `put_missing_period` from the variants that leave `periodDetails` out.
/// A line the POST did not place in the next period tells nothing about a move (unless it is
/// gone: that counts, and decides nothing).
pub fn missing_period(obs: &[PutObservation]) -> Result<&'static str, String> {
    let placed = |o: &PutObservation| !matches!(o.seen, Seen::At { placed: false, .. });
    agree(
        obs,
        |o| o.variant.omits_period() && placed(o),
        |s| match s {
            Seen::At { stayed: true, .. } => Some("kept"),
            Seen::At { moved_to_current: true, .. } => Some("moved_to_current"),
            _ => None,
        },
    )
}

pub async fn ask(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("put");
    let mut obs = Vec::new();
    for kind in ctx.kinds() {
        for variant in Variant::ALL {
            match observe(ctx, kind, variant).await {
                Ok(o) => obs.push(o),
                Err(e) => obs.push(PutObservation {
                    kind,
                    variant,
                    seen: Seen::Nowhere(format!("{e:#}")),
                    evidence: format!("{e:#}"),
                }),
            }
        }
    }
    let evidence =
        obs.iter().map(|o| format!("{:?} {}: {}", o.kind, o.variant.name(), o.evidence)).collect::<Vec<_>>().join("; ");
    match omitted_comment(&obs) {
        Ok(answer) => f.set("put_omitted_comment", answer, evidence.clone()),
        Err(why) => f.unknown("put_omitted_comment", format!("{why}; {evidence}")),
    }
    match missing_period(&obs) {
        Ok(answer) => f.set("put_missing_period", answer, evidence.clone()),
        Err(why) => f.unknown("put_missing_period", format!("{why}; {evidence}")),
    }
    if ctx.wage_code.is_none() {
        tracing::info!("the company has no variable wage code: PUT asked on hour lines only");
    }
}

fn put_body(
    ctx: &ProbeCtx<'_>,
    kind: ProbeLineKind,
    variant: Variant,
    id: &str,
    comment: &str,
    period: PayPeriod,
) -> Value {
    let (code_field, value_field, code) = match kind {
        ProbeLineKind::Hours => ("hourCode", "hours", ctx.hour_code),
        ProbeLineKind::Wage => ("code", "value", ctx.wage_code.unwrap_or_default()),
    };
    let mut body = json!({});
    body[lines::put_id_field(kind)] = json!(id);
    body[value_field] = lines::number("2.5");
    if variant != Variant::ValueOnly {
        body[code_field] = json!(code);
    }
    match variant {
        Variant::ValueOnly => {}
        Variant::NoComment => body["periodDetails"] = lines::period_post(period, false),
        Variant::NoPeriod => body["comment"] = json!(comment),
    }
    body
}

async fn observe(ctx: &ProbeCtx<'_>, kind: ProbeLineKind, variant: Variant) -> anyhow::Result<PutObservation> {
    let period = ctx.next;
    let comment = ctx.marker.comment(&format!("q2 {kind:?} {}", variant.name()));
    let posted = ctx.create(kind, &ctx.line_body(kind, "1.5", &comment, period), period, "put", None).await?;
    let Some(id) = posted.id else {
        anyhow::bail!("the line could not be made: {}", ctx.rest.rec.cite(&posted.reply));
    };
    // What Nmbrs stored (a comment it cut is compared as cut): the PUT's effect is measured
    // against the line as read back after the POST, not against what was sent.
    let before = ctx.locate(kind, &id, &[period]).await?;
    let placed = before.is_some();
    let stored = before.and_then(|(_, l)| l.comment).filter(|c| ctx.marker.same(&comment, Some(c)));
    let stored = stored.unwrap_or_else(|| comment.clone());
    let reply =
        lines::put_line(&ctx.rest, kind, &ctx.employee, &put_body(ctx, kind, variant, &id, &comment, period)).await?;
    crate::failpoint::crash_point("probe.after_put");
    let found = ctx.locate(kind, &id, &[period, ctx.current]).await?;
    ctx.remove(kind, &id).await?;
    let cite = if reply.ok() { ctx.rest.rec.brief(&reply) } else { ctx.rest.rec.cite(&reply) };
    if !reply.ok() {
        // A 4xx changed nothing; after a 5xx the line's state is not known.
        let why = format!("PUT answered {cite}");
        let seen =
            if (400..500).contains(&reply.status) { Seen::Refused(why.clone()) } else { Seen::Nowhere(why.clone()) };
        return Ok(PutObservation { kind, variant, seen, evidence: why });
    }
    let Some((at, line)) = found else {
        return Ok(PutObservation {
            kind,
            variant,
            seen: Seen::Nowhere("gone after the PUT".into()),
            evidence: format!("{cite}; line not in {period} or {}", ctx.current),
        });
    };
    let comment_kept = match line.comment.as_deref().map(str::trim) {
        Some(c) if c == stored.trim() || ctx.marker.same(&comment, Some(c)) => Some(true),
        None | Some("") => Some(false),
        Some(_) => None,
    };
    let seen = Seen::At { placed, moved_to_current: at == ctx.current, stayed: at == period, comment_kept };
    let from = if placed {
        String::new()
    } else {
        format!("the POST put it in {} (not counted for the period); ", ctx.current)
    };
    let evidence = format!(
        "{from}{cite}; read in {at}, comment {}",
        match comment_kept {
            Some(true) => "kept",
            Some(false) => "cleared",
            None => "changed",
        }
    );
    Ok(PutObservation { kind, variant, seen, evidence })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(kind: ProbeLineKind, variant: Variant, stayed: bool, kept: bool) -> PutObservation {
        let seen = Seen::At { placed: true, moved_to_current: !stayed, stayed, comment_kept: Some(kept) };
        PutObservation { kind, variant, seen, evidence: String::new() }
    }

    #[test]
    fn every_variant_that_omits_the_field_must_agree() {
        let all_kept: Vec<PutObservation> = [ProbeLineKind::Hours, ProbeLineKind::Wage]
            .iter()
            .flat_map(|k| Variant::ALL.map(|v| obs(*k, v, true, true)))
            .collect();
        assert_eq!(omitted_comment(&all_kept), Ok("kept"));
        assert_eq!(missing_period(&all_kept), Ok("kept"));
        // (c) sends the comment: its clearing does not count for "omitted".
        let mut replace = all_kept.clone();
        for o in &mut replace {
            o.seen = Seen::At {
                placed: true,
                moved_to_current: o.variant.omits_period(),
                stayed: !o.variant.omits_period(),
                comment_kept: Some(!o.variant.omits_comment()),
            };
        }
        assert_eq!(omitted_comment(&replace), Ok("cleared"));
        assert_eq!(missing_period(&replace), Ok("moved_to_current"));
        // Hour and wage lines that disagree decide nothing.
        let mut mixed = all_kept.clone();
        mixed[3] = obs(ProbeLineKind::Wage, Variant::ValueOnly, true, false);
        assert!(omitted_comment(&mixed).is_err());
        let mut lost = all_kept.clone();
        lost[2].seen = Seen::Nowhere("gone".into());
        assert!(missing_period(&lost).is_err());
        // A wage line the POST put in the current period does not count for the period.
        // A refused PUT changed nothing: left out, the others decide.
        let mut refused = all_kept.clone();
        refused[0].seen = Seen::Refused("400".into());
        assert_eq!((omitted_comment(&refused), missing_period(&refused)), (Ok("kept"), Ok("kept")));
        let mut unplaced = all_kept;
        unplaced[3].seen = Seen::At { placed: false, moved_to_current: true, stayed: false, comment_kept: Some(true) };
        assert_eq!(missing_period(&unplaced), Ok("kept"));
    }
}
