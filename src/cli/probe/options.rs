//! What the command line asks of `probe` (`main.rs` fills it in), apart from the module that
//! runs it, so the steps (`setup.rs`, the questions) can take it without importing the runner.

use std::path::PathBuf;

use chrono::NaiveDate;

/// What the command line asks for.
#[derive(Clone, Debug)]
pub struct Options {
    /// REST company id (required unless `tokens_only`).
    pub company: Option<String>,
    /// REST employee id (required unless `tokens_only`).
    pub employee: Option<String>,
    pub demo_pattern: String,
    pub out: PathBuf,
    pub json: Option<PathBuf>,
    pub soap_domain: Option<String>,
    /// `--tokens`: question 7 only, no company, no writes.
    pub tokens_only: bool,
    pub consented_at: Option<NaiveDate>,
    /// `--provoke-429 N`: up to N reads to get a 429 (0: none).
    pub provoke_429: u32,
    /// Where the newest refresh token is written (mode 0600); not kept otherwise.
    pub refresh_token_out: Option<PathBuf>,
    pub hour_code: Option<i64>,
    pub wage_code: Option<i64>,
}
