//! What the probe has changed and not yet put back, on disk (`<out>/journal.json`), so a run
//! that was killed half-way is cleaned up by the next one (issue 21): the lines it created (by
//! id: a PUT that clears the comment also clears the marker), the days of the period as it
//! found them before its first days POST, and the lines it inserted through SOAP. Saved after
//! every change (write to a temporary file, then rename), read at start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::lines::{Days, ProbeLineKind};
use crate::nmbrs::PayPeriod;

/// A line the probe created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnLine {
    pub kind: ProbeLineKind,
    pub id: String,
    pub year: i32,
    pub period: u8,
    /// The question it was made for.
    pub what: String,
    /// It could not be deleted (a closed period): set to 0 and left, and said so.
    #[serde(default)]
    pub remnant: bool,
}

/// The days of a period before the probe's first days POST there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundDays {
    pub year: i32,
    pub period: u8,
    pub found: Days,
}

impl FoundDays {
    pub fn pay_period(&self) -> PayPeriod {
        PayPeriod::new(self.year, self.period)
    }
}

/// A line inserted through SOAP (question 5), by its SOAP ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoapLine {
    pub employee: i32,
    pub id: i32,
}

/// The journal's content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Journal {
    pub company: String,
    pub employee: String,
    pub lines: Vec<OwnLine>,
    pub days: Option<FoundDays>,
    pub soap_lines: Vec<SoapLine>,
}

impl Journal {
    /// Whether nothing is left to put back.
    pub fn is_clear(&self) -> bool {
        self.lines.iter().all(|l| l.remnant) && self.days.is_none() && self.soap_lines.is_empty()
    }
}

/// The journal file of an output folder.
pub struct JournalFile {
    path: PathBuf,
    pub state: Journal,
}

impl JournalFile {
    /// Opens `<dir>/journal.json` for `company` and `employee`. A journal of another company or
    /// employee with something left to put back is refused: run the probe for those first (or
    /// use another `--out`), so no leftover is forgotten.
    pub fn open(dir: &Path, company: &str, employee: &str) -> anyhow::Result<Self> {
        let path = dir.join("journal.json");
        let mut state: Journal = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!("{} cannot be read ({e}); move it away to start afresh", path.display())
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Journal::default(),
            Err(e) => return Err(e.into()),
        };
        let same = state.company.eq_ignore_ascii_case(company) && state.employee.eq_ignore_ascii_case(employee);
        if !same && !state.is_clear() {
            anyhow::bail!(
                "{} holds what an interrupted probe of company {} / employee {} left behind; run the probe for them first (or use another --out)",
                path.display(),
                state.company,
                state.employee
            );
        }
        if !same {
            state = Journal { company: company.to_owned(), employee: employee.to_owned(), ..Journal::default() };
        }
        Ok(JournalFile { path, state })
    }

    /// Writes the journal (temporary file, then rename).
    pub fn save(&self) -> anyhow::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        super::files::write_private(&tmp, &serde_json::to_vec_pretty(&self.state)?)?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }

    pub fn add_line(&mut self, line: OwnLine) -> anyhow::Result<()> {
        if !self.state.lines.iter().any(|l| l.id == line.id) {
            self.state.lines.push(line);
        }
        self.save()
    }

    pub fn forget_line(&mut self, id: &str) -> anyhow::Result<()> {
        self.state.lines.retain(|l| l.id != id);
        self.save()
    }

    pub fn mark_remnant(&mut self, id: &str) -> anyhow::Result<()> {
        self.state.lines.iter_mut().filter(|l| l.id == id).for_each(|l| l.remnant = true);
        self.save()
    }

    /// Notes the days as found, unless days of an earlier run are still to be put back.
    pub fn found_days(&mut self, period: PayPeriod, found: Days) -> anyhow::Result<()> {
        if self.state.days.is_none() {
            self.state.days = Some(FoundDays { year: period.year, period: period.period, found });
            self.save()?;
        }
        Ok(())
    }

    pub fn days_restored(&mut self) -> anyhow::Result<()> {
        self.state.days = None;
        self.save()
    }

    pub fn add_soap_line(&mut self, line: SoapLine) -> anyhow::Result<()> {
        self.state.soap_lines.push(line);
        self.save()
    }

    pub fn forget_soap_line(&mut self, id: i32) -> anyhow::Result<()> {
        self.state.soap_lines.retain(|l| l.id != id);
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str) -> OwnLine {
        OwnLine {
            kind: ProbeLineKind::Hours,
            id: id.into(),
            year: 2026,
            period: 12,
            what: "put".into(),
            remnant: false,
        }
    }

    #[test]
    fn a_journal_survives_a_restart_and_guards_another_company() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = JournalFile::open(dir.path(), "c-1", "e-1").unwrap();
        j.add_line(line("h-1")).unwrap();
        j.found_days(PayPeriod::new(2026, 12), Days { days: 3, factor: None }).unwrap();
        j.found_days(PayPeriod::new(2026, 12), Days { days: 9, factor: None }).unwrap();
        let again = JournalFile::open(dir.path(), "C-1", "E-1").unwrap();
        assert_eq!(again.state.lines, vec![line("h-1")]);
        assert_eq!(again.state.days.as_ref().unwrap().found.days, 3, "the first finding is kept");
        let other = JournalFile::open(dir.path(), "c-2", "e-1").err().unwrap().to_string();
        assert!(other.contains("c-1") && other.contains("first"), "{other}");
        let mut j = again;
        j.forget_line("h-1").unwrap();
        j.days_restored().unwrap();
        assert!(j.state.is_clear());
        let fresh = JournalFile::open(dir.path(), "c-2", "e-2").unwrap();
        assert_eq!((fresh.state.company.as_str(), fresh.state.lines.len()), ("c-2", 0));
    }
}
