//! The tests of `notify.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `notify`, so written inside `notify.rs` they made an import circle (issue 17).

use super::*;
use crate::domain::export::contributions::Component;
use crate::domain::export::testkit::{COMPANY, EMPLOYEE, facts};
use crate::domain::nmbrs::HourCode;

/// Wraps a payload in an event envelope and checks it against `events/notification`.
pub(crate) fn check(n: &Notification) {
    let event = json!({"event_id": "0b6f3c1e-8a4d-4f2b-9c71-5d2e8f0a6b13", "type": "notification",
            "occurred_at": "2026-11-24T21:00:00.000Z", "integration_id": "env-1",
            "job": {"message_id": "m", "type": "ExportHours", "idempotency_key": "m"}, "payload": n.draft().payload});
    if let Err(e) = crate::envelope::schema::check("events/notification", &event) {
        panic!("{} does not match the schema: {e}", n.code);
    }
}

#[test]
fn every_export_notification_matches_the_schema() {
    let p = PayPeriod::new(2026, 10);
    let current = facts().current_period;
    let key = BucketKey { company: COMPANY, employee: EMPLOYEE, period: p, component: Component::Hours(HourCode(1)) };
    let days = BucketKey { component: Component::Days, ..key };
    let all = [
        period_closed(COMPANY, p, &current),
        invalid_period(COMPANY, PayPeriod::new(2026, 13), &current),
        not_approved(3),
        no_code_mapping(&ComponentName::Allowance("tips".into())),
        unknown_code(COMPANY, &ComponentName::Sick, 31),
        unknown_employee(COMPANY, EMPLOYEE),
        unknown_venue("v-9"),
        in_doubt(&key),
        in_doubt(&days),
    ];
    for n in &all {
        check(n);
    }
}

#[test]
fn params_carry_the_contract_keys() {
    let n = period_closed(COMPANY, PayPeriod::new(2026, 10), &facts().current_period);
    assert_eq!(
        n.params,
        json!({"nmbrs_company_id": 54613, "period": {"year": 2026, "number": 10},
                   "current_period": {"year": 2026, "number": 11}})
    );
    assert_eq!(
        unknown_code(COMPANY, &ComponentName::Allowance("bonus".into()), 420).params["kind"],
        "allowances.bonus"
    );
    assert_eq!(no_code_mapping(&ComponentName::WorkedHours).params, json!({"kind": "worked_hours"}));
    assert_eq!(n.level, Level::Warning);
    assert_eq!(not_approved(2).draft().payload_value()["level"], "info");
    assert_eq!(not_approved(1).message, "1 entry was not exported because it is not approved.");
}
