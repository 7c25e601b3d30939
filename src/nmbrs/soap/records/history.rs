//! Per-employee history lists (`…Item { EmployeeId, …s }`): which child of an employee's
//! entry is the list ([`list_rank`]), and [`HistoryEntry`], the record that reads one entry
//! into a [`PerEmployee`] and writes it back.

use super::codec::Codec;
use super::{FieldError, Record, field};
use crate::domain::nmbrs::model::*;
use crate::nmbrs::soap::envelope::SoapWriter;

/// A record that comes as a per-employee history list (`…Item { EmployeeId, …s }`). The
/// names are those known (and written by the simulator); the reader does not depend on
/// `ENTRY` and `ITEM`: entries are the children of the result, history items the children
/// of the entry's list element.
pub trait HistoryRecord: Record {
    /// Element of one employee's entry in the result array, e.g. `EmployeeSalaryItem`
    /// (v3 also writes `EmployeeContractItemGlobal` for contracts).
    const ENTRY: &'static str;
    /// The wrapper of the history list, e.g. `EmployeeSalaries`.
    const LIST: &'static str;
    /// One history element, e.g. `Salary_V2`.
    const ITEM: &'static str;
    /// The part of a name that says "this is the list of these records", e.g. `Contract`
    /// (in `EmployeeContracts`): used to tell the list from other blocks of an entry.
    const KIND: &'static str;
    /// The decision fields of one history item (CONTRACT §2.3); none by default.
    fn check_item(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

macro_rules! history {
    ($($ty:ty => $entry:literal, $list:literal, $item:literal, $kind:literal $(, $check:path)?;)*) => {$(
        impl HistoryRecord for $ty {
            const ENTRY: &'static str = $entry;
            const LIST: &'static str = $list;
            const ITEM: &'static str = $item;
            const KIND: &'static str = $kind;
            $(fn check_item(&self) -> Result<(), FieldError> {
                $check(self)
            })?
        }
    )*};
}

history! {
    PersonalInfo => "PersonalInfoItem", "EmployeePersonalInfos", "PersonalInfo_V2", "PersonalInfo";
    Contract => "EmployeeContractItem", "EmployeeContracts", "EmployeeContract", "Contract", Contract::check_decision_fields;
    // `Salar`: both `EmployeeSalaries` and `Salary_V2`.
    Salary => "EmployeeSalaryItem", "EmployeeSalaries", "Salary_V2", "Salar";
    Schedule => "EmployeeScheduleItem", "EmployeeSchedules", "Schedule_V2", "Schedule";
}

/// How much a child element `name` of an employee's entry looks like the entry's history
/// list of `kind` records (see [`HistoryRecord::KIND`]): 2 when the name contains the kind,
/// plus 1 when it ends in `s` (a plural); 0 for any other block (e.g. `<Employee>`). The
/// entry's list is its highest-ranked block, the first of equals; the others are ignored.
pub fn list_rank(name: &str, kind: &str) -> u8 {
    2 * u8::from(name.contains(kind)) + u8::from(name.ends_with('s'))
}

/// Reads one employee's entry of a per-employee history list into a [`PerEmployee`] (and
/// writes one back): `EmployeeId`, the list element whose children are the history items
/// whatever they are called, and any other block beside them, which is ignored. Which child
/// is the list is decided by [`list_rank`] as the entry streams by: a better-ranked list
/// element (also a nil or empty one) replaces the items taken from a worse one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryEntry<T> {
    pub entry: PerEmployee<T>,
    /// Rank of the child taken as the list so far; `None` before any.
    list_rank: Option<u8>,
    /// Whether the child being read is that list.
    in_list: bool,
}

impl<T> From<PerEmployee<T>> for HistoryEntry<T> {
    fn from(entry: PerEmployee<T>) -> Self {
        HistoryEntry { entry, list_rank: None, in_list: false }
    }
}

impl<T: HistoryRecord> HistoryEntry<T> {
    /// A depth-1 child `name` other than `EmployeeId`: whether it becomes the list.
    fn claim_list(&mut self, name: &str) -> bool {
        let rank = list_rank(name, T::KIND);
        let better = self.list_rank.is_none_or(|r| rank > r);
        if better {
            self.entry.items.clear();
            self.list_rank = Some(rank);
        }
        better
    }
}

/// An employee's entry. A nil or empty list is an empty history ("no contracts").
impl<T: HistoryRecord> Record for HistoryEntry<T> {
    const REQUIRED: &'static [&'static str] = &["EmployeeId"];

    fn check(&self) -> Result<(), FieldError> {
        self.entry.items.iter().try_for_each(T::check_item)
    }

    fn employee_id(&self) -> Option<EmployeeId> {
        self.entry.employee_id.positive()
    }

    fn open(&mut self, depth: usize, name: &str) {
        match depth {
            1 => self.in_list = self.claim_list(name),
            _ if !self.in_list => {}
            2 => self.entry.items.push(T::default()),
            d => {
                if let Some(last) = self.entry.items.last_mut() {
                    last.open(d - 2, name);
                }
            }
        }
    }

    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError> {
        match depth {
            1 if name == "EmployeeId" => field(&mut self.entry.employee_id, name, text),
            // A nil or empty list element: no items, unless a better-ranked list follows.
            1 => {
                self.claim_list(name);
                self.in_list = false;
                Ok(())
            }
            _ if !self.in_list => Ok(()),
            // An item without children (`<Salary_V2/>`) still counts as one; a nil one not.
            2 => {
                if text.is_some() {
                    self.entry.items.push(T::default());
                }
                Ok(())
            }
            d => match self.entry.items.last_mut() {
                Some(last) => last.leaf(d - 2, name, text),
                None => Ok(()),
            },
        }
    }

    fn write(&self, w: &mut SoapWriter) {
        self.entry.employee_id.encode(w, "EmployeeId");
        w.start(T::LIST, &[]);
        for item in &self.entry.items {
            w.start(T::ITEM, &[]);
            item.write(w);
            w.end(T::ITEM);
        }
        w.end(T::LIST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nmbrs::soap::reader;

    #[test]
    fn the_list_outranks_other_blocks_of_an_entry() {
        assert_eq!(list_rank("EmployeeContracts", Contract::KIND), 3);
        assert_eq!(list_rank("ContractList", Contract::KIND), 2);
        assert_eq!(list_rank("Items", Contract::KIND), 1);
        assert_eq!(list_rank("Employee", Contract::KIND), 0);
        assert_eq!(list_rank("EmployeeSalaries", Salary::KIND), 3);
    }

    fn contracts_of(entry: &str) -> Listed<HistoryEntry<Contract>> {
        let op = "Contract_GetAll_AllEmployeesByCompany";
        let xml = format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Body><{op}Response xmlns="urn:x"><{op}Result><E><EmployeeId>7</EmployeeId>{entry}</E></{op}Result></{op}Response></s:Body></s:Envelope>"#
        );
        reader::read_list(&xml, op, "E").unwrap()
    }

    const ONE: &str = "<C><ContractID>1</ContractID><StartDate>2025-01-01T00:00:00</StartDate></C>";

    #[test]
    fn only_the_list_element_gives_history_items() {
        let block = "<Employee><Number>12</Number><Deeper><X>1</X></Deeper></Employee>";
        for entry in [
            format!("{block}<EmployeeContracts>{ONE}</EmployeeContracts>"),
            format!("<EmployeeContracts>{ONE}</EmployeeContracts>{block}"),
            format!("<Contracts>{ONE}</Contracts>{block}"),
        ] {
            let read = contracts_of(&entry);
            assert!(read.unreadable.is_empty(), "{entry}: {:?}", read.unreadable);
            let ids: Vec<i32> = read.items[0].entry.items.iter().filter_map(|c| c.contract_id.soap()).collect();
            assert_eq!(ids, [1], "{entry}");
        }
        // A nil or empty list beside a block: no contracts, the block is not one.
        for list in ["<EmployeeContracts xsi:nil=\"true\"/>", "<EmployeeContracts/>"] {
            for entry in [format!("{block}{list}"), format!("{list}{block}")] {
                let read = contracts_of(&entry);
                assert!(read.unreadable.is_empty(), "{entry}: {:?}", read.unreadable);
                assert!(read.items[0].entry.items.is_empty(), "{entry}");
            }
        }
    }
}
