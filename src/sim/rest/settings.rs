//! Behaviour the OpenAPI file leaves open (REST-NOTES [L]/[M]), one setting per question that
//! `nmbrs-worker probe` answers, so the simulator can play every alternative and the worker and
//! the probe can be tested in each (`POST /_sim/rest/settings`, JSON, every field optional).
//! Each default is the simulator's behaviour before the setting existed.
//!
//! | setting | alternatives | probe finding |
//! | --- | --- | --- |
//! | `days_post` | `replace` \| `add` | `days_second_post` |
//! | `days_factor_omitted` | `keep` \| `reset` | `days_post_resets_factor` |
//! | `negative_days` | `refuse` \| `accept` | `days_negative` |
//! | `put_omitted` | `keep` (partial update) \| `clear` (replace: omitted comment and cost fields become null) | `put_omitted_comment` |
//! | `put_missing_period` | `keep` \| `current` (a PUT without `periodDetails.period` moves the line to the current period) | `put_missing_period` |
//! | `wage_period_shape` | `flat` \| `nested` \| `both`: the wage POST period shapes honoured; an honoured-not shape falls back to the current period | `wage_period_shape` |
//! | `closed_period_delete` | `refuse` \| `allow` | `delete_in_closed_period` |
//! | `closed_period_code` | the code of a refused write in a closed period (default `40033`, HTTP 400) | `delete_in_closed_period` |
//! | `soap_comments` | `visible` \| `absent`: whether REST reads show the comment of a line inserted through SOAP | `soap_comment_over_rest` |
//! | `default_page_size` | page size without `pageSize` (default 20) | `default_page_size` |
//! | `gateway_401` | `nmbrs` \| `gateway`: the body of a 401 for a wrong subscription key | `gateway_401_shape` |
//! | `comment_max_chars`, `comment_over_limit` | none (default) or a limit; `truncate` \| `refuse` beyond it | `comment_max_chars` |
//! | `line_posts` | `kept` \| `lost` (a line `POST` answers 201 with a new id and stores nothing; issue 18) | — |
//!
//! The token questions use the identity server's settings (`/_sim/oauth/settings`:
//! `access_token_ttl_secs`, `reuse_grace_secs`), `Retry-After` on 429 the REST faults
//! (`too_many_calls` with or without `retry_after_secs`).

use serde::{Deserialize, Serialize};

/// What a second `POST …/variabledays` for the same period does (undocumented, REST-NOTES §2 [L]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaysPost {
    /// The period's days become the posted number (SOAP's `DaysVar_Set`).
    #[default]
    Replace,
    /// The posted number is added to the period's days.
    Add,
}

/// Whether `DELETE` of a line in a closed period is refused (it has no `unprotectedMode`,
/// REST-NOTES §2 [L]) or allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedPeriodDelete {
    #[default]
    Refuse,
    Allow,
}

/// Keep or clear / reset a value a request leaves out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Omitted {
    /// What the request leaves out stays as it was (a partial update).
    #[default]
    Keep,
    /// What the request leaves out is cleared (`put_omitted`) or reset (`days_factor_omitted`).
    #[serde(alias = "reset")]
    Clear,
}

/// Whether a negative number of variable days is accepted (REST-NOTES §7 [M]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeDays {
    /// 400 `40033`.
    #[default]
    Refuse,
    Accept,
}

/// Where a `PUT` without `periodDetails.period` leaves a line (REST-NOTES §7 [M] "a PUT may move").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PutMissingPeriod {
    /// In its own period.
    #[default]
    Keep,
    /// In the company's current period ("if no period is specified, it will be added to the
    /// current period", read as applying to PUT too).
    Current,
}

/// Which period shapes of the variable-wage POST Nmbrs honours (REST-NOTES §3 item 10, §7).
/// `flat` is the file's `periodDetails: {year, period}` with `unprotectedMode` beside it;
/// `nested` is the hours' `periodDetails: {period: {year, period}, unprotectedMode}`. A shape
/// not honoured is ignored (an unknown member, ASP.NET's default): the line lands in the
/// current period without an error. The nested shape breaks the OpenAPI file, so it is always
/// recorded as a request violation; under `flat` it is also refused (400) as any violation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WagePeriodShape {
    #[default]
    Flat,
    Nested,
    Both,
}

impl WagePeriodShape {
    pub fn honours_flat(self) -> bool {
        matches!(self, WagePeriodShape::Flat | WagePeriodShape::Both)
    }

    pub fn honours_nested(self) -> bool {
        matches!(self, WagePeriodShape::Nested | WagePeriodShape::Both)
    }
}

/// Whether the REST reads show the comment of a line inserted through SOAP (REST-NOTES §4 [L]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SoapComments {
    #[default]
    Visible,
    /// Read as `null`.
    Absent,
}

/// Who answers a wrong or missing subscription key (REST-NOTES §7 [M], CONTRACT §5.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gateway401 {
    /// Nmbrs' error shape, 401 `40101`.
    #[default]
    Nmbrs,
    /// The API gateway's own body `{"statusCode": 401, "message": "Access denied due to …"}`.
    Gateway,
}

/// What happens to a comment longer than `comment_max_chars`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentOverLimit {
    /// Stored cut to the limit.
    #[default]
    Truncate,
    /// 400 `40033` on `comment`.
    Refuse,
}

/// Whether an hour or wage line `POST` is kept (issue 18: "a write answers 201 but is lost").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinePosts {
    #[default]
    Kept,
    /// 201 with a new id, and nothing stored.
    Lost,
}

/// Behaviour the OpenAPI file leaves open (`POST /_sim/rest/settings`); see the module doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestSettings {
    pub days_post: DaysPost,
    pub days_factor_omitted: Omitted,
    pub negative_days: NegativeDays,
    pub put_omitted: Omitted,
    pub put_missing_period: PutMissingPeriod,
    pub wage_period_shape: WagePeriodShape,
    pub closed_period_delete: ClosedPeriodDelete,
    /// The Nmbrs code of a write refused in a closed period (HTTP status: its first three digits).
    pub closed_period_code: u32,
    pub soap_comments: SoapComments,
    /// Page size of a read without `pageSize` (Nmbrs documents 20).
    pub default_page_size: usize,
    pub gateway_401: Gateway401,
    /// Longest comment kept, in characters; `None`: no limit.
    pub comment_max_chars: Option<usize>,
    pub comment_over_limit: CommentOverLimit,
    /// How the numbers of reads go out (exactly, or through float32 as real Nmbrs sends them).
    pub numbers: Numbers,
    pub line_posts: LinePosts,
}

/// How the numbers of reads go out: exactly (the default), or as real Nmbrs sends them, through
/// float32 (REST-NOTES §7: `33.329998` for 33.33), `steps` float32 steps off
/// ([`super::respond::as_float32`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Numbers {
    #[default]
    Exact,
    Float32 {
        steps: i32,
    },
}

impl Default for RestSettings {
    fn default() -> Self {
        RestSettings {
            days_post: DaysPost::default(),
            days_factor_omitted: Omitted::Keep,
            negative_days: NegativeDays::default(),
            put_omitted: Omitted::Keep,
            put_missing_period: PutMissingPeriod::default(),
            wage_period_shape: WagePeriodShape::default(),
            closed_period_delete: ClosedPeriodDelete::default(),
            closed_period_code: 40033,
            soap_comments: SoapComments::default(),
            default_page_size: super::respond::DEFAULT_PAGE_SIZE,
            gateway_401: Gateway401::default(),
            comment_max_chars: None,
            comment_over_limit: CommentOverLimit::default(),
            numbers: Numbers::default(),
            line_posts: LinePosts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_is_the_old_behaviour_and_each_field_parses_alone() {
        let s: RestSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, RestSettings::default());
        assert_eq!(s.closed_period_code, 40033);
        assert_eq!(s.default_page_size, 20);
        let s: RestSettings = serde_json::from_str(
            r#"{"days_factor_omitted": "reset", "put_omitted": "clear", "wage_period_shape": "both",
                "gateway_401": "gateway", "comment_max_chars": 255, "comment_over_limit": "refuse"}"#,
        )
        .unwrap();
        assert_eq!((s.days_factor_omitted, s.put_omitted), (Omitted::Clear, Omitted::Clear));
        assert!(s.wage_period_shape.honours_flat() && s.wage_period_shape.honours_nested());
        assert_eq!((s.gateway_401, s.comment_max_chars), (Gateway401::Gateway, Some(255)));
        assert!(!WagePeriodShape::Nested.honours_flat() && !WagePeriodShape::Flat.honours_nested());
    }
}
