//! Proof in Nmbrs, the reads (issue 18, CONTRACT §2.5 "Proof in Nmbrs"): what Nmbrs holds for
//! the buckets an export covers, read before planning and again after writing, and judged by
//! `domain::export::proof`. Per employee and period one read per kind of bucket there (variable
//! hours, variable wage components, days), the period named, every page followed by the edge.
//!
//! A read Nmbrs refuses (a SOAP template without `HourComponentVar_Get`, field case 07) leaves
//! that kind unreadable: its buckets are `verified: false, reason: unreadable`, the company is
//! named once in `errors`, and the export goes on. Any other failure is the edge's as usual
//! (transient: the job is retried).

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use rust_decimal::Decimal;

use sqlx::PgPool;

use super::apply::{BucketEnd, BucketWrite, Stop};
use super::snapshot::{Snapshots, read_period};
use crate::{
    domain::export::{
        contributions::{BucketKey, Component},
        proof::{Found, Holdings, Judgement, Proof, reconcile},
        stage::{BucketState, Move},
        work::BucketWork,
    },
    failpoint::crash_point,
    nmbrs::{CompanyId, EmployeeId, ErrorKind, HourCode, NmbrsApi, NmbrsError, PayPeriod, WageCode},
    store::{export_buckets as buckets, export_markers},
};

/// What the reads found: per bucket its finding, and the reads Nmbrs refused per company.
#[derive(Debug, Default)]
pub struct Read {
    pub findings: BTreeMap<BucketKey, Judgement>,
    /// (company, operation) of each refused read, once.
    pub refused: BTreeSet<(CompanyId, &'static str)>,
}

/// The kinds of bucket of one employee and period.
#[derive(Clone, Copy, Debug, Default)]
struct Kinds {
    hours: bool,
    wages: bool,
    days: bool,
}

/// Reads what Nmbrs holds for `buckets` (each with the state the worker expects) and judges
/// each, at most `concurrency` employees at once; a marker `integration` did not issue is no
/// marker (`store::export_markers`). The first failed read (after the client's own retries)
/// fails the whole check.
pub async fn check(
    api: &dyn NmbrsApi,
    pool: &PgPool,
    integration: &str,
    buckets: &BTreeMap<BucketKey, BucketState>,
    concurrency: usize,
) -> Result<Read, Stop> {
    let (read, failure) = check_all(api, pool, integration, buckets, concurrency).await?;
    failure.map_or(Ok(read), |e| Err(Stop::Nmbrs(e)))
}

/// [`check`], keeping what could be read: the findings of every employee and period whose
/// reads answered, and the first failure (if any), whose employee's buckets have no finding.
async fn check_all(
    api: &dyn NmbrsApi,
    pool: &PgPool,
    integration: &str,
    buckets: &BTreeMap<BucketKey, BucketState>,
    concurrency: usize,
) -> Result<(Read, Option<NmbrsError>), Stop> {
    let mut places: BTreeMap<(CompanyId, EmployeeId, PayPeriod), Kinds> = BTreeMap::new();
    for key in buckets.keys() {
        let kinds = places.entry((key.company, key.employee, key.period)).or_default();
        match key.component {
            Component::Hours(_) => kinds.hours = true,
            Component::Wage(_) => kinds.wages = true,
            Component::Days => kinds.days = true,
        }
    }
    let reads: Vec<Result<_, NmbrsError>> = futures::stream::iter(places)
        .map(|((company, employee, period), kinds)| async move {
            api.employs(company, employee);
            let (holdings, refused) = holdings(api, company, employee, period, kinds).await?;
            Ok(((company, employee, period), holdings, refused))
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut read = Read::default();
    let mut held = BTreeMap::new();
    let mut failure = None;
    for r in reads {
        match r {
            Ok((place, holdings, refused)) => {
                read.refused.extend(refused.into_iter().map(|op| (place.0, op)));
                held.insert(place, holdings);
            }
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    let markers: BTreeSet<_> = held.values().flat_map(Holdings::markers).collect();
    let issued = export_markers::issued(pool, integration, &markers).await?;
    let held: BTreeMap<_, _> = held.into_iter().map(|(place, h)| (place, h.forget_unissued(&issued))).collect();
    for (key, state) in buckets {
        let Some(holdings) = held.get(&(key.company, key.employee, key.period)) else { continue };
        let finding = reconcile(key.component, &state.applied, state.owned_marker.as_ref(), holdings);
        read.findings.insert(*key, finding);
    }
    Ok((read, failure))
}

/// One employee's period: the reads `kinds` asks for, and the operations Nmbrs refused.
async fn holdings(
    api: &dyn NmbrsApi,
    company: CompanyId,
    employee: EmployeeId,
    period: PayPeriod,
    kinds: Kinds,
) -> Result<(Holdings, Vec<&'static str>), NmbrsError> {
    let mut refused = Vec::new();
    let mut out = Holdings::default();
    let key = |component| BucketKey { company, employee, period, component };
    if kinds.hours {
        out.hours = allowed(read_period(api, &key(Component::Hours(HourCode(0)))).await, &mut refused)?;
    }
    if kinds.wages {
        out.wages = allowed(read_period(api, &key(Component::Wage(WageCode(0)))).await, &mut refused)?;
    }
    if kinds.days {
        out.days = allowed(api.days_var_get(employee, period).await.map(Decimal::from), &mut refused)?;
    }
    Ok((out, refused))
}

/// A read's answer; `None` (and the operation noted) when Nmbrs refused the read right.
fn allowed<T>(read: Result<T, NmbrsError>, refused: &mut Vec<&'static str>) -> Result<Option<T>, NmbrsError> {
    match read {
        Ok(v) => Ok(Some(v)),
        Err(e) => match e.kind() {
            ErrorKind::MissingRight { operation } => {
                refused.push(operation);
                Ok(None)
            }
            _ => Err(e),
        },
    }
}

/// Notes in `proof` what a check found before planning, and returns the drifted buckets with
/// the move their rows take ([`Move::Drifted`]).
pub fn absorb_before(proof: &mut Proof, read: Read) -> Vec<(BucketKey, Move)> {
    note_refused(proof, &read.refused);
    let mut drifted = Vec::new();
    for (key, finding) in read.findings {
        match finding {
            Judgement::Verified => proof.verified.push(key),
            Judgement::Unreadable => proof.unreadable.push(key),
            Judgement::Drift { drift, held } => {
                tracing::warn!(bucket = ?key, found = ?drift.found, nmbrs_value = %drift.nmbrs_value, "drift in Nmbrs: restoring Eitje's value");
                proof.drift.push((key, drift));
                drifted.push((key, Move::Drifted { held }));
            }
        }
    }
    drifted
}

fn note_refused(proof: &mut Proof, refused: &BTreeSet<(CompanyId, &'static str)>) {
    for (company, op) in refused {
        let item = (*company, op.to_string());
        if !proof.refused_reads.contains(&item) {
            proof.refused_reads.push(item);
        }
    }
}

/// What [`confirm`] did: the write calls of its repairs, and what stopped it, if anything (a
/// read that failed after the client's retries, the database). What it proved before it
/// stopped is in the proof, for the job's next attempt to check only the rest.
pub struct Confirmed {
    pub write_calls: u64,
    pub stop: Option<Stop>,
}

/// Read after writing (CONTRACT §2.5): reads again what Nmbrs holds of `written` (per bucket
/// its ledger value and the state its write ended in) and confirms each holds exactly its
/// value, once, with its marker. A bucket that does not is repaired once where that is safe
/// (the worker's own line is there: changed in place, or deleted and inserted anew; extra
/// marked lines dropped; days set again), never by a second insert beside a line that may
/// have landed (its line is missing): that one, and one a repair did not fix, is `failed`.
pub async fn confirm(
    api: &dyn NmbrsApi,
    pool: &PgPool,
    integration: &str,
    proof: &mut Proof,
    written: BTreeMap<BucketKey, (Decimal, BucketState)>,
    concurrency: usize,
) -> Confirmed {
    // A bucket checked again (a retried attempt) is judged anew.
    proof.verified.retain(|k| !written.contains_key(k));
    proof.unreadable.retain(|k| !written.contains_key(k));
    proof.failed.retain(|(k, _)| !written.contains_key(k));
    let mut calls = 0;
    let stop = repair(api, pool, integration, proof, &written, concurrency, &mut calls).await.err();
    Confirmed { write_calls: calls, stop }
}

async fn repair(
    api: &dyn NmbrsApi,
    pool: &PgPool,
    integration: &str,
    proof: &mut Proof,
    written: &BTreeMap<BucketKey, (Decimal, BucketState)>,
    concurrency: usize,
    calls: &mut u64,
) -> Result<(), Stop> {
    let states = written.iter().map(|(k, (_, s))| (*k, s.clone())).collect();
    let (read, failure) = check_all(api, pool, integration, &states, concurrency).await?;
    note_refused(proof, &read.refused);
    let mut repaired = BTreeMap::new();
    for (key, finding) in read.findings {
        let (wanted, state) = &written[&key];
        match finding {
            Judgement::Verified => proof.verified.push(key),
            Judgement::Unreadable => proof.unreadable.push(key),
            Judgement::Drift { drift, .. } if drift.found == Found::Missing && key.component != Component::Days => {
                tracing::warn!(bucket = ?key, "the written line is not in Nmbrs; not inserting beside a line that may land");
                proof.failed.push((key, drift.nmbrs_value));
            }
            Judgement::Drift { drift, held } => {
                tracing::warn!(bucket = ?key, found = ?drift.found, "Nmbrs does not hold what was written; repairing once");
                let step = Move::Drifted { held };
                let Ok(state) = state.after(&step) else {
                    proof.failed.push((key, drift.nmbrs_value));
                    continue;
                };
                buckets::record(&mut *pool.acquire().await?, integration, &key, &step).await?;
                crash_point(AFTER_DRIFT);
                let work = BucketWork { key, wanted: *wanted, state };
                let snapshots = Snapshots::default();
                let (result, after) =
                    BucketWrite { api, pool, integration, work, snapshots: &snapshots }.apply_keeping().await?;
                *calls += result.write_calls;
                match result.end {
                    BucketEnd::Done { .. } => drop(repaired.insert(key, (*wanted, after, drift.nmbrs_value))),
                    _ => proof.failed.push((key, drift.nmbrs_value)),
                }
            }
        }
    }
    if let Some(e) = failure {
        return Err(Stop::Nmbrs(e));
    }
    if repaired.is_empty() {
        return Ok(());
    }
    let states = repaired.iter().map(|(k, (_, s, _))| (*k, s.clone())).collect();
    let again = check(api, pool, integration, &states, concurrency).await?;
    for (key, finding) in again.findings {
        match finding {
            Judgement::Verified => proof.verified.push(key),
            Judgement::Unreadable => proof.unreadable.push(key),
            Judgement::Drift { drift, .. } => proof.failed.push((key, drift.nmbrs_value)),
        }
    }
    Ok(())
}

/// Failpoint: a bucket found drifted after writing has taken what Nmbrs holds; its repair
/// comes next (a crash here leaves it `to_write`, and the retry or the next export writes it).
pub const AFTER_DRIFT: &str = "export.after_drift";

/// Failpoint: the check after writing is done (repairs included), before the export reports (a
/// crash here leaves every bucket settled; the retry reads them again and writes nothing).
pub const AFTER_CONFIRM: &str = "export.after_confirm";
