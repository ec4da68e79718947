#!/usr/bin/env bash
# Audit query latency over a large decisions table (docs/benchmarks.md, "Audit pipeline"): a private PostgreSQL 15 on a
# free port, audit-service's own Flyway migrations applied with psql (so the rollup triggers of V4 keep the rollups
# exactly as they do under ingest), ROWS decisions inserted over DAYS days in statements of CHUNK rows (spread
# evenly, 200 grants, 40 tools, 11 outcomes), then the API's reads timed with EXPLAIN ANALYZE, RUNS times each, over the
# last 24 h (not minute-aligned, so the raw edges are read as the API reads them): one grant's newest page; per-minute
# outcome counts from the rollup, and the same counted from the raw rows as before V4; the completeness check; from the
# hourly rollups, top denied tools, calls per grant and the latency histograms.
# Usage: benchmarks/scripts/audit-queries.sh [ROWS=10000000] [DAYS=10] [RUNS=20] [CHUNK=500000]
set -euo pipefail
ROWS=${1:-10000000}
DAYS=${2:-10}
RUNS=${3:-20}
CHUNK=${4:-500000}
top=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=$(dirname "$(dpkg -L postgresql-15 | grep '/bin/initdb$')")
base=$(mktemp -d /tmp/audit-bench.XXXXXX)
chown postgres "$base"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$base/data" -A trust -U postgres -E UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$base/data" -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=64MB" -l "$base/log" -w start >/dev/null
trap 'as_pg "$PGBIN/pg_ctl" -D "$base/data" -m fast stop >/dev/null; rm -rf "$base"' EXIT
psql() { "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
for m in $(ls "$top"/audit-service/src/main/resources/db/migration/V*.sql | sort -V); do psql -f "$m"; done
# Day partitions as the service creates them (store/Partitions): decisions_pYYYYMMDD.
psql -c "DO \$\$ DECLARE d date; BEGIN
  FOR d IN SELECT generate_series(current_date - $DAYS, current_date + 1, interval '1 day')::date LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS decisions_p%s PARTITION OF decisions FOR VALUES FROM (%L) TO (%L)',
                   to_char(d, 'YYYYMMDD'), d, d + 1);
  END LOOP; END \$\$;"
start=$(date +%s)
# One fixed "now" for the whole table, so that the rows are spread evenly over exactly DAYS days before it.
now=$(psql -c "SELECT now()")
for ((first = 1; first <= ROWS; first += CHUNK)); do
  last=$(( first + CHUNK - 1 < ROWS ? first + CHUNK - 1 : ROWS ))
  psql -c "
INSERT INTO decisions (id, time, gateway_id, server_id, grant_id, method, tool, outcome, rule, message, policy_id,
                       policy_version, upstream_status, gateway_micros, upstream_micros, event, instance, sequence,
                       request_id, grant_label)
SELECT gen_random_uuid(), t, 'gw', 'github', 'grant-' || (n % 200), 'tools/call', 'tool_' || (n % 40),
       (ARRAY['allowed','allowed','allowed','allowed','denied','hidden','rate_limited','approval_required',
              'unauthenticated','upstream_error','gateway_error'])[1 + n % 11],
       CASE WHEN n % 11 = 4 THEN '/tools/tool_' || (n % 40) END, NULL, 'p', '1', 200, 40 + n * 7919 % 2000,
       CASE WHEN n % 11 IN (0, 1, 2, 3, 9) THEN 300 + n * 104729 % 50000 END,
       jsonb_build_object('schema_version', 2, 'kind', 'decision', 'grant_id', 'grant-' || (n % 200), 'n', n),
       'gw/bench', n, n::text, 'label'
  FROM (SELECT n, TIMESTAMPTZ '$now' - make_interval(secs => (($ROWS - n)::double precision / $ROWS) * $DAYS * 86400) AS t
          FROM generate_series($first::bigint, $last) n) s
ON CONFLICT DO NOTHING;"
  echo "  $last rows, $(( $(date +%s) - start )) s"
done
psql -c "ANALYZE"
echo "generated $ROWS decisions over $DAYS days (rollups kept by the V4 triggers) in $(( $(date +%s) - start )) s"
psql -c "SELECT 'rollup rows: minutes ' || (SELECT count(*) FROM decision_minutes) || ', sequences '
          || (SELECT count(*) FROM decision_minutes_sequences) || ', hours: grants '
          || (SELECT count(*) FROM decision_hours_grants) || ', denied ' || (SELECT count(*) FROM decision_hours_denied)
          || ', latency ' || (SELECT count(*) FROM decision_hours_latency)"
# The range: the last 24 h up to now, not minute-aligned; a = the first whole minute, b = the end of the last one.
# Rollups answer [a, b); the raw rows answer [from, a) and [b, to), as AggregateQueries does (HA/HB/HEDGES: the same
# at whole hours, for the hourly rollups).
F="(TIMESTAMPTZ '$now' - interval '24 hours' + interval '17.5 seconds')"
T="(TIMESTAMPTZ '$now' + interval '17.5 seconds')"
A="date_bin('1 minute', $F, TIMESTAMPTZ 'epoch') + interval '1 minute'"
B="date_bin('1 minute', $T, TIMESTAMPTZ 'epoch')"
EDGES="((time >= $F AND time < $A) OR (time >= $B AND time < $T))"
HA="date_bin('1 hour', $F, TIMESTAMPTZ 'epoch') + interval '1 hour'"
HB="date_bin('1 hour', $T, TIMESTAMPTZ 'epoch')"
HEDGES="((time >= $F AND time < $HA) OR (time >= $HB AND time < $T))"
check_total="SELECT (SELECT sum(n) FROM decision_minutes WHERE minute >= $A AND minute < $B)
                  + (SELECT count(*) FROM decisions WHERE $EDGES) = (SELECT count(*) FROM decisions WHERE time >= $F AND time < $T)"
echo "rollups + edges equal the raw count over the range: $(psql -c "$check_total")"
grant="SELECT event::text, time, id FROM decisions WHERE grant_id = 'grant-17' AND time >= $F
        AND time < $T ORDER BY time DESC, id DESC LIMIT 50"
minutes_raw="SELECT date_bin(make_interval(secs => 60), time, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket, outcome,
        count(*) FROM decisions WHERE time >= $F AND time < $T GROUP BY 1, 2"
minutes="SELECT date_bin(make_interval(secs => 60), t, TIMESTAMPTZ '1970-01-01 00:00:00+00'), outcome, sum(n) FROM (
          SELECT minute AS t, outcome, n FROM decision_minutes WHERE minute >= $A AND minute < $B
          UNION ALL SELECT time, outcome, 1 FROM decisions WHERE $EDGES) x GROUP BY 1, 2"
completeness="WITH seen AS (
          SELECT instance, first_sequence AS first, last_sequence AS last, received FROM decision_minutes_sequences
           WHERE minute >= $A AND minute < $B
          UNION ALL SELECT instance, sequence, sequence, 1 FROM decisions
           WHERE $EDGES AND instance IS NOT NULL AND sequence IS NOT NULL
          UNION ALL SELECT instance, sequence, sequence, 1 FROM completions
           WHERE $EDGES AND instance IS NOT NULL AND sequence IS NOT NULL)
        SELECT instance, min(first), max(last), sum(received) FROM seen GROUP BY 1"
denied_tools="SELECT tool, sum(n) AS c FROM (
          SELECT tool, n FROM decision_hours_denied WHERE hour >= $HA AND hour < $HB AND tool IS NOT NULL
          UNION ALL SELECT tool, 1 FROM decisions WHERE $HEDGES AND outcome = 'denied' AND tool IS NOT NULL) x
        GROUP BY 1 ORDER BY c DESC, 1 LIMIT 10"
grants="SELECT grant_id, outcome, sum(n) FROM (
          SELECT grant_id, outcome, n FROM decision_hours_grants WHERE hour >= $HA AND hour < $HB
          UNION ALL SELECT grant_id, outcome, 1 FROM decisions WHERE $HEDGES) x GROUP BY 1, 2"
latency="SELECT kind, micros, sum(n) FROM (
          SELECT kind, micros, n FROM decision_hours_latency WHERE hour >= $HA AND hour < $HB
          UNION ALL SELECT 'gateway', warden_latency_bucket(gateway_micros), 1 FROM decisions WHERE $HEDGES
          UNION ALL SELECT 'upstream', warden_latency_bucket(upstream_micros), 1 FROM decisions
           WHERE $HEDGES AND upstream_micros IS NOT NULL) x GROUP BY 1, 2"
for q in grant minutes minutes_raw completeness denied_tools grants latency; do
  sql=${!q}
  psql -c "$sql" >/dev/null   # warm the cache once, as a dashboard in use would be
  for i in $(seq "$RUNS"); do
    psql -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])'
  done | sort -n | awk -v q="$q" '{a[NR]=$1} END {
      m = int(NR * 0.5) + 1; if (m > NR) m = NR
      n = int(NR * 0.99) + 1; if (n > NR) n = NR
      printf "%s: runs %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", q, NR, a[m], a[n], a[NR] }'
done
