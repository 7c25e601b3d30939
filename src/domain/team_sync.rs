//! The team sync's decisions (CONTRACT §2.3 steps 2, 4 and 5, §2.4): which Nmbrs employees to
//! import, the `team_member.upserted` record of each and whether it changed, who left Nmbrs, and
//! the payloads of the events that say so. The handler reads Nmbrs and the store; this decides.
//!
//! Decisions on edge cases:
//! - **Contracts**: an employee's contract history (all `contracts` lists of its company) decides
//!   employment; only when it has none are the snapshot's `ContractStartDate`/`ContractEndDate`
//!   (and `ContractHours`) used as one contract.
//! - **One employee, several companies** (or listed twice): counted once. The record comes from the
//!   lowest company id where it is importable; it is skipped as `no_email` when it is employed in
//!   some company but has no e-mail there, else as `no_active_employment` (also when both apply).
//! - **Venues**: the same company may be passed once per linked venue; an employee's
//!   `eitje_venue_ids` are those of every entry with its company id, sorted and deduplicated.
//! - **Text** from Nmbrs is trimmed; empty text is null.
//! - **Initials** are null: the snapshot has none, and deriving them from `FirstName` (often the
//!   call name, not the official given names) would publish invented data as Nmbrs' own.
//! - **Country** is null: the snapshot has no country, and employees may live abroad.
//! - **Gender** is `male|female|undefined` (any case); empty or anything else is null.
//! - **BSN** in the event is normalized like matching does (9 digits); one that is not 8 or 9 digits
//!   is null rather than an invalid value.
//! - **Hourly wage** is null when Nmbrs reports zero (it does for employees without one);
//!   **cost per hour** is published as the handler passes it.
//! - **Contracts, salaries and schedules without a start date** are left out of the event (the
//!   schema needs a date; Nmbrs always sends one). Negative hours are null (contract) or zero
//!   (schedule days).
//! - **Salary type** is Nmbrs' `SalaryType` name for its number (`3` = `Bruto_Uurloon`), the number
//!   as text when unknown.
//! - **Schedule** = the one with the latest start on or before the sync date (ties: latest
//!   creation); when none has started yet, the first upcoming one. Its `days` are 14 values only
//!   when week 2 differs from week 1 and is not all zeros (Nmbrs leaves week 2 empty when the
//!   schedule does not alternate); `hours_per_week` is week 1's sum, or the average of both weeks.
//! - **Content hash**: SHA-256 of the payload serialized canonically (object keys sorted, no
//!   whitespace), so it does not depend on serde_json's map order. The payload holds the match and
//!   the venues, so a change of either republishes.
//! - **Departures**: an employee with no active employment but a contract starting later (hired,
//!   or rehired, not started yet) has not left: no departure. `ended_on` is the last contract's
//!   end (null when it has no contracts at all). An employee is "returned" by a company when it is
//!   in its snapshots or contract lists.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::employment::{has_upcoming_employment, is_employed_on, last_contract_end};
use super::matching::{Ambiguity, Candidate, Matched, MatchedBy, RosterMember, normalize_bsn};
use crate::nmbrs::{Contract, EmployeeSnapshot, PerEmployee, Salary, Schedule};

/// What the handler read from Nmbrs for one linked company.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompanyData {
    pub company_id: i32,
    pub eitje_venue_ids: Vec<String>,
    pub snapshots: Vec<EmployeeSnapshot>,
    pub contracts: Vec<PerEmployee<Contract>>,
    pub salaries: Vec<PerEmployee<Salary>>,
    pub schedules: Vec<PerEmployee<Schedule>>,
}

/// Step 2's outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// Sorted by id.
    pub imported: Vec<ImportedEmployee>,
    pub no_email: u64,
    pub no_active_employment: u64,
}

/// An employee to import, with everything its `team_member.upserted` record needs.
/// `Debug` hides the BSN (the snapshot's `Debug` does).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedEmployee {
    pub nmbrs_employee_id: i32,
    pub company_id: i32,
    /// The company's venues, sorted and deduplicated.
    pub eitje_venue_ids: Vec<String>,
    pub snapshot: EmployeeSnapshot,
    /// Contract history, oldest first (one contract from the snapshot when Nmbrs has none).
    pub contracts: Vec<Contract>,
    /// Salary history, oldest first.
    pub salaries: Vec<Salary>,
    /// The schedule current on the sync date (see the module doc).
    pub schedule: Option<Schedule>,
    /// `EmailWork`, else `EmailPrivate`, trimmed.
    pub email: String,
}

fn items<T: Clone>(lists: &[PerEmployee<T>], employee_id: i32) -> Vec<T> {
    lists.iter().filter(|l| l.employee_id == employee_id).flat_map(|l| l.items.iter().cloned()).collect()
}

/// The contracts that decide the employee's employment in `company`, oldest first.
fn contracts_of(company: &CompanyData, snapshot: Option<&EmployeeSnapshot>, employee_id: i32) -> Vec<Contract> {
    let mut contracts = items(&company.contracts, employee_id);
    if contracts.is_empty()
        && let Some(s) = snapshot.filter(|s| s.contract_start_date.is_some() || s.contract_end_date.is_some())
    {
        contracts.push(Contract {
            start_date: s.contract_start_date,
            end_date: s.contract_end_date,
            hours_per_week: Some(s.contract_hours),
            ..Default::default()
        });
    }
    contracts.sort_by_key(|c| (c.start_date, c.creation_date, c.contract_id));
    contracts
}

/// Trimmed, `None` when empty.
fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `EmailWork`, else `EmailPrivate`; trimmed, empty = none.
pub fn chosen_email(s: &EmployeeSnapshot) -> Option<&str> {
    text(&s.email_work).or_else(|| text(&s.email_private))
}

fn current_schedule(mut schedules: Vec<Schedule>, today: NaiveDate) -> Option<Schedule> {
    schedules.retain(|s| s.start_date.is_some());
    schedules.sort_by_key(|s| (s.start_date, s.creation_date, s.id));
    let started = schedules.iter().rposition(|s| s.start_date.is_some_and(|d| d.date() <= today));
    match started {
        Some(i) => Some(schedules.swap_remove(i)),
        None => schedules.into_iter().next(),
    }
}

/// Step 2 of CONTRACT §2.3: only employees with an active employment `today` AND an email
/// (EmailWork, else EmailPrivate; trimmed, empty = none). Contracts come from `contracts` (the
/// history); fall back to the snapshot's contract dates when an employee has no contract history.
pub fn select_imports(companies: &[CompanyData], today: NaiveDate) -> Selection {
    let mut by_employee: BTreeMap<i32, Vec<(&CompanyData, &EmployeeSnapshot)>> = BTreeMap::new();
    for company in companies {
        for s in &company.snapshots {
            by_employee.entry(s.employee_id).or_default().push((company, s));
        }
    }
    let mut selection = Selection::default();
    for (id, mut seen) in by_employee {
        seen.sort_by_key(|(c, _)| c.company_id);
        let mut employed_somewhere = false;
        let mut chosen = None;
        for (company, s) in seen {
            let contracts = contracts_of(company, Some(s), id);
            if !is_employed_on(&contracts, today) {
                continue;
            }
            employed_somewhere = true;
            if let Some(email) = chosen_email(s) {
                chosen = Some((company, s, contracts, email.to_owned()));
                break;
            }
        }
        match chosen {
            Some((company, s, contracts, email)) => {
                let mut salaries = items(&company.salaries, id);
                salaries.sort_by_key(|x| (x.start_date, x.creation_date, x.id));
                // The same company may come once per linked venue: its venues are all of them.
                let mut venues: Vec<String> = companies
                    .iter()
                    .filter(|c| c.company_id == company.company_id)
                    .flat_map(|c| c.eitje_venue_ids.iter().cloned())
                    .collect();
                venues.sort();
                venues.dedup();
                selection.imported.push(ImportedEmployee {
                    nmbrs_employee_id: id,
                    company_id: company.company_id,
                    eitje_venue_ids: venues,
                    snapshot: s.clone(),
                    contracts,
                    salaries,
                    schedule: current_schedule(items(&company.schedules, id), today),
                    email,
                });
            }
            None if employed_somewhere => selection.no_email += 1,
            None => selection.no_active_employment += 1,
        }
    }
    selection
}

/// The match keys of an imported employee: its BSN and its work and private addresses.
pub fn candidate(e: &ImportedEmployee) -> Candidate {
    let s = &e.snapshot;
    Candidate {
        nmbrs_employee_id: e.nmbrs_employee_id,
        bsn: s.bsn.clone(),
        emails: [text(&s.email_work), text(&s.email_private)].into_iter().flatten().map(str::to_owned).collect(),
    }
}

/// The full `team_member.upserted` payload (Nmbrs is leading) and a content hash of the published
/// record (Nmbrs data, match, venues) — equal records hash equal, any field change changes the hash.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub nmbrs_employee_id: i32,
    pub payload: Value,
    pub content_hash: [u8; 32],
}

/// A decimal string as the schemas want it (`"7.50"`, never `"-0"`).
fn decimal(d: Decimal) -> String {
    if d.is_zero() { Decimal::new(0, d.scale()).to_string() } else { d.to_string() }
}

/// Hours: a non-negative decimal string; a negative value is no value.
fn hours(d: Option<Decimal>) -> Value {
    match d {
        Some(d) if !d.is_sign_negative() || d.is_zero() => json!(decimal(d)),
        _ => Value::Null,
    }
}

/// `YYYY-MM-DD`, or null.
fn day(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| json!(d.format("%Y-%m-%d").to_string()))
}

/// The date part of a Nmbrs `dateTime`, as `YYYY-MM-DD`, or null.
fn date(d: Option<NaiveDateTime>) -> Value {
    day(d.map(|d| d.date()))
}

const SALARY_TYPES: [&str; 9] = [
    "None",
    "Bruto_Salaris_Fulltime",
    "Bruto_Salaris_Partime",
    "Bruto_Uurloon",
    "Netto_Salaris_Partime_incl_looncomp",
    "Netto_Salaris_Partime_excl_looncomp",
    "Netto_Uurloon_excl_looncomp",
    "Werkgerverslasten",
    "Netto_Uurloon_incl_looncomp",
];

fn salary_type(n: i32) -> String {
    usize::try_from(n).ok().and_then(|i| SALARY_TYPES.get(i)).map_or_else(|| n.to_string(), |s| (*s).to_owned())
}

fn gender(g: &str) -> Value {
    let g = g.trim().to_ascii_lowercase();
    match g.as_str() {
        "male" | "female" | "undefined" => json!(g),
        _ => Value::Null,
    }
}

fn schedule(s: &Schedule) -> Value {
    let clamp = |d: &Decimal| if d.is_sign_negative() { Decimal::ZERO } else { *d };
    let week1: Vec<Decimal> = s.hours_week1.iter().map(clamp).collect();
    let week2: Vec<Decimal> = s.hours_week2.iter().map(clamp).collect();
    let alternating = week2 != week1 && week2.iter().any(|d| !d.is_zero());
    let sum1: Decimal = week1.iter().sum();
    let (days, per_week) = if alternating {
        let sum2: Decimal = week2.iter().sum();
        ([week1, week2].concat(), (sum1 + sum2) / Decimal::TWO)
    } else {
        (week1, sum1)
    };
    json!({
        "start_date": date(s.start_date),
        "hours_per_week": hours(Some(per_week)),
        "days": days.into_iter().map(decimal).collect::<Vec<_>>(),
    })
}

/// The `team_member.upserted` payload and its content hash. `m` is the employee's own match (not
/// an ambiguous one); `cost_per_hour` is `Salary_GetEstimatedCostPerHour`, `None` when unavailable.
/// The schema wants at least one venue: a company without linked venues is not synced.
pub fn member_record(e: &ImportedEmployee, m: &Matched, cost_per_hour: Option<Decimal>) -> MemberRecord {
    debug_assert_eq!(e.nmbrs_employee_id, m.nmbrs_employee_id, "record and match of different employees");
    debug_assert_eq!(m.eitje_user_id.is_none(), m.matched_by == MatchedBy::New, "a match names a member unless new");
    let s = &e.snapshot;
    let eitje_user_id = if m.matched_by == MatchedBy::New { None } else { m.eitje_user_id.as_deref() };
    let contracts: Vec<Value> = e
        .contracts
        .iter()
        .filter(|c| c.start_date.is_some())
        .map(|c| {
            json!({
                "start_date": date(c.start_date),
                "end_date": date(c.end_date),
                "hours_per_week": hours(c.hours_per_week),
                "contract_type": c.employement_type.map(|t| t.to_string()),
            })
        })
        .collect();
    let salaries: Vec<Value> = e
        .salaries
        .iter()
        .filter(|x| x.start_date.is_some())
        .map(|x| json!({"start_date": date(x.start_date), "type": x.salary_type.map(salary_type), "value": x.value.map(decimal)}))
        .collect();
    let payload = json!({
        "eitje_user_id": eitje_user_id,
        "nmbrs_employee_id": e.nmbrs_employee_id,
        "nmbrs_company_id": e.company_id,
        "eitje_venue_ids": e.eitje_venue_ids,
        "matched_by": m.matched_by.as_str(),
        "person": {
            "first_name": text(&s.first_name),
            "initials": Value::Null,
            "prefix": text(&s.prefix),
            "last_name": text(&s.last_name),
            "birthday": date(s.birthday),
            "gender": gender(&s.gender),
            "bsn": s.bsn.as_deref().and_then(normalize_bsn),
        },
        "contact": {
            "email": e.email,
            "email_work": text(&s.email_work),
            "email_private": text(&s.email_private),
            "phone": text(&s.telephone_private).or_else(|| text(&s.telephone_work)),
            "mobile": text(&s.telephone_mobile_private).or_else(|| text(&s.telephone_mobile_work)),
        },
        "address": {
            "street": text(&s.street),
            "house_number": text(&s.house_number),
            "house_number_addition": text(&s.house_number_addition),
            "postal_code": text(&s.post_code),
            "city": text(&s.city),
            "country": Value::Null,
        },
        "contracts": contracts,
        "salaries": salaries,
        "hourly_wage": (!s.hourly_wage.is_zero()).then(|| decimal(s.hourly_wage)),
        "cost_per_hour": cost_per_hour.map(decimal),
        "schedule": e.schedule.as_ref().map_or(Value::Null, schedule),
    });
    let content_hash = content_hash(&payload);
    MemberRecord { nmbrs_employee_id: e.nmbrs_employee_id, payload, content_hash }
}

/// SHA-256 of `v` in canonical JSON (object keys sorted, no whitespace).
pub fn content_hash(v: &Value) -> [u8; 32] {
    let mut out = String::new();
    canonical(v, &mut out);
    Sha256::digest(out.as_bytes()).into()
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::from(k.as_str()));
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

/// Step 4: the records to publish and how many are unchanged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Delta {
    /// Sorted by employee id.
    pub publish: Vec<MemberRecord>,
    pub unchanged: u64,
}

/// Step 4: which records to publish. `previous` = last published hash per employee; publish all
/// when `publish_all` (full, or first sync); else only new or changed ones.
pub fn delta(records: Vec<MemberRecord>, previous: &HashMap<i32, [u8; 32]>, publish_all: bool) -> Delta {
    let mut d = Delta::default();
    for r in records {
        if publish_all || previous.get(&r.nmbrs_employee_id) != Some(&r.content_hash) {
            d.publish.push(r);
        } else {
            d.unchanged += 1;
        }
    }
    d.publish.sort_by_key(|r| r.nmbrs_employee_id);
    d
}

/// Why a member left Nmbrs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartureReason {
    EmploymentEnded,
    NotInNmbrs,
}

/// An active, linked member whose employee is gone from Nmbrs or no longer employed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    pub eitje_user_id: String,
    pub nmbrs_employee_id: i32,
    pub reason: DepartureReason,
    pub ended_on: Option<NaiveDate>,
}

/// Step 5 / Deactivate: roster members with active: true and a nmbrs_employee_id whose employee
/// has no active employment on `on` (reason employment_ended, ended_on = last contract end) or is
/// returned by no linked company (reason not_in_nmbrs, ended_on null). Sorted by eitje_user_id.
pub fn departures(roster: &[RosterMember], companies: &[CompanyData], on: NaiveDate) -> Vec<Departure> {
    let mut contracts: HashMap<i32, Vec<Contract>> = HashMap::new();
    for company in companies {
        // Every snapshot (an employee may be listed twice) and every contract history.
        let listed = company.snapshots.iter().map(|s| (s.employee_id, Some(s)));
        let histories = company.contracts.iter().map(|l| (l.employee_id, None));
        for (id, snapshot) in listed.chain(histories) {
            let entry = contracts.entry(id).or_default();
            for c in contracts_of(company, snapshot, id) {
                if !entry.contains(&c) {
                    entry.push(c);
                }
            }
        }
    }
    let mut out: Vec<Departure> = roster
        .iter()
        .filter(|m| m.active)
        .filter_map(|m| {
            let id = m.nmbrs_employee_id?;
            let (reason, ended_on) = match contracts.get(&id) {
                None => (DepartureReason::NotInNmbrs, None),
                Some(cs) if is_employed_on(cs, on) || has_upcoming_employment(cs, on) => return None,
                Some(cs) => (DepartureReason::EmploymentEnded, last_contract_end(cs)),
            };
            Some(Departure { eitje_user_id: m.eitje_user_id.clone(), nmbrs_employee_id: id, reason, ended_on })
        })
        .collect();
    out.sort_by(|a, b| (&a.eitje_user_id, a.nmbrs_employee_id).cmp(&(&b.eitje_user_id, b.nmbrs_employee_id)));
    out.dedup();
    out
}

/// The `team_member.deactivated` payload of a departure.
pub fn deactivated_payload(d: &Departure) -> Value {
    json!({
        "eitje_user_id": d.eitje_user_id,
        "nmbrs_employee_id": d.nmbrs_employee_id,
        "reason": d.reason,
        "ended_on": day(d.ended_on),
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// The `sync.members_left_nmbrs` notification (auto_deactivate off). `eitje_user_ids` and
/// `nmbrs_employee_ids` are parallel lists in the order of `ds`; `members` gives each departure's
/// reason and end date. Call it only with at least one departure (the schema wants non-empty lists).
pub fn members_left_notification(ds: &[Departure]) -> Value {
    let members: Vec<Value> = ds.iter().map(deactivated_payload).collect();
    json!({
        "level": "warning",
        "code": "sync.members_left_nmbrs",
        "message": format!(
            "{} who left Nmbrs (employment ended or employee gone) {} still active in Eitje. \
             Automatic deactivation is off: check and deactivate them in Eitje.",
            plural(ds.len(), "member", "members"),
            if ds.len() == 1 { "is" } else { "are" },
        ),
        "params": {
            "eitje_user_ids": ds.iter().map(|d| d.eitje_user_id.as_str()).collect::<Vec<_>>(),
            "nmbrs_employee_ids": ds.iter().map(|d| d.nmbrs_employee_id).collect::<Vec<_>>(),
            "members": members,
        },
    })
}

/// The `sync.duplicate_member` notification of one ambiguity.
pub fn duplicate_member_notification(a: &Ambiguity) -> Value {
    let ids: Vec<String> = a.nmbrs_employee_ids.iter().map(i32::to_string).collect();
    json!({
        "level": "warning",
        "code": "sync.duplicate_member",
        "message": format!(
            "Nmbrs {} ({}) and Eitje {} ({}) match ambiguously, so they were not synced. Link the right member to its Nmbrs employee in Eitje.",
            if ids.len() == 1 { "employee" } else { "employees" },
            ids.join(", "),
            if a.eitje_user_ids.len() == 1 { "member" } else { "members" },
            a.eitje_user_ids.join(", "),
        ),
        "params": {"nmbrs_employee_ids": a.nmbrs_employee_ids, "eitje_user_ids": a.eitje_user_ids},
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::envelope::schema::check;

    const TODAY: (i32, u32, u32) = (2026, 11, 24);

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    fn at(date: NaiveDate) -> NaiveDateTime {
        date.and_hms_opt(0, 0, 0).unwrap()
    }

    fn contract(id: i32, start: NaiveDate, end: Option<NaiveDate>) -> Contract {
        Contract {
            contract_id: id,
            start_date: Some(at(start)),
            end_date: end.map(at),
            hours_per_week: Some(Decimal::new(3200, 2)),
            employement_type: Some(1),
            ..Default::default()
        }
    }

    fn snap(id: i32, email_work: Option<&str>, email_private: Option<&str>) -> EmployeeSnapshot {
        EmployeeSnapshot {
            employee_id: id,
            employee_number: id,
            email_work: email_work.map(str::to_owned),
            email_private: email_private.map(str::to_owned),
            ..Default::default()
        }
    }

    fn company(id: i32, snapshots: Vec<EmployeeSnapshot>, contracts: Vec<(i32, Vec<Contract>)>) -> CompanyData {
        CompanyData {
            company_id: id,
            eitje_venue_ids: vec!["v-2".into(), "v-1".into(), "v-1".into()],
            snapshots,
            contracts: contracts.into_iter().map(|(employee_id, items)| PerEmployee { employee_id, items }).collect(),
            ..Default::default()
        }
    }

    fn rich_company() -> CompanyData {
        let s = EmployeeSnapshot {
            employee_id: 503293,
            employee_number: 1,
            first_name: Some("Sanne ".into()),
            birthday: Some(at(d(1994, 3, 15))),
            prefix: Some("de".into()),
            last_name: Some("Vries".into()),
            gender: "Female".into(),
            bsn: Some("123456782".into()),
            city: Some("Amsterdam".into()),
            telephone_work: Some("020 1234567".into()),
            telephone_mobile_work: Some("0611111111".into()),
            telephone_mobile_private: Some("0622222222".into()),
            email_work: Some(" Sanne@Brouwerij.nl ".into()),
            email_private: Some("sanne@home.nl".into()),
            street: Some("Keizersgracht".into()),
            house_number: Some("101".into()),
            house_number_addition: Some("".into()),
            post_code: Some("1015 CJ".into()),
            hourly_wage: Decimal::new(1450, 2),
            contract_hours: Decimal::new(32, 0),
            ..Default::default()
        };
        let mut c = company(
            54613,
            vec![s],
            vec![(503293, vec![contract(2, d(2025, 1, 1), None), contract(1, d(2023, 1, 1), Some(d(2024, 12, 31)))])],
        );
        let salary = |id, start, cents| Salary {
            id,
            value: Some(Decimal::new(cents, 2)),
            salary_type: Some(3),
            start_date: Some(at(start)),
            creation_date: Some(at(start)),
            ..Default::default()
        };
        c.salaries = vec![PerEmployee {
            employee_id: 503293,
            items: vec![salary(2, d(2025, 1, 1), 1450), salary(1, d(2023, 1, 1), 1300)],
        }];
        let week = |h: i64| [h, h, h, h, 0, 0, 0].map(|h| Decimal::new(h * 100, 2));
        let schedule = |id: i64, start, w1, w2| Schedule {
            id: Decimal::from(id),
            hours_week1: w1,
            hours_week2: w2,
            start_date: Some(at(start)),
            ..Default::default()
        };
        c.schedules = vec![PerEmployee {
            employee_id: 503293,
            items: vec![
                schedule(1, d(2023, 1, 1), week(6), week(6)),
                schedule(2, d(2025, 1, 1), week(8), [Decimal::ZERO; 7]),
                schedule(3, d(2027, 1, 1), week(4), week(4)),
            ],
        }];
        c
    }

    fn rich() -> ImportedEmployee {
        let sel = select_imports(&[rich_company()], today());
        sel.imported.into_iter().next().unwrap()
    }

    fn by_id(id: i32) -> Matched {
        Matched { nmbrs_employee_id: id, eitje_user_id: Some("u-1".into()), matched_by: MatchedBy::NmbrsId }
    }

    fn event(kind: &str, job: &str, payload: &Value) -> Value {
        json!({
            "event_id": "0b6f3c1e-8a4d-4f2b-9c71-5d2e8f0a6b13",
            "type": kind,
            "occurred_at": "2026-11-24T21:00:00.000Z",
            "integration_id": "env-1",
            "job": {"message_id": "m", "type": job, "idempotency_key": "m"},
            "payload": payload,
        })
    }

    fn ids(sel: &Selection) -> Vec<i32> {
        sel.imported.iter().map(|e| e.nmbrs_employee_id).collect()
    }

    #[test]
    fn imports_only_employed_employees_with_an_email() {
        let t = today();
        let history = vec![
            (1, vec![contract(1, d(2025, 1, 1), None)]), // no end: imported
            (2, vec![contract(2, d(2025, 1, 1), None)]), // no e-mail
            (3, vec![contract(3, d(2025, 1, 1), Some(d(2026, 11, 23)))]), // ended yesterday
            (4, vec![contract(4, d(2026, 12, 1), None)]), // future
            (5, vec![contract(5, d(2025, 1, 1), Some(t))]), // ends today: active
            (6, vec![contract(6, d(2020, 1, 1), Some(d(2021, 1, 1)))]), // ended and no e-mail
        ];
        let snaps = vec![
            snap(5, None, Some(" five@x.nl ")),
            snap(1, Some("one@x.nl"), None),
            snap(2, Some("  "), Some("")),
            snap(3, Some("three@x.nl"), None),
            snap(4, Some("four@x.nl"), None),
            snap(6, None, None),
        ];
        let sel = select_imports(&[company(10, snaps, history)], t);
        assert_eq!(ids(&sel), vec![1, 5]);
        assert_eq!((sel.no_email, sel.no_active_employment), (1, 3));
        assert_eq!(sel.imported[1].email, "five@x.nl");
        assert_eq!(sel.imported[0].eitje_venue_ids, vec!["v-1", "v-2"]);
    }

    #[test]
    fn snapshot_dates_count_only_without_contract_history() {
        let t = today();
        let mut no_history = snap(1, Some("a@x.nl"), None);
        no_history.contract_start_date = Some(at(d(2025, 1, 1)));
        let mut history_ended = snap(2, Some("b@x.nl"), None);
        history_ended.contract_start_date = Some(at(d(2025, 1, 1)));
        let mut no_dates = snap(3, Some("c@x.nl"), None);
        no_dates.contract_end_date = None;
        let companies = [company(
            10,
            vec![no_history, history_ended, no_dates],
            vec![(2, vec![contract(1, d(2020, 1, 1), Some(d(2021, 1, 1)))])],
        )];
        let sel = select_imports(&companies, t);
        assert_eq!(ids(&sel), vec![1]);
        assert_eq!(sel.no_active_employment, 2);
        assert_eq!(sel.imported[0].contracts.len(), 1);
    }

    #[test]
    fn an_employee_in_two_companies_counts_once() {
        let t = today();
        let active = vec![(1, vec![contract(1, d(2025, 1, 1), None)])];
        let a = company(20, vec![snap(1, Some("a@x.nl"), None)], active.clone());
        let b = company(10, vec![snap(1, None, None)], active.clone());
        let sel = select_imports(&[a.clone(), b.clone()], t);
        assert_eq!(ids(&sel), vec![1]);
        assert_eq!(sel.imported[0].company_id, 20);
        assert_eq!((sel.no_email, sel.no_active_employment), (0, 0));
        let c = company(30, vec![snap(1, Some("a@x.nl"), None)], vec![]);
        let sel = select_imports(&[b, c], t);
        assert_eq!((sel.imported.len(), sel.no_email, sel.no_active_employment), (0, 1, 0));
    }

    #[test]
    fn a_company_linked_to_two_venues_gives_both() {
        let active = vec![(1, vec![contract(1, d(2025, 1, 1), None)])];
        let mut a = company(10, vec![snap(1, Some("a@x.nl"), None)], active);
        a.eitje_venue_ids = vec!["v-9".into()];
        let mut b = a.clone();
        b.eitje_venue_ids = vec!["v-3".into()];
        let sel = select_imports(&[a, b], today());
        assert_eq!(sel.imported.len(), 1);
        assert_eq!(sel.imported[0].eitje_venue_ids, vec!["v-3", "v-9"]);
    }

    #[test]
    fn imported_employee_debug_hides_bsn() {
        assert!(!format!("{:?}", rich()).contains("123456782"));
        assert!(!format!("{:?}", candidate(&rich())).contains("123456782"));
    }

    #[test]
    fn candidate_carries_bsn_and_both_addresses() {
        let c = candidate(&rich());
        assert_eq!(c.nmbrs_employee_id, 503293);
        assert_eq!(c.bsn.as_deref(), Some("123456782"));
        assert_eq!(c.emails, vec!["Sanne@Brouwerij.nl", "sanne@home.nl"]);
    }

    #[test]
    fn the_full_record_follows_the_schema() {
        let r = member_record(&rich(), &by_id(503293), Some(Decimal::new(1914, 2)));
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        let expected = json!({
            "eitje_user_id": "u-1",
            "nmbrs_employee_id": 503293,
            "nmbrs_company_id": 54613,
            "eitje_venue_ids": ["v-1", "v-2"],
            "matched_by": "nmbrs_id",
            "person": {"first_name": "Sanne", "initials": null, "prefix": "de", "last_name": "Vries",
                       "birthday": "1994-03-15", "gender": "female", "bsn": "123456782"},
            "contact": {"email": "Sanne@Brouwerij.nl", "email_work": "Sanne@Brouwerij.nl", "email_private": "sanne@home.nl",
                        "phone": "020 1234567", "mobile": "0622222222"},
            "address": {"street": "Keizersgracht", "house_number": "101", "house_number_addition": null,
                        "postal_code": "1015 CJ", "city": "Amsterdam", "country": null},
            "contracts": [
                {"start_date": "2023-01-01", "end_date": "2024-12-31", "hours_per_week": "32.00", "contract_type": "1"},
                {"start_date": "2025-01-01", "end_date": null, "hours_per_week": "32.00", "contract_type": "1"},
            ],
            "salaries": [
                {"start_date": "2023-01-01", "type": "Bruto_Uurloon", "value": "13.00"},
                {"start_date": "2025-01-01", "type": "Bruto_Uurloon", "value": "14.50"},
            ],
            "hourly_wage": "14.50",
            "cost_per_hour": "19.14",
            "schedule": {"start_date": "2025-01-01", "hours_per_week": "32.00",
                         "days": ["8.00", "8.00", "8.00", "8.00", "0.00", "0.00", "0.00"]},
        });
        assert_eq!(r.payload, expected);
        assert_eq!(r.nmbrs_employee_id, 503293);
    }

    #[test]
    fn a_sparse_new_record_follows_the_schema() {
        let t = today();
        let mut s = snap(7, None, Some("x@y.nl"));
        s.gender = "".into();
        s.bsn = Some("12-34".into());
        let sel = select_imports(&[company(10, vec![s], vec![(7, vec![contract(1, d(2025, 1, 1), None)])])], t);
        let new = Matched { nmbrs_employee_id: 7, eitje_user_id: None, matched_by: MatchedBy::New };
        let r = member_record(&sel.imported[0], &new, None);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        let p = &r.payload;
        assert_eq!((&p["eitje_user_id"], &p["matched_by"]), (&Value::Null, &json!("new")));
        assert_eq!((&p["person"]["gender"], &p["person"]["bsn"]), (&Value::Null, &Value::Null));
        assert_eq!(
            (&p["hourly_wage"], &p["cost_per_hour"], &p["schedule"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        assert_eq!(p["salaries"], json!([]));
        assert_eq!(p["contact"]["email"], json!("x@y.nl"));
    }

    #[test]
    fn schedule_is_current_and_alternating_weeks_give_fourteen_days() {
        let e = rich();
        assert_eq!(e.schedule.as_ref().unwrap().id, Decimal::from(2));
        let mut future_only = rich_company();
        future_only.schedules[0].items.retain(|s| s.id == Decimal::from(3));
        let e = select_imports(&[future_only], today()).imported.remove(0);
        assert_eq!(e.schedule.as_ref().unwrap().id, Decimal::from(3));

        let mut s = Schedule { start_date: Some(at(d(2025, 1, 1))), ..Default::default() };
        s.hours_week1 = [8, 8, 8, 8, 8, 0, 0].map(Decimal::from);
        s.hours_week2 = [8, 8, 8, 0, 0, 0, 0].map(Decimal::from);
        let v = schedule(&s);
        assert_eq!(v["days"].as_array().unwrap().len(), 14);
        assert_eq!(v["hours_per_week"], json!("32"));
        s.hours_week2 = s.hours_week1;
        assert_eq!(schedule(&s)["days"].as_array().unwrap().len(), 7);
        s.hours_week1[0] = Decimal::from(-1);
        assert_eq!(schedule(&s)["days"][0], json!("0"));
    }

    #[test]
    fn records_without_start_dates_are_left_out_of_the_event() {
        let mut e = rich();
        e.contracts.insert(0, Contract { end_date: Some(at(d(2022, 1, 1))), ..Default::default() });
        e.salaries.push(Salary { value: Some(Decimal::ONE), ..Default::default() });
        let r = member_record(&e, &by_id(503293), None);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        assert_eq!(r.payload["contracts"].as_array().unwrap().len(), 2);
        assert_eq!(r.payload["salaries"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn gender_is_lower_case_or_null() {
        for (nmbrs, event) in [("Male", json!("male")), ("female", json!("female")), ("UNDEFINED", json!("undefined"))]
        {
            assert_eq!(gender(nmbrs), event);
        }
        assert_eq!(gender(""), Value::Null);
        assert_eq!(gender("x"), Value::Null);
    }

    #[test]
    fn decimals_are_schema_strings() {
        assert_eq!(decimal(Decimal::new(750, 2)), "7.50");
        assert_eq!(decimal(-Decimal::new(0, 2)), "0.00");
        assert_eq!(decimal(Decimal::new(-3, 0)), "-3");
        assert_eq!(hours(Some(Decimal::new(-1, 0))), Value::Null);
        assert_eq!(salary_type(3), "Bruto_Uurloon");
        assert_eq!(salary_type(42), "42");
        assert_eq!(salary_type(-1), "-1");
    }

    #[test]
    fn the_hash_covers_the_match_and_the_venues() {
        let e = rich();
        let base = member_record(&e, &by_id(503293), None);
        assert_eq!(member_record(&e.clone(), &by_id(503293), None).content_hash, base.content_hash);
        let by_email = Matched { matched_by: MatchedBy::Email, ..by_id(503293) };
        assert_ne!(member_record(&e, &by_email, None).content_hash, base.content_hash);
        let other_user = Matched { eitje_user_id: Some("u-2".into()), ..by_id(503293) };
        assert_ne!(member_record(&e, &other_user, None).content_hash, base.content_hash);
        let mut moved = e.clone();
        moved.eitje_venue_ids.push("v-3".into());
        assert_ne!(member_record(&moved, &by_id(503293), None).content_hash, base.content_hash);
        assert_ne!(member_record(&e, &by_id(503293), Some(Decimal::ONE)).content_hash, base.content_hash);
    }

    #[test]
    fn the_hash_does_not_depend_on_key_order() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, {"q": 2, "p": 3}], "x": null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": {"x": null, "y": [1, {"p": 3, "q": 2}]}, "b": 1}"#).unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        let mut out = String::new();
        canonical(&a, &mut out);
        assert_eq!(out, r#"{"a":{"x":null,"y":[1,{"p":3,"q":2}]},"b":1}"#);
        assert_ne!(content_hash(&json!({"a": "1"})), content_hash(&json!({"a": 1})));
    }

    fn records(wage_cents: i64) -> Vec<MemberRecord> {
        let mut a = rich();
        a.snapshot.hourly_wage = Decimal::new(wage_cents, 2);
        let mut b = rich();
        b.nmbrs_employee_id = 2;
        vec![member_record(&a, &by_id(503293), None), member_record(&b, &by_id(2), None)]
    }

    #[test]
    fn delta_publishes_all_first_then_only_changes() {
        let first = records(1450);
        let d = delta(first.clone(), &HashMap::new(), true);
        assert_eq!((d.publish.len(), d.unchanged), (2, 0));
        assert_eq!(d.publish.iter().map(|r| r.nmbrs_employee_id).collect::<Vec<_>>(), vec![2, 503293]);
        let stored: HashMap<i32, [u8; 32]> = first.iter().map(|r| (r.nmbrs_employee_id, r.content_hash)).collect();
        let d = delta(records(1450), &stored, false);
        assert_eq!((d.publish.len(), d.unchanged), (0, 2));
        let d = delta(records(1500), &stored, false);
        assert_eq!((d.publish.len(), d.unchanged), (1, 1));
        assert_eq!(d.publish[0].nmbrs_employee_id, 503293);
        assert_eq!(d.publish[0].payload["hourly_wage"], json!("15.00"));
        // Full sync: everything again, also unchanged records.
        assert_eq!(delta(records(1450), &stored, true).publish.len(), 2);
        // An employee without a stored hash is new.
        let only_one: HashMap<i32, [u8; 32]> = stored.into_iter().filter(|(id, _)| *id == 2).collect();
        assert_eq!(delta(records(1450), &only_one, false).publish.len(), 1);
    }

    fn member(user: &str, id: Option<i32>, active: bool) -> RosterMember {
        RosterMember { eitje_user_id: user.into(), email: None, bsn: None, nmbrs_employee_id: id, active }
    }

    #[test]
    fn departures_cover_ended_and_vanished_employees() {
        let t = today();
        let history = vec![
            (
                1,
                vec![
                    contract(1, d(2020, 1, 1), Some(d(2021, 6, 30))),
                    contract(2, d(2022, 1, 1), Some(d(2026, 10, 31))),
                ],
            ),
            (2, vec![contract(3, d(2025, 1, 1), None)]),
            (3, vec![contract(4, d(2027, 1, 1), None)]),
            (4, vec![contract(5, d(2020, 1, 1), Some(d(2021, 1, 1))), contract(6, d(2026, 12, 1), None)]),
        ];
        let snaps = (1..=5).map(|id| snap(id, Some("a@x.nl"), None)).collect();
        let companies = [company(10, snaps, history)];
        let roster = [
            member("u-9", Some(99), true), // vanished
            member("u-1", Some(1), true),  // ended
            member("u-2", Some(2), true),  // employed
            member("u-3", Some(3), true),  // future contract only: not left
            member("u-4", Some(4), true),  // rehired from next week: not left
            member("u-5", Some(5), true),  // listed without any contract
            member("u-6", None, true),     // not linked: ignored
            member("u-7", Some(1), false), // inactive: ignored
        ];
        let ds = departures(&roster, &companies, t);
        assert_eq!(
            ds,
            vec![
                Departure {
                    eitje_user_id: "u-1".into(),
                    nmbrs_employee_id: 1,
                    reason: DepartureReason::EmploymentEnded,
                    ended_on: Some(d(2026, 10, 31))
                },
                Departure {
                    eitje_user_id: "u-5".into(),
                    nmbrs_employee_id: 5,
                    reason: DepartureReason::EmploymentEnded,
                    ended_on: None
                },
                Departure {
                    eitje_user_id: "u-9".into(),
                    nmbrs_employee_id: 99,
                    reason: DepartureReason::NotInNmbrs,
                    ended_on: None
                },
            ]
        );
        for dep in &ds {
            let p = deactivated_payload(dep);
            check("events/team_member.deactivated", &event("team_member.deactivated", "Deactivate", &p)).unwrap();
        }
        assert_eq!(deactivated_payload(&ds[0])["ended_on"], json!("2026-10-31"));
        assert_eq!(deactivated_payload(&ds[0])["reason"], json!("employment_ended"));
        assert_eq!(deactivated_payload(&ds[2])["reason"], json!("not_in_nmbrs"));
    }

    #[test]
    fn departures_look_at_every_company_and_the_snapshot_fallback() {
        let t = today();
        let mut ended = snap(1, None, None);
        ended.contract_start_date = Some(at(d(2020, 1, 1)));
        ended.contract_end_date = Some(at(d(2026, 1, 31)));
        let a = company(10, vec![ended], vec![]);
        let b = company(20, vec![], vec![(1, vec![contract(1, d(2026, 2, 1), None)])]);
        let roster = [member("u-1", Some(1), true)];
        assert_eq!(departures(&roster, &[a.clone(), b], t), vec![]);
        let ds = departures(&roster, &[a], t);
        assert_eq!(ds[0].ended_on, Some(d(2026, 1, 31)));
        assert_eq!(ds[0].reason, DepartureReason::EmploymentEnded);
        assert_eq!(departures(&roster, &[], t)[0].reason, DepartureReason::NotInNmbrs);
    }

    #[test]
    fn notifications_follow_the_schema() {
        let ds = [
            Departure {
                eitje_user_id: "u-1".into(),
                nmbrs_employee_id: 1,
                reason: DepartureReason::EmploymentEnded,
                ended_on: Some(d(2026, 10, 31)),
            },
            Departure {
                eitje_user_id: "u-9".into(),
                nmbrs_employee_id: 99,
                reason: DepartureReason::NotInNmbrs,
                ended_on: None,
            },
        ];
        let n = members_left_notification(&ds);
        check("events/notification", &event("notification", "SyncTeam", &n)).unwrap();
        assert_eq!(n["params"]["eitje_user_ids"], json!(["u-1", "u-9"]));
        assert_eq!(n["params"]["nmbrs_employee_ids"], json!([1, 99]));
        assert!(n["message"].as_str().unwrap().starts_with("2 members"));
        let one = members_left_notification(&ds[..1]);
        check("events/notification", &event("notification", "Deactivate", &one)).unwrap();
        assert_eq!(
            one["message"],
            json!(
                "1 member who left Nmbrs (employment ended or employee gone) is still active in Eitje. \
                 Automatic deactivation is off: check and deactivate them in Eitje."
            )
        );

        let a = Ambiguity { nmbrs_employee_ids: vec![1, 2], eitje_user_ids: vec!["u-1".into()] };
        let n = duplicate_member_notification(&a);
        check("events/notification", &event("notification", "SyncTeam", &n)).unwrap();
        assert_eq!(n["code"], json!("sync.duplicate_member"));
        assert_eq!(n["params"], json!({"nmbrs_employee_ids": [1, 2], "eitje_user_ids": ["u-1"]}));
        assert_eq!(
            n["message"],
            json!(
                "Nmbrs employees (1, 2) and Eitje member (u-1) match ambiguously, so they were not synced. Link the right member to its Nmbrs employee in Eitje."
            )
        );
    }

    #[test]
    fn no_bsn_in_messages() {
        let e = rich();
        let cand = candidate(&e);
        let m = crate::domain::matching::match_members(
            &[cand.clone(), Candidate { nmbrs_employee_id: 2, ..cand }],
            &[RosterMember { bsn: Some("123456782".into()), ..member("u-1", None, true) }],
        );
        let n = duplicate_member_notification(&m.ambiguities[0]);
        assert!(!n.to_string().contains("123456782"));
    }

    fn arb_company() -> impl Strategy<Value = CompanyData> {
        let employee =
            (1i32..12, 0usize..3, proptest::option::of(0i64..60), proptest::option::of(0i64..60), any::<bool>());
        (1i32..4, proptest::collection::vec(employee, 0..8)).prop_map(|(company_id, employees)| {
            let base = d(2026, 10, 1);
            let mut c = company(company_id, vec![], vec![]);
            for (id, email, start, end, history) in employees {
                let emails = [(None, None), (Some("w@x.nl"), None), (Some(" "), Some("p@x.nl"))][email];
                let mut s = snap(id, emails.0, emails.1);
                let start = start.map(|n| base + chrono::Duration::days(n));
                let end = end.map(|n| base + chrono::Duration::days(n));
                if history {
                    let items =
                        vec![Contract { start_date: start.map(at), end_date: end.map(at), ..Default::default() }];
                    c.contracts.push(PerEmployee { employee_id: id, items });
                } else {
                    (s.contract_start_date, s.contract_end_date) = (start.map(at), end.map(at));
                }
                c.snapshots.push(s);
            }
            c
        })
    }

    proptest! {
        /// Every employee of every company is counted once: imported or skipped for one reason.
        /// Imported employees are employed and have an e-mail; an active, linked member of an
        /// imported employee never departs.
        #[test]
        fn selection_counts_every_employee_once(companies in proptest::collection::vec(arb_company(), 0..3)) {
            let t = today();
            let sel = select_imports(&companies, t);
            let all: BTreeSet<i32> = companies.iter().flat_map(|c| c.snapshots.iter().map(|s| s.employee_id)).collect();
            prop_assert_eq!(sel.imported.len() as u64 + sel.no_email + sel.no_active_employment, all.len() as u64);
            prop_assert!(sel.imported.windows(2).all(|w| w[0].nmbrs_employee_id < w[1].nmbrs_employee_id));
            for e in &sel.imported {
                prop_assert!(is_employed_on(&e.contracts, t));
                prop_assert!(!e.email.trim().is_empty());
            }
            let roster: Vec<RosterMember> =
                all.iter().map(|id| member(&format!("u-{id}"), Some(*id), true)).collect();
            let ds = departures(&roster, &companies, t);
            for dep in &ds {
                prop_assert!(sel.imported.iter().all(|e| e.nmbrs_employee_id != dep.nmbrs_employee_id));
                prop_assert_eq!(dep.reason, DepartureReason::EmploymentEnded);
            }
            prop_assert!(ds.windows(2).all(|w| w[0].eitje_user_id < w[1].eitje_user_id));
            // Records built from the selection all validate, and a second identical sync publishes nothing.
            let records: Vec<MemberRecord> = sel.imported.iter().map(|e| {
                let m = Matched { nmbrs_employee_id: e.nmbrs_employee_id, eitje_user_id: None, matched_by: MatchedBy::New };
                member_record(e, &m, None)
            }).collect();
            for r in &records {
                prop_assert!(check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).is_ok());
            }
            let stored: HashMap<i32, [u8; 32]> = records.iter().map(|r| (r.nmbrs_employee_id, r.content_hash)).collect();
            let again = delta(records.clone(), &stored, false);
            prop_assert_eq!((again.publish.len(), again.unchanged), (0, records.len() as u64));
        }
    }

    fn text_field() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-z]{1,6}")
    }

    proptest! {
        /// Any change of a published field changes the hash; equal records hash equal; and every
        /// record validates against the schema.
        #[test]
        fn any_field_change_changes_the_hash(
            first in text_field(), last in text_field(), city in text_field(), phone in text_field(),
            wage in 0i64..5000, hours in 0i64..5000, field in 0usize..8, new_value in "[A-Z]{1,6}",
        ) {
            let mut e = rich();
            let s = &mut e.snapshot;
            (s.first_name, s.last_name, s.city, s.telephone_private) = (first, last, city, phone);
            s.hourly_wage = Decimal::new(wage, 2);
            e.contracts[0].hours_per_week = Some(Decimal::new(hours, 2));
            let base = member_record(&e, &by_id(503293), None);
            check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &base.payload)).unwrap();
            prop_assert_eq!(member_record(&e.clone(), &by_id(503293), None).content_hash, base.content_hash);
            let mut changed = e.clone();
            let s = &mut changed.snapshot;
            match field {
                0 => s.first_name = Some(new_value),
                1 => s.last_name = Some(new_value),
                2 => s.city = Some(new_value),
                3 => s.telephone_private = Some(new_value),
                4 => s.hourly_wage += Decimal::ONE,
                5 => changed.contracts[0].hours_per_week = Some(Decimal::new(hours + 1, 2)),
                6 => changed.salaries[0].value = changed.salaries[0].value.map(|v| v + Decimal::ONE),
                _ => changed.schedule.as_mut().unwrap().hours_week1[6] += Decimal::ONE,
            }
            prop_assert_ne!(member_record(&changed, &by_id(503293), None).content_hash, base.content_hash);
        }
    }
}
