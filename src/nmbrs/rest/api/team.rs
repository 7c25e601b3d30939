//! Team reads through REST, mapped into the records SOAP's company-wide reads give (so team sync
//! gets the same on both APIs): companies, employee lists, personal info, contracts (bounded by
//! employments: [`crate::domain::employment_periods`]), salaries, schedules, cost per hour, and
//! the reads of the snapshot SOAP reads in one call (assembled in `snapshot.rs`); contracts and
//! salaries are read once per company and job, though the snapshot and their own trait methods
//! both use them. Calls per company are constant (paging aside), never one per employee. Every
//! employee listed is noted with its company ([`super::Memo`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::edge::{company_uuid, edge_error, log_left_out, unreadable_employee};
use super::mapping::{display_name, employee_type_word};
use super::snapshot::{SnapshotReads, assemble};
use crate::domain::employment_periods::{Employment, bounded_by_employments};
use crate::nmbrs::rest::operation::RestOperation as Op;
use crate::nmbrs::rest::wire::has_id;
use crate::nmbrs::rest::*;
use crate::nmbrs::{
    CompanyId, Contract, EmployeeId, EmployeeListItem, EmployeeSnapshot, ErrorKind, Listed, NmbrsError, PayPeriod,
    PerEmployee, PersonalInfo, Salary, Schedule,
};

/// The employees a read names (listed or unreadable).
fn named<T>(listed: &Listed<ByEmployee<T>>) -> impl Iterator<Item = EmployeeUuid> + '_ {
    listed.items.iter().map(|l| l.employee_id).chain(listed.unreadable.iter().filter_map(unreadable_employee))
}

impl RestClient {
    fn note<T>(&self, company: CompanyUuid, listed: &Listed<ByEmployee<T>>) {
        self.memo.employs(company, named(listed));
    }

    /// A company-wide per-employee read mapped record by record.
    fn mapped<R, T>(
        &self,
        company: CompanyUuid,
        listed: Listed<ByEmployee<R>>,
        map: impl Fn(R) -> T,
    ) -> Listed<PerEmployee<T>> {
        self.note(company, &listed);
        Listed {
            items: listed
                .items
                .into_iter()
                .map(|l| PerEmployee {
                    employee_id: l.employee_id.into(),
                    items: l.items.into_iter().map(&map).collect(),
                })
                .collect(),
            unreadable: listed.unreadable,
        }
    }

    pub(super) async fn employee_list(
        &self,
        company: CompanyId,
        employee_type: i32,
    ) -> Result<Vec<EmployeeListItem>, NmbrsError> {
        let op = Op::Employees;
        let c = company_uuid(op, company)?;
        let kind = employee_type_word(employee_type).ok_or_else(|| {
            edge_error(op, ErrorKind::InvalidData, format!("employee type {employee_type} has no REST name"))
        })?;
        let listed = self.employees(c, Some(kind)).await?;
        log_left_out(op, &listed.unreadable);
        self.memo.employs(c, listed.items.iter().map(|e| e.employee_id));
        Ok(listed
            .items
            .into_iter()
            .map(|e| {
                let b = &e.employee_basic_info;
                EmployeeListItem {
                    id: e.employee_id.into(),
                    number: b.employee_number.unwrap_or(0),
                    display_name: display_name([&b.first_name, &b.prefix, &b.last_name]),
                }
            })
            .collect())
    }

    /// Personal-info history per employee (REST keeps the BSN elsewhere: `bsn` is `None`).
    pub(super) async fn personal_info_lists(
        &self,
        company: CompanyId,
    ) -> Result<Listed<PerEmployee<PersonalInfo>>, NmbrsError> {
        let c = company_uuid(Op::PersonalInfo, company)?;
        Ok(self.mapped(c, self.personal_infos(c).await?, |p| p))
    }

    /// The company's salaries, read once per job.
    async fn salary_read(&self, c: CompanyUuid) -> Result<Arc<Listed<ByEmployee<Salary>>>, NmbrsError> {
        self.memo.salaries.get(c, || async { Ok(Arc::new(self.salaries(c).await?)) }).await
    }

    pub(super) async fn salary_lists(&self, company: CompanyId) -> Result<Listed<PerEmployee<Salary>>, NmbrsError> {
        let c = company_uuid(Op::Salaries, company)?;
        Ok(self.mapped(c, Listed::clone(&*self.salary_read(c).await?), |s| s))
    }

    pub(super) async fn schedule_lists(&self, company: CompanyId) -> Result<Listed<PerEmployee<Schedule>>, NmbrsError> {
        let c = company_uuid(Op::Schedules, company)?;
        Ok(self.mapped(c, self.schedules(c).await?, |s| s))
    }

    /// Contracts bounded by employments (two company-wide reads, once per job). An employee with
    /// an unreadable contract or employment is in `unreadable`, and so is a contract without an id.
    pub(super) async fn contract_lists(&self, company: CompanyId) -> Result<Listed<PerEmployee<Contract>>, NmbrsError> {
        Ok(Listed::clone(&*self.contract_read(company).await?))
    }

    /// [`Self::contract_lists`] as the job's memo holds it (the snapshot borrows it, no copy).
    async fn contract_read(&self, company: CompanyId) -> Result<Arc<Listed<PerEmployee<Contract>>>, NmbrsError> {
        let c = company_uuid(Op::Contracts, company)?;
        self.memo.contracts.get(c, || async { Ok(Arc::new(self.read_contracts(c).await?)) }).await
    }

    async fn read_contracts(&self, c: CompanyUuid) -> Result<Listed<PerEmployee<Contract>>, NmbrsError> {
        let (contracts, employments) = futures::try_join!(self.contracts(c), self.employments(c))?;
        self.note(c, &employments);
        let mut listed = self.mapped(c, contracts, |c| c);
        listed.unreadable.extend(employments.unreadable);
        let employed: Vec<EmployeeUuid> = employments.items.iter().map(|l| l.employee_id).collect();
        let periods: HashMap<EmployeeUuid, Vec<Employment>> =
            employments.items.into_iter().map(|l| (l.employee_id, l.items)).collect();
        let mut out = Listed { items: Vec::new(), unreadable: listed.unreadable };
        let mut seen = BTreeSet::new();
        for entry in listed.items {
            let id = entry.employee_id;
            seen.insert(id);
            if entry.items.iter().any(|c| !has_id(c.contract_id.0)) {
                out.unreadable.push(crate::nmbrs::UnreadableRecord {
                    employee_id: Some(id),
                    field: "contractId".into(),
                    problem: "missing".into(),
                    line_id: None,
                    code: None,
                });
            }
            let read: Vec<Contract> = entry.items.into_iter().filter(|c| has_id(c.contract_id.0)).collect();
            let empty = Vec::new();
            let uuid = id.0.rest().map(EmployeeUuid);
            let of = uuid.and_then(|u| periods.get(&u)).unwrap_or(&empty);
            out.items.push(PerEmployee { employee_id: id, items: bounded_by_employments(read, of) });
        }
        // Employed without any contract list entry: the employments stand in.
        for employee in employed {
            if !seen.contains(&EmployeeId::from(employee)) {
                let items = bounded_by_employments(Vec::new(), &periods[&employee]);
                out.items.push(PerEmployee { employee_id: employee.into(), items });
            }
        }
        Ok(out)
    }

    /// `employee`'s estimated cost per hour in `period`, from one company-wide read per
    /// (company, period); `None` when Nmbrs has none for them.
    pub(super) async fn cost_per_hour_of(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Option<Decimal>, NmbrsError> {
        let op = Op::CostPerHour;
        let (e, c) = self.employee_in_company(op, employee)?;
        let costs = self
            .memo
            .costs
            .get((c, period), || async {
                let listed = self.costs_per_hour(c, period).await?;
                log_left_out(op, &listed.unreadable);
                Ok(Arc::new(listed.items.into_iter().map(|x| (x.employee_id, x.cost_per_hour)).collect()))
            })
            .await?;
        Ok(costs.get(&e).copied().flatten())
    }

    /// The snapshot of every employee of `company` ([`super::snapshot`]): seven company-wide
    /// reads at once (their calls share the integration's permits; a small company's seven
    /// first pages then leave together and share the budget's round trips).
    pub(super) async fn snapshots(&self, company: CompanyId) -> Result<Listed<EmployeeSnapshot>, NmbrsError> {
        let c = company_uuid(Op::Employees, company)?;
        let (employees, infos, bsns, salaries, addresses, contracts) = futures::try_join!(
            self.employees(c, None),
            self.personal_infos(c),
            self.bsns(c),
            self.salary_read(c),
            self.addresses(c),
            self.contract_read(company),
        )?;
        self.memo.employs(c, employees.items.iter().map(|e| e.employee_id));
        Ok(assemble(SnapshotReads { employees, infos, bsns, salaries, addresses, contracts }))
    }
}
