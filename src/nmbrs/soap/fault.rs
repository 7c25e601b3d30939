//! SOAP faults as Nmbrs sends them (ASMX: the Nmbrs code sits in `faultstring` after
//! `--->` as `NNNN: message`) and their classification per OPERATIONS.md §5. Pure: no
//! I/O, so the rules are unit-tested here.

use std::fmt;

use super::operation::Operation;
use crate::nmbrs::error::ErrorKind;

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
}
