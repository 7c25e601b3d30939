//! The questions of issue 21, one file each, every one answered from what Nmbrs does: each
//! writes only lines carrying this run's marker (noted in the journal the moment Nmbrs names
//! their id), reads back with the period named, deletes what it made, and sets its findings
//! (`unknown` with the reason when the observations do not decide). A question that fails
//! half-way leaves its findings `unknown` and the run goes on; the cleanup after the questions
//! removes whatever it left.
//!
//! Periods: `next` (the period after the current one: open, and not the current one, so a line
//! that moves to the current period shows), `current`, and `previous` (closed).

pub mod closed;
pub mod comments;
pub mod days;
pub mod put;
pub mod reads;
pub mod soap;
pub mod tokens;
pub mod wage_shape;

use std::sync::Mutex;

use serde_json::Value;

use super::journal::{JournalFile, OwnLine};
use super::lines::{self, Line, Marker, Posted, ProbeLineKind};
use super::session::Rest;
use crate::domain::export::days::DaysBehaviour;
use crate::nmbrs::{PayPeriod, PeriodType};

/// What every question works with.
pub struct ProbeCtx<'r> {
    pub rest: Rest<'r>,
    pub company: String,
    pub employee: String,
    pub current: PayPeriod,
    pub next: PayPeriod,
    pub previous: PayPeriod,
    pub hour_code: i64,
    /// A variable wage code of the company, if it has one (the wage questions need it).
    pub wage_code: Option<i64>,
    pub marker: Marker,
    pub journal: Mutex<JournalFile>,
    /// What a days POST does, once question 1 saw it (the days cleanup uses it).
    pub days_behaviour: Mutex<Option<DaysBehaviour>>,
    /// What the run could not put back, in words a person can act on.
    pub remnants: Mutex<Vec<String>>,
}

/// The period after `p` for a company of `kind` (weekly: 52 weeks, a 53rd is never assumed).
pub fn following(p: PayPeriod, kind: PeriodType) -> PayPeriod {
    let last = if kind == PeriodType::Weekly { 52 } else { kind.max_period() };
    if p.period >= last { PayPeriod::new(p.year + 1, 1) } else { PayPeriod::new(p.year, p.period + 1) }
}

/// The period before `p` (weekly: the previous year's week 52).
pub fn preceding(p: PayPeriod, kind: PeriodType) -> PayPeriod {
    let last = if kind == PeriodType::Weekly { 52 } else { kind.max_period() };
    if p.period <= 1 { PayPeriod::new(p.year - 1, last) } else { PayPeriod::new(p.year, p.period - 1) }
}

impl ProbeCtx<'_> {
    /// Notes something the run could not put back.
    pub fn remnant(&self, what: String) {
        tracing::warn!(%what, "the probe leaves something behind");
        self.remnants.lock().unwrap_or_else(|e| e.into_inner()).push(what);
    }

    /// [`Self::remnant`], unless a note of this run already names `key` (a line id).
    pub fn remnant_once(&self, key: &str, what: String) {
        let noted = self.remnants.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|r| r.contains(key));
        if !noted {
            self.remnant(what);
        }
    }

    pub(crate) fn journal(&self) -> std::sync::MutexGuard<'_, JournalFile> {
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// POSTs a line of `kind` and, once Nmbrs names its id, notes it in the journal.
    pub async fn create(
        &self,
        kind: ProbeLineKind,
        body: &Value,
        period: PayPeriod,
        what: &str,
        off_spec: Option<&'static str>,
    ) -> anyhow::Result<Posted> {
        let posted = lines::post_line(&self.rest, kind, &self.employee, body, off_spec).await?;
        if let Some(id) = &posted.id {
            let own = OwnLine {
                kind,
                id: id.clone(),
                year: period.year,
                period: period.period,
                what: what.to_owned(),
                remnant: false,
            };
            self.journal().add_line(own)?;
        }
        Ok(posted)
    }

    /// Deletes a line the probe made; done when Nmbrs answers 204 or 404 (gone). Otherwise
    /// the cleanup after the questions tries again.
    pub async fn remove(&self, kind: ProbeLineKind, id: &str) -> anyhow::Result<()> {
        let reply = lines::delete_line(&self.rest, kind, &self.employee, id).await?;
        if reply.ok() || reply.status == 404 {
            self.journal().forget_line(id)?;
        }
        Ok(())
    }

    /// The lines of `kind` in `period`.
    pub async fn lines(&self, kind: ProbeLineKind, period: PayPeriod) -> anyhow::Result<Vec<Line>> {
        lines::lines(&self.rest, kind, &self.company, &self.employee, period).await
    }

    /// Where line `id` is among `periods`, and how it reads there.
    pub async fn locate(
        &self,
        kind: ProbeLineKind,
        id: &str,
        periods: &[PayPeriod],
    ) -> anyhow::Result<Option<(PayPeriod, Line)>> {
        for p in periods {
            if let Some(l) = self.lines(kind, *p).await?.into_iter().find(|l| l.id.eq_ignore_ascii_case(id)) {
                return Ok(Some((*p, l)));
            }
        }
        Ok(None)
    }

    /// The periods a probe line may be in.
    pub fn periods(&self) -> [PayPeriod; 3] {
        [self.next, self.current, self.previous]
    }

    /// Kinds the company can be probed for (wage lines need a wage code).
    pub fn kinds(&self) -> Vec<ProbeLineKind> {
        if self.wage_code.is_some() {
            vec![ProbeLineKind::Hours, ProbeLineKind::Wage]
        } else {
            vec![ProbeLineKind::Hours]
        }
    }

    /// A new line's body of `kind` in the file's shape, in `period`, with `comment`.
    pub fn line_body(&self, kind: ProbeLineKind, value: &str, comment: &str, period: PayPeriod) -> Value {
        match kind {
            ProbeLineKind::Hours => lines::hour_body(self.hour_code, value, comment, period, false),
            ProbeLineKind::Wage => lines::wage_body(self.wage_code.unwrap_or_default(), value, comment, period),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_wrap_at_the_year_end_per_period_type() {
        assert_eq!(following(PayPeriod::new(2026, 12), PeriodType::Monthly), PayPeriod::new(2027, 1));
        assert_eq!(following(PayPeriod::new(2026, 12), PeriodType::FourWeekly), PayPeriod::new(2026, 13));
        assert_eq!(preceding(PayPeriod::new(2027, 1), PeriodType::FourWeekly), PayPeriod::new(2026, 13));
        assert_eq!(preceding(PayPeriod::new(2027, 1), PeriodType::Weekly), PayPeriod::new(2026, 52));
        assert_eq!(preceding(PayPeriod::new(2026, 11), PeriodType::Monthly), PayPeriod::new(2026, 10));
    }
}
