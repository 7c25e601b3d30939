//! The bounds every id and list of a job keeps (CONTRACT §2.2 "Bounds", issue 19 item 2), in
//! the types: a value beyond one does not deserialize, so the envelope rejects the job
//! (`schema_violation`, naming where and which bound) and no handler ever sees it.
//!
//! - An id (`message_id`, `idempotency_key`, `integration.id`, every Eitje id, `export_id`, an
//!   allowance type, `requested_by.id`, `integration.nmbrs.domain`) is 1 to [`ID_MAX_BYTES`]
//!   bytes of UTF-8 without control characters (no NUL, no U+0000–U+001F, U+007F–U+009F).
//!   The JSON Schemas say the same with `maxLength` 200 and a `pattern`; a schema counts
//!   characters, so the byte bound is this module's.
//! - Lists have the maxima below; `schemas/` names the same numbers (`maxItems`,
//!   `maxProperties`). They are far above what a real hospitality customer sends, and low
//!   enough that no job's work or event grows without bound.
//!
//! The refusal's text names the bound, never the value (an id may be anything a sender put in).

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, Deserializer, de::Error};

/// Most bytes of one id (CONTRACT §2.2 Bounds).
pub const ID_MAX_BYTES: usize = 200;
/// Most entries in one `ExportHours` job (a month of a 1 000-person business is ~30 000).
pub const MAX_ENTRIES: usize = 50_000;
/// Most ids in one `ExportHours` job's `withdrawn_entry_ids`.
pub const MAX_WITHDRAWN: usize = 50_000;
/// Most allowances on one entry.
pub const MAX_ALLOWANCES_PER_ENTRY: usize = 20;
/// Most roster members in one `SyncTeam` or `Deactivate` job.
pub const MAX_MEMBERS: usize = 20_000;
/// Most venues of one integration.
pub const MAX_VENUES: usize = 500;
/// Most allowance types mapped in `settings.wage_codes.allowances`.
pub const MAX_ALLOWANCE_TYPES: usize = 200;

/// Where the text of a bound refusal starts, so the envelope can tell it from serde's own
/// messages (which may quote the value) and show it.
pub const REFUSAL_MARK: &str = "out of bounds: ";

/// Why a text is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    Empty,
    TooLong { bytes: usize },
    ControlCharacter,
}

impl fmt::Display for IdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REFUSAL_MARK)?;
        match self {
            IdProblem::Empty => write!(f, "empty; an id is 1–{ID_MAX_BYTES} bytes"),
            IdProblem::TooLong { bytes } => {
                write!(f, "{bytes} bytes; an id is 1–{ID_MAX_BYTES} bytes (CONTRACT §2.2 Bounds)")
            }
            IdProblem::ControlCharacter => {
                write!(f, "holds a control character (NUL, U+0000–U+001F, U+007F–U+009F); ids are printable")
            }
        }
    }
}

/// Whether `text` is an id: 1–[`ID_MAX_BYTES`] bytes, no control character.
pub fn id_problem(text: &str) -> Option<IdProblem> {
    match text.len() {
        0 => Some(IdProblem::Empty),
        bytes if bytes > ID_MAX_BYTES => Some(IdProblem::TooLong { bytes }),
        _ if text.chars().any(char::is_control) => Some(IdProblem::ControlCharacter),
        _ => None,
    }
}

/// Deserializes an id (`#[serde(deserialize_with = "bounded::id")]`).
pub fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    match id_problem(&text) {
        Some(problem) => Err(D::Error::custom(problem)),
        None => Ok(text),
    }
}

/// Deserializes an optional id; `null` is none.
pub fn optional_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref().and_then(id_problem) {
        Some(problem) => Err(D::Error::custom(problem)),
        None => Ok(text),
    }
}

/// Deserializes a list of at most `MAX` items (`deserialize_with = "bounded::list::<_, _, 500>"`).
pub fn list<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<T>::deserialize(deserializer)?;
    match items.len() {
        n if n > MAX => Err(D::Error::custom(format!("{REFUSAL_MARK}{n} items; the most is {MAX}"))),
        _ => Ok(items),
    }
}

/// Deserializes a list of at most `MAX` ids.
pub fn id_list<'de, D: Deserializer<'de>, const MAX: usize>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let items: Vec<String> = list::<D, String, MAX>(deserializer)?;
    match items.iter().enumerate().find_map(|(i, id)| Some((i, id_problem(id)?))) {
        Some((i, problem)) => Err(D::Error::custom(format!("item {i} is {problem}"))),
        None => Ok(items),
    }
}

/// Deserializes a map whose keys are ids, with at most `MAX` keys; a `null` value is dropped
/// (a mapping that is null means the same as an absent one, `schemas/` decision 7).
pub fn id_map<'de, D, T, const MAX: usize>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let map = BTreeMap::<String, Option<T>>::deserialize(deserializer)?;
    if map.len() > MAX {
        return Err(D::Error::custom(format!("{REFUSAL_MARK}{} keys; the most is {MAX}", map.len())));
    }
    if let Some(problem) = map.keys().find_map(|k| id_problem(k)) {
        return Err(D::Error::custom(format!("a key is {problem}")));
    }
    Ok(map.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())
}

/// An event payload (`fixed`, a JSON object) with `lists` added, each cut to fit: the whole
/// payload stays within `max_bytes` serialized (CONTRACT §2.2 Bounds: what a job would report
/// beyond a bound is counted, not listed, and the event says so). Every list `name` gets
/// `name` (the items listed, a prefix of the list, in order), `name_count` (how many there are
/// in all) and `name_truncated` (whether some are not listed). The lists are filled in the
/// order given; once one is cut, the ones after it list nothing (and say so when not empty).
/// `max_bytes` is a bound on the lists: a `fixed` part larger than it is returned whole.
pub fn fit_lists(
    mut fixed: serde_json::Map<String, serde_json::Value>,
    lists: Vec<(&str, Vec<serde_json::Value>)>,
    max_bytes: usize,
) -> serde_json::Value {
    use serde_json::Value;
    for (name, items) in &lists {
        fixed.insert((*name).to_string(), Value::Array(Vec::new()));
        fixed.insert(format!("{name}_count"), Value::from(items.len()));
        // `false` is the longer of the two flags: the estimate below stays an upper bound.
        fixed.insert(format!("{name}_truncated"), Value::Bool(false));
    }
    let mut used = Value::Object(fixed.clone()).to_string().len();
    let mut full = true;
    for (name, items) in lists {
        let total = items.len();
        let mut listed = Vec::new();
        for item in items {
            let bytes = item.to_string().len() + usize::from(!listed.is_empty());
            if !full || used + bytes > max_bytes {
                full = false;
                break;
            }
            used += bytes;
            listed.push(item);
        }
        fixed.insert(format!("{name}_truncated"), Value::Bool(listed.len() < total));
        fixed.insert(name.to_string(), Value::Array(listed));
    }
    Value::Object(fixed)
}

/// [`fit_lists`] for lists whose items belong together by position (as a notification's
/// `eitje_user_ids` and `nmbrs_employee_ids`): every list is cut at the same index, so the
/// listed prefixes stay aligned. Each list `name` gets `name`, `name_count` (how many in all)
/// and `name_truncated`. The payload stays within `max_bytes` serialized unless `fixed` alone
/// is larger (CONTRACT §2.2 Bounds).
pub fn fit_parallel_lists(
    mut fixed: serde_json::Map<String, serde_json::Value>,
    lists: Vec<(String, Vec<serde_json::Value>)>,
    max_bytes: usize,
) -> serde_json::Value {
    use serde_json::Value;
    for (name, items) in &lists {
        fixed.insert(name.clone(), Value::Array(Vec::new()));
        fixed.insert(format!("{name}_count"), Value::from(items.len()));
        // `false` is the longer of the two flags: the estimate below stays an upper bound.
        fixed.insert(format!("{name}_truncated"), Value::Bool(false));
    }
    let mut used = Value::Object(fixed.clone()).to_string().len();
    let longest = lists.iter().map(|(_, items)| items.len()).max().unwrap_or(0);
    let mut listed = 0;
    while listed < longest {
        let bytes: usize = lists
            .iter()
            .filter_map(|(_, items)| items.get(listed))
            .map(|item| item.to_string().len() + usize::from(listed > 0))
            .sum();
        if used + bytes > max_bytes {
            break;
        }
        used += bytes;
        listed += 1;
    }
    for (name, items) in lists {
        let total = items.len();
        fixed.insert(format!("{name}_truncated"), Value::Bool(listed < total));
        fixed.insert(name, Value::Array(items.into_iter().take(listed).collect()));
    }
    Value::Object(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "id")]
        id: String,
        #[serde(default, deserialize_with = "optional_id")]
        maybe: Option<String>,
        #[serde(default, deserialize_with = "list::<_, _, 2>")]
        few: Vec<u8>,
    }

    fn probe(v: serde_json::Value) -> Result<Probe, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn an_id_is_bounded_in_bytes_and_printable() {
        let at = "é".repeat(100); // 200 bytes
        assert_eq!(probe(serde_json::json!({"id": at})).unwrap().id, at);
        let past = "é".repeat(100) + "x"; // 201 bytes, 101 characters
        let refused = probe(serde_json::json!({"id": past})).unwrap_err();
        assert!(refused.starts_with("out of bounds: 201 bytes"), "{refused}");
        assert!(!refused.contains('é'), "never the value: {refused}");
        assert_eq!(id_problem(&"x".repeat(200)), None);
        assert_eq!(id_problem(&"x".repeat(201)), Some(IdProblem::TooLong { bytes: 201 }));
        assert_eq!(id_problem(""), Some(IdProblem::Empty));
        for bad in ["a\0b", "tab\there", "del\u{7f}", "c1\u{85}"] {
            assert_eq!(id_problem(bad), Some(IdProblem::ControlCharacter), "{bad:?}");
        }
        assert_eq!(id_problem("shift 1 — café ☕"), None);
        assert!(probe(serde_json::json!({"id": "a", "maybe": "b\0"})).unwrap_err().contains("control character"));
        assert!(probe(serde_json::json!({"id": "a", "maybe": null})).unwrap().maybe.is_none());
    }

    #[derive(Debug, Deserialize)]
    struct Mapped {
        #[serde(deserialize_with = "id_map::<_, _, 2>")]
        codes: BTreeMap<String, i32>,
    }

    #[test]
    fn a_map_is_bounded_in_keys_its_keys_are_ids_and_null_is_unmapped() {
        let map = |v| serde_json::from_value::<Mapped>(serde_json::json!({"codes": v})).map_err(|e| e.to_string());
        assert_eq!(map(serde_json::json!({"travel": 410, "bonus": null})).unwrap().codes.len(), 1);
        assert!(map(serde_json::json!({"a": 1, "b": 2, "c": 3})).unwrap_err().contains("3 keys; the most is 2"));
        assert!(
            map(serde_json::json!({"x".repeat(201): 1})).unwrap_err().contains("a key is out of bounds: 201 bytes")
        );
    }

    #[test]
    fn lists_are_cut_to_fit_counted_and_marked() {
        let fixed = || serde_json::json!({"export_id": "e"}).as_object().unwrap().clone();
        let items = |n: usize, width: usize| (0..n).map(|i| serde_json::json!(format!("{i:0width$}"))).collect();
        let all = fit_lists(fixed(), vec![("a", items(3, 8)), ("b", items(2, 8))], 10_000);
        assert_eq!(all["a"].as_array().unwrap().len(), 3);
        assert_eq!((all["a_count"].as_u64(), all["a_truncated"].as_bool()), (Some(3), Some(false)));
        assert_eq!((all["b_count"].as_u64(), all["b_truncated"].as_bool()), (Some(2), Some(false)));
        for max in [120, 150, 200, 260] {
            let cut = fit_lists(fixed(), vec![("a", items(10, 10)), ("b", items(10, 10))], max);
            assert!(cut.to_string().len() <= max, "{max}: {} bytes: {cut}", cut.to_string().len());
            assert_eq!((cut["a_count"].as_u64(), cut["b_count"].as_u64()), (Some(10), Some(10)));
            assert_eq!(cut["b_truncated"], true, "{max}");
            let listed = cut["a"].as_array().unwrap().len();
            assert_eq!(cut["a_truncated"], listed < 10);
        }
        let exact = fit_lists(fixed(), vec![("a", items(3, 8))], 10_000).to_string().len();
        assert_eq!(fit_lists(fixed(), vec![("a", items(3, 8))], exact)["a_truncated"], false, "at the bound");
        assert_eq!(fit_lists(fixed(), vec![("a", items(3, 8))], exact - 1)["a_truncated"], true, "one past it");
    }

    #[test]
    fn a_list_is_bounded_in_items() {
        assert_eq!(probe(serde_json::json!({"id": "a", "few": [1, 2]})).unwrap().few, [1, 2]);
        let refused = probe(serde_json::json!({"id": "a", "few": [1, 2, 3]})).unwrap_err();
        assert!(refused.starts_with("out of bounds: 3 items; the most is 2"), "{refused}");
    }
}
