//! One HTTP core for every Nmbrs client (issue 17 step 3): the SOAP client
//! (`nmbrs::soap::client`), the REST client (`nmbrs::rest::client`), the token client
//! (`nmbrs::rest::auth_http`) and `nmbrs-worker probe` (`cli::probe::recorder`) build their
//! `reqwest::Client` with [`build_client`] (one redirect policy: none), read bodies with
//! [`read_capped`], and put wire text into errors through [`bounded`]. The API clients and the
//! probe also share one [`HttpCore`] per process (the call budget, shared with every process
//! through PostgreSQL, taken and told on every call by [`HttpCore::call`]; the per-integration
//! permits) and one retry policy ([`with_retries`]).
//!
//! | concern | rule |
//! | --- | --- |
//! | redirects | never followed: a 3xx is an error (`Redirected`); on an insert it is in doubt |
//! | calls per second | the call budget (`nmbrs::budget`): REST per subscription, SOAP per domain, all processes together; the token endpoint is not an API call and is not limited |
//! | calls in flight | per integration, shared by every client of it in the process (`NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`) |
//! | order | permit → (REST) access token → budget ticket → request within the timeout → outcome told to the budget |
//! | retries | transient only, backoff with jitter, `Retry-After` honoured up to a cap, 9999 once; inserts only when the failure proves nothing happened |
//! | body | read as a stream, refused above `max_response_bytes` (token replies: 64 KiB) |
//! | error text | at most [`MAX_ERROR_TEXT`] characters of any wire text, cut marked |

mod config;
mod core;
mod retry;
mod text;

pub use config::{ClientConfig, DEFAULT_BASE_URL, DEFAULT_MAX_CONCURRENCY};
pub use core::{CallError, HttpCore, Reply, SendError, build_client, outcome, read_capped, redirect_target};
pub use retry::{failed_insert, with_retries};
pub use text::{MAX_ERROR_TEXT, bounded, bounded_to, error_chain, error_code};
