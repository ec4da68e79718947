-- policy-service store: servers, grants, policies (every version), members (API keys), admin audit trail.
-- Secrets never appear in plain text: header values are AES-256-GCM ciphertexts prefixed by their key version,
-- grant tokens and API keys are stored only as "sha256:<hex>" hashes.

CREATE TABLE servers (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    url         text NOT NULL CHECK (url ~ '^https?://'),
    era         text NOT NULL CHECK (era IN ('auto', 'modern', 'legacy', 'dual', 'http+sse')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Static headers sent upstream; the value is a secret, stored as "<key version>:" + base64(nonce | ciphertext).
CREATE TABLE server_headers (
    server_id    text NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (name ~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$'),
    ciphertext   text NOT NULL,
    key_version  text NOT NULL CHECK (ciphertext LIKE key_version || ':%'),
    PRIMARY KEY (server_id, name)
);
CREATE UNIQUE INDEX server_headers_name_ci ON server_headers (server_id, lower(name));
CREATE INDEX server_headers_key_version ON server_headers (key_version);

CREATE TABLE policies (
    name             text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    current_version  integer NOT NULL,
    created_at       timestamptz NOT NULL,
    created_by       text NOT NULL
);

CREATE TABLE policy_versions (
    policy_name     text NOT NULL REFERENCES policies (name) ON DELETE CASCADE,
    version         integer NOT NULL CHECK (version > 0),
    document        text NOT NULL,                       -- the policy JSON exactly as submitted
    canonical_hash  text NOT NULL CHECK (canonical_hash ~ '^sha256:[0-9a-f]{64}$'),
    author          text NOT NULL,
    created_at      timestamptz NOT NULL,
    note            text,
    PRIMARY KEY (policy_name, version)
);

-- Exactly one current version per policy, and it exists: checked at commit, so a policy and its first version
-- are written together or not at all.
ALTER TABLE policies ADD CONSTRAINT policies_current_version_fk
    FOREIGN KEY (name, current_version) REFERENCES policy_versions (policy_name, version)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE grants (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    server_id   text NOT NULL REFERENCES servers (id),
    policy_name text REFERENCES policies (name),
    token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^sha256:[0-9a-f]{64}$'),
    tags        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(tags) = 'object'),
    created_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    expires_at  timestamptz
);
CREATE INDEX grants_server ON grants (server_id);

CREATE TABLE members (
    id          text PRIMARY KEY,
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    role        text NOT NULL CHECK (role IN ('admin', 'policy_manager', 'viewer')),
    key_hash    text NOT NULL UNIQUE CHECK (key_hash ~ '^sha256:[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    revoked_at  timestamptz
);

-- Every change made through the admin API, written in the same transaction as the change itself.
-- before/after are the API's public views: no secret, token or key hash ever lands here.
CREATE TABLE admin_audit (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    text NOT NULL,
    before       jsonb,
    after        jsonb
);
CREATE INDEX admin_audit_at ON admin_audit (at);
CREATE INDEX admin_audit_actor ON admin_audit (actor);
CREATE INDEX admin_audit_entity ON admin_audit (entity_type, entity_id);
