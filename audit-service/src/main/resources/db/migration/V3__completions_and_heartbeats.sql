-- Completions: how an allowed call ended, published by the gateway after its decision under the same id and time. Kept
-- here whatever the order they arrive in, and merged into the decision's row (its outcome, upstream status and
-- latencies, flags, refund) by whichever of the two is stored second; "completed" makes the merge happen once.
-- Both events of a call share its grant, hence its Kafka partition and consumer, so the two inserts never race.
CREATE TABLE completions (
    id              uuid        NOT NULL PRIMARY KEY,
    time            timestamptz NOT NULL,
    instance        text,
    sequence        bigint,
    outcome         text        NOT NULL,
    upstream_status integer,
    gateway_micros  bigint      NOT NULL,
    upstream_micros bigint,
    event           jsonb       NOT NULL,
    ingested_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX completions_time_idx ON completions (time);
CREATE INDEX completions_instance_idx ON completions (instance, sequence) WHERE instance IS NOT NULL;

ALTER TABLE decisions ADD COLUMN completed boolean NOT NULL DEFAULT false;

-- Heartbeats: each gateway instance's last event number and cumulative drops by cause, for completeness.
CREATE TABLE gateway_heartbeats (
    instance      text        NOT NULL,
    time          timestamptz NOT NULL,
    gateway_id    text        NOT NULL,
    sequence      bigint      NOT NULL,
    dropped       jsonb       NOT NULL,
    dropped_total bigint      NOT NULL,
    last          boolean     NOT NULL,
    PRIMARY KEY (instance, time, sequence)
);
CREATE INDEX gateway_heartbeats_time_idx ON gateway_heartbeats (time);
