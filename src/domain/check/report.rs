//! The check's report (CONTRACT §2.6): one [`Check`] per thing looked at, the integration's
//! status (`ready` when nothing is a problem), the counts of `job.completed`, and the one
//! message that tells a person everything to do at once.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a check looked at (`checks[].check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Credentials,
    Rights,
    Venues,
    Codes,
    InDoubt,
}

impl CheckKind {
    pub const ALL: [CheckKind; 5] =
        [CheckKind::Credentials, CheckKind::Rights, CheckKind::Venues, CheckKind::Codes, CheckKind::InDoubt];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Credentials => "credentials",
            CheckKind::Rights => "rights",
            CheckKind::Venues => "venues",
            CheckKind::Codes => "codes",
            CheckKind::InDoubt => "in_doubt",
        }
    }
}

/// A check's verdict (`checks[].status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Problem,
    /// Could not be told without writing, or without a read that failed for another reason.
    Unverified,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Problem => "problem",
            CheckStatus::Unverified => "unverified",
        }
    }
}

/// One item of `integration.checked`'s `checks`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub check: CheckKind,
    /// What was checked: an operation, a company, a code, a bucket.
    pub subject: String,
    pub status: CheckStatus,
    /// Machine-readable; a problem uses the notification code a job would raise for it.
    pub code: String,
    /// English, for people.
    pub message: String,
    pub params: Value,
}

/// The integration's status (`integration.checked`'s `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    Ready,
    NeedsAttention,
}

impl IntegrationStatus {
    pub const ALL: [IntegrationStatus; 2] = [IntegrationStatus::Ready, IntegrationStatus::NeedsAttention];

    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationStatus::Ready => "ready",
            IntegrationStatus::NeedsAttention => "needs_attention",
        }
    }
}

/// Every check of one run, in the order they were made.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// `ready` when no check is a problem (unverified rights do not stop a wage run by
    /// themselves: the first export tells).
    pub fn status(&self) -> IntegrationStatus {
        if self.problems().next().is_some() { IntegrationStatus::NeedsAttention } else { IntegrationStatus::Ready }
    }

    pub fn problems(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == CheckStatus::Problem)
    }

    /// `job.completed`'s counts: `ok`, `problems`, `unverified` (all three always present).
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let count = |s: CheckStatus| self.checks.iter().filter(|c| c.status == s).count() as u64;
        BTreeMap::from([
            ("ok".to_string(), count(CheckStatus::Ok)),
            ("problems".to_string(), count(CheckStatus::Problem)),
            ("unverified".to_string(), count(CheckStatus::Unverified)),
        ])
    }

    /// The message of `integration.needs_attention`: one sentence per kind of fix, each
    /// listing every subject it concerns, so a person fixes everything in one go.
    pub fn advice(&self) -> String {
        let mut by_code: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for p in self.problems() {
            // A REST right is granted by a scope of the consent, not by the accountant.
            let (code, subject) = match p.params.get("scope").and_then(Value::as_str) {
                Some(scope) if p.code == "nmbrs.missing_rights" => ("nmbrs.missing_scope", scope.to_string()),
                _ => (p.code.as_str(), p.subject.clone()),
            };
            by_code.entry(code).or_default().insert(subject);
        }
        let list = |code: &str| by_code.get(code).map(|s| s.iter().cloned().collect::<Vec<_>>().join(", "));
        let mut sentences = Vec::new();
        for (code, say) in ADVICE {
            if let Some(subjects) = list(code) {
                sentences.push(format!("{say}: {subjects}."));
            }
        }
        let known: BTreeSet<&str> = ADVICE.iter().map(|(code, _)| *code).collect();
        let other: Vec<&Check> = self.problems().filter(|p| !known.contains(p.code.as_str())).collect();
        debug_assert!(!known.contains("") && known.contains("nmbrs.missing_scope"));
        if !other.is_empty() {
            let subjects: Vec<String> = other.iter().map(|p| p.message.clone()).collect();
            sentences.push(format!("Also check: {}.", subjects.join(" ")));
        }
        sentences.join(" ")
    }
}

/// What a person must do about each code of a problem, in the order the message says it.
const ADVICE: &[(&str, &str)] = &[
    ("nmbrs.auth_failed", "Enter a working Nmbrs API user and token in Eitje for this domain"),
    ("nmbrs.consent_required", "Connect Nmbrs again in Eitje (the consent no longer works) for grant"),
    ("nmbrs.consent_expiring", "Connect Nmbrs again in Eitje before the consent ends, for grant"),
    ("nmbrs.missing_rights", "Ask your accountant to switch on these API rights in Nmbrs"),
    ("nmbrs.missing_scope", "Connect Nmbrs again in Eitje and allow these permissions"),
    ("nmbrs.no_access", "Give the Nmbrs API user (or the consent) access to these companies"),
    ("venue.no_current_period", "Open a payroll period in Nmbrs for these companies"),
    ("export.period_closed", "The asked period is already closed in Nmbrs for these companies"),
    ("export.invalid_period", "The asked period does not exist for the period type of these companies"),
    (
        "export.unknown_code",
        "Add these codes to the company's hour or wage model in Nmbrs, or change the mapping in Eitje",
    ),
    ("export.in_doubt", "Check these buckets in Nmbrs and resolve them (`nmbrs-worker in-doubt`)"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: CheckKind, subject: &str, status: CheckStatus, code: &str) -> Check {
        Check {
            check: kind,
            subject: subject.into(),
            status,
            code: code.into(),
            message: format!("{subject} {code}"),
            params: json!({}),
        }
    }

    #[test]
    fn one_problem_makes_the_integration_need_attention_and_unverified_does_not() {
        let mut report = Report {
            checks: vec![
                check(CheckKind::Rights, "DaysVar_Set", CheckStatus::Unverified, "right.unverified"),
                check(CheckKind::Credentials, "demo", CheckStatus::Ok, "credentials.accepted"),
            ],
        };
        assert_eq!(report.status(), IntegrationStatus::Ready);
        assert_eq!(
            report.counts(),
            BTreeMap::from([("ok".into(), 1), ("problems".into(), 0), ("unverified".into(), 1)])
        );
        report.checks.push(check(CheckKind::Codes, "hour code 99", CheckStatus::Problem, "export.unknown_code"));
        assert_eq!(report.status(), IntegrationStatus::NeedsAttention);
        assert_eq!(report.counts()["problems"], 1);
    }

    #[test]
    fn the_message_lists_every_refused_right_in_one_sentence_and_every_other_fix() {
        let report = Report {
            checks: vec![
                check(CheckKind::Rights, "HourComponentVar_Insert", CheckStatus::Problem, "nmbrs.missing_rights"),
                check(CheckKind::Rights, "DaysVar_Set", CheckStatus::Problem, "nmbrs.missing_rights"),
                check(CheckKind::Rights, "List_GetAll", CheckStatus::Ok, "right.ok"),
                check(CheckKind::Venues, "company 54614", CheckStatus::Problem, "nmbrs.no_access"),
                check(CheckKind::Codes, "hour code 99", CheckStatus::Problem, "export.unknown_code"),
                check(CheckKind::Venues, "company 1", CheckStatus::Problem, "something.new"),
            ],
        };
        let advice = report.advice();
        assert!(
            advice.starts_with(
                "Ask your accountant to switch on these API rights in Nmbrs: DaysVar_Set, HourComponentVar_Insert."
            ),
            "{advice}"
        );
        assert!(advice.contains("access to these companies: company 54614."), "{advice}");
        assert!(advice.contains("change the mapping in Eitje: hour code 99."), "{advice}");
        assert!(advice.ends_with("Also check: company 1 something.new."), "{advice}");
        assert!(!advice.contains("List_GetAll"));
    }

    #[test]
    fn words_are_the_contracts() {
        assert_eq!(serde_json::to_value(CheckKind::InDoubt).unwrap(), "in_doubt");
        assert_eq!(serde_json::to_value(IntegrationStatus::NeedsAttention).unwrap(), "needs_attention");
        for kind in CheckKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(serde_json::to_value(CheckStatus::Unverified).unwrap(), CheckStatus::Unverified.as_str());
    }
}
