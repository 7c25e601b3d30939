//! The probe's answers (issue 21): one finding per id, each answer from its id's vocabulary or
//! `unknown` with the reason, each with its evidence (the exchanges it rests on, `#12`, with a
//! redacted excerpt). `--json FILE` writes `{"findings": [{"id", "answer", "evidence"}]}` with
//! every id, in the order below; the table prints the same.

use serde_json::{Value, json};

/// What a finding's answer may be.
#[derive(Clone, Copy, Debug)]
pub enum Vocabulary {
    Words(&'static [&'static str]),
    /// A whole number (JSON number).
    Number,
    /// `done` or `refused:<code>`.
    DoneOrRefused,
}

/// Every finding id with its question and vocabulary, in report order.
pub const FINDINGS: &[(&str, &str, Vocabulary)] = &[
    ("days_second_post", "1 a second POST …/variabledays", Vocabulary::Words(&["replace", "add"])),
    (
        "days_post_resets_factor",
        "1 a POST without daysForWageComponentsPerDay resets it",
        Vocabulary::Words(&["yes", "no"]),
    ),
    ("days_negative", "1 negative variable days", Vocabulary::Words(&["accepted", "refused"])),
    ("put_omitted_comment", "2 PUT without comment: the comment", Vocabulary::Words(&["kept", "cleared"])),
    ("put_missing_period", "2 PUT without periodDetails: the line", Vocabulary::Words(&["kept", "moved_to_current"])),
    ("wage_period_shape", "3 wage POST period shapes honoured", Vocabulary::Words(&["flat", "nested", "both"])),
    ("delete_in_closed_period", "4 DELETE in a closed period", Vocabulary::DoneOrRefused),
    (
        "soap_comment_over_rest",
        "5 a SOAP line's comment over REST",
        Vocabulary::Words(&["visible", "absent", "not_probed"]),
    ),
    ("default_page_size", "6 default page size", Vocabulary::Number),
    ("refresh_token_reuse", "7 a reused refresh token", Vocabulary::Words(&["invalid_grant", "accepted"])),
    ("access_token_lifetime_s", "7 access token lifetime (s)", Vocabulary::Number),
    ("gateway_401_shape", "8 401 body for a wrong subscription key", Vocabulary::Words(&["nmbrs", "gateway"])),
    ("retry_after_on_429", "8 Retry-After on 429", Vocabulary::Words(&["present", "absent", "not_probed"])),
    ("comment_max_chars", "9 longest comment kept", Vocabulary::Number),
];

/// The answer `unknown`, valid for every id.
pub const UNKNOWN: &str = "unknown";

/// One answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub id: &'static str,
    pub answer: Value,
    pub evidence: String,
}

/// Whether `answer` belongs to `vocabulary` (or is `unknown`).
pub fn allowed(vocabulary: Vocabulary, answer: &Value) -> bool {
    if answer == UNKNOWN {
        return true;
    }
    match (vocabulary, answer) {
        (Vocabulary::Words(words), Value::String(s)) => words.contains(&s.as_str()),
        (Vocabulary::Number, Value::Number(n)) => n.is_u64(),
        (Vocabulary::DoneOrRefused, Value::String(s)) => {
            s == "done"
                || s.strip_prefix("refused:").is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        }
        _ => false,
    }
}

/// The findings of a run.
#[derive(Debug, Default)]
pub struct Findings {
    found: Vec<Finding>,
}

impl Findings {
    fn vocabulary(id: &str) -> Option<Vocabulary> {
        FINDINGS.iter().find(|(i, _, _)| *i == id).map(|(_, _, v)| *v)
    }

    /// Records `answer` for `id` (replacing an earlier one). An answer outside the id's
    /// vocabulary is a bug of the probe: it is recorded as `unknown`, never passed on.
    pub fn set(&mut self, id: &'static str, answer: impl Into<Value>, evidence: impl Into<String>) {
        let (answer, evidence) = (answer.into(), evidence.into());
        let Some(vocabulary) = Self::vocabulary(id) else {
            tracing::error!(id, "the probe answered an unknown finding id");
            return;
        };
        let finding = if allowed(vocabulary, &answer) {
            Finding { id, answer, evidence }
        } else {
            Finding {
                id,
                answer: json!(UNKNOWN),
                evidence: format!("the probe's reading {answer} is not an answer of {id}; {evidence}"),
            }
        };
        self.found.retain(|f| f.id != id);
        self.found.push(finding);
    }

    /// `unknown`, with the reason.
    pub fn unknown(&mut self, id: &'static str, reason: impl Into<String>) {
        self.set(id, UNKNOWN, reason);
    }

    /// Sets `unknown` for every id not answered yet.
    pub fn unanswered(&mut self, reason: &str) {
        for (id, _, _) in FINDINGS {
            if self.get(id).is_none() {
                self.unknown(id, reason);
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&Finding> {
        self.found.iter().find(|f| f.id == id)
    }

    /// Every finding in report order (an id never answered is `unknown`).
    pub fn all(&self) -> Vec<Finding> {
        FINDINGS
            .iter()
            .map(|(id, _, _)| {
                self.get(id).cloned().unwrap_or(Finding { id, answer: json!(UNKNOWN), evidence: "not reached".into() })
            })
            .collect()
    }

    /// `{"findings": [{"id", "answer", "evidence"}]}`.
    pub fn to_json(&self) -> Value {
        let list: Vec<Value> =
            self.all().into_iter().map(|f| json!({"id": f.id, "answer": f.answer, "evidence": f.evidence})).collect();
        json!({ "findings": list })
    }

    /// The table: question, answer, evidence (one finding per block).
    pub fn table(&self) -> String {
        let mut out = format!("{:<26} {:<18} {}\n", "finding (question)", "answer", "evidence");
        for f in self.all() {
            let question = FINDINGS.iter().find(|(i, _, _)| *i == f.id).map_or("", |(_, q, _)| *q);
            let answer = match &f.answer {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push_str(&format!("{:<26} {:<18} {}\n", f.id, answer, f.evidence));
            out.push_str(&format!("{:<26} {:<18} ({question})\n", "", ""));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_once_in_the_issues_order_and_unknown_fills_the_gaps() {
        let ids: Vec<&str> = FINDINGS.iter().map(|(i, _, _)| *i).collect();
        assert_eq!(ids.len(), 14);
        let mut f = Findings::default();
        f.set("days_second_post", "add", "#3");
        f.set("default_page_size", 20, "#4");
        f.set("delete_in_closed_period", "refused:40033", "#5");
        let json = f.to_json();
        let list = json["findings"].as_array().unwrap();
        assert_eq!(list.iter().map(|x| x["id"].as_str().unwrap()).collect::<Vec<_>>(), ids);
        assert_eq!(list[0]["answer"], "add");
        assert_eq!(list[8]["answer"], 20);
        assert_eq!(list[6]["answer"], "refused:40033");
        assert_eq!(list[1]["answer"], UNKNOWN);
    }

    #[test]
    fn the_table_is_the_published_schema() {
        let schema: Value = serde_json::from_str(include_str!("../../../schemas/probe/findings.json")).unwrap();
        let items = schema["properties"]["findings"]["prefixItems"].as_array().unwrap();
        assert_eq!(items.len(), FINDINGS.len());
        for (item, (id, _, vocabulary)) in items.iter().zip(FINDINGS) {
            assert_eq!(item["properties"]["id"]["const"], *id);
            let answer = &item["properties"]["answer"];
            match vocabulary {
                Vocabulary::Words(words) => {
                    let mut listed: Vec<&str> = words.to_vec();
                    listed.push(UNKNOWN);
                    assert_eq!(answer["enum"], json!(listed), "{id}");
                }
                Vocabulary::Number => assert_eq!(answer["oneOf"][0]["type"], "integer", "{id}"),
                Vocabulary::DoneOrRefused => assert!(answer["pattern"].as_str().unwrap().contains("refused"), "{id}"),
            }
        }
    }

    #[test]
    fn an_answer_outside_the_vocabulary_becomes_unknown() {
        let mut f = Findings::default();
        f.set("days_second_post", "replaces", "#1");
        f.set("default_page_size", "20", "#2");
        f.set("delete_in_closed_period", "refused:", "#3");
        f.set("comment_max_chars", -1, "#4");
        for id in ["days_second_post", "default_page_size", "delete_in_closed_period", "comment_max_chars"] {
            assert_eq!(f.get(id).unwrap().answer, UNKNOWN, "{id}");
        }
        assert!(allowed(Vocabulary::DoneOrRefused, &json!("done")));
        assert!(allowed(Vocabulary::Words(&["x"]), &json!("unknown")));
    }
}
