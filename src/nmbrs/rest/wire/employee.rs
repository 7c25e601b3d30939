//! The per-employee REST records of the company-wide reads: employees, personal info, BSNs,
//! contracts, employments, addresses, salaries and schedules (each wire struct, every field a
//! [`Field`], and its converter).

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::company::WPeriod;
use super::{Field, Obj, Unread, record};
use crate::nmbrs::rest::ids::*;
use crate::nmbrs::rest::records::*;

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::by_employee;
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
}
