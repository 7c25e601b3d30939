//! The REST records of the period-bound reads: cost per hour, variable hour and wage lines and
//! variable days, each declared once for the client. Hour and wage lines are wire structs
//! (every field a [`Field`]) read straight into the neutral lines SOAP's reads give
//! ([`HourComponentLine`], [`WageComponentLine`]); cost per hour and days are their own records
//! ([`super::lenient`]), which the simulator serves as they are. The simulator still writes hour
//! and wage lines as JSON of its own (`sim/rest/line_reads.rs`, issue 17 step 4 not finished
//! there): it keeps cost centres as text and `createdAt` with milliseconds, which these
//! read-only structs do not carry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::lenient::{decides, opt, opt_text};
use super::{Field, Unread, checked, record};
use crate::nmbrs::rest::ids::*;
use crate::nmbrs::{Amount, HourComponentLine, Hours, WageComponentLine};

/// One item of `GET /api/companies/{companyId}/employees/costperhour`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostPerHour {
    /// *decides*.
    #[serde(with = "decides")]
    pub employee_id: EmployeeUuid,
    /// Euros per hour (a string on the wire); `None` when Nmbrs has none or it is unreadable.
    #[serde(default, with = "opt_text")]
    pub cost_per_hour: Option<Decimal>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WHourLine {
    hour_component_id: Field<Uuid>,
    hour_code: Field<i32>,
    hours: Field<Decimal>,
    comment: Field<String>,
}

/// One line of `GET /api/employees/{employeeId}/variablehours`: its id, code and hours
/// *decide*; the comment (the insert's, carrying the worker's marker, CONTRACT §5.3) is passed on.
pub fn hour_line(v: &Value) -> Result<HourComponentLine, Unread> {
    let w: WHourLine = record(v)?;
    Ok(HourComponentLine {
        id: HourComponentUuid(w.hour_component_id.need("hourComponentId")?).into(),
        hour_code: w.hour_code.need("hourCode")?,
        hours: Hours(w.hours.need("hours")?),
        comment: w.comment.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageLine {
    variable_wage_component_id: Field<Uuid>,
    code: Field<i32>,
    value: Field<Decimal>,
    comment: Field<String>,
}

/// One line of `GET /api/companies/{companyId}/employees/variablewagecomponents`: its id, code
/// and value (euros) *decide*; the comment is passed on.
pub fn wage_line(v: &Value) -> Result<WageComponentLine, Unread> {
    let w: WWageLine = record(v)?;
    Ok(WageComponentLine {
        id: WageComponentUuid(w.variable_wage_component_id.need("variableWageComponentId")?).into(),
        code: w.code.need("code")?,
        value: Amount(w.value.need("value")?),
        comment: w.comment.ok(),
    })
}

/// One record of `GET /api/employees/{employeeId}/variabledays`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DaysRecord {
    /// *decides*: an unreadable record fails the read (the export decides on it).
    #[serde(with = "decides")]
    pub days: i32,
    /// Passed on; no job reads it.
    #[serde(default, with = "opt")]
    pub days_for_wage_components_per_day: Option<i32>,
}

/// The days of one record (`days` *decides*).
pub fn days(v: &Value) -> Result<i32, Unread> {
    checked::<DaysRecord>(v).map(|d| d.days)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::employee::{WSchedule, contract, schedule};
    use super::super::{FromWire, HOUR_LINE, WAGE_LINE, by_employee, by_employee_lines, lines};
    use super::*;
    use crate::nmbrs::{EmployeeId, NmbrsId};

    #[test]
    fn every_number_read_is_the_decimal_nmbrs_meant() {
        // Field case 13: JSON numbers that went through float32, and the same in a string.
        let read = |v: Value| Decimal::from_wire(&v).unwrap().to_string();
        assert_eq!(read(json!(19.200003)), "19.2");
        assert_eq!(read(json!(31.999998)), "32");
        assert_eq!(read(json!(2210.4001)), "2210.4");
        assert_eq!(read(json!("12.969999")), "12.97");
        assert_eq!(read(json!("12,969999")), "12.97");
        assert_eq!(read(json!(50.526318)), "50.526318", "no shorter meaning: kept as read");
        // In records: a variable hour line and a schedule's days.
        let line = hour_line(&json!({"hourComponentId": Uuid::nil(), "hourCode": 1, "hours": 7.4999995})).unwrap();
        assert_eq!(line.hours.0.to_string(), "7.5");
        let week = json!({"hoursMonday": 6.4000006, "hoursTuesday": 5.5499997});
        let sent = json!({"startDate": "2025-09-01T00:00:00", "hoursPerWeek": 19.200003, "week1": week});
        let (s, w) = (schedule(&sent).unwrap(), record::<WSchedule>(&sent).unwrap());
        assert_eq!(
            (w.hours_per_week.ok(), s.hours_week1[0], s.hours_week1[1]),
            (Some(Decimal::new(192, 1)), Some(Decimal::new(64, 1)), Some(Decimal::new(555, 2)))
        );
        // An int field sent as a float means its integer; a real fraction is no int.
        assert_eq!(i32::from_wire(&json!(4.0)), Ok(4));
        assert_eq!(i32::from_wire(&json!(3.9999998)), Ok(4));
        assert!(i32::from_wire(&json!(3.5)).is_err());
        assert_eq!(days(&json!({"days": 2.0000002})), Ok(2));
    }

    #[test]
    fn an_unreadable_line_keeps_its_id_and_code_where_readable() {
        let (id, employee) = ("6e6d6272-0000-4000-8000-0000000000aa", EmployeeUuid(Uuid::nil()));
        let hours = [json!({"hourComponentId": id, "hourCode": 20, "hours": "x"}), json!({"hourCode": "?"})];
        let read = lines(employee, &hours, hour_line, HOUR_LINE);
        let keys: Vec<_> = read.unreadable.iter().map(|u| (u.employee_id, u.line_id, u.code)).collect();
        let (who, line) = (Some(EmployeeId::from(employee)), Some(NmbrsId::Uuid(id.parse().unwrap())));
        assert_eq!(keys, vec![(who, line, Some(20)), (who, None, None)]);
        let wages = [json!({"employeeId": id, "variablewagecomponents": [{"code": 410, "value": null}]})];
        let read = by_employee_lines(&wages, "variablewagecomponents", wage_line, Some(WAGE_LINE));
        assert_eq!(
            (read.unreadable[0].field.as_str(), read.unreadable[0].code),
            ("variableWageComponentId", Some(410))
        );
        // Other records keep none.
        let contracts = [json!({"employeeId": id, "contracts": [{"code": 1}]})];
        assert_eq!(by_employee(&contracts, "contracts", contract).unreadable[0].code, None);
    }
}
