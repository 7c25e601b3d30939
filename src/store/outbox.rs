//! The transactional outbox: events are inserted with the result that caused them and
//! published later by the relay (`crate::relay`), so a crash between commit and publish loses
//! nothing. Consumers may see an event twice, never miss one.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// One event ready to publish: its AMQP identity and the exact body bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEvent {
    pub event_id: Uuid,
    pub routing_key: String,
    pub correlation_id: Option<String>,
    /// Never a pruned row's: the relay takes only rows that still have their body.
    pub body: String,
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

/// Column arrays for an `UNNEST` insert of many events in one statement (borrowed: a large
/// sync's bodies are not copied again).
pub(super) struct Columns<'a> {
    pub event_ids: Vec<Uuid>,
    pub routing_keys: Vec<&'a str>,
    pub correlation_ids: Vec<Option<&'a str>>,
    pub bodies: Vec<&'a str>,
    pub traceparents: Vec<Option<&'a str>>,
    pub tracestates: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    pub fn of(events: &'a [OutboxEvent]) -> Self {
        Self {
            event_ids: events.iter().map(|e| e.event_id).collect(),
            routing_keys: events.iter().map(|e| e.routing_key.as_str()).collect(),
            correlation_ids: events.iter().map(|e| e.correlation_id.as_deref()).collect(),
            bodies: events.iter().map(|e| e.body.as_str()).collect(),
            traceparents: events.iter().map(|e| e.traceparent.as_deref()).collect(),
            tracestates: events.iter().map(|e| e.tracestate.as_deref()).collect(),
        }
    }

    /// Binds the six arrays as `$1`..`$6` of an
    /// `UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`.
    pub fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        query
            .bind(&self.event_ids)
            .bind(&self.routing_keys)
            .bind(&self.correlation_ids)
            .bind(&self.bodies)
            .bind(&self.traceparents)
            .bind(&self.tracestates)
    }
}

/// Queues events outside any job (rejections). An event id already queued is kept as it is,
/// so a redelivered rejection does not publish twice.
pub async fn enqueue(conn: &mut PgConnection, events: &[OutboxEvent]) -> sqlx::Result<()> {
    let columns = Columns::of(events);
    let insert = sqlx::query(
        "INSERT INTO outbox (event_id, routing_key, correlation_id, body, traceparent, tracestate)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (event_id) DO NOTHING",
    );
    columns.bind(insert).execute(conn).await?;
    Ok(())
}

/// Queues a stored event for publishing again, with the same `event_id` and body.
pub async fn republish(conn: &mut PgConnection, event_id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE outbox SET published_at = NULL WHERE event_id = $1 AND body IS NOT NULL")
        .bind(event_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A batch of unpublished events, locked for this relay until `commit`/drop.
pub struct Batch {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    pub rows: Vec<(i64, OutboxEvent)>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    #[sqlx(flatten)]
    event: OutboxEvent,
}

/// Locks up to `limit` unpublished events, oldest first. Rows another relay holds are skipped.
pub async fn next_batch(pool: &PgPool, limit: i64) -> sqlx::Result<Batch> {
    let mut tx = pool.begin().await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, event_id, routing_key, correlation_id, body, traceparent, tracestate
           FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND body IS NOT NULL
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    Ok(Batch { tx, rows: rows.into_iter().map(|r| (r.id, r.event)).collect() })
}

/// What became of a batch's rows.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// Confirmed by the broker.
    pub published: Vec<i64>,
    /// Rows that can never be sent as they are, with the reason: set aside now.
    pub set_aside: Vec<(i64, String)>,
    /// Rows whose publish failed (refused, or the channel failed on them), with the reason:
    /// counted, and set aside once they failed `max_failures` times.
    pub failed: Vec<(i64, String)>,
}

impl Batch {
    /// Records the outcome and releases the batch; returns the ids of the rows set aside now
    /// (those of `set_aside`, and those of `failed` that reached `max_failures`).
    pub async fn commit(mut self, outcome: &BatchOutcome, max_failures: i32) -> sqlx::Result<Vec<i64>> {
        if !outcome.published.is_empty() {
            sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
                .bind(&outcome.published)
                .execute(&mut *self.tx)
                .await?;
        }
        let (ids, reasons): (Vec<i64>, Vec<&str>) =
            outcome.set_aside.iter().map(|(id, reason)| (*id, reason.as_str())).unzip();
        let mut aside: Vec<i64> = sqlx::query_scalar(
            "UPDATE outbox o SET set_aside_at = now(), set_aside_reason = r.reason
               FROM UNNEST($1::bigint[], $2::text[]) AS r(id, reason)
              WHERE o.id = r.id RETURNING o.id",
        )
        .bind(&ids)
        .bind(&reasons)
        .fetch_all(&mut *self.tx)
        .await?;
        let (ids, reasons): (Vec<i64>, Vec<&str>) =
            outcome.failed.iter().map(|(id, reason)| (*id, reason.as_str())).unzip();
        let failed_out: Vec<i64> = sqlx::query_scalar::<_, Option<i64>>(
            "UPDATE outbox o SET publish_failures = o.publish_failures + 1,
                    set_aside_at = CASE WHEN o.publish_failures + 1 >= $3 THEN now() END,
                    set_aside_reason = r.reason
               FROM UNNEST($1::bigint[], $2::text[]) AS r(id, reason)
              WHERE o.id = r.id
             RETURNING CASE WHEN o.set_aside_at IS NOT NULL THEN o.id END",
        )
        .bind(&ids)
        .bind(&reasons)
        .bind(max_failures)
        .fetch_all(&mut *self.tx)
        .await?
        .into_iter()
        .flatten()
        .collect();
        aside.extend(failed_out);
        self.tx.commit().await?;
        Ok(aside)
    }
}

/// Prunes the bodies (and trace headers) of events published more than `retention` ago,
/// keeping the row's id, `event_id`, `routing_key` (the type), `correlation_id` and times
/// (issue 19 item 7). Kept whole: a job's result event (`jobs.result_event_id`: a duplicate
/// delivery re-publishes it, CONTRACT §2.2) and `integration.checked` (check results, no
/// personal data; `nmbrs-worker check` prints the last one). An event never published
/// (pending or set aside) keeps its body. Works in slices of 1 000 rows; returns how many were
/// pruned.
///
/// Errors: the database's.
pub async fn prune(pool: &PgPool, retention: std::time::Duration) -> sqlx::Result<u64> {
    const SLICE: u64 = 1000;
    let mut total = 0;
    loop {
        let pruned = sqlx::query(
            "UPDATE outbox SET body = NULL, traceparent = NULL, tracestate = NULL, pruned_at = now()
              WHERE id IN (SELECT o.id FROM outbox o
                            WHERE o.pruned_at IS NULL AND o.published_at < now() - make_interval(secs => $1)
                              AND o.routing_key <> 'integration.checked'
                              AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.result_event_id = o.event_id)
                            ORDER BY o.published_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(retention.as_secs_f64())
        .bind(SLICE as i64)
        .execute(pool)
        .await?
        .rows_affected();
        total += pruned;
        if pruned < SLICE {
            return Ok(total);
        }
    }
}

/// Number of events waiting to be published (for `/metrics`).
pub async fn pending(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL")
        .fetch_one(pool)
        .await
}

/// Number of events set aside and not published (for `/metrics`; above 0 someone must look).
pub async fn set_aside(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE set_aside_at IS NOT NULL AND published_at IS NULL")
        .fetch_one(pool)
        .await
}
