//! An integration as the rules read it: its linked venues and its settings (CONTRACT §2.2,
//! `integration.venues` and `integration.settings`).
//!
//! These are plain data the domain decides with (which company a venue books into, which code
//! a kind of hours exports under, whether departures deactivate), so they live here, below the
//! envelope that parses them and the jobs that use them.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One Eitje venue linked to one Nmbrs company (`integration.venues[]`, CONTRACT §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Venue {
    /// Eitje's venue id (an id, CONTRACT §2.2 Bounds).
    #[serde(deserialize_with = "crate::domain::bounded::id")]
    pub eitje_venue_id: String,
    /// The Nmbrs company the venue's people and hours belong to: SOAP `s:int` or REST
    /// `companyId` UUID (CONTRACT §5.2).
    pub nmbrs_company_id: crate::domain::nmbrs::CompanyId,
}

/// Hour codes per kind of hours (`settings.hour_codes`); absent = not exported (`no_code_mapping`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HourCodes {
    pub worked: Option<i32>,
    pub leave: Option<i32>,
    pub sick: Option<i32>,
}

/// Wage codes (`settings.wage_codes`): meals, and one per allowance type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct WageCodes {
    pub meals: Option<i32>,
    /// Allowance type (as in an entry's `allowances[].type`; an id) → wage code; a null
    /// mapping is left out. At most [`MAX_ALLOWANCE_TYPES`](crate::domain::bounded::MAX_ALLOWANCE_TYPES).
    #[serde(
        default,
        deserialize_with = "crate::domain::bounded::id_map::<_, _, { crate::domain::bounded::MAX_ALLOWANCE_TYPES }>"
    )]
    pub allowances: BTreeMap<String, i32>,
}

/// Per-integration settings; every one has a default (CONTRACT §2.2): `auto_deactivate` false,
/// no code mappings, `verify_export` true.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Departures publish `team_member.deactivated` (true) or one `sync.members_left_nmbrs` (false).
    pub auto_deactivate: bool,
    pub hour_codes: HourCodes,
    pub wage_codes: WageCodes,
    /// Every export reads what Nmbrs holds of its buckets before planning and after writing,
    /// and repairs drift (CONTRACT §2.5 "Proof in Nmbrs"); default true. `false`: the export
    /// trusts its ledger and reports every bucket `verified: false, reason: not_checked`.
    pub verify_export: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_deactivate: false,
            hour_codes: HourCodes::default(),
            wage_codes: WageCodes::default(),
            verify_export: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_settings_take_their_contract_defaults() {
        let s: Settings = serde_json::from_value(json!({})).unwrap();
        assert_eq!(s, Settings::default());
        assert!(!s.auto_deactivate && s.hour_codes.worked.is_none() && s.wage_codes.allowances.is_empty());
        assert!(s.verify_export, "every export is verified unless switched off (CONTRACT §2.5)");
        let off: Settings = serde_json::from_value(json!({"verify_export": false})).unwrap();
        assert!(!off.verify_export);
        let s: Settings =
            serde_json::from_value(json!({"hour_codes": {"sick": 30}, "wage_codes": {"allowances": {"travel": 410}}}))
                .unwrap();
        assert_eq!((s.hour_codes.sick, s.wage_codes.allowances["travel"]), (Some(30), 410));
    }

    #[test]
    fn a_company_id_beyond_the_nmbrs_int_range_does_not_parse() {
        let too_big = json!({"eitje_venue_id": "v-1", "nmbrs_company_id": 2_147_483_648_i64});
        assert!(serde_json::from_value::<Venue>(too_big).is_err());
    }
}
