-- The tool inventory: each upstream tool's definition (name, title, description, input schema, annotations) as
-- canonical JSON with its sha256, and the definition an operator accepted. A tool whose current hash differs from
-- the accepted one changed after it was first seen (a "rug pull") and waits for approval.
CREATE TABLE tools (
    server_id            text NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    name                 text NOT NULL,
    definition           text NOT NULL,
    hash                 text NOT NULL,
    approved_definition  text NOT NULL,
    approved_hash        text NOT NULL,
    first_seen           timestamptz NOT NULL,
    last_changed         timestamptz NOT NULL,
    last_seen            timestamptz NOT NULL,
    -- false once the upstream stopped listing it (kept: it may come back, and its history matters)
    listed               boolean NOT NULL,
    PRIMARY KEY (server_id, name)
);

-- The outcome of the last fetch per server (the inventory's freshness, and why it is stale).
CREATE TABLE tool_fetches (
    server_id   text PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    ok          boolean NOT NULL,
    era         text,
    error       text
);
