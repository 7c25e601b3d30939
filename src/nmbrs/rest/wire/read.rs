//! The record converters: one wire struct per REST record (every field a [`Field`]) and the
//! function that turns it into its typed record, requiring the fields a decision needs.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Field, Obj, Unread, flat, record, unreadable};
use crate::nmbrs::rest::ids::*;
use crate::nmbrs::rest::records::*;
use crate::nmbrs::{Amount, HourCode, Hours, PayPeriod, PeriodType, WageCode};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WCompany {
    company_id: Field<Uuid>,
    number: Field<String>,
    name: Field<String>,
    debtor_id: Field<Uuid>,
}

pub fn company(v: &Value) -> Result<RestCompany, Unread> {
    let w: WCompany = record(v)?;
    Ok(RestCompany {
        id: CompanyUuid(w.company_id.need("companyId")?),
        number: w.number.ok(),
        name: w.name.ok(),
        debtor_id: w.debtor_id.ok().map(DebtorUuid),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WDebtor {
    debtor_id: Field<Uuid>,
    number: Field<String>,
    name: Field<String>,
}

pub fn debtor(v: &Value) -> Result<RestDebtor, Unread> {
    let w: WDebtor = record(v)?;
    Ok(RestDebtor { id: DebtorUuid(w.debtor_id.need("debtorId")?), number: w.number.ok(), name: w.name.ok() })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WPeriod {
    year: Field<i32>,
    period: Field<i32>,
}

impl WPeriod {
    fn pay_period(self) -> Result<PayPeriod, Unread> {
        let year = self.year.need("year")?;
        let period = self.period.need("period")?;
        let period = u8::try_from(period).map_err(|_| ("period", format!("{period} is not a period")))?;
        Ok(PayPeriod::new(year, period))
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WCurrentPeriod {
    period: Field<Obj<WPeriod>>,
    period_type: Field<String>,
}

pub fn current_period(v: &Value) -> Result<RestCurrentPeriod, Unread> {
    let w: WCurrentPeriod = record(v)?;
    let kind = match w.period_type.need("periodType")?.as_str() {
        "month" => PeriodType::Monthly,
        "4-weeks" => PeriodType::FourWeekly,
        "1-week" => PeriodType::Weekly,
        other => return Err(("periodType", format!("{other:?} is not a period type"))),
    };
    let period = w.period.need("period")?.0.pay_period()?;
    let period = period.validate(kind).map_err(|e| ("period", e.to_string()))?;
    Ok(RestCurrentPeriod { period, kind })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WHourCode {
    code: Field<i32>,
    description: Field<String>,
}

pub fn hour_code(v: &Value) -> Result<RestHourCode, Unread> {
    let w: WHourCode = record(v)?;
    Ok(RestHourCode { code: HourCode(w.code.need("code")?), description: w.description.ok() })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageModel {
    id: Field<Uuid>,
    number: Field<i32>,
    name: Field<String>,
    wage_codes: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageCode {
    wage_code_id: Field<Uuid>,
    code: Field<i32>,
    description: Field<String>,
    continuity_type: Field<String>,
}

fn wage_code(v: &Value) -> Result<RestWageCode, Unread> {
    let w: WWageCode = record(v)?;
    Ok(RestWageCode {
        id: w.wage_code_id.ok().map(WageCodeUuid),
        code: WageCode(w.code.need("code")?),
        description: w.description.ok(),
        continuity_type: w.continuity_type.ok(),
    })
}

/// Wage models; a code whose `code` cannot be read is set aside, the model kept.
pub fn wage_models(items: &[Value]) -> RestListed<RestWageModel> {
    let mut out = RestListed::default();
    for item in items {
        let w: WWageModel = match record(item) {
            Ok(w) => w,
            Err(e) => {
                out.unreadable.push(unreadable(None, e));
                continue;
            }
        };
        let codes = flat(w.wage_codes.as_deref().unwrap_or(&[]), wage_code);
        out.unreadable.extend(codes.unreadable);
        out.items.push(RestWageModel {
            id: w.id.ok().map(WageModelUuid),
            number: w.number.ok(),
            name: w.name.ok(),
            codes: codes.items,
        });
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WBasicInfo {
    employee_number: Field<i32>,
    first_name: Field<String>,
    prefix: Field<String>,
    initials: Field<String>,
    last_name: Field<String>,
    employee_type: Field<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WEmployee {
    employee_id: Field<Uuid>,
    employee_basic_info: Field<Obj<WBasicInfo>>,
}

pub fn employee(v: &Value) -> Result<RestEmployee, Unread> {
    let w: WEmployee = record(v)?;
    let id = EmployeeUuid(w.employee_id.need("employeeId")?);
    let b = w.employee_basic_info.ok().map(|o| o.0).unwrap_or_default();
    Ok(RestEmployee {
        id,
        employee_number: b.employee_number.ok(),
        first_name: b.first_name.ok(),
        prefix: b.prefix.ok(),
        initials: b.initials.ok(),
        last_name: b.last_name.ok(),
        employee_type: b.employee_type.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WBirthInfo {
    birth_date: Field<NaiveDateTime>,
    gender: Field<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WContactInfo {
    private_email: Field<String>,
    business_email: Field<String>,
    business_phone: Field<String>,
    business_mobile_phone: Field<String>,
    private_phone: Field<String>,
    private_mobile_phone: Field<String>,
    other_phone: Field<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WPersonalInfo {
    personal_info_id: Field<Uuid>,
    basic_info: Field<Obj<WBasicInfo>>,
    birth_info: Field<Obj<WBirthInfo>>,
    contact_info: Field<Obj<WContactInfo>>,
    period: Field<Obj<WPeriod>>,
    created_at: Field<NaiveDateTime>,
}

pub fn personal_info(v: &Value) -> Result<RestPersonalInfo, Unread> {
    let w: WPersonalInfo = record(v)?;
    let b = w.basic_info.ok().map(|o| o.0).unwrap_or_default();
    let birth = w.birth_info.ok().map(|o| o.0).unwrap_or_default();
    let c = w.contact_info.ok().map(|o| o.0).unwrap_or_default();
    Ok(RestPersonalInfo {
        id: w.personal_info_id.ok().map(PersonalInfoUuid),
        employee_number: b.employee_number.ok(),
        first_name: b.first_name.ok(),
        prefix: b.prefix.ok(),
        initials: b.initials.ok(),
        last_name: b.last_name.ok(),
        employee_type: b.employee_type.ok(),
        birth_date: birth.birth_date.ok(),
        gender: birth.gender.ok(),
        private_email: c.private_email.ok(),
        business_email: c.business_email.ok(),
        business_phone: c.business_phone.ok(),
        business_mobile_phone: c.business_mobile_phone.ok(),
        private_phone: c.private_phone.ok(),
        private_mobile_phone: c.private_mobile_phone.ok(),
        other_phone: c.other_phone.ok(),
        period: w.period.ok().and_then(|p| p.0.pay_period().ok()),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WBsn {
    #[serde(rename = "BSN")]
    bsn: Field<String>,
    #[serde(rename = "createdAt")]
    created_at: Field<NaiveDateTime>,
}

pub fn bsn(v: &Value) -> Result<RestBsn, Unread> {
    let w: WBsn = record(v)?;
    let bsn = w.bsn.need("BSN")?.trim().to_owned();
    if bsn.is_empty() {
        return Err(("BSN", "empty".to_owned()));
    }
    Ok(RestBsn { bsn, created_at: w.created_at.ok() })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WContract {
    contract_id: Field<Uuid>,
    start_date: Field<NaiveDateTime>,
    end_date: Field<NaiveDateTime>,
    trial_period: Field<NaiveDateTime>,
    indefinite: Field<bool>,
    written_contract: Field<bool>,
    hours_per_week: Field<Decimal>,
    created_at: Field<NaiveDateTime>,
}

pub fn contract(v: &Value) -> Result<RestContract, Unread> {
    let w: WContract = record(v)?;
    Ok(RestContract {
        id: w.contract_id.ok().map(ContractUuid),
        start_date: w.start_date.need("startDate")?,
        end_date: w.end_date.need_or_null("endDate")?,
        trial_period: w.trial_period.ok(),
        indefinite: w.indefinite.ok(),
        written_contract: w.written_contract.ok(),
        hours_per_week: w.hours_per_week.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WEndReason {
    code: Field<i32>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WEmployment {
    employment_id: Field<Uuid>,
    creation_date: Field<NaiveDateTime>,
    start_date: Field<NaiveDateTime>,
    end_date: Field<NaiveDateTime>,
    seniority_date: Field<NaiveDateTime>,
    end_contract_reason: Field<Obj<WEndReason>>,
    changed_date: Field<NaiveDateTime>,
}

pub fn employment(v: &Value) -> Result<RestEmployment, Unread> {
    let w: WEmployment = record(v)?;
    Ok(RestEmployment {
        id: w.employment_id.ok().map(EmploymentUuid),
        start_date: w.start_date.need("startDate")?,
        end_date: w.end_date.need_or_null("endDate")?,
        seniority_date: w.seniority_date.ok(),
        end_contract_reason_code: w.end_contract_reason.ok().and_then(|r| r.0.code.ok()),
        creation_date: w.creation_date.ok(),
        changed_date: w.changed_date.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WAddress {
    is_default: Field<bool>,
    #[serde(rename = "type")]
    address_type: Field<String>,
    street: Field<String>,
    house_number: Field<String>,
    house_number_addition: Field<String>,
    postal_code: Field<String>,
    city: Field<String>,
    #[serde(rename = "countryISOCode")]
    country_iso_code: Field<String>,
    period: Field<Obj<WPeriod>>,
    created_at: Field<NaiveDateTime>,
}

/// An address: nothing in it decides, every field is passed on.
pub fn address(v: &Value) -> Result<RestAddress, Unread> {
    let w: WAddress = record(v)?;
    Ok(RestAddress {
        is_default: w.is_default.ok(),
        address_type: w.address_type.ok(),
        street: w.street.ok(),
        house_number: w.house_number.ok(),
        house_number_addition: w.house_number_addition.ok(),
        postal_code: w.postal_code.ok(),
        city: w.city.ok(),
        country_iso_code: w.country_iso_code.ok(),
        period: w.period.ok().and_then(|p| p.0.pay_period().ok()),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WSalary {
    salary_id: Field<Uuid>,
    start_date: Field<NaiveDateTime>,
    #[serde(rename = "type")]
    salary_type: Field<String>,
    value: Field<Decimal>,
    created_at: Field<NaiveDateTime>,
}

pub fn salary(v: &Value) -> Result<RestSalary, Unread> {
    let w: WSalary = record(v)?;
    Ok(RestSalary {
        id: w.salary_id.ok().map(SalaryUuid),
        start_date: w.start_date.ok(),
        salary_type: w.salary_type.ok(),
        value: w.value.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWeek {
    hours_monday: Field<Decimal>,
    hours_tuesday: Field<Decimal>,
    hours_wednesday: Field<Decimal>,
    hours_thursday: Field<Decimal>,
    hours_friday: Field<Decimal>,
    hours_saturday: Field<Decimal>,
    hours_sunday: Field<Decimal>,
}

impl WWeek {
    fn days(self) -> [Decimal; 7] {
        [
            self.hours_monday,
            self.hours_tuesday,
            self.hours_wednesday,
            self.hours_thursday,
            self.hours_friday,
            self.hours_saturday,
            self.hours_sunday,
        ]
        .map(|d| d.ok().unwrap_or_default())
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WSchedule {
    schedule_id: Field<Uuid>,
    start_date: Field<NaiveDateTime>,
    parttime_percentage: Field<Decimal>,
    hours_per_week: Field<Decimal>,
    days_per_week: Field<Decimal>,
    week1: Field<Obj<WWeek>>,
    week2: Field<Obj<WWeek>>,
    created_at: Field<NaiveDateTime>,
}

pub fn schedule(v: &Value) -> Result<RestSchedule, Unread> {
    let w: WSchedule = record(v)?;
    let week = |f: Field<Obj<WWeek>>| f.ok().map_or([Decimal::ZERO; 7], |o| o.0.days());
    Ok(RestSchedule {
        id: w.schedule_id.ok().map(ScheduleUuid),
        start_date: w.start_date.ok(),
        parttime_percentage: w.parttime_percentage.ok(),
        hours_per_week: w.hours_per_week.ok(),
        days_per_week: w.days_per_week.ok(),
        week1: week(w.week1),
        week2: week(w.week2),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WCostPerHour {
    employee_id: Field<Uuid>,
    cost_per_hour: Field<Decimal>,
}

pub fn cost_per_hour(v: &Value) -> Result<RestCostPerHour, Unread> {
    let w: WCostPerHour = record(v)?;
    Ok(RestCostPerHour {
        employee_id: EmployeeUuid(w.employee_id.need("employeeId")?),
        cost_per_hour: w.cost_per_hour.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WHourLine {
    hour_component_id: Field<Uuid>,
    hour_code: Field<i32>,
    hours: Field<Decimal>,
    comment: Field<String>,
    cost_center_id: Field<Uuid>,
    cost_unit_id: Field<Uuid>,
    created_at: Field<NaiveDateTime>,
}

pub fn hour_line(v: &Value) -> Result<RestHourLine, Unread> {
    let w: WHourLine = record(v)?;
    Ok(RestHourLine {
        id: HourComponentUuid(w.hour_component_id.need("hourComponentId")?),
        hour_code: HourCode(w.hour_code.need("hourCode")?),
        hours: Hours(w.hours.need("hours")?),
        comment: w.comment.ok(),
        cost_center_id: w.cost_center_id.ok(),
        cost_unit_id: w.cost_unit_id.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageLine {
    variable_wage_component_id: Field<Uuid>,
    code: Field<i32>,
    value: Field<Decimal>,
    comment: Field<String>,
    cost_center_id: Field<Uuid>,
    cost_unit_id: Field<Uuid>,
    created_at: Field<NaiveDateTime>,
}

pub fn wage_line(v: &Value) -> Result<RestWageLine, Unread> {
    let w: WWageLine = record(v)?;
    Ok(RestWageLine {
        id: WageComponentUuid(w.variable_wage_component_id.need("variableWageComponentId")?),
        code: WageCode(w.code.need("code")?),
        value: Amount(w.value.need("value")?),
        comment: w.comment.ok(),
        cost_center_id: w.cost_center_id.ok(),
        cost_unit_id: w.cost_unit_id.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WDays {
    days: Field<i32>,
}

pub fn days(v: &Value) -> Result<i32, Unread> {
    record::<WDays>(v)?.days.need("days")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::FromWire;
    use super::super::{HOUR_LINE, WAGE_LINE, by_employee, by_employee_lines, lines};
    use super::*;

    #[test]
    fn a_record_missing_a_deciding_field_is_set_aside_with_its_employee() {
        let items = vec![
            json!({"employeeId": "6e6d6272-0000-4000-8000-000000000001", "contracts": [
                {"startDate": "2026-01-01T00:00:00Z", "endDate": null, "hoursPerWeek": "oops"},
                {"startDate": "not a date"}
            ]}),
            json!({"employeeId": 12, "contracts": []}),
        ];
        let listed = by_employee(&items, "contracts", contract);
        assert_eq!(listed.items.len(), 1);
        let c = &listed.items[0].items[0];
        assert_eq!(c.hours_per_week, None, "passed-on field unreadable → None");
        assert_eq!(c.end_date, None);
        assert_eq!(listed.unreadable.len(), 2);
        assert_eq!(listed.unreadable[0].field, "startDate");
        assert!(listed.unreadable[0].employee_id.is_some());
        assert_eq!((listed.unreadable[1].employee_id, listed.unreadable[1].field.as_str()), (None, "employeeId"));
    }

    #[test]
    fn the_bsn_never_prints() {
        let b = bsn(&json!({"BSN": "123456782", "createdAt": "2026-01-01T00:00:00Z"})).unwrap();
        assert!(!format!("{b:?}").contains("123456782"));
    }

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
        let s =
            schedule(&json!({"startDate": "2025-09-01T00:00:00", "hoursPerWeek": 19.200003, "week1": week})).unwrap();
        assert_eq!(
            (s.hours_per_week, s.week1[0], s.week1[1]),
            (Some(Decimal::new(192, 1)), Decimal::new(64, 1), Decimal::new(555, 2))
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
        assert_eq!(keys, vec![(Some(employee), Some(id.parse().unwrap()), Some(20)), (Some(employee), None, None)]);
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
