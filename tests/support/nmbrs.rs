//! Shared helpers of the Nmbrs integration tests: a simulator with the demo dataset on a
//! random port and a client pointed at it with fast retries.

use std::time::Duration;

use nmbrs_worker::nmbrs::*;
use nmbrs_worker::sim::{Simulator, demo};

pub fn fast_config(base_url: &str) -> ClientConfig {
    ClientConfig {
        base_url: base_url.to_owned(),
        timeout: Duration::from_secs(10),
        max_retries: 3,
        retry_min_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(10),
        ..ClientConfig::default()
    }
}

pub async fn demo_sim() -> Simulator {
    Simulator::start_demo().await.expect("simulator starts")
}

pub fn client_as(sim: &Simulator, username: &str, token: &str) -> SoapClient {
    SoapClient::new(
        fast_config(sim.base_url()),
        SoapCredentials::new(username, token, demo::DOMAIN),
        DEFAULT_MAX_CONCURRENCY,
    )
    .expect("client builds")
}

pub fn demo_client(sim: &Simulator) -> SoapClient {
    client_as(sim, demo::USERNAME, demo::TOKEN)
}

pub const JAN: EmployeeId = EmployeeId::int(503293);
pub const NOV: PayPeriod = PayPeriod { year: 2026, period: 11 };

pub fn hours(code: i32, h: &str) -> NewHourComponent {
    NewHourComponent {
        hour_code: HourCode(code),
        hours: h.parse().unwrap(),
        cost_center_id: None,
        cost_unit_id: None,
        comment: Some("eitje <export> & co".into()),
    }
}

pub fn wage(code: i32, v: &str) -> NewWageComponent {
    NewWageComponent {
        code: WageCode(code),
        value: v.parse().unwrap(),
        cost_center_id: Some(7),
        cost_unit_id: None,
        comment: None,
    }
}

/// Calls each of the 21 operations once (successfully against the demo data).
pub async fn call_every_operation(c: &dyn NmbrsApi) {
    let company = CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA));
    c.hour_component_delete(JAN, HourComponentId::int(1)).await.unwrap();
    c.days_var_set(JAN, 3, NOV.protected()).await.unwrap();
    c.days_var_get(JAN, NOV).await.unwrap();
    let hid = c.hour_component_var_insert(JAN, &hours(1, "7.50"), NOV.protected()).await.unwrap();
    c.hour_component_var_get(JAN, NOV).await.unwrap();
    c.hour_component_delete(JAN, hid).await.unwrap();
    let wid = c.wage_component_var_insert(JAN, &wage(410, "12.40"), NOV.protected()).await.unwrap();
    c.wage_component_var_get(JAN, NOV).await.unwrap();
    c.wage_component_delete(JAN, wid).await.unwrap();
    c.employee_snapshots(company).await.unwrap();
    c.personal_infos(company).await.unwrap();
    c.estimated_cost_per_hour(JAN, NOV).await.unwrap();
    c.schedules(company).await.unwrap();
    c.contracts(company).await.unwrap();
    c.salaries(company).await.unwrap();
    c.employees_by_company(company, 1).await.unwrap();
    c.companies().await.unwrap();
    c.current_period(company).await.unwrap();
    c.hour_codes(company).await.unwrap();
    c.hour_codes2(company).await.unwrap();
    c.wage_codes(company).await.unwrap();
    c.wage_codes2(company).await.unwrap();
}
