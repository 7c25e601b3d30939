//! The `CheckIntegration` payload (CONTRACT §2.6): only the period to look at, default each
//! company's current period.

use serde::Deserialize;

use crate::domain::nmbrs::model::PayPeriod;

/// `{"period": {"year", "number"}}`, both optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CheckPayload {
    #[serde(default)]
    pub period: Option<AskedPeriod>,
}

/// The period of the payload, as the contract writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AskedPeriod {
    pub year: i32,
    pub number: u8,
}

impl CheckPayload {
    pub fn period(&self) -> Option<PayPeriod> {
        self.period.map(|p| PayPeriod::new(p.year, p.number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_optional() {
        let p: CheckPayload = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(p.period(), None);
        let p: CheckPayload =
            serde_json::from_value(serde_json::json!({"period": {"year": 2026, "number": 12}})).unwrap();
        assert_eq!(p.period(), Some(PayPeriod::new(2026, 12)));
    }
}
