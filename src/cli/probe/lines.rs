//! The probe's own variable hour and wage lines and the period's variable days: its marker, the
//! bodies it posts (in the OpenAPI file's shapes unless a question needs another), and reads of
//! one employee's lines and days in one period, every page, the period always named.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::session::{Call, Rest};
use crate::nmbrs::PayPeriod;
use crate::nmbrs::rest::RestOperation as Op;

/// Every comment the probe writes starts with `[nmbrs-probe <run>]`; a line whose comment holds
/// `[nmbrs-probe ` is a probe's line (of this run or an interrupted one) and only those are
/// ever deleted. It cannot be read as the worker's marker (`[EJ-…]`).
pub const MARKER_PREFIX: &str = "[nmbrs-probe ";

/// This run's marker, and the longest comment Nmbrs keeps once question 9 has measured it.
#[derive(Debug)]
pub struct Marker {
    run: String,
    /// Characters; [`MAX_COMMENT_CHARS`] until [`Marker::fit_to`] lowers it.
    limit: std::sync::atomic::AtomicUsize,
}

/// The longest comment the probe writes (characters): Nmbrs' limit is not known until question
/// 9 answers it, so every probe comment stays well below the shortest limit question 9 tries
/// (64), and a limit that cuts it still keeps the marker.
pub const MAX_COMMENT_CHARS: usize = 56;

impl Marker {
    /// The marker of run `run` (the run id's last part).
    pub fn new(run: impl Into<String>) -> Self {
        Marker { run: run.into(), limit: std::sync::atomic::AtomicUsize::new(MAX_COMMENT_CHARS) }
    }

    /// Question 9 found that Nmbrs keeps at most `chars` characters: the comments written from
    /// now on fit (down to the tag itself, which is never cut).
    pub fn fit_to(&self, chars: usize) {
        self.limit.fetch_min(chars, std::sync::atomic::Ordering::Relaxed);
    }

    /// A comment for a line of question `what`: `[nmbrs-probe <run>] <what>`, at most
    /// [`MAX_COMMENT_CHARS`] characters or the measured limit (`what` is cut, never the tag).
    pub fn comment(&self, what: &str) -> String {
        let full = format!("{} {what}", self.tag());
        let limit = self.limit.load(std::sync::atomic::Ordering::Relaxed);
        full.chars().take(limit.max(self.tag().chars().count())).collect::<String>().trim_end().to_owned()
    }

    /// `[nmbrs-probe <run>]`: what marks this run's lines.
    pub fn tag(&self) -> String {
        format!("{MARKER_PREFIX}{}]", self.run)
    }

    /// Whether `read` is (what Nmbrs kept of) this run's comment `sent`: equal, or `sent` cut
    /// short with this run's tag still whole.
    pub fn same(&self, sent: &str, read: Option<&str>) -> bool {
        let Some(read) = read.map(str::trim) else { return false };
        read == sent || (sent.starts_with(read) && read.starts_with(&self.tag()))
    }
}

/// Whether `comment` marks a probe's line.
pub fn is_probe(comment: Option<&str>) -> bool {
    comment.is_some_and(|c| c.contains(MARKER_PREFIX))
}

/// Hour line or wage line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeLineKind {
    Hours,
    Wage,
}

/// A variable line as read.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub id: String,
    pub code: Option<i64>,
    pub value: Option<Decimal>,
    pub comment: Option<String>,
}

/// A JSON number (or numeric string) as a decimal.
pub fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            n.to_string().parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(&n.to_string()).ok())
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .map(|d| d.normalize())
}

fn line(item: &Value, id_field: &str, code_field: &str, value_field: &str) -> Option<Line> {
    Some(Line {
        id: item[id_field].as_str()?.to_owned(),
        code: item[code_field].as_i64(),
        value: decimal(&item[value_field]),
        comment: item["comment"].as_str().map(str::to_owned),
    })
}

/// `{year, period}`.
pub fn period_json(p: PayPeriod) -> Value {
    json!({"year": p.year, "period": p.period})
}

/// The file's `PeriodPost`: `{period: {year, period}, unprotectedMode}`.
pub fn period_post(p: PayPeriod, unprotected: bool) -> Value {
    json!({"period": period_json(p), "unprotectedMode": unprotected})
}

fn period_query(p: PayPeriod) -> Vec<(&'static str, String)> {
    vec![("year", p.year.to_string()), ("period", p.period.to_string())]
}

/// The employee's variable hour lines of `period`.
pub async fn hours(rest: &Rest<'_>, employee: &str, period: PayPeriod) -> anyhow::Result<Vec<Line>> {
    let items = rest.get_all(Op::HoursGet, &[employee], &period_query(period)).await?;
    Ok(items.iter().filter_map(|i| line(i, "hourComponentId", "hourCode", "hours")).collect())
}

/// The employee's variable wage lines of `period` (company-wide read, filtered).
pub async fn wages(rest: &Rest<'_>, company: &str, employee: &str, period: PayPeriod) -> anyhow::Result<Vec<Line>> {
    let mut query = period_query(period);
    query.push(("employeeId", employee.to_owned()));
    let items = rest.get_all(Op::WagesGet, &[company], &query).await?;
    Ok(items
        .iter()
        .filter(|e| e["employeeId"].as_str().is_some_and(|id| id.eq_ignore_ascii_case(employee)))
        .flat_map(|e| e["variablewagecomponents"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| line(&i, "variableWageComponentId", "code", "value"))
        .collect())
}

/// The lines of `kind`.
pub async fn lines(
    rest: &Rest<'_>,
    kind: ProbeLineKind,
    company: &str,
    employee: &str,
    period: PayPeriod,
) -> anyhow::Result<Vec<Line>> {
    match kind {
        ProbeLineKind::Hours => hours(rest, employee, period).await,
        ProbeLineKind::Wage => wages(rest, company, employee, period).await,
    }
}

/// The period's variable days: the days of every record summed (the number in effect whether a
/// POST replaces or adds, as the worker reads it) and the last record's
/// `daysForWageComponentsPerDay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Days {
    pub days: i64,
    pub factor: Option<i64>,
}

pub async fn days(rest: &Rest<'_>, employee: &str, period: PayPeriod) -> anyhow::Result<Days> {
    let items = rest.get_all(Op::DaysGet, &[employee], &period_query(period)).await?;
    let days = items.iter().filter_map(|i| i["days"].as_i64()).sum();
    let factor = items.last().and_then(|i| i["daysForWageComponentsPerDay"].as_i64());
    Ok(Days { days, factor })
}

/// POSTs variable days (`factor`: `None` leaves `daysForWageComponentsPerDay` out, `Some(None)`
/// sends `null`).
pub async fn post_days(
    rest: &Rest<'_>,
    employee: &str,
    period: PayPeriod,
    days: i64,
    factor: Option<Option<i64>>,
) -> anyhow::Result<super::recorder::ProbeReply> {
    let mut body = json!({"days": days, "periodDetails": period_post(period, false)});
    if let Some(f) = factor {
        body["daysForWageComponentsPerDay"] = json!(f);
    }
    Ok(rest.send(Call::new(Op::DaysPost, &[employee]).body(&body)).await?)
}

/// The body of a new hour line (the file's shape).
pub fn hour_body(code: i64, hours: &str, comment: &str, period: PayPeriod, unprotected: bool) -> Value {
    json!({"hourCode": code, "hours": number(hours), "comment": comment, "periodDetails": period_post(period, unprotected)})
}

/// The body of a new wage line in the file's flat shape.
pub fn wage_body(code: i64, value: &str, comment: &str, period: PayPeriod) -> Value {
    json!({"code": code, "value": number(value), "comment": comment, "periodDetails": period_json(period), "unprotectedMode": false})
}

/// A decimal text as a JSON number.
pub fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// POSTs a new line; the id it answers, or the refusal.
pub async fn post_line(
    rest: &Rest<'_>,
    kind: ProbeLineKind,
    employee: &str,
    body: &Value,
    off_spec: Option<&'static str>,
) -> anyhow::Result<Posted> {
    let op = match kind {
        ProbeLineKind::Hours => Op::HoursPost,
        ProbeLineKind::Wage => Op::WagePost,
    };
    let mut call = Call::new(op, &[employee]).body(body);
    call.off_spec = off_spec;
    let reply = rest.send(call).await?;
    let field = match kind {
        ProbeLineKind::Hours => "hourComponentId",
        ProbeLineKind::Wage => "variableWagecomponentId",
    };
    let id = reply.json().and_then(|j| j[field].as_str().map(str::to_owned));
    Ok(Posted { id: id.filter(|_| reply.ok()), reply })
}

/// What a POST of a line answered.
pub struct Posted {
    pub id: Option<String>,
    pub reply: super::recorder::ProbeReply,
}

/// PUTs `body` on a line.
pub async fn put_line(
    rest: &Rest<'_>,
    kind: ProbeLineKind,
    employee: &str,
    body: &Value,
) -> anyhow::Result<super::recorder::ProbeReply> {
    let op = match kind {
        ProbeLineKind::Hours => Op::HoursPut,
        ProbeLineKind::Wage => Op::WagePut,
    };
    Ok(rest.send(Call::new(op, &[employee]).body(body)).await?)
}

/// The id field of a PUT body of `kind` (the file's spelling).
pub fn put_id_field(kind: ProbeLineKind) -> &'static str {
    match kind {
        ProbeLineKind::Hours => "hourComponentId",
        ProbeLineKind::Wage => "variableWagecomponentId",
    }
}

/// DELETEs a line.
pub async fn delete_line(
    rest: &Rest<'_>,
    kind: ProbeLineKind,
    employee: &str,
    id: &str,
) -> anyhow::Result<super::recorder::ProbeReply> {
    let op = match kind {
        ProbeLineKind::Hours => Op::HoursDelete,
        ProbeLineKind::Wage => Op::WageDelete,
    };
    Ok(rest.send(Call::new(op, &[employee, id])).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_recognised_and_is_not_the_workers() {
        let m = Marker::new("1a2b3c4d");
        let c = m.comment("days");
        assert!(c.starts_with("[nmbrs-probe 1a2b3c4d] days"), "{c}");
        assert!(is_probe(Some(&c)) && is_probe(Some("edited: [nmbrs-probe 0000] x")));
        assert!(!is_probe(Some("[EJ-0123456789ABC] Eitje hours export")) && !is_probe(None));
        assert_eq!(crate::domain::export::marker::find_in(&c), None);
    }

    #[test]
    fn every_comment_fits_below_the_shortest_limit_tried_and_a_cut_one_is_still_ours() {
        let m = Marker::new("1a2b3c4d");
        let long = m.comment("left in a closed period: Nmbrs refused to delete it, remove it by hand");
        assert!(long.chars().count() <= MAX_COMMENT_CHARS && MAX_COMMENT_CHARS < 64, "{long}");
        assert!(long.starts_with(&m.tag()) && is_probe(Some(&long)));
        let sent = m.comment("question 2 Hours (a) only the value");
        assert!(m.same(&sent, Some(&sent)));
        assert!(m.same(&sent, Some(&sent[..30])), "cut by Nmbrs, the tag whole");
        assert!(!m.same(&sent, Some(&sent[..10])), "the tag itself cut: not provably ours");
        assert!(!m.same(&sent, Some("something else")) && !m.same(&sent, None));
        assert!(!Marker::new("other").same(&sent, Some(&sent[..30])));
        m.fit_to(30);
        assert_eq!(m.comment("question 2 Hours (a) only the value").chars().count(), 30);
        m.fit_to(5);
        assert_eq!(m.comment("q9"), m.tag(), "never below the tag");
    }

    #[test]
    fn numbers_read_leniently_and_exactly() {
        assert_eq!(decimal(&json!(2.5)), Some(Decimal::new(25, 1)));
        assert_eq!(decimal(&json!("7.50")), Some(Decimal::new(75, 1)));
        assert_eq!(decimal(&json!(null)), None);
        assert_eq!(number("1.25"), json!(1.25));
    }
}
