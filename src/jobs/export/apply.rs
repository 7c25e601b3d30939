//! Bringing one bucket in Nmbrs to its ledger value, in the order that never counts twice
//! (DESIGN-NOTES "Nmbrs insert calls are not idempotent"):
//! delete own components → record → read the period's lines once (`snapshot`) →
//! record intent with the lines of the code already there → insert → record the returned id;
//! days: `DaysVar_Set` → record. Each record is a recovery point (`store::export_buckets`).
//!
//! [`BucketWrite::run`] is a `match` on the bucket's stage (`domain::export::stage`, the
//! recovery points named): `settled`/`to_write` → delete own (→ `cleared`) or set days or
//! record settled; `cleared` → record intent (→ `insert_sent`) and insert (→ `settled`);
//! `insert_sent`/`in_doubt` → read back first.
//!
//! Every insert's comment is `[EJ-…] Eitje hours export`: a marker unique to its insert intent
//! first (`domain::export::marker`), kept on the bucket row with the intent, so a retry of the
//! same intent sends the same marker and REST reads after the switch (issue 10) recognise the
//! line exactly. Intents recorded before markers (no marker kept) work as before.
//!
//! A pending intent (a lost reply, or a job that died between insert and record) is resolved
//! first by reading the period back (`domain::export::readback`); when that is impossible or
//! ambiguous the bucket stops as in doubt, and nothing is inserted again. A reply lost in this
//! very attempt whose insert is not seen is only believed "not landed" by a later attempt.
//!
//! **An edge that updates in place** ([`crate::nmbrs::EmployeeService::component_updates`], REST
//! `PUT`): a changed bucket whose worker-owned line exists is updated (`Step::Update`): PUT the
//! line to the new value → drop the other owned lines (deleted; in a closed period set to 0,
//! as REST `DELETE` has no `unprotectedMode`) → record it settled (`export.after_update`). Every
//! call of it is safe to repeat: a crash before the record repeats them, and a PUT whose reply
//! was lost is sent again by a later attempt of the job ([`BucketEnd::Later`]), never in doubt. A
//! line Nmbrs no longer knows (a person deleted it) is written off and the bucket inserted anew.
//!
//! The calls themselves (update, delete, insert) are `apply::calls`.
//!
//! **An edge that reads comments** ([`crate::nmbrs::EmployeeService::reads_comments`], REST): the
//! read-back adopts only the line carrying the intent's marker, so the period is not read before
//! an insert there (no foreign lines recorded; `snapshot`).

use backon::{ExponentialBuilder, Retryable};
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::{
    domain::export::{
        actions::{ComponentLineId, WriteMode},
        contributions::{BucketKey, Component},
        marker::{InsertMarker, marker_for},
        readback::{ReadbackVerdict, judge},
        result,
        stage::{Move, Stage, Step},
        work::BucketWork,
    },
    domain::nmbrs_failure::{BucketOutcome, FailureScope, Treatment, treat},
    failpoint::crash_point,
    jobs::export::snapshot::{Foreign, Snapshots, read_period},
    nmbrs::{ErrorKind, NmbrsApi, NmbrsError, Operation, WritePeriod},
    store::export_buckets as buckets,
};

mod calls;

/// Failpoints, one per recovery point (see `crate::failpoint`).
pub const AFTER_DELETE: &str = "export.after_delete";
pub const AFTER_INTENT: &str = "export.after_intent";
pub const AFTER_INSERT: &str = "export.after_insert";
pub const AFTER_DAYS: &str = "export.after_days";
pub const AFTER_UPDATE: &str = "export.after_update";

/// What `api` can do to a line the worker owns: update it in place when it reports
/// [`ComponentUpdates`], otherwise only delete and insert.
pub fn edge_of(api: &dyn NmbrsApi) -> WriteMode {
    match api.component_updates() {
        Some(_) => WriteMode::InPlace,
        None => WriteMode::InsertDelete,
    }
}

/// A bound on the rounds of [`BucketWrite::run`]; it settles well within it (at most: read
/// back, delete, insert, read back again, and record settled).
const ROUNDS: usize = 16;

/// How one bucket's write ended ([`result::BucketEnd`] with the edge's error).
pub type BucketEnd = result::BucketEnd<NmbrsError>;
/// The result of [`BucketWrite::apply`]: how it ended and the write calls it made.
pub type BucketResult = result::BucketResult<NmbrsError>;

/// Where [`BucketWrite::read_back_pending`] leaves a bucket.
enum AfterReadBack {
    /// Resolved: go on with the bucket's write.
    Go,
    Ended(BucketEnd),
    /// Try again in a later attempt.
    Later,
}

/// A failure that stops the whole job (transient: retried later and resumed; credentials or a
/// missing write right: for a person), or the database.
#[derive(Debug)]
pub enum Stop {
    Nmbrs(NmbrsError),
    Database(sqlx::Error),
    /// The bucket's write did not settle within [`ROUNDS`] steps (a bug, never seen); its row
    /// keeps its stage and a later attempt resumes it.
    Unsettled(BucketKey),
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Self {
        Stop::Database(e)
    }
}

/// One bucket's write, with what it needs.
pub struct BucketWrite<'a> {
    pub api: &'a dyn NmbrsApi,
    pub pool: &'a PgPool,
    pub integration: &'a str,
    /// The bucket, its ledger value now and where its write stands.
    pub work: BucketWork,
    /// The periods read before inserting, shared by the buckets of one attempt.
    pub snapshots: &'a Snapshots,
}

impl BucketWrite<'_> {
    /// Brings the bucket to its wanted value, resuming from the stage its row is in.
    pub async fn apply(self) -> Result<BucketResult, Stop> {
        self.apply_keeping().await.map(|(result, _)| result)
    }

    /// [`Self::apply`], also answering where the bucket's write ended (its row's state now),
    /// for the read after writing (`proof`).
    pub async fn apply_keeping(mut self) -> Result<(BucketResult, crate::domain::export::stage::BucketState), Stop> {
        let mut calls = 0;
        let outcome = self.run(&mut calls).await?;
        Ok((BucketResult { end: outcome, write_calls: calls }, self.work.state))
    }

    /// One step per round, chosen by the bucket's stage (`domain::export::stage`), each
    /// followed by its recovery point, until the bucket is settled, stopped or left for later.
    async fn run(&mut self, calls: &mut u64) -> Result<BucketEnd, Stop> {
        let (pool, integration, key, wanted) = (self.pool, self.integration, self.work.key, self.work.wanted);
        // A reply lost in this attempt: "not landed" is then believed only by a later attempt.
        let mut lost: Option<NmbrsError> = None;
        // Lines of this bucket the worker owned when it started are never "foreign", also once
        // they are deleted and a snapshot taken earlier still lists them.
        let owned_at_start = self.work.state.applied.ids.clone();
        let edge = edge_of(self.api);
        // A resumed export (a later attempt, a restarted process) has not read the company's
        // employees in this process; the bucket's key says where the employee is.
        self.api.employs(key.company, key.employee);
        for _ in 0..ROUNDS {
            let state = &self.work.state;
            let unprotected = state.unprotected;
            let step = match state.stage {
                Stage::InsertSent | Stage::InDoubt => {
                    let pending = state.pending.expect("a pending insert has its value (row check)");
                    match self.read_back_pending(pending, lost.is_some()).await? {
                        AfterReadBack::Go => continue,
                        AfterReadBack::Ended(outcome) => return Ok(outcome),
                        AfterReadBack::Later => {
                            let cause = lost.take().expect("only a lost reply of this attempt waits");
                            return Ok(BucketEnd::Later(cause));
                        }
                    }
                }
                Stage::Settled | Stage::ToWrite | Stage::Cleared => state.next_step(&key, wanted, edge),
            };
            match step {
                Step::Settle => {
                    self.record(Move::Applied { value: wanted }).await?;
                    return Ok(BucketEnd::Done { component: self.work.state.applied.ids.first().copied() });
                }
                Step::SetDays { days } => {
                    let days_i32 = i32::try_from(days).unwrap_or(i32::MAX);
                    // The edge says how many write calls setting the days took (REST may POST
                    // more than once); a failed setting counts one.
                    match self
                        .api
                        .days_var_set(key.employee, days_i32, WritePeriod { period: key.period, unprotected })
                        .await
                    {
                        Ok(sent) => *calls += u64::from(sent),
                        Err(e) => {
                            *calls += 1;
                            return per_bucket(e);
                        }
                    }
                    crash_point(AFTER_DAYS);
                    self.record(Move::Applied { value: Decimal::from(days) }).await?;
                    return Ok(BucketEnd::Done { component: None });
                }
                Step::DeleteOwn { ids } => {
                    for id in ids {
                        *calls += 1;
                        if let Err(e) = self.delete(id).await {
                            return per_bucket(e);
                        }
                    }
                    crash_point(AFTER_DELETE);
                    self.record(Move::Deleted).await?;
                }
                Step::Update { id, value, drop } => {
                    if let Some(outcome) = self.update_in_place(id, value, drop, calls).await? {
                        return Ok(outcome);
                    }
                }
                Step::Insert { value } => {
                    // With comments read back the marker alone finds a lost insert: no read first.
                    let before = match self.api.reads_comments() {
                        true => Ok(Foreign::Unknown),
                        false => self.snapshots.foreign(self.api, &key, &owned_at_start).await,
                    };
                    let foreign = match before {
                        Ok(Foreign::Lines(ids)) => Some(ids),
                        Ok(Foreign::Unknown) => None,
                        Ok(Foreign::Unreadable(line)) => {
                            tracing::warn!(bucket = ?key, field = %line.field, "a line of the period could not be read; not inserting next to it");
                            return Ok(BucketEnd::Unreadable { operation: read_operation(&key), field: line.field });
                        }
                        Err(e) => return per_bucket(e),
                    };
                    let marker = marker_for(self.work.state.intent.as_ref(), value, fresh_marker());
                    self.record(Move::Intent { value, foreign, marker: marker.clone() }).await?;
                    crash_point(AFTER_INTENT);
                    *calls += 1;
                    match self.insert(value, unprotected, &marker).await {
                        Ok(id) => {
                            crash_point(AFTER_INSERT);
                            // The id exists only in memory until this commits: try harder than once.
                            let record = || buckets::record_inserted(pool, integration, &key, id, value);
                            record.retry(ExponentialBuilder::default().with_max_times(4)).await?;
                            self.moved(&Move::Inserted { id, value })?;
                            return Ok(BucketEnd::Done { component: Some(id) });
                        }
                        // A lost reply from either edge (SOAP's own variant, or a REST error of
                        // that kind): the insert may have landed.
                        Err(e) if e.kind() == ErrorKind::OutcomeUnknown => {
                            let cause = match e {
                                NmbrsError::OutcomeUnknown { cause, .. } => *cause,
                                other => other,
                            };
                            tracing::warn!(bucket = ?key, error = %cause, "insert reply lost; reading the period back");
                            lost = Some(cause);
                        }
                        Err(e) => {
                            // The edge proved nothing landed (`NmbrsError::proves_not_applied`);
                            // any other failure of an insert came back as `OutcomeUnknown`.
                            self.record(Move::NotLanded).await?;
                            return per_bucket(e);
                        }
                    }
                }
            }
        }
        tracing::error!(bucket = ?key, stage = ?self.work.state.stage, "the bucket did not settle; left for a later attempt");
        Err(Stop::Unsettled(key))
    }

    /// Resolves a pending insert by reading the period back. `fresh`: the reply was lost in
    /// this attempt, so Nmbrs may still be working on the request; "not landed" is then only
    /// believed in a later attempt (after the retry delay), never followed by an insert now.
    async fn read_back_pending(&mut self, pending: Decimal, fresh: bool) -> Result<AfterReadBack, Stop> {
        let key = self.work.key;
        let code = key.component.code().unwrap_or_default();
        let mut missing_right = None;
        let state = &self.work.state;
        let verdict = match read_period(self.api, &key).await {
            Ok(lines) => {
                if let Some(line) = lines.unreadable.first() {
                    tracing::warn!(bucket = ?key, field = %line.field, "the period read back holds an unreadable line");
                }
                let marker = state.intent.as_ref().map(|i| &i.marker);
                judge(&lines, code, pending, &state.applied.ids, state.foreign.as_deref(), marker)
            }
            Err(e) => match e.kind() {
                ErrorKind::MissingRight { operation } => {
                    tracing::warn!(bucket = ?key, %operation, "cannot read the period back (missing right): in doubt");
                    missing_right = Some(operation);
                    ReadbackVerdict::Ambiguous
                }
                _ => return per_bucket(e).map(AfterReadBack::Ended),
            },
        };
        match verdict {
            ReadbackVerdict::Adopt(id) => {
                tracing::info!(bucket = ?key, component = %id.0, "lost insert found in Nmbrs; adopted");
                self.record(Move::Adopted { id }).await?;
            }
            ReadbackVerdict::NotLanded if fresh => {
                tracing::info!(bucket = ?key, "lost insert not in Nmbrs (yet); settling it in a later attempt");
                return Ok(AfterReadBack::Later);
            }
            ReadbackVerdict::NotLanded => {
                tracing::info!(bucket = ?key, "lost insert did not land");
                self.record(Move::NotLanded).await?;
            }
            ReadbackVerdict::Ambiguous => {
                self.record(Move::InDoubt).await?;
                return Ok(AfterReadBack::Ended(BucketEnd::InDoubt { missing_right }));
            }
        }
        Ok(AfterReadBack::Go)
    }

    /// `Step::Update`: sets the worker's line `id` to `value` in place, drops the other owned
    /// lines `drop`, and records the bucket settled with `id` alone. `Some(outcome)` ends the
    /// bucket; `None`: `id` is gone from Nmbrs, so every owned line is written off (the bucket
    /// is `cleared`) and the next round inserts.
    async fn update_in_place(
        &mut self,
        id: ComponentLineId,
        value: Decimal,
        drop: Vec<ComponentLineId>,
        calls: &mut u64,
    ) -> Result<Option<BucketEnd>, Stop> {
        let key = self.work.key;
        let unprotected = self.work.state.unprotected;
        let Some(updates) = self.api.component_updates() else {
            tracing::error!(bucket = ?key, "an in-place update planned for an edge without updates");
            return Err(Stop::Unsettled(key));
        };
        *calls += 1;
        match self.update(updates, id, value, unprotected, true).await {
            Ok(()) => {}
            Err(e) if line_gone(&e) => {
                tracing::warn!(bucket = ?key, component = %id.0, "the worker's line is gone from Nmbrs; inserting anew");
                for other in drop {
                    *calls += 1;
                    if let Err(e) = self.delete(other).await {
                        return per_bucket(e).map(Some);
                    }
                }
                self.record(Move::Deleted).await?;
                return Ok(None);
            }
            Err(e) => return repeat_later(e).map(Some),
        }
        for other in drop {
            *calls += 1;
            // A closed period: REST `DELETE` has no `unprotectedMode`, so the line is set to 0.
            let dropped = match unprotected {
                true => self.update(updates, other, Decimal::ZERO, true, false).await,
                false => self.delete(other).await.map(|_| ()),
            };
            match dropped {
                Err(e) if !line_gone(&e) => return repeat_later(e).map(Some),
                _ => {}
            }
        }
        crash_point(AFTER_UPDATE);
        self.record(Move::Updated { id, value }).await?;
        Ok(Some(BucketEnd::Done { component: Some(id) }))
    }

    /// Records `step` on the bucket's row and on the copy in memory: one move of the one table
    /// (`domain::export::stage`), so the two never differ.
    async fn record(&mut self, step: Move) -> Result<(), Stop> {
        let mut conn = self.pool.acquire().await?;
        buckets::record(&mut conn, self.integration, &self.work.key, &step).await?;
        self.moved(&step)
    }

    /// Applies `step` (recorded already) to the copy in memory.
    fn moved(&mut self, step: &Move) -> Result<(), Stop> {
        match self.work.state.after(step) {
            Ok(state) => {
                self.work.state = state;
                Ok(())
            }
            Err(refused) => {
                tracing::error!(bucket = ?self.work.key, ?refused, "a move the row took does not fit its copy in memory");
                Err(Stop::Unsettled(self.work.key))
            }
        }
    }
}

/// A new marker from the OS random source (via a v4 UUID: its last 8 bytes, whose only fixed
/// bits, the variant, are in the top 4 bits that the marker does not use).
fn fresh_marker() -> InsertMarker {
    let uuid = uuid::Uuid::new_v4();
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&uuid.as_bytes()[8..]);
    InsertMarker::from_random(bytes)
}

/// Nmbrs does not know the line (any more), as the edge decided ([`ErrorKind::NotFound`]).
fn line_gone(e: &NmbrsError) -> bool {
    e.kind() == ErrorKind::NotFound
}

/// A failed call of a repeat-safe write (an update in place, a delete): a lost reply is sent
/// again by a later attempt of the job (the row is unchanged, so the attempt repeats the
/// step), never in doubt; anything else as [`per_bucket`].
fn repeat_later(e: NmbrsError) -> Result<BucketEnd, Stop> {
    match e.kind() {
        ErrorKind::OutcomeUnknown => Ok(BucketEnd::Later(e)),
        _ => per_bucket(e),
    }
}

/// The read that lists the lines of `key`'s period.
fn read_operation(key: &BucketKey) -> &'static str {
    match key.component {
        Component::Hours(_) => Operation::HourComponentVarGet.name(),
        Component::Wage(_) | Component::Days => Operation::WageComponentVarGet.name(),
    }
}

/// Which Nmbrs failures stop only this bucket, and which the whole job: the bucket scope of the
/// one table (`domain::nmbrs_failure`). (A lost insert reply is resolved by [`BucketWrite::read_back_pending`]
/// before it gets here; the other writes are safe to repeat, so a later export writes them.)
fn per_bucket(e: NmbrsError) -> Result<BucketEnd, Stop> {
    match treat(e.kind(), FailureScope::Bucket) {
        Treatment::Bucket(BucketOutcome::Refused) => Ok(BucketEnd::Refused(e)),
        Treatment::Bucket(BucketOutcome::InDoubt) => Ok(BucketEnd::InDoubt { missing_right: None }),
        Treatment::Job(_) | Treatment::Company(_) => Err(Stop::Nmbrs(e)),
    }
}
