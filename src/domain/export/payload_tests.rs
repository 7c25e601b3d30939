//! The tests of `payload.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `payload`, so written inside `payload.rs` they made an import circle (issue 17).

use super::*;
use crate::domain::export::testkit::d;

#[test]
fn the_contract_example_parses_with_decimals_from_strings() {
    let json = serde_json::json!({
        "export_id": "exp-9", "period": {"year": 2026, "number": 11},
        "kinds": ["worked_hours", "worked_days", "meals", "allowances", "leave", "sick"],
        "allow_closed_period": false, "dry_run": false,
        "withdrawn_entry_ids": ["shift-0"],
        "entries": [{"entry_id": "shift-1", "eitje_user_id": "u-1", "nmbrs_employee_id": 503293,
                     "eitje_venue_id": "v-1", "date": "2026-11-03", "kind": "worked",
                     "hours": "7.50", "approved": true, "contract_type": "zero_hours",
                     "meals": 1, "allowances": [{"type": "travel", "amount": "12.40"}]}]
    });
    let p: ExportPayload = serde_json::from_value(json).unwrap();
    let e = &p.entries[0];
    assert_eq!(e.hours, d("7.50"));
    assert_eq!(e.hours.to_string(), "7.50");
    assert_eq!(e.allowances[0].amount, d("12.40"));
    assert_eq!(e.contract_type, ContractType::ZeroHours);
    assert_eq!(e.date, NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
    assert_eq!(p.withdrawn_entry_ids, vec![EntryId::from("shift-0")]);
    assert_eq!(PayPeriod::from(p.period), PayPeriod::new(2026, 11));
}

#[test]
fn optional_fields_default_and_absent_kinds_request_everything() {
    let json = serde_json::json!({
        "export_id": "exp-1", "period": {"year": 2026, "number": 1},
        "entries": [{"entry_id": "s", "nmbrs_employee_id": 1, "eitje_venue_id": "v", "date": "2026-01-02",
                     "kind": "sick", "hours": "8", "approved": true, "contract_type": "fixed"}]
    });
    let p: ExportPayload = serde_json::from_value(json).unwrap();
    assert!(!p.allow_closed_period && !p.dry_run);
    assert!(p.withdrawn_entry_ids.is_empty());
    assert_eq!((p.entries[0].meals, p.entries[0].allowances.len()), (0, 0));
    assert!(ExportKind::ALL.iter().all(|&k| p.requests(k)));
}

#[test]
fn listed_kinds_restrict_the_export() {
    let json = serde_json::json!({"export_id": "e", "period": {"year": 2026, "number": 1},
                                      "kinds": ["meals"], "entries": []});
    let p: ExportPayload = serde_json::from_value(json).unwrap();
    assert!(p.requests(ExportKind::Meals));
    assert!(!p.requests(ExportKind::WorkedHours));
}

#[test]
fn hours_as_a_json_number_are_refused() {
    let json = serde_json::json!({"entry_id": "s", "nmbrs_employee_id": 1, "eitje_venue_id": "v",
            "date": "2026-01-02", "kind": "sick", "hours": 7.5, "approved": true, "contract_type": "fixed"});
    assert!(serde_json::from_value::<Entry>(json).is_err());
}
