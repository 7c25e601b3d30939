//! SOAP faults as Nmbrs sends them (ASMX: the Nmbrs code sits in `faultstring` after
//! `--->` as `NNNN: message`) and their classification per OPERATIONS.md §5. Pure: no
//! I/O, so the rules are unit-tested here.

use std::fmt;

use super::operation::Operation;
use crate::nmbrs::error::ErrorKind;
use crate::nmbrs::http::{bounded, bounded_to};

/// A parsed SOAP 1.1 or 1.2 fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoapFault {
    /// `faultcode` (1.1) or `Code/Value` (1.2), e.g. `soap:Server`, `soap:Client`.
    pub faultcode: String,
    /// `faultstring` / `Reason/Text`, as sent.
    pub faultstring: String,
    /// The Nmbrs error code, when the faultstring carries one.
    pub nmbrs_code: Option<u32>,
}

impl SoapFault {
    pub fn new(faultcode: String, faultstring: String) -> Self {
        let nmbrs_code = nmbrs_code(&faultstring).map(|(c, _)| c);
        SoapFault { faultcode, faultstring, nmbrs_code }
    }

    /// The Nmbrs message after the code (`Invalid Authentication`), else the faultstring.
    pub fn message(&self) -> &str {
        nmbrs_code(&self.faultstring).map(|(_, m)| m).unwrap_or(&self.faultstring)
    }

    /// Whether ASMX blamed the request itself (`soap:Client` / `soap:Sender`).
    pub fn is_client_fault(&self) -> bool {
        let code = self.faultcode.rsplit(':').next().unwrap_or("");
        code == "Client" || code == "Sender"
    }

    /// Whether this fault proves Nmbrs refused the request before it changed anything (issue 19
    /// item 5): a published Nmbrs code that refuses (credentials, rights, access, the data, a
    /// closed period, not found; 1006 is raised at login), or ASMX's `soap:Client` / `soap:Sender`
    /// (the request was not read, OPERATIONS.md §5). An uncoded `soap:Server` fault (an exception
    /// inside Nmbrs), the catch-all 9999 and codes nobody published prove nothing.
    pub fn proves_refusal(&self, operation: Operation) -> bool {
        match self.nmbrs_code {
            Some(1006) => true,
            Some(_) => matches!(
                self.kind(operation),
                ErrorKind::Credentials
                    | ErrorKind::MissingRight { .. }
                    | ErrorKind::NoAccess
                    | ErrorKind::UnknownEmployee
                    | ErrorKind::InvalidData
                    | ErrorKind::PeriodClosed
                    | ErrorKind::NotFound
            ),
            None => self.is_client_fault(),
        }
    }

    /// This fault with its text bounded for errors, events and logs (`nmbrs::http::bounded`):
    /// a coded fault keeps `---> code: ` and its first message line (what [`Self::message`] and
    /// the classification read), an uncoded one its faultstring, each cut after
    /// [`crate::nmbrs::http::MAX_ERROR_TEXT`] characters. Redact secrets before: a cut could
    /// otherwise leave the start of one behind.
    pub fn bounded(self) -> SoapFault {
        let faultstring = match nmbrs_code(&self.faultstring) {
            Some((code, message)) => format!("---> {code}: {}", bounded(message)),
            None => bounded(&self.faultstring),
        };
        SoapFault { faultcode: bounded_to(&self.faultcode, 100), faultstring, nmbrs_code: self.nmbrs_code }
    }

    /// The class of this fault, for a call of `operation`.
    pub fn kind(&self, operation: Operation) -> ErrorKind {
        match self.nmbrs_code {
            Some(code) => classify_code(code, self.message(), operation),
            None if self.is_client_fault() => ErrorKind::InvalidData,
            None => ErrorKind::Unknown,
        }
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.nmbrs_code {
            Some(c) => write!(f, "{} {c}: {}", self.faultcode, self.message()),
            None => write!(f, "{} {}", self.faultcode, self.faultstring),
        }
    }
}

/// Extracts `(code, message)` from `"… ---> 1001: Invalid Authentication"`.
pub fn nmbrs_code(faultstring: &str) -> Option<(u32, &str)> {
    let (_, after) = faultstring.split_once("--->")?;
    let after = after.trim_start();
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    if !(4..=5).contains(&digits) {
        return None;
    }
    let code = after[..digits].parse().ok()?;
    let rest = after[digits..].trim_start().strip_prefix(':')?;
    // ASMX may append a stack trace or a further `--- End of inner exception` line.
    let message = rest.lines().next().unwrap_or("").trim();
    Some((code, message))
}

/// OPERATIONS.md §5, "Recommended classification for the worker".
pub fn classify_code(code: u32, message: &str, operation: Operation) -> ErrorKind {
    match code {
        1006 | 2019 | 2020 => ErrorKind::Transient,
        9999 if mentions_protected_period(message) => ErrorKind::PeriodClosed,
        9999 => ErrorKind::Transient,
        1000 | 1001 | 1004 | 2043 => ErrorKind::Credentials,
        1002 => ErrorKind::MissingRight { operation: operation.name() },
        1003 | 2004 | 2009 => ErrorKind::NoAccess,
        2003 => ErrorKind::UnknownEmployee,
        2011 | 2012 => ErrorKind::PeriodClosed,
        2046 => ErrorKind::NotFound,
        2000..=2999 => ErrorKind::InvalidData,
        _ => ErrorKind::Unknown,
    }
}

fn mentions_protected_period(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("twk") || m.contains("protected")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(code: &str, s: &str) -> SoapFault {
        SoapFault::new(code.into(), s.into())
    }

    #[test]
    fn extracts_code_and_message() {
        let s = "System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> 1001: Invalid Authentication\n   at Nmbrs.Foo()";
        assert_eq!(nmbrs_code(s), Some((1001, "Invalid Authentication")));
        assert_eq!(nmbrs_code("--->2011:Protected Mode"), Some((2011, "Protected Mode")));
        assert_eq!(nmbrs_code("no code here"), None);
        assert_eq!(nmbrs_code("---> There is an error in XML document (1, 2)."), None);
        assert_eq!(nmbrs_code("---> 12: short"), None);
    }

    #[test]
    fn classification_follows_operations_md() {
        let op = Operation::HourComponentVarGet;
        let cases = [
            (1001, ErrorKind::Credentials),
            (1000, ErrorKind::Credentials),
            (2043, ErrorKind::Credentials),
            (1002, ErrorKind::MissingRight { operation: op.name() }),
            (1003, ErrorKind::NoAccess),
            (2004, ErrorKind::NoAccess),
            (2003, ErrorKind::UnknownEmployee),
            (2001, ErrorKind::InvalidData),
            (2002, ErrorKind::InvalidData),
            (2006, ErrorKind::InvalidData),
            (2011, ErrorKind::PeriodClosed),
            (2012, ErrorKind::PeriodClosed),
            (2046, ErrorKind::NotFound),
            (1006, ErrorKind::Transient),
            (9999, ErrorKind::Transient),
            (4242, ErrorKind::Unknown),
        ];
        for (code, kind) in cases {
            let f = fault("soap:Server", &format!("x ---> {code}: Something"));
            assert_eq!(f.kind(op), kind, "{code}");
        }
        let twk = fault("soap:Server", "x ---> 9999: TWK exception: protected period");
        assert_eq!(twk.kind(op), ErrorKind::PeriodClosed);
        let client = fault("soap:Client", "Unable to handle request without a valid action parameter.");
        assert_eq!(client.kind(op), ErrorKind::InvalidData);
        assert_eq!(fault("soap:Server", "boom").kind(op), ErrorKind::Unknown);
    }

    #[test]
    fn a_bounded_fault_keeps_its_code_message_and_class() {
        let long = format!("x ---> 9999: TWK exception: protected period {}\n   at Nmbrs.Foo()", "é".repeat(2_000));
        let f = fault("soap:Server", &long).bounded();
        assert_eq!(f.nmbrs_code, Some(9999));
        assert!(f.message().starts_with("TWK exception: protected period éé"));
        assert!(f.message().ends_with("of 2032 characters]"), "{}", f.message());
        assert_eq!(f.kind(Operation::HourComponentVarInsert), ErrorKind::PeriodClosed);
        assert!(f.to_string().chars().count() < 600);
        let uncoded = fault(&"soap:Server".repeat(50), &"boom ".repeat(1_000)).bounded();
        assert_eq!((uncoded.nmbrs_code, uncoded.kind(Operation::ListGetAll)), (None, ErrorKind::Unknown));
        assert!(uncoded.to_string().chars().count() < 700, "{}", uncoded.to_string().len());
        let short = fault("soap:Server", "x ---> 2001: Invalid Hour component");
        assert_eq!(short.clone().bounded().to_string(), short.to_string());
    }
}
