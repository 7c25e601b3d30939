//! What a relink did, as it is stored (`nmbrs_relinks.report`) and returned: [`RelinkReport`],
//! and how each component's verdict counts in it. Apart from `relink`, the procedure that fills
//! it, so the report's shape reads on its own.

use serde::Serialize;

use crate::domain::{export::contributions::BucketKey, relink::ComponentVerdict};

/// What a relink did (stored as its report in `nmbrs_relinks.report`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RelinkReport {
    /// False when there was nothing to do (finished before).
    pub ran: bool,
    /// Steps found done by an earlier, interrupted run.
    pub steps_resumed: usize,
    pub companies_linked: usize,
    /// SOAP-era companies whose numbers disagree or are unknown: their open buckets in doubt.
    pub companies_unlinked: Vec<i32>,
    pub employees_linked: usize,
    /// SOAP-era employees with ledger rows in open periods that could not be relinked.
    pub employees_unlinked: Vec<i32>,
    /// Owned components found (marker or pre-marker match).
    pub components_adopted: usize,
    pub inserts_landed: usize,
    pub inserts_not_landed: usize,
    /// Buckets put in doubt (or left there) by the relink, by their key after it.
    pub in_doubt: Vec<BucketKey>,
    /// Bucket rows of closed periods left as SOAP history.
    pub closed_rows_kept: usize,
}

/// Counts a component's verdict in the report's tallies.
pub(super) fn count(verdict: &ComponentVerdict, report: &mut RelinkReport) {
    match verdict {
        ComponentVerdict::Adopted { .. } => report.components_adopted += 1,
        ComponentVerdict::Landed(_) => report.inserts_landed += 1,
        ComponentVerdict::NotLanded => report.inserts_not_landed += 1,
        ComponentVerdict::Nothing | ComponentVerdict::InDoubt => {}
    }
}
