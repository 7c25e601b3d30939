//! The settings of the one HTTP core (`nmbrs::http`), shared by the SOAP and REST clients of a
//! process: timeouts, the response size cap, the calls-per-second limit, in-call retries and the
//! bounds of a paged REST read.

use std::time::Duration;

/// Nmbrs production base URL (v3); the worker POSTs to `<base>/EmployeeService.asmx`.
pub const DEFAULT_BASE_URL: &str = "https://api.nmbrs.nl/soap/v3";

/// Default of `NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`.
pub const DEFAULT_MAX_CONCURRENCY: usize = 4;

/// Transport settings shared by all integrations of a process.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `NMBRS_BASE_URL` (SOAP), without trailing slash; the REST edge has its own base URL.
    pub base_url: String,
    /// Whole-call timeout (connect, send, read the full body), counted from when the
    /// calls-per-second limit let the call go.
    pub timeout: Duration,
    /// Responses above this many bytes are refused (company-wide reads can be large).
    pub max_response_bytes: usize,
    /// Calls per second per budget scope when the core keeps its own budget ([`super::HttpCore::new`]:
    /// tools and tests). The worker's budget is shared by every process and has its own rates
    /// (`NMBRS_REST_CALLS_PER_SECOND`, `NMBRS_SOAP_CALLS_PER_SECOND`; `nmbrs::budget`).
    pub calls_per_second: u32,
    /// Retries of a transient failure of a call that is safe to repeat.
    pub max_retries: usize,
    pub retry_min_delay: Duration,
    pub retry_max_delay: Duration,
    /// A REST read following `nextPage` stops with an error after this many pages (default
    /// 1 000: 100 000 records at `pageSize` 100; the largest company seen has ~10 000).
    pub max_pages: usize,
    /// … or once its pages hold more records than this (a server ignoring `pageSize`).
    pub max_read_records: usize,
    /// … or once its pages add up to more bytes than this (default 256 MiB), so one read never
    /// holds more than about that much.
    pub max_read_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(120),
            max_response_bytes: 64 * 1024 * 1024,
            calls_per_second: 100,
            max_retries: 3,
            retry_min_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(5),
            max_pages: 1_000,
            max_read_records: 100_000,
            max_read_bytes: 256 * 1024 * 1024,
        }
    }
}
