//! The one table of what this integration's jobs and settings ask of Nmbrs (CONTRACT §2.6
//! "rights"), named for the need, never for an API's call: the edges say which operation
//! serves each need (`jobs::check::operations`), so the help page, the check and the code
//! read the same list.
//!
//! A need is `required` when a job cannot do without it, and not when the job only loses a
//! safety net (the read-backs `HourComponentVar_Get`/`WageComponentVar_Get`, CONTRACT §2.3).

use crate::domain::integration::Settings;

/// One thing a job asks of Nmbrs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// The companies the API user or consent can see.
    CompanyList,
    /// A company's current (first unclosed) period and its period type.
    CurrentPeriod,
    /// The first and second hour model's codes.
    HourModel,
    HourModel2,
    /// The first and second wage model's codes.
    WageModel,
    WageModel2,
    /// Every employee of a company with personal data, address, contract and salary.
    EmployeeRecords,
    /// Every employee's contract history.
    Contracts,
    Salaries,
    Schedules,
    /// The estimated cost per hour of an employee.
    CostPerHour,
    /// Adding, removing and reading back variable hour lines.
    HoursInsert,
    HoursDelete,
    HoursRead,
    /// Adding, removing and reading back variable wage lines.
    WagesInsert,
    WagesDelete,
    WagesRead,
    /// Setting and reading the variable days of a period.
    DaysSet,
    DaysRead,
}

/// Who needs a need: a job kind, or a job kind because of a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum User {
    SyncTeam,
    Deactivate,
    ExportHours,
    /// `ExportHours` because `settings.hour_codes` maps a kind of hours.
    HourCodes,
    /// `ExportHours` because `settings.wage_codes` maps meals or an allowance.
    WageCodes,
}

impl User {
    /// Its name on the help page: the job type, or the setting.
    pub fn label(self) -> &'static str {
        match self {
            User::SyncTeam => "SyncTeam",
            User::Deactivate => "Deactivate",
            User::ExportHours => "ExportHours",
            User::HourCodes => "ExportHours with settings.hour_codes",
            User::WageCodes => "ExportHours with settings.wage_codes",
        }
    }

    /// Whether this integration's settings bring the need in.
    fn applies(self, settings: &Settings) -> bool {
        match self {
            User::SyncTeam | User::Deactivate | User::ExportHours => true,
            User::HourCodes => hour_codes_mapped(settings),
            User::WageCodes => wage_codes_mapped(settings),
        }
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedRow {
    pub need: Need,
    /// Whether the need changes Nmbrs data (a right the check cannot test without writing).
    pub writes: bool,
    /// Whether a job fails, or a part of it is skipped, without it.
    pub required: bool,
    pub users: &'static [User],
}

const fn row(need: Need, writes: bool, required: bool, users: &'static [User]) -> NeedRow {
    NeedRow { need, writes, required, users }
}

use User::*;

/// The table: every need of every job kind and setting, in the order a help page lists them.
pub const NEEDS: &[NeedRow] = &[
    row(Need::CompanyList, false, true, &[SyncTeam]),
    row(Need::CurrentPeriod, false, true, &[SyncTeam, ExportHours]),
    row(Need::EmployeeRecords, false, true, &[SyncTeam, Deactivate]),
    row(Need::Contracts, false, true, &[SyncTeam, Deactivate, ExportHours]),
    row(Need::Salaries, false, true, &[SyncTeam]),
    row(Need::Schedules, false, true, &[SyncTeam]),
    row(Need::CostPerHour, false, true, &[SyncTeam]),
    row(Need::HourModel, false, true, &[ExportHours]),
    row(Need::HourModel2, false, true, &[ExportHours]),
    row(Need::WageModel, false, true, &[ExportHours]),
    row(Need::WageModel2, false, true, &[ExportHours]),
    row(Need::DaysSet, true, true, &[ExportHours]),
    row(Need::DaysRead, false, false, &[ExportHours]),
    row(Need::HoursInsert, true, true, &[HourCodes]),
    row(Need::HoursDelete, true, true, &[HourCodes]),
    row(Need::HoursRead, false, false, &[HourCodes]),
    row(Need::WagesInsert, true, true, &[WageCodes]),
    row(Need::WagesDelete, true, true, &[WageCodes]),
    row(Need::WagesRead, false, false, &[WageCodes]),
];

impl Need {
    /// Its row of [`NEEDS`].
    pub fn row(self) -> &'static NeedRow {
        NEEDS.iter().find(|r| r.need == self).expect("every need has a row")
    }
}

/// The needs of an integration with `settings`, each with the users its settings bring in.
pub fn needs_of(settings: &Settings) -> Vec<(NeedRow, Vec<User>)> {
    NEEDS
        .iter()
        .filter_map(|row| {
            let users: Vec<User> = row.users.iter().copied().filter(|u| u.applies(settings)).collect();
            (!users.is_empty()).then_some((*row, users))
        })
        .collect()
}

/// Whether any kind of hours has a code.
pub fn hour_codes_mapped(settings: &Settings) -> bool {
    let h = &settings.hour_codes;
    h.worked.is_some() || h.leave.is_some() || h.sick.is_some()
}

/// Whether meals or any allowance has a code.
pub fn wage_codes_mapped(settings: &Settings) -> bool {
    settings.wage_codes.meals.is_some() || !settings.wage_codes.allowances.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(v: serde_json::Value) -> Settings {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_need_has_exactly_one_row_and_a_user() {
        for row in NEEDS {
            assert_eq!(NEEDS.iter().filter(|r| r.need == row.need).count(), 1, "{:?}", row.need);
            assert!(!row.users.is_empty());
        }
        assert!(Need::DaysSet.row().writes && !Need::DaysRead.row().writes);
    }

    #[test]
    fn code_mappings_bring_in_the_writes_of_their_lines() {
        let bare: Vec<Need> = needs_of(&Settings::default()).into_iter().map(|(r, _)| r.need).collect();
        assert!(bare.contains(&Need::DaysSet) && bare.contains(&Need::HourModel2));
        assert!(!bare.contains(&Need::HoursInsert) && !bare.contains(&Need::WagesDelete));

        let hours = needs_of(&settings(json!({"hour_codes": {"sick": 30}})));
        let insert = hours.iter().find(|(r, _)| r.need == Need::HoursInsert).unwrap();
        assert_eq!(insert.1, vec![User::HourCodes]);
        assert!(!hours.iter().any(|(r, _)| r.need == Need::WagesInsert));

        let wages = needs_of(&settings(json!({"wage_codes": {"allowances": {"travel": 410}}})));
        assert!(wages.iter().any(|(r, _)| r.need == Need::WagesInsert));
        let read_back = wages.iter().find(|(r, _)| r.need == Need::WagesRead).unwrap();
        assert!(!read_back.0.required, "a read-back is a safety net, not a need");
    }
}
