//! How `nmbrs-worker demo` prints the events it taps: one line per event, for people
//! (`hours.exported` takes one line per skip and per bucket, with what the export proved in
//! Nmbrs, issue 18).

use serde_json::Value;

/// One line per event, for people (`hours.exported` takes one line per skip and per bucket).
pub fn describe(e: &Value) -> String {
    let p = &e["payload"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    match e["type"].as_str().unwrap_or("?") {
        "team_member.upserted" => {
            let person = &p["person"];
            let name = [&person["first_name"], &person["prefix"], &person["last_name"]]
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let who = p["eitje_user_id"].as_str().map_or("new member".to_string(), |u| format!("member {u}"));
            format!(
                "team_member.upserted     {} {name:<28} {who:<16} matched by {:<8} wage {} cost/h {}",
                p["nmbrs_employee_id"],
                text(&p["matched_by"]),
                p["hourly_wage"].as_str().unwrap_or("-"),
                p["cost_per_hour"].as_str().unwrap_or("-"),
            )
        }
        "team_member.deactivated" => format!(
            "team_member.deactivated  member {} (Nmbrs {}): {} on {}",
            text(&p["eitje_user_id"]),
            p["nmbrs_employee_id"],
            text(&p["reason"]),
            p["ended_on"].as_str().unwrap_or("-"),
        ),
        "hours.exported" => describe_export(p),
        "integration.checked" => super::check::describe_checked(p),
        "notification" => format!("notification [{}] {}: {}", text(&p["level"]), text(&p["code"]), text(&p["message"])),
        "job.completed" => format!("job.completed            {} {}", text(&p["status"]), p["counts"]),
        "job.failed" => {
            format!("job.failed               {}: {}", text(&p["error"]["code"]), text(&p["error"]["message"]))
        }
        other => format!("{other} {p}"),
    }
}

/// `hours.exported`: the entries exported, each skipped contribution with its reason, and
/// each bucket with its action, new value and the Nmbrs component the worker owns.
fn describe_export(p: &Value) -> String {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let exported = list(&p["exported"]).iter().filter_map(|v| v.as_str().map(str::to_owned)).collect::<Vec<_>>();
    let mut lines = vec![format!(
        "hours.exported           {} period {}-{}{}: exported {}",
        p["export_id"].as_str().unwrap_or("?"),
        p["period"]["year"],
        p["period"]["number"],
        if p["dry_run"] == true { " (dry run)" } else { "" },
        if exported.is_empty() { "nothing".to_string() } else { exported.join(", ") },
    )];
    for s in list(&p["skipped"]) {
        let part = s["component"].as_str().unwrap_or("whole entry");
        let (entry, reason) = (s["entry_id"].as_str().unwrap_or("?"), s["reason"].as_str().unwrap_or("?"));
        lines.push(format!("  skipped  {entry:<8} {part:<17} {reason}"));
    }
    for b in list(&p["buckets"]) {
        let component = match b["code"].as_i64() {
            Some(code) => format!("{} {code}", b["component"].as_str().unwrap_or("?")),
            None => b["component"].as_str().unwrap_or("?").to_string(),
        };
        let owned = match &b["nmbrs_component_id"] {
            Value::Null => "-".to_string(),
            Value::String(id) => id.clone(),
            id => id.to_string(),
        };
        // Proof in Nmbrs (issue 18): verified, or why not; drift found and restored.
        let proof = match (&b["verified"], b["reason"].as_str()) {
            (Value::Bool(true), _) => "verified".to_string(),
            (_, Some(reason)) => format!("unverified ({reason})"),
            _ => "-".to_string(),
        };
        let drift = match b["drift"]["found"].as_str() {
            Some(found) => {
                format!(", drift: {found} (Nmbrs held {})", b["drift"]["nmbrs_value"].as_str().unwrap_or("?"))
            }
            None => String::new(),
        };
        lines.push(format!(
            "  bucket   {}/{} {component:<9} = {:<6} {:<9} component {owned} {proof}{drift}",
            b["nmbrs_company_id"],
            b["nmbrs_employee_id"],
            b["value"].as_str().unwrap_or("?"),
            b["action"].as_str().unwrap_or("?"),
        ));
    }
    lines.join("\n  ")
}
