//! What the REST adapter remembers within one job (a [`super::super::RestClient`] is made per
//! job): reads that an export or a sync would otherwise repeat (a company's current period, its
//! wage models, contracts and salaries, the company-wide cost per hour and wage lines of a
//! period), which company each employee belongs to (REST reads lines and costs per company, the
//! trait asks per employee) and what a variable-days POST does. Concurrent askers of one key share
//! one read; a failed read is not remembered.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rust_decimal::Decimal;
use tokio::sync::OnceCell;

use crate::domain::export::days::DaysBehaviour;
use crate::nmbrs::rest::{ByEmployee, CompanyUuid, EmployeeUuid, WageModel};
use crate::nmbrs::{Contract, CurrentPeriod, Listed, NmbrsError, PayPeriod, PerEmployee, Salary, WageComponentLine};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Values read at most once per key (until [`Once::forget`]).
pub(crate) struct Once<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Once<K, V> {
    fn default() -> Self {
        Once { cells: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, V: Clone> Once<K, V> {
    /// The value of `key`, read with `read` unless it was read before (or is being read).
    pub async fn get<F, Fut>(&self, key: K, read: F) -> Result<V, NmbrsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, NmbrsError>>,
    {
        let cell = lock(&self.cells).entry(key).or_default().clone();
        cell.get_or_try_init(read).await.cloned()
    }

    /// Forgets the values of the keys `stale` names: the next [`Once::get`] reads again (a read
    /// in flight fills only its own, forgotten cell).
    pub fn forget(&self, stale: impl Fn(&K) -> bool) {
        lock(&self.cells).retain(|k, _| !stale(k));
    }
}

/// Company-wide variable wage lines of one period.
pub(crate) type WageLines = Arc<Listed<ByEmployee<WageComponentLine>>>;
/// Estimated cost per hour of every employee of a company in one period (`None`: Nmbrs has none).
pub(crate) type Costs = Arc<HashMap<EmployeeUuid, Option<Decimal>>>;
/// A company and a period.
type InPeriod = (CompanyUuid, PayPeriod);

/// The adapter's memory of one job.
#[derive(Default)]
pub struct Memo {
    pub(crate) periods: Once<CompanyUuid, CurrentPeriod>,
    pub(crate) wage_models: Once<InPeriod, Arc<Listed<WageModel>>>,
    pub(crate) costs: Once<InPeriod, Costs>,
    /// Forgotten on every wage write for the company (whatever its outcome).
    pub(crate) wage_lines: Once<InPeriod, WageLines>,
    /// Contracts bounded by employments, and salaries: read by the snapshot and on their own.
    pub(crate) contracts: Once<CompanyUuid, Arc<Listed<PerEmployee<Contract>>>>,
    pub(crate) salaries: Once<CompanyUuid, Arc<Listed<ByEmployee<Salary>>>>,
    employers: Mutex<HashMap<EmployeeUuid, CompanyUuid>>,
    /// What a variable-days POST does, once a read-back showed it.
    days_post: Mutex<Option<DaysBehaviour>>,
    /// The days an employee's period held in the read-back after this job's last POST there,
    /// until a read of them takes it (the check after writing, issue 18) or a POST forgets it.
    days_read_back: Mutex<HashMap<(EmployeeUuid, PayPeriod), i32>>,
}

impl Memo {
    /// Notes that `employees` were listed by a company-wide read of `company`.
    pub(crate) fn employs(&self, company: CompanyUuid, employees: impl IntoIterator<Item = EmployeeUuid>) {
        let mut map = lock(&self.employers);
        for e in employees {
            map.insert(e, company);
        }
    }

    /// What a variable-days POST does, if learnt.
    pub(crate) fn days_post(&self) -> Option<DaysBehaviour> {
        *lock(&self.days_post)
    }

    pub(crate) fn learnt_days_post(&self, behaviour: DaysBehaviour) {
        *lock(&self.days_post) = Some(behaviour);
    }

    /// Notes what the read after this job's POST of `employee`'s days in `period` showed.
    pub(crate) fn days_read_back(&self, employee: EmployeeUuid, period: PayPeriod, days: i32) {
        lock(&self.days_read_back).insert((employee, period), days);
    }

    /// Forgets the read-back of `employee`'s days in `period` (a POST is about to change them).
    pub(crate) fn days_posting(&self, employee: EmployeeUuid, period: PayPeriod) {
        lock(&self.days_read_back).remove(&(employee, period));
    }

    /// Takes the read-back of `employee`'s days in `period`, if one is noted: the next ask reads
    /// Nmbrs again.
    pub(crate) fn take_days_read_back(&self, employee: EmployeeUuid, period: PayPeriod) -> Option<i32> {
        lock(&self.days_read_back).remove(&(employee, period))
    }

    /// Notes `company` as `employee`'s unless a company-wide read already listed them (what
    /// Nmbrs says wins over the job's own records).
    pub(crate) fn employs_unless_known(&self, company: CompanyUuid, employee: EmployeeUuid) {
        lock(&self.employers).entry(employee).or_insert(company);
    }

    /// The company a company-wide read listed `employee` in, if any did.
    pub(crate) fn employer(&self, employee: EmployeeUuid) -> Option<CompanyUuid> {
        lock(&self.employers).get(&employee).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_record_places_only_employees_no_read_listed() {
        let memo = Memo::default();
        let (read, recorded) = (CompanyUuid(uuid::Uuid::from_u128(1)), CompanyUuid(uuid::Uuid::from_u128(2)));
        let (listed, unlisted) = (EmployeeUuid(uuid::Uuid::from_u128(10)), EmployeeUuid(uuid::Uuid::from_u128(11)));
        assert_eq!(memo.employer(unlisted), None);
        memo.employs(read, [listed]);
        memo.employs_unless_known(recorded, listed);
        memo.employs_unless_known(recorded, unlisted);
        assert_eq!(memo.employer(listed), Some(read), "Nmbrs' listing wins");
        assert_eq!(memo.employer(unlisted), Some(recorded), "a resumed job's record places the rest");
    }
}
