//! One touched bucket of a plan and its write ([`BucketPlan`]), and why a write was held back
//! ([`HeldBack`]): what `hours.exported` reports per bucket. Split from `plan.rs` so the
//! planning rules read apart from the shape of their result.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::export::actions::{Action, Applied, ComponentLineId};
use crate::domain::export::contributions::{BucketKey, Component};

/// One touched bucket and its write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketPlan {
    pub key: BucketKey,
    /// The new total from the ledger (`0` when emptied).
    pub value: Decimal,
    /// What the worker had in Nmbrs before.
    pub applied: Applied,
    pub action: Action,
    /// The bucket lies in a closed period the export allows: every insert, update and
    /// `DaysVar_Set` carries `UnprotectedMode=true`.
    pub unprotected: bool,
    /// Why the write was held back, when it was ([`Plan::mark_in_doubt`], [`Plan::mark_refused`],
    /// [`Plan::mark_unreadable`]); `None`: not held back.
    #[serde(default)]
    pub held: Option<HeldBack>,
}

/// Why a bucket's write was held back (one reason: the first that stopped it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldBack {
    /// The write may or may not have landed.
    InDoubt,
    /// Nmbrs refused the write; the bucket was not written.
    Refused,
    /// A line of the period that may be of the bucket's code could not be read; the bucket was
    /// not written.
    Unreadable,
}

impl HeldBack {
    /// The `buckets[].action` of `hours.exported` for a bucket held back.
    pub fn label(self) -> &'static str {
        match self {
            HeldBack::InDoubt => "in_doubt",
            HeldBack::Refused => "refused",
            HeldBack::Unreadable => "unreadable",
        }
    }
}

impl BucketPlan {
    /// The `buckets[].action` of `hours.exported`.
    pub fn label(&self) -> &'static str {
        match self.held {
            Some(held) => held.label(),
            None => self.action.label(&self.applied),
        }
    }

    /// A new bucket plan, not held back.
    pub fn new(key: BucketKey, value: Decimal, applied: Applied, action: Action, unprotected: bool) -> Self {
        BucketPlan { key, value, applied, action, unprotected, held: None }
    }

    /// One `buckets[]` item of `hours.exported`. `component_id` is the component the worker owns
    /// after the action (null for days, after a delete, and for a dry-run insert).
    pub fn report(&self, component_id: Option<ComponentLineId>) -> Value {
        let id = match (self.key.component, &self.action) {
            _ if self.held.is_some() => None,
            (Component::Days, _) | (_, Action::Delete { .. }) => None,
            _ => component_id.map(|c| c.0),
        };
        let value = if self.value.is_zero() { Decimal::ZERO } else { self.value };
        json!({"nmbrs_company_id": self.key.company.0, "nmbrs_employee_id": self.key.employee.0,
               "component": self.key.component.label(), "code": self.key.component.code(),
               "value": value.to_string(), "nmbrs_component_id": id, "action": self.label()})
    }
}
