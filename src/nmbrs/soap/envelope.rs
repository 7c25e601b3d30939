//! Writes SOAP 1.1 envelopes with quick-xml's writer, so every value is escaped and every
//! element name comes from one place. The client writes requests with it; the simulator
//! writes responses and faults with the same helpers.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use rust_decimal::Decimal;

use super::credentials::SoapCredentials;
use super::operation::Operation;

pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A parameter value of a request element.
#[derive(Clone, Debug)]
pub enum Value<'a> {
    Int(i32),
    /// A Nmbrs id as `s:int`. Only SOAP ids are sent: `SoapClient::call` refuses a REST id
    /// before anything is written ([`Value::foreign_id`]).
    Id(crate::domain::nmbrs_id::NmbrsId),
    Bool(bool),
    Decimal(Decimal),
    /// A `minOccurs="0"` string: absent when `None`.
    Text(Option<&'a str>),
    /// A `nillable="true"` int: `xsi:nil="true"` when `None`.
    NillableInt(Option<i32>),
    /// A complex element with children in schema order.
    Group(Vec<(&'static str, Value<'a>)>),
}

impl Value<'_> {
    /// The first REST (UUID) id in this value or its children: such a request cannot go to
    /// SOAP (an envelope of a `soap` integration naming a REST id).
    pub fn foreign_id(&self) -> Option<crate::domain::nmbrs_id::NmbrsId> {
        match self {
            Value::Id(id) if id.soap().is_none() => Some(*id),
            Value::Group(children) => children.iter().find_map(|(_, v)| v.foreign_id()),
            _ => None,
        }
    }
}

/// An XML writer over a byte buffer with the few shapes SOAP needs. Writing into a
/// `Vec` cannot fail, so the helpers do not return `Result`.
pub struct SoapWriter {
    w: Writer<Vec<u8>>,
}

impl Default for SoapWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl SoapWriter {
    pub fn new() -> Self {
        SoapWriter { w: Writer::new(Vec::with_capacity(1024)) }
    }

    fn event(&mut self, e: Event<'_>) {
        self.w.write_event(e).expect("writing XML into a Vec cannot fail");
    }

    /// Opens `<name attrs…>`.
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut s = BytesStart::new(name);
        for a in attrs {
            s.push_attribute(*a);
        }
        self.event(Event::Start(s));
    }

    pub fn end(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name/>` with attributes.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut s = BytesStart::new(name);
        for a in attrs {
            s.push_attribute(*a);
        }
        self.event(Event::Empty(s));
    }

    /// `<name>text</name>`, text escaped.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.start(name, &[]);
        self.event(Event::Text(BytesText::new(text)));
        self.end(name);
    }

    /// A `minOccurs="0"` string: nothing when `None`.
    pub fn leaf_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, t);
        }
    }

    /// A `nillable="true"` value: `<name xsi:nil="true"/>` when `None`.
    pub fn leaf_nil<T: ToString>(&mut self, name: &str, value: Option<T>) {
        match value {
            Some(v) => self.leaf(name, &v.to_string()),
            None => self.empty(name, &[("xsi:nil", "true")]),
        }
    }

    pub fn value(&mut self, name: &str, value: &Value<'_>) {
        match value {
            Value::Int(i) => self.leaf(name, &i.to_string()),
            Value::Id(id) => self.leaf(name, &id.to_string()),
            Value::Bool(b) => self.leaf(name, if *b { "true" } else { "false" }),
            Value::Decimal(d) => self.leaf(name, &d.to_string()),
            Value::Text(t) => self.leaf_opt(name, *t),
            Value::NillableInt(i) => self.leaf_nil(name, *i),
            Value::Group(children) => {
                self.start(name, &[]);
                for (n, v) in children {
                    self.value(n, v);
                }
                self.end(name);
            }
        }
    }

    /// Writes `<?xml?><soap:Envelope …><soap:Body>`, calls `body`, closes both. With
    /// `header`, writes a `soap:Header` first.
    pub fn envelope(mut self, header: Option<&dyn Fn(&mut SoapWriter)>, body: impl FnOnce(&mut SoapWriter)) -> Vec<u8> {
        self.event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
        self.start(
            "soap:Envelope",
            &[("xmlns:soap", SOAP11_NS), ("xmlns:xsi", XSI_NS), ("xmlns:xsd", "http://www.w3.org/2001/XMLSchema")],
        );
        if let Some(h) = header {
            self.start("soap:Header", &[]);
            h(&mut self);
            self.end("soap:Header");
        }
        self.start("soap:Body", &[]);
        body(&mut self);
        self.end("soap:Body");
        self.end("soap:Envelope");
        self.w.into_inner()
    }
}

/// The complete SOAP 1.1 request for `op`: `AuthHeaderWithDomain` in the service
/// namespace, then the operation element with `params` in WSDL order.
pub fn request(op: Operation, auth: &SoapCredentials, params: &[(&'static str, Value<'_>)]) -> Vec<u8> {
    debug_assert_eq!(
        params.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        op.params(),
        "parameters of {op} out of WSDL order"
    );
    let ns = op.service().namespace();
    let header = |w: &mut SoapWriter| {
        w.start("AuthHeaderWithDomain", &[("xmlns", ns)]);
        w.leaf("Username", auth.username());
        w.leaf("Token", auth.token());
        w.leaf("Domain", auth.domain());
        w.end("AuthHeaderWithDomain");
    };
    SoapWriter::new().envelope(Some(&header), |w| {
        if params.is_empty() {
            w.empty(op.name(), &[("xmlns", ns)]);
        } else {
            w.start(op.name(), &[("xmlns", ns)]);
            for (name, value) in params {
                w.value(name, value);
            }
            w.end(op.name());
        }
    })
}

/// An ASMX-style SOAP 1.1 fault (`faultcode`, `faultstring`, empty `detail`).
pub fn fault(faultcode: &str, faultstring: &str) -> Vec<u8> {
    SoapWriter::new().envelope(None, |w| {
        w.start("soap:Fault", &[]);
        w.leaf("faultcode", faultcode);
        w.leaf("faultstring", faultstring);
        w.empty("detail", &[]);
        w.end("soap:Fault");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_nil_is_marked() {
        let creds = SoapCredentials::new("a<b>@x.nl", "t&k\"n", "dom'ain");
        let xml = request(
            Operation::HourComponentVarInsert,
            &creds,
            &[
                ("EmployeeId", Value::Int(7)),
                (
                    "Hourcomponent",
                    Value::Group(vec![
                        ("Id", Value::Int(0)),
                        ("HourCode", Value::Int(1)),
                        ("Hours", Value::Decimal(Decimal::new(750, 2))),
                        ("CostCenterId", Value::NillableInt(None)),
                        ("CostUnitId", Value::NillableInt(Some(3))),
                        ("Comment", Value::Text(Some("<&>"))),
                    ]),
                ),
                ("Period", Value::Int(3)),
                ("Year", Value::Int(2026)),
                ("UnprotectedMode", Value::Bool(false)),
            ],
        );
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("<Username>a&lt;b&gt;@x.nl</Username>"), "{xml}");
        assert!(xml.contains("<Token>t&amp;k&quot;n</Token>"), "{xml}");
        assert!(xml.contains("<Comment>&lt;&amp;&gt;</Comment>"), "{xml}");
        assert!(xml.contains(r#"<CostCenterId xsi:nil="true"/>"#), "{xml}");
        assert!(xml.contains("<Hours>7.50</Hours>"), "{xml}");
        assert!(xml.contains(r#"<HourComponentVar_Insert xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService">"#));
    }
}
