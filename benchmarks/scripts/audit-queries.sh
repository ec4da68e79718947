#!/usr/bin/env bash
# Audit query latency over a large decisions table (docs/benchmarks.md, "Audit pipeline"): a private PostgreSQL 15 on a
# free port, audit-service's own Flyway migrations applied with psql, ROWS decisions generated with generate_series
# over DAYS days (spread evenly, 200 grants, 11 outcomes), then the API's two heaviest reads timed with EXPLAIN ANALYZE,
# RUNS times each: one grant's newest page over the last 24 h, and 24 h of per-minute outcome counts.
# Usage: benchmarks/scripts/audit-queries.sh [ROWS=10000000] [DAYS=10] [RUNS=20]
set -euo pipefail
ROWS=${1:-10000000}
DAYS=${2:-10}
RUNS=${3:-20}
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
for m in "$top"/audit-service/src/main/resources/db/migration/V*.sql; do psql -f "$m"; done
# Day partitions as the service creates them (store/Partitions): decisions_YYYYMMDD.
psql -c "DO \$\$ DECLARE d date; BEGIN
  FOR d IN SELECT generate_series(current_date - $DAYS, current_date + 1, interval '1 day')::date LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS decisions_%s PARTITION OF decisions FOR VALUES FROM (%L) TO (%L)',
                   to_char(d, 'YYYYMMDD'), d, d + 1);
  END LOOP; END \$\$;"
start=$(date +%s)
psql -c "
INSERT INTO decisions (id, time, gateway_id, server_id, grant_id, method, tool, outcome, rule, message, policy_id,
                       policy_version, upstream_status, gateway_micros, upstream_micros, event, instance, sequence,
                       request_id, grant_label)
SELECT gen_random_uuid(), t, 'gw', 'github', 'grant-' || (n % 200), 'tools/call', 'tool_' || (n % 40),
       (ARRAY['allowed','allowed','allowed','allowed','denied','hidden','rate_limited','approval_required',
              'unauthenticated','upstream_error','gateway_error'])[1 + n % 11],
       CASE WHEN n % 11 = 4 THEN '/tools/tool_' || (n % 40) END, NULL, 'p', '1', 200, 40, 900,
       jsonb_build_object('schema_version', 2, 'kind', 'decision', 'grant_id', 'grant-' || (n % 200), 'n', n),
       'gw/bench', n, n::text, 'label'
  FROM (SELECT n, now() - make_interval(secs => (n::double precision / $ROWS) * $DAYS * 86400) AS t
          FROM generate_series(1, $ROWS) n) s;
ANALYZE decisions;"
echo "generated $ROWS decisions over $DAYS days in $(( $(date +%s) - start )) s"
grant="SELECT event::text, time, id FROM decisions WHERE grant_id = 'grant-17' AND time >= now() - interval '24 hours'
        AND time < now() ORDER BY time DESC, id DESC LIMIT 50"
minutes="SELECT date_bin(make_interval(secs => 60), time, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket, outcome,
        count(*) FROM decisions WHERE time >= now() - interval '24 hours' AND time < now() GROUP BY 1, 2"
for q in grant minutes; do
  sql=${!q}
  psql -c "$sql" >/dev/null   # warm the cache once, as a dashboard in use would be
  for i in $(seq "$RUNS"); do
    psql -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])'
  done | sort -n | awk -v q="$q" '{a[NR]=$1} END {
      m = int(NR * 0.5) + 1; if (m > NR) m = NR
      n = int(NR * 0.99) + 1; if (n > NR) n = NR
      printf "%s: runs %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", q, NR, a[m], a[n], a[NR] }'
done
