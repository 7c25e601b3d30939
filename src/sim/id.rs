//! The integer behind a record id of the simulator's state: a leaf, so the state, the SOAP
//! service and the REST face read ids without importing the simulator's front (`mod.rs`).

/// The simulator keeps one state with SOAP's integer ids; its REST face maps them to UUIDs
/// (`rest::ids`). `int` reads the integer of a record's id.
pub(crate) trait SimId {
    fn int(self) -> i32;
}

macro_rules! sim_id {
    ($($t:ident),*) => {$(
        impl SimId for crate::nmbrs::$t {
            fn int(self) -> i32 {
                self.soap().expect("the simulator's state holds SOAP ids only")
            }
        }
    )*};
}
sim_id!(CompanyId, EmployeeId, ContractId, SalaryId, HourComponentId, WageComponentId);
