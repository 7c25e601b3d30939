//! Validates what goes over the wire against the XML Schema inside the real Nmbrs WSDLs
//! (`../shared/nmbrs/wsdl/`, read in place, rewritten to the v3 namespace in memory):
//! the client's request envelope of every operation (operation element and
//! `AuthHeaderWithDomain` header) and the simulator's response to each. Needs `xmllint`
//! (Debian `libxml2-utils`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::nmbrs::*;
use nmbrs_worker::nmbrs::{Operation, Service};

const WSDL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/nmbrs/wsdl");
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The `AuthHeaderWithDomain` types as published in the EmployeeService WSDL; the saved
/// v2.1 CompanyService WSDL predates them (v3 has them on every service).
const AUTH_HEADER_WITH_DOMAIN: &str = r#"
      <s:element name="AuthHeaderWithDomain" type="tns:AuthHeaderWithDomain" />
      <s:complexType name="AuthHeaderWithDomain">
        <s:complexContent mixed="false">
          <s:extension base="tns:AuthHeader">
            <s:sequence>
              <s:element minOccurs="0" maxOccurs="1" name="Domain" type="s:string" />
            </s:sequence>
          </s:extension>
        </s:complexContent>
      </s:complexType>
"#;

/// v3 additions to `EmployeeContract` (OPERATIONS.md §4.11).
const CONTRACT_V3_FIELDS: &str = r#"<s:element minOccurs="0" maxOccurs="1" name="PhaseClassification" nillable="true" type="s:int" />
          <s:element minOccurs="0" maxOccurs="1" name="WrittenContract" nillable="true" type="s:boolean" />
          <s:element minOccurs="0" maxOccurs="1" name="HoursPerWeek" nillable="true" type="s:decimal" />
          "#;

fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(start) {
        let Some(j) = rest[i..].find(end) else { break };
        out.push(&rest[i..i + j + end.len()]);
        rest = &rest[i + j + end.len()..];
    }
    out
}

/// Replaces the first `from` after `anchor` with `to`.
fn patch_after(text: &mut String, anchor: &str, from: &str, to: &str) {
    let a = text.find(anchor).unwrap_or_else(|| panic!("{anchor} not in WSDL"));
    let i = a + text[a..].find(from).unwrap_or_else(|| panic!("{from} not after {anchor}"));
    text.replace_range(i..i + from.len(), to);
}

/// Writes `<dir>/service.xsd` (+ `ms.xsd`) for `file`, in the v3 namespace.
fn write_schema(file: &str, dir: &Path) -> PathBuf {
    let wsdl = std::fs::read_to_string(Path::new(WSDL_DIR).join(file)).expect("WSDL readable");
    let wsdl = wsdl.replace("soap/v2.1", "soap/v3");
    let root = &between(&wsdl, "<wsdl:definitions", ">")[0];
    let decls: Vec<&str> =
        root.split_whitespace().filter(|a| a.starts_with("xmlns:")).map(|a| a.trim_end_matches('>')).collect();
    let schemas = between(&wsdl, "<s:schema", "</s:schema>");
    let with_decls = |schema: &str| {
        let extra: Vec<&str> = decls
            .iter()
            .copied()
            .filter(|d| !schema[..schema.find('>').unwrap()].contains(d.split('=').next().unwrap()))
            .collect();
        schema.replacen("<s:schema", &format!("<s:schema {}", extra.join(" ")), 1)
    };
    let mut main = with_decls(schemas[0]);
    main = main.replace(
        r#"<s:import namespace="http://microsoft.com/wsdl/types/" />"#,
        r#"<s:import namespace="http://microsoft.com/wsdl/types/" schemaLocation="ms.xsd" />"#,
    );
    if file.starts_with("Employee") {
        // v3: `List_GetByCompany(CompanyId, EmployeeType: int)` instead of `active`.
        patch_after(
            &mut main,
            r#"<s:element name="List_GetByCompany">"#,
            r#"name="active" type="tns:Active""#,
            r#"name="EmployeeType" type="s:int""#,
        );
        patch_after(
            &mut main,
            r#"<s:complexType name="EmployeeContract">"#,
            "</s:sequence>",
            &format!("{CONTRACT_V3_FIELDS}</s:sequence>"),
        );
    } else if !main.contains(r#"name="AuthHeaderWithDomain""#) {
        main = main.replacen("</s:schema>", &format!("{AUTH_HEADER_WITH_DOMAIN}</s:schema>"), 1);
    }
    std::fs::write(dir.join("ms.xsd"), with_decls(schemas[1])).unwrap();
    let path = dir.join("service.xsd");
    std::fs::write(&path, main).unwrap();
    path
}

/// The element `<name …>…</name>` (or `<name …/>`) of `xml`, standalone with `xsi`.
fn fragment(xml: &str, name: &str) -> String {
    let start = xml
        .find(&format!("<{name} "))
        .or_else(|| xml.find(&format!("<{name}>")))
        .unwrap_or_else(|| panic!("<{name}> not in {xml}"));
    let rest = &xml[start..];
    let open_end = rest.find('>').unwrap();
    let len = if rest[..open_end].ends_with('/') {
        open_end + 1
    } else {
        let close = format!("</{name}>");
        rest.find(&close).unwrap() + close.len()
    };
    rest[..len].replacen(&format!("<{name}"), &format!("<{name} xmlns:xsi=\"{XSI}\""), 1)
}

fn xmllint(schema: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .args(files)
        .output()
        .expect("xmllint is installed (apt-get install libxml2-utils)");
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success(), text)
}

#[tokio::test]
async fn requests_and_responses_of_every_operation_match_the_wsdl_schema() {
    let sim = demo_sim().await;
    sim.state().capture = true;
    call_every_operation(&demo_client(&sim)).await;
    let requests = sim.state().requests.clone();
    let ops: std::collections::BTreeSet<_> = requests.iter().map(|(op, _)| *op).collect();
    assert_eq!(ops.len(), Operation::ALL.len(), "every operation was sent");

    let http = reqwest::Client::new();
    let tmp = tempfile::tempdir().unwrap();
    for (service, wsdl) in
        [(Service::Employee, "EmployeeService.v2.1.wsdl"), (Service::Company, "CompanyService.v2.1.wsdl")]
    {
        let dir = tmp.path().join(service.path());
        std::fs::create_dir_all(&dir).unwrap();
        let schema = write_schema(wsdl, &dir);
        let mut files = Vec::new();
        for (i, (op, body)) in requests.iter().enumerate() {
            if op.service() != service {
                continue;
            }
            // Replay the request to get the simulator's answer as raw XML.
            let response = http
                .post(format!("{}/{}", sim.base_url(), service.path()))
                .header("Content-Type", "text/xml; charset=utf-8")
                .header("SOAPAction", format!("\"{}\"", op.soap_action()))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{op}");
            let response = response.text().await.unwrap();
            for (kind, xml) in [
                ("header", fragment(body, "AuthHeaderWithDomain")),
                ("request", fragment(body, op.name())),
                ("response", fragment(&response, &format!("{}Response", op.name()))),
            ] {
                let path = dir.join(format!("{i:02}-{}-{kind}.xml", op.name()));
                std::fs::write(&path, xml).unwrap();
                files.push(path);
            }
        }
        let (ok, report) = xmllint(&schema, &files);
        assert!(ok, "{service:?}: {report}");
        assert_eq!(report.matches(" validates").count(), files.len(), "{report}");
    }
}

#[test]
fn the_schema_check_catches_a_misspelt_element() {
    let tmp = tempfile::tempdir().unwrap();
    let schema = write_schema("EmployeeService.v2.1.wsdl", tmp.path());
    let ns = Service::Employee.namespace();
    let wrong = format!(
        r#"<HourComponentVar_Insert xmlns="{ns}"><EmployeeId>1</EmployeeId><HourComponent><Id>0</Id><HourCode>1</HourCode><Hours>1</Hours><CostCenterId xsi:nil="true" xmlns:xsi="{XSI}"/><CostUnitId xsi:nil="true" xmlns:xsi="{XSI}"/></HourComponent><Period>1</Period><Year>2026</Year><UnprotectedMode>false</UnprotectedMode></HourComponentVar_Insert>"#
    );
    let lower =
        format!(r#"<Company_GetCurrentPeriod xmlns="{ns}"><CompanyID>1</CompanyID></Company_GetCurrentPeriod>"#);
    let (a, b) = (tmp.path().join("a.xml"), tmp.path().join("b.xml"));
    std::fs::write(&a, wrong).unwrap();
    std::fs::write(&b, lower).unwrap();
    let (ok, report) = xmllint(&schema, &[a, b]);
    assert!(!ok);
    assert!(report.contains("HourComponent"), "{report}");
    assert!(report.contains("fails to validate"), "{report}");
}
