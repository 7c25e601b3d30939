//! Reads an incoming SOAP request as strictly as ASMX routes it: the SOAPAction must name
//! an operation of the service, the envelope must be SOAP 1.1, the operation element and
//! every child must be in the service namespace with the exact (case-sensitive) names in
//! WSDL order, and every value must parse. Anything else is a `soap:Client` fault.

use std::collections::BTreeMap;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use rust_decimal::Decimal;

use crate::nmbrs::soap::envelope::{SOAP11_NS, XSI_NS};
use crate::nmbrs::soap::records::parse_decimal;
use crate::nmbrs::{Operation, Service};

/// A `soap:Client` fault message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFault(pub String);

/// A small element tree: requests are tiny, a tree keeps the checks readable.
#[derive(Debug, Default)]
struct Elem {
    ns: Option<String>,
    name: String,
    text: String,
    nil: bool,
    children: Vec<Elem>,
}

fn parse_tree(xml: &str) -> Result<Elem, ClientFault> {
    let bad = |e: &dyn std::fmt::Display| {
        ClientFault(format!("Server was unable to read request. ---> There is an error in XML document. ---> {e}"))
    };
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Elem> = vec![Elem::default()];
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|e| bad(&e))?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(n.0.to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => return Err(bad(&format!("unknown prefix {p}"))),
        };
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(s) | Event::Empty(s) => {
                let nil = s.attributes().flatten().any(|a| {
                    let (ans, local) = reader.resolver().resolve_attribute(a.key);
                    matches!(ans, ResolveResult::Bound(n) if n.0 == XSI_NS)
                        && local.as_ref() == "nil"
                        && a.value.as_ref() == "true"
                });
                stack.push(Elem { ns, name: s.local_name().as_ref().to_owned(), nil, ..Default::default() });
                if empty {
                    close(&mut stack);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .ok_or_else(|| bad(&"unknown entity"))?
                        .to_owned(),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::End(_) => close(&mut stack),
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().unwrap_or_default();
    if !stack.is_empty() || root.children.len() != 1 {
        return Err(bad(&"not a single root element"));
    }
    Ok(root.children.remove(0))
}

fn close(stack: &mut Vec<Elem>) {
    if stack.len() > 1 {
        let done = stack.pop().expect("len > 1");
        stack.last_mut().expect("root stays").children.push(done);
    }
}

/// A checked request: operation, auth header and parameter values.
#[derive(Debug)]
pub struct SoapRequest {
    pub operation: Operation,
    pub username: String,
    pub token: String,
    pub domain: String,
    params: BTreeMap<String, Param>,
}

#[derive(Debug)]
enum Param {
    Text(Option<String>),
    Group(BTreeMap<String, Option<String>>),
}

/// Children allowed in the `Hourcomponent` / `WageComponent` groups, in order.
const HOUR_GROUP: &[&str] =
    &["Id", "HourCode", "Hours", "CostCenterId", "CostUnitId", "Comment", "DocumentName", "Attachment"];
const WAGE_GROUP: &[&str] =
    &["Id", "Code", "Value", "CostCenterId", "CostUnitId", "Comment", "DocumentName", "Attachment"];

fn unexpected(name: &str) -> ClientFault {
    ClientFault(format!(
        "Server was unable to read request. ---> There is an error in XML document. ---> <{name}> was not expected."
    ))
}

/// Checks `children` against `allowed` (names, order, namespace) and collects them.
fn ordered<'a>(children: &'a [Elem], allowed: &[&str], ns: &str) -> Result<Vec<&'a Elem>, ClientFault> {
    let mut next = 0;
    let mut out = Vec::new();
    for c in children {
        let pos = allowed[next..].iter().position(|n| *n == c.name);
        match pos {
            Some(p) if c.ns.as_deref() == Some(ns) => {
                next += p + 1;
                out.push(c);
            }
            _ => return Err(unexpected(&c.name)),
        }
    }
    Ok(out)
}

/// Parses and checks a request for `service` with the raw `SOAPAction` header value.
pub fn parse(service: Service, soap_action: Option<&str>, body: &str) -> Result<SoapRequest, ClientFault> {
    let ns = service.namespace();
    let action = soap_action.ok_or_else(|| {
        ClientFault(
            "Unable to handle request without a valid action parameter. Please supply a valid soap action.".into(),
        )
    })?;
    let unknown_action = || {
        ClientFault(format!(
            "System.Web.Services.Protocols.SoapException: Server did not recognize the value of HTTP Header SOAPAction: {action}."
        ))
    };
    let unquoted = action.strip_prefix('"').and_then(|a| a.strip_suffix('"')).ok_or_else(unknown_action)?;
    let op = unquoted
        .strip_prefix(ns)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|name| Operation::find(service, name))
        .ok_or_else(unknown_action)?;

    let envelope = parse_tree(body)?;
    if envelope.name != "Envelope" || envelope.ns.as_deref() != Some(SOAP11_NS) {
        return Err(ClientFault("Possible SOAP version mismatch: Envelope namespace was unexpected.".into()));
    }
    let soap_child =
        |name: &str| envelope.children.iter().find(|c| c.name == name && c.ns.as_deref() == Some(SOAP11_NS));
    let body_elem = soap_child("Body").ok_or_else(|| unexpected("Envelope"))?;
    let [op_elem] = body_elem.children.as_slice() else {
        return Err(unexpected("Body"));
    };
    if op_elem.name != op.name() || op_elem.ns.as_deref() != Some(ns) {
        return Err(unexpected(&op_elem.name));
    }

    let (mut username, mut token, mut domain) = (String::new(), String::new(), String::new());
    if let Some(header) = soap_child("Header") {
        for h in &header.children {
            if h.name == "AuthHeaderWithDomain" && h.ns.as_deref() == Some(ns) {
                for f in ordered(&h.children, &["Username", "Token", "Domain"], ns)? {
                    let slot = match f.name.as_str() {
                        "Username" => &mut username,
                        "Token" => &mut token,
                        _ => &mut domain,
                    };
                    *slot = f.text.trim().to_owned();
                }
            }
        }
    }

    let mut params = BTreeMap::new();
    for c in ordered(&op_elem.children, op.params(), ns)? {
        let value = match c.name.as_str() {
            "Hourcomponent" | "WageComponent" => {
                let allowed = if c.name == "Hourcomponent" { HOUR_GROUP } else { WAGE_GROUP };
                let fields = ordered(&c.children, allowed, ns)?
                    .into_iter()
                    .map(|f| (f.name.clone(), (!f.nil).then(|| f.text.clone())))
                    .collect();
                Param::Group(fields)
            }
            _ if !c.children.is_empty() => return Err(unexpected(&c.children[0].name)),
            _ => Param::Text((!c.nil).then(|| c.text.clone())),
        };
        params.insert(c.name.clone(), value);
    }
    Ok(SoapRequest { operation: op, username, token, domain, params })
}

fn format_error(name: &str, value: &str) -> ClientFault {
    ClientFault(format!(
        "Server was unable to read request. ---> There is an error in XML document. ---> <{name}>: input string {value:?} was not in a correct format."
    ))
}

fn missing(name: &str) -> ClientFault {
    ClientFault(format!(
        "Server was unable to read request. ---> There is an error in XML document. ---> <{name}> is required."
    ))
}

fn text<'a>(v: Option<&'a Option<String>>, name: &str) -> Result<&'a str, ClientFault> {
    match v {
        Some(Some(t)) => Ok(t.trim()),
        _ => Err(missing(name)),
    }
}

fn int(t: &str, name: &str) -> Result<i32, ClientFault> {
    t.parse().map_err(|_| format_error(name, t))
}

impl SoapRequest {
    fn raw(&self, name: &str) -> Option<&Option<String>> {
        match self.params.get(name) {
            Some(Param::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// A required `s:int` parameter.
    pub fn int(&self, name: &str) -> Result<i32, ClientFault> {
        int(text(self.raw(name), name)?, name)
    }

    /// The request's company (`CompanyId`, or `CompanyID` as the contract calls spell it),
    /// if it names one; used to aim injected faults and canned answers at one company.
    pub fn company_id(&self) -> Option<i32> {
        self.int("CompanyId").or_else(|_| self.int("CompanyID")).ok()
    }

    /// A required `s:boolean` parameter.
    pub fn bool(&self, name: &str) -> Result<bool, ClientFault> {
        match text(self.raw(name), name)? {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            t => Err(format_error(name, t)),
        }
    }

    /// An optional text field of the `Hourcomponent`/`WageComponent` group (e.g. `Comment`).
    pub fn group_text(&self, group: &str, name: &str) -> Option<String> {
        match self.params.get(group) {
            Some(Param::Group(fields)) => fields.get(name).cloned().flatten(),
            _ => None,
        }
    }

    /// The `(code, value)` of the `Hourcomponent`/`WageComponent` group.
    pub fn component(&self, group: &str) -> Result<(i32, Decimal), ClientFault> {
        let Some(Param::Group(fields)) = self.params.get(group) else {
            return Err(missing(group));
        };
        let (code_name, value_name) = if group == "Hourcomponent" { ("HourCode", "Hours") } else { ("Code", "Value") };
        let code = int(text(fields.get(code_name), code_name)?, code_name)?;
        let value_text = text(fields.get(value_name), value_name)?;
        // Output is strict: `.` only, as an ASMX decimal.
        if value_text.contains(',') {
            return Err(format_error(value_name, value_text));
        }
        let value = parse_decimal(value_text).map_err(|_| format_error(value_name, value_text))?;
        for nillable in ["CostCenterId", "CostUnitId"] {
            if let Some(Some(t)) = fields.get(nillable) {
                int(t.trim(), nillable)?;
            }
        }
        Ok((code, value))
    }
}
