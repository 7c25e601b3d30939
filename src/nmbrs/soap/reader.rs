//! Streaming parse of SOAP responses with quick-xml `Reader` events (no DOM): finds the
//! `Body`, turns a `Fault` into a [`SoapFault`], and feeds the elements inside
//! `<OpResponse>` to a [`Visitor`] as "open", "leaf" and "close" calls with their depth.
//! Element prefixes and namespaces are ignored (lenient on input); `xsi:nil` is reported as
//! `None`.
//!
//! Real Nmbrs data is untidy (CONTRACT §2.3), so the reader is lenient where it can be:
//! - every leaf's text has the characters XML 1.0 forbids removed (also when ASMX wrote them
//!   as character references such as `&#x0;`), then is trimmed ([`clean_text`]);
//! - a list's items are the children of its `…Result` element, whatever they are called
//!   ([`read_list`]);
//! - a record whose decision field cannot be read is set aside as an unreadable record
//!   instead of failing the whole response ([`crate::nmbrs::Listed`], `list.rs`).

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, BytesText, Event};

use super::fault::SoapFault;
use super::text::{local_name, needs_care, trim};

mod list;

pub use list::{read_list, readable};

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
    /// An element without child elements; `text` is `None` for `xsi:nil="true"`, else the
    /// text cleaned by [`clean_text`] (forbidden characters removed, trimmed).
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), String>;
    /// An element reported by [`Visitor::open`] closes.
    fn close(&mut self, _depth: usize, _name: &str) {}
}

/// Whether XML 1.0 (§2.2 `Char`) allows `c`: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD,
/// U+10000 and up. (A Rust `char` is never a surrogate.)
fn xml10_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether `t` may hold a character XML 1.0 forbids: a C0 control other than tab/LF/CR, or
/// a lead byte `0xEF` (U+FFFE and U+FFFF are `EF BF BE`/`EF BF BF`). One byte pass; false
/// for almost all real text, so cleaning costs nothing then.
fn may_hold_forbidden(t: &str) -> bool {
    t.bytes().any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)
}

/// The text of a leaf as the visitor gets it ([`clean_text`]). `Borrowed` text is one piece
/// as written, EOLs not yet normalised: the usual leaf, which [`needs_care`] finds clean, is
/// only trimmed and stays borrowed from the response (the fast path). `Owned` text was
/// gathered from several pieces (references, CDATA), each already normalised.
fn leaf_value<'t>(text: &'t Cow<'_, str>) -> Cow<'t, str> {
    match text {
        Cow::Borrowed(raw) if !needs_care(raw) => Cow::Borrowed(trim(raw)),
        Cow::Borrowed(raw) => Cow::Owned(clean_text(&xml10_eols(raw)).into_owned()),
        Cow::Owned(gathered) => clean_text(gathered),
    }
}

/// `raw` with its EOLs normalised as XML 1.0 says (CR LF and a lone CR become LF).
fn xml10_eols(raw: &str) -> Cow<'_, str> {
    BytesText::from_escaped(raw).xml10_content()
}

/// The leaf's text as a `String` to append a further piece to; a first piece still as
/// written is normalised ([`xml10_eols`]) on the way.
fn gathered<'a>(text: &'a mut Cow<'_, str>) -> &'a mut String {
    if let Cow::Borrowed(raw) = *text {
        let mut owned = String::with_capacity(raw.len() + 16);
        owned.push_str(&xml10_eols(raw));
        *text = Cow::Owned(owned);
    }
    text.to_mut()
}

/// A text value as the worker sees it (CONTRACT §2.3): the characters XML 1.0 forbids
/// (U+0000–U+001F except tab, LF and CR; U+FFFE; U+FFFF) removed, then trimmed. Borrows
/// when nothing is removed.
pub fn clean_text(t: &str) -> Cow<'_, str> {
    if may_hold_forbidden(t) {
        let kept: String = t.chars().filter(|c| xml10_char(*c)).collect();
        Cow::Owned(kept.trim().to_owned())
    } else {
        Cow::Borrowed(trim(t))
    }
}

/// Resolves a character or predefined entity reference (`name` is what stands between `&`
/// and `;`) into `out`. A character reference to a character XML 1.0 forbids (`&#x0;`,
/// `&#xB;`), to a surrogate or to no character at all adds nothing: ASMX writes such
/// references and they must never make a response unreadable. quick-xml's own resolution
/// refuses some of them, hence this. An unknown named entity stays as written.
fn push_reference(name: &str, out: &mut String) {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => number.parse::<u32>(),
        };
        if let Some(c) = code.ok().and_then(char::from_u32).filter(|c| xml10_char(*c)) {
            out.push(c);
        }
    } else if let Some(text) = resolve_predefined_entity(name) {
        out.push_str(text);
    } else {
        out.push('&');
        out.push_str(name);
        out.push(';');
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

fn is_nil(start: &BytesStart<'_>) -> bool {
    // The usual element has no attributes: nothing to parse. Others are parsed without quick-xml's
    // duplicate check (a list of keys, a heap block per element): no well-formed response has one.
    if start.attributes_raw().bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        return false;
    }
    start
        .attributes()
        .with_checks(false)
        .flatten()
        .any(|a| local(a.key.as_ref()) == "nil" && matches!(a.value.as_ref(), "true" | "1"))
}

fn malformed(e: impl std::fmt::Display) -> ReadError {
    ReadError::Malformed(e.to_string())
}

/// Walks the elements below the current element (already opened) until its end, calling
/// the visitor's `open`/`leaf`/`close` with the depth. Text of leaves is unescaped,
/// EOL-normalised and cleaned ([`clean_text`]); a leaf of one clean piece of text is only
/// trimmed and borrowed ([`leaf_value`]).
fn walk<'x, V: Visitor + ?Sized>(reader: &mut Reader<&'x [u8]>, visitor: &mut V) -> Result<(), ReadError> {
    let mut depth = 0usize;
    // The element opened last, while we do not yet know whether it has children.
    let mut pending: Option<(BytesStart<'x>, bool)> = None;
    let mut text: Cow<'x, str> = Cow::Borrowed("");
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(s) => {
                if let Some((p, _)) = pending.take() {
                    visitor.open(depth, local_name(p.name().as_ref()))?;
                }
                depth += 1;
                let nil = is_nil(&s);
                pending = Some((s, nil));
                text = Cow::Borrowed("");
            }
            Event::Empty(s) => {
                if let Some((p, _)) = pending.take() {
                    visitor.open(depth, local_name(p.name().as_ref()))?;
                }
                let value = if is_nil(&s) { None } else { Some("") };
                visitor.leaf(depth + 1, local_name(s.name().as_ref()), value)?;
            }
            Event::Text(t) if pending.is_some() => match t.into_inner() {
                // The usual leaf: one piece, kept as written until the element ends.
                Cow::Borrowed(raw) if text.is_empty() => text = Cow::Borrowed(raw),
                piece => gathered(&mut text).push_str(&xml10_eols(&piece)),
            },
            Event::CData(c) if pending.is_some() => gathered(&mut text).push_str(&c.xml10_content()),
            Event::GeneralRef(r) if pending.is_some() => push_reference(&r, gathered(&mut text)),
            Event::End(e) => {
                if depth == 0 {
                    return Ok(());
                }
                match pending.take() {
                    Some((p, nil)) => {
                        let value = if nil { None } else { Some(leaf_value(&text)) };
                        visitor.leaf(depth, local_name(p.name().as_ref()), value.as_deref())?;
                        text = Cow::Borrowed("");
                    }
                    None => visitor.close(depth, local_name(e.name().as_ref())),
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
                in_body = local_name(s.name().as_ref()) == "Body";
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
                return check_response_name(local_name(s.name().as_ref()), operation);
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

    #[test]
    fn forbidden_characters_are_removed_raw_and_as_references_then_trimmed() {
        let xml = "<Envelope><Body><XResponse><XResult>\
            <A>Meer&#x0;Smit</A><B>&#xB;bis </B><C> a\u{1}b&#1;c&#xFFFE;&#xD800;&#x110000;&#xZZ;\u{FFFF}</C>\
            <D>\t&#x9;tab&#xA;</D><E>&#65;&unknown;&lt;</E><F>&#x0;</F></XResult></XResponse></Body></Envelope>";
        let mut log = Log::default();
        read_response(xml, "X", &mut log).unwrap();
        assert_eq!(
            log.0,
            [
                "open 1 XResult",
                "leaf 2 A Some(\"MeerSmit\")",
                "leaf 2 B Some(\"bis\")",
                "leaf 2 C Some(\"abc\")",
                "leaf 2 D Some(\"tab\")",
                "leaf 2 E Some(\"A&unknown;<\")",
                "leaf 2 F Some(\"\")",
            ]
        );
        assert_eq!(clean_text(" plain "), "plain");
        assert!(matches!(clean_text("Zoë €"), Cow::Borrowed(_)), "nothing to remove: no copy");
        assert_eq!(clean_text("\u{FEFF}x\u{FFFE}"), "\u{FEFF}x", "U+FEFF is allowed, U+FFFE is not");
    }

    #[test]
    fn a_clean_leaf_is_only_trimmed_and_every_untidy_one_takes_the_careful_path() {
        for t in ["x", " x", "x ", "\u{A0}x\u{3000}", "", " ", "\t", "ab", "Zoë", "ë"] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
        // The fast path: one clean piece, borrowed.
        for raw in [" plain ", "Zoë €", "a\tb\nc", ""] {
            let text = Cow::Borrowed(raw);
            assert!(matches!(leaf_value(&text), Cow::Borrowed(t) if t == raw.trim()), "{raw:?}");
        }
        // The careful path: a CR to normalise, a forbidden character, U+FFFE/U+FFFF's lead byte.
        for (raw, want) in
            [("a\r\nb\rc ", "a\nb\nc"), ("Meer\u{0}Smit", "MeerSmit"), ("x\u{FFFF}\u{FEFF}", "x\u{FEFF}")]
        {
            assert!(needs_care(raw), "{raw:?}");
            assert_eq!(leaf_value(&Cow::Borrowed(raw)), want);
        }
        // Eight bytes at a time finds what one byte at a time finds, wherever it stands.
        let bytewise = |t: &str| t.bytes().any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n')) || b == 0xEF);
        for odd in ["", "\r", "\u{0}", "\u{1F}", "\u{FFFE}", "\t", "\n", " ", "\u{7F}", "ë", "\u{FEFF}"] {
            for at in [0, 3, 7, 8, 15, 16, 21] {
                let t = format!("{}{odd}{}", "abcdefghijklmnopqrstuvw".get(..at).unwrap_or(""), "xyz0123456789");
                assert_eq!(needs_care(&t), bytewise(&t), "{t:?}");
            }
        }
        // Text gathered from several pieces is cleaned too.
        assert_eq!(leaf_value(&Cow::Owned(" a\u{1}b ".to_owned())), "ab");
        // Through the walk: EOLs written raw are normalised, a CR written as a reference is
        // kept (XML 1.0 §2.11), pieces around references and CDATA are joined.
        let xml = "<Envelope><Body><XResponse><XResult>\
            <A>a\r\nb</A><B>x&#13;y</B><C>1&amp;\r2<![CDATA[3\r\n]]>4 </C><D> \r\n</D></XResult></XResponse></Body></Envelope>";
        let mut log = Log::default();
        read_response(xml, "X", &mut log).unwrap();
        assert_eq!(
            log.0,
            [
                "open 1 XResult",
                "leaf 2 A Some(\"a\\nb\")",
                "leaf 2 B Some(\"x\\ry\")",
                "leaf 2 C Some(\"1&\\n23\\n4\")",
                "leaf 2 D Some(\"\")",
            ]
        );
    }
}
