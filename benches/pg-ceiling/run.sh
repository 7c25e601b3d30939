#!/usr/bin/env bash
# What PostgreSQL alone sustains on this machine for the worker's per-job writes, one job per
# transaction (as the worker does) and 16 per statement (batched). jobs/s = tps × jobs per run.
set -euo pipefail
cd "$(dirname "$0")"
PG="-U postgres -h 127.0.0.1"
psql $PG -qc "DROP DATABASE IF EXISTS nmbrs_pg_ceiling" -c "CREATE DATABASE nmbrs_pg_ceiling"
psql $PG -q -d nmbrs_pg_ceiling -f schema.sql
per_job=$(pgbench $PG -n -c 32 -j 2 -T 10 -f per-job.sql nmbrs_pg_ceiling | awk '/^tps/ {print int($3)}')
psql $PG -q -d nmbrs_pg_ceiling -f schema.sql
batches=$(pgbench $PG -n -c 4 -j 2 -T 10 -f batched.sql nmbrs_pg_ceiling | awk '/^tps/ {print int($3)}')
psql $PG -qc "DROP DATABASE nmbrs_pg_ceiling"
echo "per job, 32 clients : ${per_job} jobs/s"
echo "batched ×16, 4 clients: $((batches * 16)) jobs/s"
