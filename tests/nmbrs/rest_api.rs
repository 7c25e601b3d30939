//! `RestClient` as a full `NmbrsApi` (issue 9), against the simulator's REST face over real HTTP:
//! for every trait method the REST answer equals what the SOAP face answers for the same state
//! (the simulator's one state), modulo ids (SOAP ids mapped to REST ids with the simulator's
//! `rest_id`) and fields one API does not have; unreadable records named on both; days set right
//! under both `DaysPost` behaviours; a SOAP id refused without a call; team reads costing a
//! number of calls per company that does not grow with its employees.

use std::collections::BTreeMap;

use super::rest_client::World;
use crate::support::nmbrs::demo_client;
use nmbrs_worker::domain::nmbrs_failure::{BucketOutcome, FailureScope, Treatment, treat};
use nmbrs_worker::nmbrs::*;
use nmbrs_worker::sim::{
    SimState, demo,
    rest::{DaysPost, GrantSpec, RestSettings, ids::IdKind, ids::rest_id},
};
use rust_decimal::Decimal;

const DOMAIN: &str = demo::DOMAIN;
const JAN: i32 = 503293;
const ANTON: i32 = 503294;
const PIETER: i32 = 503296;
const NOV: PayPeriod = PayPeriod { year: 2026, period: 11 };

/// The REST id of a SOAP id of `kind` (a REST id stays).
fn rest(kind: IdKind, id: NmbrsId) -> NmbrsId {
    match id {
        NmbrsId::Int(i) => NmbrsId::Uuid(rest_id(DOMAIN, kind, i.into())),
        other => other,
    }
}

fn company(id: i32) -> CompanyId {
    CompanyId(rest(IdKind::Company, NmbrsId::Int(id)))
}

fn employee(id: i32) -> EmployeeId {
    EmployeeId(rest(IdKind::Employee, NmbrsId::Int(id)))
}

fn soap_company(id: i32) -> CompanyId {
    CompanyId::int(id)
}

/// The demo state with each employee's personal-info history holding the snapshot's phone (the
/// demo seeds it only in the snapshot), so both faces serve one truth.
fn aligned_state() -> SimState {
    let mut state = demo::state();
    for e in state.domains.get_mut(DOMAIN).unwrap().employees.values_mut() {
        let phone = e.snapshot.telephone_mobile_private.as_deref().map(str::to_owned);
        e.personal_infos.iter_mut().for_each(|p| p.telephone_mobile_private = phone.clone());
    }
    state
}

async fn world() -> World {
    World::with_state(aligned_state(), GrantSpec::default(), |t| t).await
}

/// REST calls (not token calls) the simulator recorded, by operation.
fn rest_calls(w: &World) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in w.sim.calls().into_iter().filter(|c| c.operation.contains(" /api/")) {
        *out.entry(c.operation).or_default() += 1;
    }
    out
}

fn by_employee<T>(list: Listed<PerEmployee<T>>, map: impl Fn(T) -> T) -> BTreeMap<EmployeeId, Vec<T>> {
    list.items
        .into_iter()
        .map(|l| (EmployeeId(rest(IdKind::Employee, l.employee_id.0)), l.items.into_iter().map(&map).collect()))
        .collect()
}

#[tokio::test]
async fn company_reads_answer_as_on_soap_and_read_the_period_once() {
    let w = world().await;
    let (api, soap): (&dyn NmbrsApi, &dyn NmbrsApi) = (&w.client, &demo_client(&w.sim));

    let view = |cs: Vec<Company>| -> Vec<(NmbrsId, i32, Option<String>)> {
        cs.into_iter().map(|c| (rest(IdKind::Company, c.id.0), c.number, c.name)).collect()
    };
    assert_eq!(view(api.companies().await.unwrap()), view(soap.companies().await.unwrap()));

    for id in [demo::HORECA, demo::CATERING] {
        let (r, s) = (company(id), soap_company(id));
        assert_eq!(api.current_period(r).await.unwrap(), soap.current_period(s).await.unwrap());
        // REST has one hour model: both SOAP models, each code once; the second is empty.
        let mut both = soap.hour_codes(s).await.unwrap();
        both.extend(soap.hour_codes2(s).await.unwrap());
        assert_eq!(api.hour_codes(r).await.unwrap(), both);
        assert_eq!(api.hour_codes2(r).await.unwrap(), Vec::new());
        assert_eq!(api.wage_codes(r).await.unwrap(), soap.wage_codes(s).await.unwrap());
        assert_eq!(api.wage_codes2(r).await.unwrap(), soap.wage_codes2(s).await.unwrap());
    }
    let calls = rest_calls(&w);
    assert_eq!(calls["GET /api/companies/{companyId}/period"], 2, "once per company: {calls:?}");
    assert_eq!(calls["GET /api/companies/{companyId}/wagemodels"], 2, "once per company: {calls:?}");
    assert_eq!(calls["GET /api/companies/{companyId}/hourcodes"], 2, "hour_codes2 makes no call: {calls:?}");
    w.assert_valid_traffic();
}

/// A snapshot with its id as REST's.
fn snapshot_view(mut s: EmployeeSnapshot) -> EmployeeSnapshot {
    s.employee_id = EmployeeId(rest(IdKind::Employee, s.employee_id.0));
    s
}

/// A snapshot's fields by name, without the BSN (so a failure shows the difference, no BSN),
/// decimals without trailing zeros (REST sends JSON numbers: `15.00` arrives as `15`).
fn fields(s: &EmployeeSnapshot) -> serde_json::Value {
    let mut s = s.clone();
    for d in [&mut s.hourly_wage, &mut s.salary_value, &mut s.contract_hours] {
        *d = d.map(|d| d.normalize());
    }
    let mut v = serde_json::to_value(s).unwrap();
    v.as_object_mut().unwrap().remove("bsn");
    v
}

#[tokio::test]
async fn team_reads_answer_as_on_soap() {
    let w = world().await;
    let (api, soap): (&dyn NmbrsApi, &dyn NmbrsApi) = (&w.client, &demo_client(&w.sim));
    for id in [demo::HORECA, demo::CATERING] {
        let (r, s) = (company(id), soap_company(id));

        let rest_snaps = api.employee_snapshots(r).await.unwrap();
        let soap_snaps = soap.employee_snapshots(s).await.unwrap();
        assert!(rest_snaps.unreadable.is_empty() && soap_snaps.unreadable.is_empty());
        let mut expected: Vec<_> = soap_snaps.items.into_iter().map(snapshot_view).collect();
        let mut got: Vec<_> = rest_snaps.items.into_iter().map(snapshot_view).collect();
        expected.sort_by_key(|e| e.employee_id);
        got.sort_by_key(|e| e.employee_id);
        assert!(!got.is_empty());
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(fields(g), fields(e), "{:?}: every field but the BSN", e.employee_id);
            assert!(g.bsn.is_some() && g.bsn == e.bsn, "{:?}: the BSN", e.employee_id);
            assert_eq!(g, e);
        }
        assert_eq!(got.len(), expected.len());

        // Contracts: REST has no employment type, tax sequence or phase.
        let soap_contracts = by_employee(soap.contracts(s).await.unwrap(), |c| Contract {
            contract_id: ContractId(rest(IdKind::Contract, c.contract_id.0)),
            employement_type: None,
            employment_sequence_tax_id: None,
            phase_classification: None,
            ..c
        });
        assert_eq!(by_employee(api.contracts(r).await.unwrap(), |c| c), soap_contracts);

        let soap_salaries = by_employee(soap.salaries(s).await.unwrap(), |x| Salary {
            id: SalaryId(rest(IdKind::Salary, x.id.0)),
            ..x
        });
        assert_eq!(by_employee(api.salaries(r).await.unwrap(), |x| x), soap_salaries);

        // A schedule's SOAP id is a decimal; REST's UUID is not kept.
        let soap_schedules = by_employee(soap.schedules(s).await.unwrap(), |x| Schedule { id: Decimal::ZERO, ..x });
        assert_eq!(by_employee(api.schedules(r).await.unwrap(), |x| x), soap_schedules);

        // Personal info: REST keeps the BSN elsewhere and has no nationality code.
        let soap_infos = by_employee(soap.personal_infos(s).await.unwrap(), |p| PersonalInfo {
            id: EmployeeId(rest(IdKind::PersonalInfo, p.id.0)),
            bsn: None,
            nationality_code: 0,
            ..p
        });
        let rest_infos = by_employee(api.personal_infos(r).await.unwrap(), |p| p);
        assert_eq!(rest_infos, soap_infos);

        let list = |items: Vec<EmployeeListItem>| -> Vec<(NmbrsId, i32, Option<String>)> {
            let mut v: Vec<_> =
                items.into_iter().map(|e| (rest(IdKind::Employee, e.id.0), e.number, e.display_name)).collect();
            v.sort();
            v
        };
        for kind in [1, 2] {
            assert_eq!(
                list(api.employees_by_company(r, kind).await.unwrap()),
                list(soap.employees_by_company(s, kind).await.unwrap()),
                "employee type {kind}"
            );
        }

        let period = soap.current_period(s).await.unwrap().period;
        for e in &expected {
            let soap_id = EmployeeId::int(
                w.sim.state().domains[DOMAIN]
                    .employees
                    .values()
                    .find(|x| employee(x.id()) == e.employee_id)
                    .unwrap()
                    .id(),
            );
            assert_eq!(
                api.estimated_cost_per_hour(e.employee_id, period).await.unwrap(),
                soap.estimated_cost_per_hour(soap_id, period).await.unwrap(),
                "{soap_id}"
            );
        }
    }
    w.assert_valid_traffic();
}

#[tokio::test]
async fn team_reads_cost_the_same_calls_per_company_whatever_its_size() {
    let mut per_size = Vec::new();
    for extra in [0, 80] {
        let mut state = aligned_state();
        state.apply_seed(demo::scaled(extra));
        let w = World::with_state(state, GrantSpec::default(), |t| t).await;
        let api: &dyn NmbrsApi = &w.client;
        let horeca = company(demo::HORECA);
        let snaps = api.employee_snapshots(horeca).await.unwrap();
        assert_eq!(snaps.items.len(), 7 + extra);
        api.contracts(horeca).await.unwrap();
        api.salaries(horeca).await.unwrap();
        api.schedules(horeca).await.unwrap();
        for s in &snaps.items {
            api.estimated_cost_per_hour(s.employee_id, NOV).await.unwrap();
        }
        per_size.push(rest_calls(&w));
        w.assert_valid_traffic();
    }
    assert_eq!(per_size[0], per_size[1], "7 or 87 employees: the same calls");
    let calls = &per_size[0];
    assert_eq!(calls["GET /api/companies/{companyId}/employees/costperhour"], 1, "one cost read for all: {calls:?}");
    assert_eq!(calls.values().sum::<usize>(), 9, "seven for the snapshot, then schedules and cost: {calls:?}");
}

#[tokio::test]
async fn unreadable_records_are_named_on_both_faces() {
    let mut state = aligned_state();
    let employees = &mut state.domains.get_mut(DOMAIN).unwrap().employees;
    employees.get_mut(&PIETER).unwrap().contracts[0].start_date = None;
    // A BSN is only a value passed on: without one, an employee is read, with a null BSN.
    let anton = employees.get_mut(&ANTON).unwrap();
    anton.snapshot.bsn = None;
    anton.personal_infos.iter_mut().for_each(|p| p.bsn = None);
    let w = World::with_state(state, GrantSpec::default(), |t| t).await;
    let (api, soap): (&dyn NmbrsApi, &dyn NmbrsApi) = (&w.client, &demo_client(&w.sim));
    let (r, s) = (company(demo::HORECA), soap_company(demo::HORECA));

    let soap_contracts = soap.contracts(s).await.unwrap();
    let rest_contracts = api.contracts(r).await.unwrap();
    let soap_named: Vec<EmployeeId> =
        soap_contracts.unreadable_employees().into_iter().map(|e| EmployeeId(rest(IdKind::Employee, e.0))).collect();
    assert_eq!(soap_named, vec![employee(PIETER)]);
    assert_eq!(rest_contracts.unreadable_employees(), soap_named);
    assert!(rest_contracts.unreadable.iter().all(|u| u.field == "startDate"), "{:?}", rest_contracts.unreadable);

    // The snapshot names him unreadable (his contract dates decide) and lists the others.
    let snaps = api.employee_snapshots(r).await.unwrap();
    assert_eq!(snaps.unreadable_employees(), vec![employee(PIETER)]);
    assert!(!snaps.items.iter().any(|x| x.employee_id == employee(PIETER)));
    assert_eq!(snaps.items.len(), 6);
    let rest_anton = snaps.items.iter().find(|x| x.employee_id == employee(ANTON)).expect("Anton is read");
    let soap_snaps = soap.employee_snapshots(s).await.unwrap();
    let soap_anton = soap_snaps.items.iter().find(|x| x.employee_id == EmployeeId::int(ANTON)).unwrap();
    assert_eq!((rest_anton.bsn.as_deref(), soap_anton.bsn.as_deref()), (None, None));
    assert_eq!(fields(rest_anton), fields(&snapshot_view(soap_anton.clone())));
    w.assert_valid_traffic();
}

fn hour_line(code: i32, hours: &str, comment: &str) -> NewHourComponent {
    NewHourComponent {
        hour_code: HourCode(code),
        hours: hours.parse().unwrap(),
        cost_center_id: None,
        cost_unit_id: None,
        comment: Some(comment.into()),
    }
}

fn wage_line(code: i32, value: &str, comment: &str) -> NewWageComponent {
    NewWageComponent {
        code: WageCode(code),
        value: value.parse().unwrap(),
        cost_center_id: None,
        cost_unit_id: None,
        comment: Some(comment.into()),
    }
}

#[tokio::test]
async fn lines_answer_as_on_soap_and_carry_their_marker() {
    let w = world().await;
    let (api, soap): (&dyn NmbrsApi, &dyn NmbrsApi) = (&w.client, &demo_client(&w.sim));
    let (jan, anton) = (employee(JAN), employee(ANTON));

    // Hours: inserted through REST with the marker, through SOAP without one.
    let id = api.hour_component_var_insert(jan, &hour_line(1, "7.5", "[EJ-1] eitje"), NOV.protected()).await.unwrap();
    soap.hour_component_var_insert(EmployeeId::int(JAN), &hour_line(20, "2", "soap"), NOV.protected()).await.unwrap();
    let rest_lines = api.hour_component_var_get(jan, NOV).await.unwrap();
    let soap_lines = soap.hour_component_var_get(EmployeeId::int(JAN), NOV).await.unwrap();
    let strip = |l: &HourComponentLine| (rest(IdKind::HourComponent, l.id.0), l.hour_code, l.hours);
    assert_eq!(
        rest_lines.items.iter().map(strip).collect::<Vec<_>>(),
        soap_lines.items.iter().map(strip).collect::<Vec<_>>()
    );
    assert_eq!(rest_lines.items[0].id, id);
    assert_eq!(rest_lines.items[0].comment.as_deref(), Some("[EJ-1] eitje"), "the marker is the line's comment");
    assert!(api.hour_component_delete(jan, id).await.unwrap());
    assert!(!api.hour_component_delete(jan, id).await.unwrap(), "gone already (404 40401): done, nothing deleted");
    assert_eq!(soap.hour_component_var_get(EmployeeId::int(JAN), NOV).await.unwrap().items.len(), 1);

    // Wage lines: company-wide, so the adapter must know the employees' company first.
    api.contracts(company(demo::HORECA)).await.unwrap();
    let wid =
        api.wage_component_var_insert(jan, &wage_line(410, "12.40", "[EJ-2] eitje"), NOV.protected()).await.unwrap();
    soap.wage_component_var_insert(EmployeeId::int(ANTON), &wage_line(400, "3", "soap"), NOV.protected())
        .await
        .unwrap();
    let before = rest_calls(&w).get("GET /api/companies/{companyId}/employees/variablewagecomponents").copied();
    let (rest_jan, rest_anton) =
        (api.wage_component_var_get(jan, NOV).await.unwrap(), api.wage_component_var_get(anton, NOV).await.unwrap());
    let wage_reads = rest_calls(&w)["GET /api/companies/{companyId}/employees/variablewagecomponents"];
    assert_eq!(wage_reads, before.unwrap_or(0) + 1, "one company-wide read answers both employees");
    let strip = |l: &WageComponentLine| (rest(IdKind::WageComponent, l.id.0), l.code, l.value);
    for (emp, got) in [(JAN, &rest_jan), (ANTON, &rest_anton)] {
        let expected = soap.wage_component_var_get(EmployeeId::int(emp), NOV).await.unwrap();
        assert_eq!(
            got.items.iter().map(strip).collect::<Vec<_>>(),
            expected.items.iter().map(strip).collect::<Vec<_>>(),
            "{emp}"
        );
        assert_eq!(got.items.len(), 1);
    }
    assert_eq!((rest_jan.items[0].id, rest_jan.items[0].comment.as_deref()), (wid, Some("[EJ-2] eitje")));
    // A write makes the next read ask Nmbrs again.
    assert!(api.wage_component_delete(jan, wid).await.unwrap());
    assert!(api.wage_component_var_get(jan, NOV).await.unwrap().items.is_empty());
    assert!(!api.wage_component_delete(jan, wid).await.unwrap());

    // A closed period: refused without unprotected mode, written with it, to that period.
    let october = PayPeriod::new(2026, 10);
    let e = api.hour_component_var_insert(jan, &hour_line(1, "3", "[EJ-3]"), october.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidData, "{e}");
    api.hour_component_var_insert(jan, &hour_line(1, "3", "[EJ-3]"), october.unprotected()).await.unwrap();
    assert_eq!(soap.hour_component_var_get(EmployeeId::int(JAN), october).await.unwrap().items.len(), 1);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn days_end_on_the_wanted_number_under_both_behaviours() {
    // (held before, wanted): none, more, fewer, equal, to zero.
    let cases = [(0, 5), (3, 8), (8, 3), (5, 5), (6, 0)];
    for behaviour in [DaysPost::Replace, DaysPost::Add] {
        let w = world().await;
        w.sim.set_rest_settings(RestSettings { days_post: behaviour, ..Default::default() });
        let (api, soap): (&dyn NmbrsApi, &dyn NmbrsApi) = (&w.client, &demo_client(&w.sim));
        for (i, (start, wanted)) in cases.into_iter().enumerate() {
            // One period per case, so each starts from its own days.
            let period = PayPeriod::new(2026, 11 - i as u8);
            if start > 0 {
                w.sim.state().domains.get_mut(DOMAIN).unwrap().days.insert((JAN, period.year, period.period), start);
            }
            let posts_before =
                rest_calls(&w).get("POST /api/employees/{employeeId}/variabledays").copied().unwrap_or(0);
            let result = api.days_var_set(employee(JAN), wanted, period.unprotected()).await;
            let posts = rest_calls(&w).get("POST /api/employees/{employeeId}/variabledays").copied().unwrap_or(0)
                - posts_before;
            let held = w.sim.days(DOMAIN, JAN, period).unwrap_or(0);
            let case = format!("{behaviour:?} {start} → {wanted}");
            if behaviour == DaysPost::Add && wanted < start {
                // Down under "adds" needs a negative POST, which Nmbrs refuses: refused, unchanged.
                let e = result.unwrap_err();
                assert_eq!(e.kind(), ErrorKind::InvalidData, "{case}: {e}");
                assert_eq!(treat(e.kind(), FailureScope::Bucket), Treatment::Bucket(BucketOutcome::Refused), "{case}");
                assert_eq!(held, start, "{case}: never made worse");
            } else {
                let sent = result.unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(u64::from(sent), posts as u64, "{case}: every POST is counted as a write call");
                assert_eq!(held, wanted, "{case}");
                assert_eq!(api.days_var_get(employee(JAN), period).await.unwrap(), wanted, "{case}");
                assert_eq!(soap.days_var_get(EmployeeId::int(JAN), period).await.unwrap(), wanted, "{case}");
            }
            assert!(posts <= 2, "{case}: {posts} POSTs");
            // The second case shows what a POST does; later ones use it: one POST at most.
            assert!(i < 2 || posts <= 1, "{case}: {posts} POSTs once the behaviour is known");
            assert_eq!(posts == 0, start == wanted, "{case}: no POST exactly when already right");
        }
        w.assert_valid_traffic();
    }
}

#[tokio::test]
async fn a_soap_id_is_refused_without_a_call() {
    let w = world().await;
    let api: &dyn NmbrsApi = &w.client;
    let (horeca_int, soap_jan) = (CompanyId::int(demo::HORECA), EmployeeId::int(JAN));

    let e = api.current_period(horeca_int).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoAccess);
    assert!(e.to_string().contains("SOAP id"), "{e}");
    assert_eq!(api.employee_snapshots(horeca_int).await.unwrap_err().kind(), ErrorKind::NoAccess);
    assert_eq!(api.hour_codes2(horeca_int).await.unwrap_err().kind(), ErrorKind::NoAccess);
    assert_eq!(api.wage_codes(horeca_int).await.unwrap_err().kind(), ErrorKind::NoAccess);
    assert_eq!(api.hour_component_var_get(soap_jan, NOV).await.unwrap_err().kind(), ErrorKind::UnknownEmployee);
    assert_eq!(api.days_var_set(soap_jan, 3, NOV.protected()).await.unwrap_err().kind(), ErrorKind::UnknownEmployee);
    let line = HourComponentId::int(7);
    assert_eq!(api.hour_component_delete(employee(JAN), line).await.unwrap_err().kind(), ErrorKind::InvalidData);
    // SOAP cost centre ids cannot be sent either.
    let mut with_centre = hour_line(1, "1", "[EJ-9]");
    with_centre.cost_center_id = Some(7);
    let e = api.hour_component_var_insert(employee(JAN), &with_centre, NOV.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidData);
    // An employee whose company the adapter has not read: a clear error, no guess.
    let e = api.estimated_cost_per_hour(employee(JAN), NOV).await.unwrap_err();
    assert!(e.to_string().contains("company is not known"), "{e}");
    assert_eq!(api.wage_component_var_get(employee(JAN), NOV).await.unwrap_err().kind(), e.kind());
    assert_eq!(rest_calls(&w), BTreeMap::new(), "nothing was sent");
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_lost_days_reply_is_read_back_and_the_days_still_end_right() {
    use nmbrs_worker::sim::rest::RestInjected;
    for behaviour in [DaysPost::Replace, DaysPost::Add] {
        let w = world().await;
        w.sim.set_rest_settings(RestSettings { days_post: behaviour, ..Default::default() });
        w.sim.state().domains.get_mut(DOMAIN).unwrap().days.insert((JAN, NOV.year, NOV.period), 3);
        // The first POST lands, its reply is lost: not in doubt, the read-back shows what holds.
        w.sim.inject_rest(Some("POST /api/employees/{employeeId}/variabledays"), RestInjected::LostReply);
        let api: &dyn NmbrsApi = &w.client;
        api.days_var_set(employee(JAN), 8, NOV.protected()).await.unwrap_or_else(|e| panic!("{behaviour:?}: {e}"));
        assert_eq!(w.sim.days(DOMAIN, JAN, NOV), Some(8), "{behaviour:?}");
        let posts: Vec<String> =
            w.sim.calls().into_iter().filter(|c| c.operation.starts_with("POST /api")).map(|c| c.outcome).collect();
        assert_eq!(posts[0], "injected:lost_reply", "{behaviour:?}: {posts:?}");
        w.assert_valid_traffic();
    }
}
