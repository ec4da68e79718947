-- Decisions, one row per DecisionEvent (warden-api). The whole event is kept as JSONB, so properties added to the
-- contract later are stored without a migration; the columns beside it are copies of the fields the API filters,
-- sorts and aggregates on.
--
-- Partitioned by day on "time" (partitions are created ahead and on demand by the service, dropped by its retention
-- job). A primary key of a partitioned table must contain the partition key, hence (id, time): a redelivered event is
-- the same bytes, same id and same time, so ON CONFLICT DO NOTHING on this key stores it once.
CREATE TABLE decisions (
    id              uuid        NOT NULL,
    time            timestamptz NOT NULL,
    gateway_id      text        NOT NULL,
    server_id       text        NOT NULL,
    grant_id        text        NOT NULL,
    method          text        NOT NULL,
    tool            text,
    outcome         text        NOT NULL,
    rule            text,
    message         text,
    policy_id       text,
    policy_version  text,
    upstream_status integer,
    gateway_micros  bigint      NOT NULL,
    upstream_micros bigint,
    event           jsonb       NOT NULL,
    ingested_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);

-- Newest first, keyset pagination on (time, id): every listing walks one of these backwards.
CREATE INDEX decisions_time_idx ON decisions (time, id);
CREATE INDEX decisions_grant_idx ON decisions (grant_id, time, id);
CREATE INDEX decisions_server_idx ON decisions (server_id, time, id);
CREATE INDEX decisions_tool_idx ON decisions (tool, time, id);
CREATE INDEX decisions_outcome_idx ON decisions (outcome, time, id);
CREATE INDEX decisions_rule_idx ON decisions (rule, time, id) WHERE rule IS NOT NULL;
CREATE INDEX decisions_policy_idx ON decisions (policy_id, policy_version, time, id) WHERE policy_id IS NOT NULL;

-- Free text on the message (ILIKE '%…%'): trigram index. pg_trgm ships with PostgreSQL and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX decisions_message_trgm_idx ON decisions USING gin (message gin_trgm_ops) WHERE message IS NOT NULL;
