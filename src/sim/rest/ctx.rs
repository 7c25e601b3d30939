//! What a REST operation of the simulator is given ([`CallContext`]) and what it answers
//! ([`OperationReply`]): a leaf, so the operations (`reads.rs`, `writes.rs`, …) and the pipeline that
//! runs them (`api.rs`) do not import each other both ways.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::Value;

use super::error::RestError;
use super::ids::IdIndex;
use super::oauth::Grant;
use super::routes::PathParams;
use super::settings::RestSettings;
use crate::sim::state::SimDomain;

/// Query parameters by name (the last of repeated names wins).
pub type Query = BTreeMap<String, String>;

/// Everything an operation sees.
pub struct CallContext<'a> {
    pub domain: &'a str,
    pub d: &'a mut SimDomain,
    pub ids: &'a mut IdIndex,
    pub grant: &'a Grant,
    pub settings: &'a RestSettings,
    pub path: &'a PathParams,
    pub query: &'a Query,
    pub body: Option<&'a Value>,
    /// `http://host/path?other=params` for the paging links (without `pageNumber`).
    pub links: &'a str,
}

/// The answer of an operation: status and JSON body (`None` for 204).
pub type OperationReply = Result<(StatusCode, Option<Value>), RestError>;
