//! A payroll clerk in Nmbrs (issue 18): changes the simulator's shared state behind the
//! worker's back the way a person would in the Nmbrs screens, so tests and the demo can prove
//! that an export checks what Nmbrs really holds. Both faces serve the same state, so what the
//! clerk does is seen through SOAP and REST alike (`POST /_sim/clerk`, [`super::Simulator::clerk`]).
//!
//! | `action` | does |
//! | --- | --- |
//! | `delete_line` `{line_id}` | deletes an hour or wage line |
//! | `change_value` `{line_id, value}` | sets the line's hours or value |
//! | `strip_comment` `{line_id}` | empties the line's comment (the worker's marker goes with it) |
//! | `add_line` `{employee_id, year, period, kind: hours\|wage, code, value, comment?}` | adds the clerk's own line; answers its id |
//! | `set_days` `{employee_id, year, period, days}` | sets the period's variable days |
//!
//! Line ids are the simulator's integer ids (REST shows them as UUIDs, `rest::ids`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::domain::{LineInfo, SimDomain};
use crate::domain::nmbrs_id::NmbrsId;
use crate::nmbrs::{Amount, HourComponentLine, Hours, WageComponentLine};

/// Which kind of line the clerk adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Hours,
    Wage,
}

/// One thing a clerk does in Nmbrs (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ClerkAction {
    DeleteLine {
        line_id: i32,
    },
    ChangeValue {
        line_id: i32,
        value: Decimal,
    },
    StripComment {
        line_id: i32,
    },
    AddLine {
        employee_id: i32,
        year: i32,
        period: u8,
        kind: LineKind,
        code: i32,
        value: Decimal,
        #[serde(default)]
        comment: Option<String>,
    },
    SetDays {
        employee_id: i32,
        year: i32,
        period: u8,
        days: i32,
    },
}

/// `POST /_sim/clerk`: the domain and the action.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClerkRequest {
    pub domain: String,
    #[serde(flatten)]
    pub action: ClerkAction,
}

/// Carries out `action` on domain `d`: `Ok(Some(id))` of a line added, `Err` when the line is
/// not there.
pub fn act(d: &mut SimDomain, action: &ClerkAction) -> Result<Option<i32>, String> {
    let is = |id: i32| move |l: &NmbrsId| *l == NmbrsId::Int(id);
    match action {
        ClerkAction::DeleteLine { line_id } => {
            let before = count(d);
            d.hour_components.values_mut().for_each(|v| v.retain(|l| !is(*line_id)(&l.id.0)));
            d.wage_components.values_mut().for_each(|v| v.retain(|l| !is(*line_id)(&l.id.0)));
            d.line_info.remove(line_id);
            found(before != count(d), *line_id).map(|()| None)
        }
        ClerkAction::ChangeValue { line_id, value } => {
            let mut hit = false;
            for l in d.hour_components.values_mut().flatten().filter(|l| is(*line_id)(&l.id.0)) {
                (l.hours, hit) = (Hours(*value), true);
            }
            for l in d.wage_components.values_mut().flatten().filter(|l| is(*line_id)(&l.id.0)) {
                (l.value, hit) = (Amount(*value), true);
            }
            found(hit, *line_id).map(|()| None)
        }
        ClerkAction::StripComment { line_id } => {
            let info = d.line_info.get_mut(line_id).ok_or_else(|| format!("no line {line_id}"))?;
            info.comment = None;
            Ok(None)
        }
        ClerkAction::AddLine { employee_id, year, period, kind, code, value, comment } => {
            d.next_id += 1;
            let id = d.next_id;
            let key = (*employee_id, *year, *period);
            match kind {
                LineKind::Hours => d.hour_components.entry(key).or_default().push(HourComponentLine {
                    id: id.into(),
                    hour_code: *code,
                    hours: Hours(*value),
                    comment: None,
                }),
                LineKind::Wage => d.wage_components.entry(key).or_default().push(WageComponentLine {
                    id: id.into(),
                    code: *code,
                    value: Amount(*value),
                    comment: None,
                }),
            }
            let created_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            d.line_info.insert(id, LineInfo { comment: comment.clone(), created_at, ..LineInfo::default() });
            Ok(Some(id))
        }
        ClerkAction::SetDays { employee_id, year, period, days } => {
            d.days.insert((*employee_id, *year, *period), *days);
            Ok(None)
        }
    }
}

fn count(d: &SimDomain) -> usize {
    d.hour_components.values().map(Vec::len).sum::<usize>() + d.wage_components.values().map(Vec::len).sum::<usize>()
}

fn found(hit: bool, line_id: i32) -> Result<(), String> {
    if hit { Ok(()) } else { Err(format!("no line {line_id}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clerk_adds_changes_strips_and_deletes_a_line_and_sets_days() {
        let mut d = SimDomain { next_id: 10, ..SimDomain::default() };
        let add = ClerkAction::AddLine {
            employee_id: 1,
            year: 2026,
            period: 11,
            kind: LineKind::Hours,
            code: 1,
            value: Decimal::new(3, 0),
            comment: Some("mine".into()),
        };
        let id = act(&mut d, &add).unwrap().unwrap();
        act(&mut d, &ClerkAction::ChangeValue { line_id: id, value: Decimal::new(5, 0) }).unwrap();
        assert_eq!(d.hour_components[&(1, 2026, 11)][0].hours, Hours(Decimal::new(5, 0)));
        act(&mut d, &ClerkAction::StripComment { line_id: id }).unwrap();
        assert_eq!(d.line_info[&id].comment, None);
        act(&mut d, &ClerkAction::DeleteLine { line_id: id }).unwrap();
        assert!(d.hour_components[&(1, 2026, 11)].is_empty());
        assert!(act(&mut d, &ClerkAction::DeleteLine { line_id: id }).is_err(), "gone");
        act(&mut d, &ClerkAction::SetDays { employee_id: 1, year: 2026, period: 11, days: 4 }).unwrap();
        assert_eq!(d.days[&(1, 2026, 11)], 4);
        let json: ClerkRequest =
            serde_json::from_str(r#"{"domain": "x", "action": "change_value", "line_id": 3, "value": "2.5"}"#).unwrap();
        assert_eq!(json.action, ClerkAction::ChangeValue { line_id: 3, value: Decimal::new(25, 1) });
    }
}
