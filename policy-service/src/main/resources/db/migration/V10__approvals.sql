-- Human approval (issue 12): one row per call that a policy rule held for a person. The state only moves forward
-- (pending -> approved | denied | expired, approved -> used | expired), each step by a compare-and-set UPDATE, so two
-- replicas can never both decide or both spend one approval. Times are the database's clock (now()), the one clock
-- every replica shares.
CREATE TABLE approvals (
    id                text PRIMARY KEY,
    grant_id          text NOT NULL,
    grant_label       text NOT NULL,
    server_id         text NOT NULL,
    tool              text NOT NULL,
    argument_digest   text NOT NULL,
    argument_keys     jsonb NOT NULL,
    -- the call's arguments sealed with the keyring (context "approval:<id>"); nulled once decided or expired
    arguments_sealed  text,
    policy_id         text NOT NULL,
    policy_version    integer NOT NULL,
    rule              text NOT NULL,
    reason            text NOT NULL,
    approver          text NOT NULL CHECK (approver IN ('operator', 'user')),
    requested_at      timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    state             text NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'used')),
    decided_by        text,
    decided_at        timestamptz,
    comment           text,
    used_at           timestamptz,
    used_by_gateway   text,
    request_id        text NOT NULL,
    gateway_id        text NOT NULL,
    CHECK (expires_at > requested_at)
);

-- At most one live approval per exact call: a retried call finds the one it opened instead of opening another.
CREATE UNIQUE INDEX approvals_live ON approvals (grant_id, server_id, tool, argument_digest)
    WHERE state IN ('pending', 'approved');
-- The sweeper's and the list's question: what is overdue, what waits.
CREATE INDEX approvals_open_by_expiry ON approvals (expires_at) WHERE state IN ('pending', 'approved');
CREATE INDEX approvals_by_state ON approvals (state, requested_at DESC);

-- Durable outbox of webhook deliveries: written in the transaction that opens the approval, so a crash or restart
-- between the commit and the POST loses nothing; any replica may deliver (a claim is a lease on next_attempt_at).
CREATE TABLE approval_webhooks (
    id               bigserial PRIMARY KEY,
    approval_id      text NOT NULL REFERENCES approvals (id),
    body             text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    gave_up_at       timestamptz,
    last_error       text
);
CREATE INDEX approval_webhooks_due ON approval_webhooks (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
