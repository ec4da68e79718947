-- Rollups of the decisions, so that the dashboard's aggregates over a day read thousands of rows instead of millions:
-- per minute for the outcome counts (the chart's finest bucket) and the sequence numbers (completeness), per hour for
-- what has many values per minute (grants, denied tools and rules, latency histograms), where a minute's rollup would
-- hold about as many rows as the decisions themselves. They are kept by statement-level triggers on the tables themselves, in the transaction of the statement
-- that changed the rows, from its transition tables: an INSERT … ON CONFLICT DO NOTHING lists only the rows it really
-- inserted, so a redelivered event counts nothing; the completion merge (an UPDATE) moves a call from its old outcome
-- and latencies to its new ones. Whoever writes (the consumer, psql, a benchmark script) keeps them right the same way.
-- Not seen by triggers: dropped partitions and TRUNCATE; the retention job deletes the rollups of the days it drops.
-- Minutes and hours are UTC (date_bin from the epoch: independent of the session's time zone).

CREATE TABLE decision_minutes (
    minute    timestamptz NOT NULL,
    server_id text        NOT NULL,
    outcome   text        NOT NULL,
    n         bigint      NOT NULL,
    PRIMARY KEY (minute, server_id, outcome)
);

CREATE TABLE decision_hours_grants (
    hour      timestamptz NOT NULL,
    grant_id  text        NOT NULL,
    server_id text        NOT NULL,
    outcome   text        NOT NULL,
    n         bigint      NOT NULL,
    PRIMARY KEY (hour, grant_id, server_id, outcome)
);

-- Denied decisions only: the dashboard's "top denied tools and rules".
CREATE TABLE decision_hours_denied (
    hour      timestamptz NOT NULL,
    server_id text        NOT NULL,
    tool      text,
    rule      text,
    n         bigint      NOT NULL,
    UNIQUE NULLS NOT DISTINCT (hour, server_id, tool, rule)
);

-- Latency histograms: values rounded down to two significant digits (exact below 100 µs, at most 10 % low above).
CREATE TABLE decision_hours_latency (
    hour      timestamptz NOT NULL,
    server_id text        NOT NULL,
    kind      text        NOT NULL CHECK (kind IN ('gateway', 'upstream')),
    micros    bigint      NOT NULL,
    n         bigint      NOT NULL,
    PRIMARY KEY (hour, server_id, kind, micros)
);

-- Completeness: per gateway instance and minute, the sequence numbers seen (decisions and completions together).
-- Rows are only ever added (min, max and count of inserted events), so redelivery changes nothing.
CREATE TABLE decision_minutes_sequences (
    minute         timestamptz NOT NULL,
    instance       text        NOT NULL,
    first_sequence bigint      NOT NULL,
    last_sequence  bigint      NOT NULL,
    received       bigint      NOT NULL,
    PRIMARY KEY (minute, instance)
);

-- Integer steps only (no text, no numeric): it runs once per raw row at the edges of every latency query.
CREATE FUNCTION warden_latency_bucket(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN NULL
                WHEN v < 100 THEN greatest(v, 0)
                WHEN v < 1000 THEN v / 10 * 10
                WHEN v < 10000 THEN v / 100 * 100
                WHEN v < 100000 THEN v / 1000 * 1000
                WHEN v < 1000000 THEN v / 10000 * 10000
                WHEN v < 10000000 THEN v / 100000 * 100000
                WHEN v < 100000000 THEN v / 1000000 * 1000000
                WHEN v < 1000000000 THEN v / 10000000 * 10000000
                WHEN v < 10000000000 THEN v / 100000000 * 100000000
                WHEN v < 100000000000 THEN v / 1000000000 * 1000000000
                WHEN v < 1000000000000 THEN v / 10000000000 * 10000000000
                ELSE v / 100000000000 * 100000000000
           END
$$;

-- Adds the rows of "delta" (the changed decisions, each with sign +1 or -1) to every count rollup. The ORDER BY keeps
-- two consumers that touch the same minutes from locking rollup rows in opposite orders.
CREATE FUNCTION warden_rollup_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta text;
BEGIN
    delta := CASE TG_OP
        WHEN 'INSERT' THEN '(SELECT *, 1 AS sign FROM added)'
        WHEN 'DELETE' THEN '(SELECT *, -1 AS sign FROM removed)'
        ELSE '(SELECT *, -1 AS sign FROM removed UNION ALL SELECT *, 1 AS sign FROM added)' END;
    EXECUTE format($q$
        INSERT INTO decision_minutes AS r (minute, server_id, outcome, n)
        SELECT date_bin('1 minute', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), server_id, outcome, sum(sign)
          FROM %s d GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (minute, server_id, outcome) DO UPDATE SET n = r.n + excluded.n$q$, delta);
    EXECUTE format($q$
        INSERT INTO decision_hours_grants AS r (hour, grant_id, server_id, outcome, n)
        SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), grant_id, server_id, outcome,
               sum(sign)
          FROM %s d GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (hour, grant_id, server_id, outcome) DO UPDATE SET n = r.n + excluded.n$q$, delta);
    EXECUTE format($q$
        INSERT INTO decision_hours_denied AS r (hour, server_id, tool, rule, n)
        SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), server_id, tool, rule, sum(sign)
          FROM %s d WHERE outcome = 'denied' GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (hour, server_id, tool, rule) DO UPDATE SET n = r.n + excluded.n$q$, delta);
    EXECUTE format($q$
        INSERT INTO decision_hours_latency AS r (hour, server_id, kind, micros, n)
        SELECT hour, server_id, kind, micros, sum(sign) FROM (
            SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS hour, server_id,
                   'gateway' AS kind, warden_latency_bucket(gateway_micros) AS micros, sign FROM %1$s d
            UNION ALL
            SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), server_id, 'upstream',
                   warden_latency_bucket(upstream_micros), sign FROM %1$s d WHERE upstream_micros IS NOT NULL) l
         GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (hour, server_id, kind, micros) DO UPDATE SET n = r.n + excluded.n$q$, delta);
    RETURN NULL;
END
$$;

-- The sequence numbers of inserted decisions and completions alike (instance and sequence: both tables have them).
CREATE FUNCTION warden_rollup_sequences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO decision_minutes_sequences AS r (minute, instance, first_sequence, last_sequence, received)
    SELECT date_bin('1 minute', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), instance, min(sequence), max(sequence),
           count(*)
      FROM added WHERE instance IS NOT NULL AND sequence IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (minute, instance) DO UPDATE
        SET first_sequence = least(r.first_sequence, excluded.first_sequence),
            last_sequence = greatest(r.last_sequence, excluded.last_sequence),
            received = r.received + excluded.received;
    RETURN NULL;
END
$$;

-- Back-fill from the rows already stored, before the triggers exist (so nothing is counted twice). Run with ingest
-- stopped: an insert by an older build between this and the triggers would be missed by the rollups.
INSERT INTO decision_minutes (minute, server_id, outcome, n)
SELECT date_bin('1 minute', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), server_id, outcome, count(*)
  FROM decisions GROUP BY 1, 2, 3;
INSERT INTO decision_hours_grants (hour, grant_id, server_id, outcome, n)
SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), grant_id, server_id, outcome, count(*)
  FROM decisions GROUP BY 1, 2, 3, 4;
INSERT INTO decision_hours_denied (hour, server_id, tool, rule, n)
SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), server_id, tool, rule, count(*)
  FROM decisions WHERE outcome = 'denied' GROUP BY 1, 2, 3, 4;
INSERT INTO decision_hours_latency (hour, server_id, kind, micros, n)
SELECT hour, server_id, kind, micros, count(*) FROM (
    SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS hour, server_id, 'gateway' AS kind,
           warden_latency_bucket(gateway_micros) AS micros FROM decisions
    UNION ALL
    SELECT date_bin('1 hour', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), server_id, 'upstream',
           warden_latency_bucket(upstream_micros) FROM decisions WHERE upstream_micros IS NOT NULL) l
 GROUP BY 1, 2, 3, 4;
INSERT INTO decision_minutes_sequences (minute, instance, first_sequence, last_sequence, received)
SELECT date_bin('1 minute', time, TIMESTAMPTZ '1970-01-01 00:00:00+00'), instance, min(sequence), max(sequence),
       count(*)
  FROM (SELECT time, instance, sequence FROM decisions UNION ALL SELECT time, instance, sequence FROM completions) s
 WHERE instance IS NOT NULL AND sequence IS NOT NULL GROUP BY 1, 2;

CREATE TRIGGER decisions_rollup_insert AFTER INSERT ON decisions
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION warden_rollup_decisions();
CREATE TRIGGER decisions_rollup_update AFTER UPDATE ON decisions
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION warden_rollup_decisions();
CREATE TRIGGER decisions_rollup_delete AFTER DELETE ON decisions
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION warden_rollup_decisions();
CREATE TRIGGER decisions_sequences_insert AFTER INSERT ON decisions
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION warden_rollup_sequences();
CREATE TRIGGER completions_sequences_insert AFTER INSERT ON completions
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION warden_rollup_sequences();
