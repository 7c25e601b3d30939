//! Streaming parse of SOAP responses with quick-xml `Reader` events (no DOM): finds the
//! `Body`, turns a `Fault` into a [`SoapFault`], and feeds the elements inside
//! `<OpResponse>` to a [`Visitor`] as "open" and "leaf" calls with their depth. Element
//! prefixes and namespaces are ignored (lenient on input); `xsi:nil` is reported as `None`.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::fault::SoapFault;
use super::records::Record;

/// Why a response could not be read as the expected operation result.
#[derive(Debug)]
pub enum ReadError {
    /// The body was a SOAP fault.
    Fault(SoapFault),
    /// Not XML, no `Body`, an unexpected element or an unreadable value.
    Malformed(String),
}

impl From<String> for ReadError {
    fn from(s: String) -> Self {
        ReadError::Malformed(s)
    }
}

/// Receives the content of the response element. Depth 1 = a direct child of
/// `<OpResponse>` (the `…Result` element).
pub trait Visitor {
    /// An element with child elements opens.
    fn open(&mut self, _depth: usize, _name: &str) -> Result<(), String> {
        Ok(())
    }
    /// An element without child elements; `text` is `None` for `xsi:nil="true"`.
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), String>;
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

fn is_nil(start: &BytesStart<'_>) -> bool {
    if start.attributes_raw().trim().is_empty() {
        return false;
    }
    start.attributes().flatten().any(|a| local(a.key.as_ref()) == "nil" && matches!(a.value.as_ref(), "true" | "1"))
}

fn malformed(e: impl std::fmt::Display) -> ReadError {
    ReadError::Malformed(e.to_string())
}

/// Walks the elements below the current element (already opened) until its end, calling
/// `visit(open?, depth, name, text)`. Text of leaves is unescaped and EOL-normalised.
fn walk<'x, V: Visitor + ?Sized>(reader: &mut Reader<&'x [u8]>, visitor: &mut V) -> Result<(), ReadError> {
    let mut depth = 0usize;
    // The element opened last, while we do not yet know whether it has children.
    let mut pending: Option<(BytesStart<'x>, bool)> = None;
    let mut text: Cow<'x, str> = Cow::Borrowed("");
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(s) => {
                if let Some((p, _)) = pending.take() {
                    visitor.open(depth, p.local_name().as_ref())?;
                }
                depth += 1;
                let nil = is_nil(&s);
                pending = Some((s, nil));
                text = Cow::Borrowed("");
            }
            Event::Empty(s) => {
                if let Some((p, _)) = pending.take() {
                    visitor.open(depth, p.local_name().as_ref())?;
                }
                let value = if is_nil(&s) { None } else { Some("") };
                visitor.leaf(depth + 1, s.local_name().as_ref(), value)?;
            }
            Event::Text(t) if pending.is_some() => {
                let t = t.xml10_content();
                if text.is_empty() {
                    text = t;
                } else {
                    text.to_mut().push_str(&t);
                }
            }
            Event::CData(c) if pending.is_some() => text.to_mut().push_str(&c.xml10_content()),
            Event::GeneralRef(r) if pending.is_some() => {
                let resolved = match r.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&r)
                        .ok_or_else(|| malformed(format!("unknown entity &{};", &*r)))?
                        .to_owned(),
                };
                text.to_mut().push_str(&resolved);
            }
            Event::End(_) => {
                if depth == 0 {
                    return Ok(());
                }
                if let Some((p, nil)) = pending.take() {
                    let value = if nil { None } else { Some(&*text) };
                    visitor.leaf(depth, p.local_name().as_ref(), value)?;
                    text = Cow::Borrowed("");
                }
                depth -= 1;
            }
            Event::Eof => return Err(malformed("unexpected end of document")),
            _ => {}
        }
    }
}

/// Collects the leaves of a fault (SOAP 1.1 `faultcode`/`faultstring`, SOAP 1.2
/// `Code/Value` and `Reason/Text`).
#[derive(Default)]
struct FaultVisitor {
    code: Option<String>,
    message: Option<String>,
}

impl Visitor for FaultVisitor {
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), String> {
        let text = text.unwrap_or("").trim().to_owned();
        match (depth, name) {
            (1, "faultcode") | (2, "Value") if self.code.is_none() => self.code = Some(text),
            (1, "faultstring") | (2, "Text") if self.message.is_none() => self.message = Some(text),
            _ => {}
        }
        Ok(())
    }
}

/// Parses `xml` as the response of `operation`, feeding the content of
/// `<{operation}Response>` to `visitor`. A fault in the body becomes
/// [`ReadError::Fault`].
pub fn read_response<V: Visitor + ?Sized>(xml: &str, operation: &str, visitor: &mut V) -> Result<(), ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut in_body = false;
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(s) if !in_body => {
                in_body = s.local_name().as_ref() == "Body";
            }
            Event::Start(s) => {
                let local_name = s.local_name();
                let name = local_name.as_ref();
                if name == "Fault" {
                    let mut f = FaultVisitor::default();
                    walk(&mut reader, &mut f)?;
                    return Err(ReadError::Fault(SoapFault::new(
                        f.code.unwrap_or_default(),
                        f.message.unwrap_or_default(),
                    )));
                }
                check_response_name(name, operation)?;
                return walk(&mut reader, visitor);
            }
            Event::Empty(s) if in_body => {
                return check_response_name(s.local_name().as_ref(), operation);
            }
            Event::End(_) if in_body => return Err(malformed("empty soap:Body")),
            Event::Eof => return Err(malformed("no soap:Body in the response")),
            _ => {}
        }
    }
}

fn check_response_name(name: &str, operation: &str) -> Result<(), ReadError> {
    match name.strip_suffix("Response") {
        Some(op) if op == operation => Ok(()),
        _ => Err(malformed(format!("expected <{operation}Response>, found <{name}>"))),
    }
}

/// Collects the items of an array result (`<XResult><Item>…</Item>…</XResult>`): zero,
/// one or many; unknown elements ignored; a nil item skipped.
struct ListOf<T> {
    item: &'static str,
    items: Vec<T>,
    /// Whether the last depth-2 element was an item (and not an unknown element).
    in_item: bool,
}

impl<T: Record> Visitor for ListOf<T> {
    fn open(&mut self, depth: usize, name: &str) -> Result<(), String> {
        match depth {
            2 => {
                self.in_item = name == self.item;
                if self.in_item {
                    self.items.push(T::default());
                }
            }
            d if d > 2 && self.in_item => {
                if let Some(last) = self.items.last_mut() {
                    last.open(d - 2, name);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), String> {
        match depth {
            2 => {
                self.in_item = false;
                if name == self.item && text.is_some() {
                    self.items.push(T::default());
                }
                Ok(())
            }
            d if d > 2 && self.in_item => match self.items.last_mut() {
                Some(last) => last.leaf(d - 2, name, text),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// Reads an array result of `operation` whose items are `<item>` elements.
pub fn read_list<T: Record>(xml: &str, operation: &str, item: &'static str) -> Result<Vec<T>, ReadError> {
    // Sizing the list up front (one fast substring pass) avoids regrowing it: less
    // copying and a peak of one list instead of two during the last regrowth. The count
    // is only a hint (prefixed items are missed; the list still grows if needed).
    let hint = xml.matches(&format!("<{item}>")).count();
    let mut v = ListOf { item, items: Vec::with_capacity(hint), in_item: false };
    read_response(xml, operation, &mut v)?;
    Ok(v.items)
}

struct Scalar<'a> {
    name: &'a str,
    value: Option<String>,
}

impl Visitor for Scalar<'_> {
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), String> {
        if depth == 1 && name == self.name {
            self.value = text.map(str::to_owned);
        }
        Ok(())
    }
}

/// Reads the text of `<{operation}Result>`; `None` when absent or nil.
pub fn read_scalar(xml: &str, operation: &str) -> Result<Option<String>, ReadError> {
    let name = format!("{operation}Result");
    let mut v = Scalar { name: &name, value: None };
    read_response(xml, operation, &mut v)?;
    Ok(v.value)
}

/// Reads a response that carries no result (`<DaysVar_SetResponse/>`).
pub fn read_empty(xml: &str, operation: &str) -> Result<(), ReadError> {
    struct Ignore;
    impl Visitor for Ignore {
        fn leaf(&mut self, _: usize, _: &str, _: Option<&str>) -> Result<(), String> {
            Ok(())
        }
    }
    read_response(xml, operation, &mut Ignore)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);
    impl Visitor for Log {
        fn open(&mut self, d: usize, n: &str) -> Result<(), String> {
            self.0.push(format!("open {d} {n}"));
            Ok(())
        }
        fn leaf(&mut self, d: usize, n: &str, t: Option<&str>) -> Result<(), String> {
            self.0.push(format!("leaf {d} {n} {t:?}"));
            Ok(())
        }
    }

    #[test]
    fn walks_leaves_nil_entities_and_unknown_prefixes() {
        let xml = r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Body>
          <XResponse xmlns="urn:x"><XResult><A>1</A><B xsi:nil="true"/><C>a &amp; b&#33;<![CDATA[<c>]]></C><D/><E xsi:nil="true"></E></XResult></XResponse></s:Body></s:Envelope>"#;
        let mut log = Log::default();
        read_response(xml, "X", &mut log).unwrap();
        assert_eq!(
            log.0,
            [
                "open 1 XResult",
                "leaf 2 A Some(\"1\")",
                "leaf 2 B None",
                "leaf 2 C Some(\"a & b!<c>\")",
                "leaf 2 D Some(\"\")",
                "leaf 2 E None",
            ]
        );
    }

    #[test]
    fn soap12_fault_is_read() {
        let xml = r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">Server was unable to process request. ---&gt; 1002: Unauthorized Access</soap:Text></soap:Reason><soap:Detail /></soap:Fault></soap:Body></soap:Envelope>"#;
        let Err(ReadError::Fault(f)) = read_response(xml, "X", &mut Log::default()) else {
            panic!("expected a fault");
        };
        assert_eq!(f.faultcode, "soap:Receiver");
        assert_eq!(f.nmbrs_code, Some(1002));
    }

    #[test]
    fn wrong_response_and_garbage_are_malformed() {
        let wrong = r#"<Envelope><Body><YResponse/></Body></Envelope>"#;
        assert!(matches!(read_response(wrong, "X", &mut Log::default()), Err(ReadError::Malformed(_))));
        for bad in ["<html><body>Bad gateway</body></html>", "", "<a><b></a>"] {
            assert!(matches!(read_response(bad, "X", &mut Log::default()), Err(ReadError::Malformed(_))));
        }
    }

    fn codes(result: &str) -> Vec<crate::nmbrs::ModelCode> {
        let xml = format!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><HourModel_GetHourCodesResponse xmlns="urn:x">{result}</HourModel_GetHourCodesResponse></soap:Body></soap:Envelope>"#
        );
        read_list(&xml, "HourModel_GetHourCodes", "HourCode").unwrap()
    }

    #[test]
    fn arrays_of_zero_one_and_many_with_unknown_and_nil_elements() {
        assert!(codes("").is_empty(), "no result element");
        assert!(codes("<HourModel_GetHourCodesResult/>").is_empty());
        assert!(codes(r#"<HourModel_GetHourCodesResult xsi:nil="true"/>"#).is_empty());
        let one =
            codes("<HourModel_GetHourCodesResult><HourCode><Code>1</Code></HourCode></HourModel_GetHourCodesResult>");
        assert_eq!(one.len(), 1);
        assert_eq!((one[0].code, one[0].description.as_deref()), (1, None));
        let many = codes(
            r#"<HourModel_GetHourCodesResult>
                 <HourCode><Code>1</Code><New><Deep>x</Deep></New><Description>Uren</Description><Extra/></HourCode>
                 <SomethingNew><Code>99</Code></SomethingNew>
                 <HourCode xsi:nil="true"/>
                 <HourCode><Code>20</Code><Description>Verlof &amp; vakantie</Description></HourCode>
               </HourModel_GetHourCodesResult><AddedLater>1</AddedLater>"#,
        );
        let got: Vec<_> = many.iter().map(|c| (c.code, c.description.as_deref())).collect();
        assert_eq!(got, [(1, Some("Uren")), (20, Some("Verlof & vakantie"))]);
    }
}
