//! The simulator itself: ASMX-strict request handling, fault shape, the JSON control API,
//! the call log, `serve`, and fidelity to the real Nmbrs sample responses in
//! `../shared/nmbrs/samples/` (read in place).

use std::time::Duration;

use crate::support::nmbrs::*;
use nmbrs_worker::nmbrs::soap::reader::{self, ReadError, Visitor};
use nmbrs_worker::nmbrs::*;
use nmbrs_worker::sim::{self, SimCompany, SimEmployee, Simulator, demo};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/nmbrs/samples");
const EMP_NS: &str = "https://api.nmbrs.nl/soap/v3/EmployeeService";
const COMPANY_NS: &str = "https://api.nmbrs.nl/soap/v3/CompanyService";

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{SAMPLES}/{name}")).expect("sample readable")
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><AuthHeaderWithDomain xmlns="{EMP_NS}"><Username>{}</Username><Token>{}</Token><Domain>{}</Domain></AuthHeaderWithDomain></soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"#,
        demo::USERNAME,
        demo::TOKEN,
        demo::DOMAIN
    )
}

/// Posts a raw request; returns status and body.
async fn post(sim: &Simulator, path: &str, action: Option<&str>, content_type: &str, body: String) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/{path}", sim.base_url()))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(a) = action {
        req = req.header("SOAPAction", a);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn client_fault(status: u16, body: &str) -> SoapFault {
    assert_eq!(status, 500, "{body}");
    struct Nothing;
    impl Visitor for Nothing {
        fn leaf(&mut self, _: usize, _: &str, _: Option<&str>) -> Result<(), String> {
            Ok(())
        }
    }
    match reader::read_response(body, "Any", &mut Nothing) {
        Err(ReadError::Fault(f)) => {
            assert_eq!(f.faultcode, "soap:Client", "{body}");
            assert_eq!(f.kind(Operation::ListGetAll), ErrorKind::InvalidData);
            f
        }
        other => panic!("expected a fault, got {other:?}: {body}"),
    }
}

/// A request the simulator must refuse with a `soap:Client` fault whose text contains
/// `expect`: `(SOAPAction header, body, expect)`.
type Refusal = (Option<String>, String, &'static str);

#[tokio::test]
async fn requests_are_checked_as_strictly_as_asmx() {
    let sim = demo_sim().await;
    let path = "EmployeeService.asmx";
    let ct = "text/xml; charset=utf-8";
    let action = |op: &str| Some(format!("\"{EMP_NS}/{op}\""));
    let get_all_op = "Contract_GetAll_AllEmployeesByCompany";
    let get_all = |child: &str| envelope(&format!(r#"<{get_all_op} xmlns="{EMP_NS}">{child}</{get_all_op}>"#));
    let good = get_all("<CompanyID>54613</CompanyID>");
    let insert = |group: &str, tail: &str| {
        envelope(&format!(
            r#"<HourComponentVar_Insert xmlns="{EMP_NS}"><EmployeeId>503293</EmployeeId>{group}{tail}</HourComponentVar_Insert>"#
        ))
    };
    let tail = "<Period>11</Period><Year>2026</Year><UnprotectedMode>false</UnprotectedMode>";
    let group = r#"<Hourcomponent><Id>0</Id><HourCode>1</HourCode><Hours>7.5</Hours><CostCenterId xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></Hourcomponent>"#;

    let (s, b) = post(&sim, path, action(get_all_op).as_deref(), ct, good.clone()).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = post(&sim, path, action("HourComponentVar_Insert").as_deref(), ct, insert(group, tail)).await;
    assert_eq!(s, 200, "{b}");

    let soap_action_header = "did not recognize the value of HTTP Header SOAPAction";
    let not_expected = "was not expected";
    let refusals: Vec<Refusal> = vec![
        (None, good.clone(), "without a valid action parameter"),
        (Some(format!("{EMP_NS}/{get_all_op}")), good.clone(), soap_action_header),
        (action("contract_getall_allemployeesbycompany"), good.clone(), soap_action_header),
        // An operation of the other service; a body that does not match the action.
        (action("List_GetAll"), good.clone(), soap_action_header),
        (action("Salary_GetAll_AllEmployeesByCompany"), good.clone(), not_expected),
        // The v2.1 namespace; `CompanyId` where the WSDL says `CompanyID`; not an int.
        (action(get_all_op), good.replace(EMP_NS, "https://api.nmbrs.nl/soap/v2.1/EmployeeService"), not_expected),
        (action(get_all_op), get_all("<CompanyId>54613</CompanyId>"), "<CompanyId> was not expected"),
        (action(get_all_op), get_all("<CompanyID>x</CompanyID>"), "not in a correct format"),
        // SOAP 1.2 on the 1.1 binding; not XML at all.
        (
            action(get_all_op),
            good.replace("http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"),
            "version mismatch",
        ),
        (action(get_all_op), "<oops".into(), "error in XML document"),
        // `HourComponent` (capital C), WSDL order, and a comma decimal.
        (
            action("HourComponentVar_Insert"),
            insert(&group.replace("Hourcomponent", "HourComponent"), tail),
            "<HourComponent> was not expected",
        ),
        (
            action("HourComponentVar_Insert"),
            insert(group, "<Year>2026</Year><Period>11</Period><UnprotectedMode>false</UnprotectedMode>"),
            not_expected,
        ),
        (action("HourComponentVar_Insert"), insert(&group.replace("7.5", "7,5"), tail), "not in a correct format"),
    ];
    for (soap_action, body, expect) in refusals {
        let (s, b) = post(&sim, path, soap_action.as_deref(), ct, body).await;
        let fault = client_fault(s, &b);
        assert!(fault.faultstring.contains(expect), "{expect:?} in {}", fault.faultstring);
    }
    let (s, _) = post(&sim, path, action(get_all_op).as_deref(), "application/json", good).await;
    assert_eq!(s, 415);
    assert_eq!(sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), NOV).len(), 1, "only the valid insert landed");
}

#[tokio::test]
async fn business_faults_look_like_asmx() {
    let sim = demo_sim().await;
    let body = envelope(&format!(
        r#"<DaysVar_Get xmlns="{EMP_NS}"><EmployeeId>1</EmployeeId><Period>1</Period><Year>2026</Year></DaysVar_Get>"#
    ));
    let (s, b) = post(&sim, "EmployeeService.asmx", Some(&format!("\"{EMP_NS}/DaysVar_Get\"")), "text/xml", body).await;
    assert_eq!(s, 500);
    assert!(b.contains("<faultcode>soap:Server</faultcode>"), "{b}");
    assert!(b.contains("Server was unable to process request. ---&gt; 2003: Unauthorized Access"), "{b}");
    assert!(b.contains("<detail/>") || b.contains("<detail />"), "{b}");
}

async fn post_json(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> reqwest::Response {
    http.post(url).header("Content-Type", "application/json").body(body.to_string()).send().await.unwrap()
}

async fn get_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let text = http.get(url).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_json_control_api_seeds_inspects_and_injects() {
    let sim = Simulator::start().await.unwrap();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/_sim/{p}", sim.base_url());
    let seed = serde_json::json!({
        "domain": "acme",
        "users": [{"username": "u@acme.example", "token": "tok-acme"}],
        "companies": [{
            "company": {"id": 7, "number": 70, "name": "Acme", "loonaangifte_tijdvak": "Month"},
            "period_type": "weekly",
            "current_period": {"year": 2026, "period": 48},
            "hour_codes": [{"code": 1, "description": "Uren"}]
        }],
        "employees": [{"company_id": 7, "employee_type": 1,
                       "snapshot": {"employee_id": 70001, "employee_number": 1, "first_name": "Ada",
                                    "hourly_wage": "15.00", "contract_hours": "0"}}]
    });
    let r = post_json(&http, &url("seed"), &seed).await;
    assert_eq!(r.status(), 204);

    let c = SoapClient::new(fast_config(sim.base_url()), SoapCredentials::new("u@acme.example", "tok-acme", "acme"), 4)
        .unwrap();
    let cp = c.current_period(CompanyId::int(7)).await.unwrap();
    assert_eq!(cp.to_string(), "2026-48-1W");
    let id = c
        .hour_component_var_insert(EmployeeId::int(70001), &hours(1, "3.25"), PayPeriod::new(2026, 53).protected())
        .await
        .unwrap();

    let state = get_json(&http, &url("state")).await;
    let line = &state["domains"]["acme"]["hour_components"]["70001/2026/53"][0];
    assert_eq!(line["id"], id.soap().unwrap());
    assert_eq!(line["hours"], "3.25");
    assert!(!state.to_string().contains("tok-acme"), "tokens are not dumped");

    let faults = serde_json::json!({"script": [{"operation": "List_GetAll", "kind": "fault", "code": 1002, "message": "Unauthorized Access"}]});
    assert_eq!(post_json(&http, &url("faults"), &faults).await.status(), 204);
    let e = c.companies().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingRight { operation: Operation::ListGetAll.name() });
    assert_eq!(c.companies().await.unwrap().len(), 1, "one-shot");

    let calls = get_json(&http, &url("calls")).await;
    assert_eq!(calls["total"], 4);
    assert_eq!(calls["writes"], 1);
    assert_eq!(calls["per_operation"]["List_GetAll"], 2);

    assert_eq!(http.post(url("reset")).send().await.unwrap().status(), 204);
    assert_eq!(c.companies().await.unwrap_err().kind(), ErrorKind::Credentials);
}

#[tokio::test]
async fn the_call_log_separates_reads_from_writes() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    c.companies().await.unwrap();
    c.hour_component_var_get(JAN, NOV).await.unwrap();
    c.days_var_set(JAN, 1, NOV.protected()).await.unwrap();
    c.hour_component_delete(JAN, HourComponentId::int(9)).await.unwrap();
    let _ = c.hour_component_var_insert(JAN, &hours(99, "1"), NOV.protected()).await;
    let calls = sim.calls();
    assert_eq!(calls.len(), 5);
    assert_eq!(sim.write_calls(), 3, "refused writes count as write calls too");
    assert_eq!(calls[4].outcome, "fault:2001");
    assert_eq!(calls[0].domain, demo::DOMAIN);
}

#[tokio::test]
async fn serve_runs_the_demo_until_shutdown() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sim::serve(addr, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    let c = SoapClient::new(fast_config(&base), SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN), 4)
        .unwrap();
    let mut companies = Err(None);
    for _ in 0..50 {
        match c.companies().await {
            Ok(list) => {
                companies = Ok(list);
                break;
            }
            Err(e) => companies = Err(Some(e)),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(companies.unwrap().len(), 2);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

/// `(depth, local name, trimmed text)` of every element: the XML minus namespaces,
/// prefixes and formatting.
fn shape(xml: &str) -> Vec<(usize, String, String)> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let (mut depth, mut out) = (0usize, Vec::new());
    loop {
        match r.read_event().unwrap() {
            Event::Start(s) => {
                depth += 1;
                out.push((depth, s.local_name().as_ref().to_owned(), String::new()));
            }
            Event::Empty(s) => out.push((depth + 1, s.local_name().as_ref().to_owned(), String::new())),
            Event::Text(t) => {
                if let Some(last) = out.last_mut() {
                    last.2.push_str(t.xml10_content().trim());
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => return out,
            _ => {}
        }
    }
}

#[tokio::test]
async fn real_samples_parse_and_the_simulator_answers_identically() {
    // The parser reads the real (v2.1-namespace) samples.
    let companies_xml = sample("CompanyService.List_GetAll.v2.1.response.xml");
    let companies: Vec<Company> = reader::read_list(&companies_xml, "List_GetAll", "Company").unwrap().items;
    assert_eq!(
        companies,
        vec![Company {
            id: CompanyId::int(54613),
            number: 444445,
            name: Some("DEMO B.V. 2".into()),
            loonaangifte_tijdvak: "Month".into(),
            ..Default::default()
        }]
    );
    let employees_xml = sample("EmployeeService.List_GetByCompany.v2.1.response.xml");
    let employees: Vec<EmployeeListItem> =
        reader::read_list(&employees_xml, "List_GetByCompany", "Employee").unwrap().items;
    assert_eq!(
        employees,
        vec![
            EmployeeListItem { id: EmployeeId::int(503293), number: 1, display_name: Some("Jan de Vries".into()) },
            EmployeeListItem { id: EmployeeId::int(503294), number: 2, display_name: Some("Anton de Jong".into()) },
        ]
    );

    // The simulator, seeded with the same data, answers with the same XML shape…
    let sim = Simulator::start().await.unwrap();
    sim.add_user("d", "u", "t");
    sim.seed_company(
        "d",
        SimCompany {
            company: companies[0].clone(),
            period_type: PeriodType::Monthly,
            current_period: PayPeriod::new(2026, 11),
            hour_codes: vec![],
            hour_codes2: vec![],
            wage_codes: vec![],
            wage_codes2: vec![],
        },
    );
    for (e, (first, last)) in employees.iter().zip([("Jan", "Vries"), ("Anton", "Jong")]) {
        sim.seed_employee(
            "d",
            SimEmployee {
                company_id: 54613,
                employee_type: 1,
                snapshot: EmployeeSnapshot {
                    employee_id: e.id,
                    employee_number: e.number,
                    first_name: Some(first.into()),
                    prefix: Some("de".into()),
                    last_name: Some(last.into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
    }
    sim.state().capture = true;
    let c = SoapClient::new(fast_config(sim.base_url()), SoapCredentials::new("u", "t", "d"), 4).unwrap();
    // …which the client parses identically.
    assert_eq!(c.companies().await.unwrap(), companies);
    assert_eq!(c.employees_by_company(CompanyId::int(54613), 1).await.unwrap(), employees);

    let requests = sim.state().requests.clone();
    for ((op, body), (sample_xml, path, ns)) in requests
        .iter()
        .zip([(&companies_xml, "CompanyService.asmx", COMPANY_NS), (&employees_xml, "EmployeeService.asmx", EMP_NS)])
    {
        let (status, answer) =
            post(&sim, path, Some(&format!("\"{ns}/{}\"", op.name())), "text/xml", body.clone()).await;
        assert_eq!(status, 200);
        assert_eq!(shape(&answer), shape(sample_xml), "{op}");
        assert!(answer.contains(&format!(r#"<{}Response xmlns="{ns}">"#, op.name())));
    }
}

/// A `Company_GetCurrentPeriod` answer naming `period` (e.g. `2027-5-M`), as Nmbrs sends it.
fn current_period_body(period: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Company_GetCurrentPeriodResponse xmlns="{COMPANY_NS}"><Company_GetCurrentPeriodResult>{period}</Company_GetCurrentPeriodResult></Company_GetCurrentPeriodResponse></soap:Body></soap:Envelope>"#
    )
}

#[tokio::test]
async fn canned_answers_are_served_once_or_sticky_per_operation_and_company() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    let http = reqwest::Client::new();
    let seeded = c
        .current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA)))
        .await
        .unwrap()
        .to_string();
    let other = c
        .current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::CATERING)))
        .await
        .unwrap()
        .to_string();

    // One-shot over the JSON API, aimed at one company: only its next call is canned.
    let faults = serde_json::json!({"script": [{
        "operation": "Company_GetCurrentPeriod", "company_id": demo::CATERING,
        "kind": "canned", "body": current_period_body("2027-5-M")
    }]});
    assert_eq!(post_json(&http, &format!("{}/_sim/faults", sim.base_url()), &faults).await.status(), 204);
    assert_eq!(
        c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA)))
            .await
            .unwrap()
            .to_string(),
        seeded,
        "other company"
    );
    assert_eq!(
        c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::CATERING)))
            .await
            .unwrap()
            .to_string(),
        "2027-5-M"
    );
    assert_eq!(
        c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::CATERING)))
            .await
            .unwrap()
            .to_string(),
        other,
        "one-shot"
    );

    // Sticky from Rust: every call, until the faults are replaced.
    sim.canned_sticky(Operation::CompanyGetCurrentPeriod, None, current_period_body("2027-6-M"));
    for company in [demo::HORECA, demo::CATERING, demo::HORECA] {
        assert_eq!(
            c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(company)))
                .await
                .unwrap()
                .to_string(),
            "2027-6-M"
        );
    }
    let calls = sim.calls();
    let canned = calls.iter().filter(|r| r.outcome == "injected:canned").count();
    assert_eq!(canned, 4, "{calls:?}");
    sim.set_faults(sim::FaultConfig::default());
    assert_eq!(
        c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA)))
            .await
            .unwrap()
            .to_string(),
        seeded
    );
}
