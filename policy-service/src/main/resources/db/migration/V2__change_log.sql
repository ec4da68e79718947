-- What gateways follow. Every change to a server, grant or policy takes the next store revision in its own
-- transaction: the single revision row is locked until commit, so revisions commit in order and a reader that has
-- seen revision R can ask for "everything after R" without ever missing a change committed later.
CREATE TABLE store_revision (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision   bigint NOT NULL
);
INSERT INTO store_revision (singleton, revision) VALUES (true, 0);

-- entry: the entity exactly as gateways receive it (JSON), null when it was removed. Header values in it are
-- the sealed ciphertexts, never plain text.
CREATE TABLE changes (
    revision     bigint PRIMARY KEY,
    at           timestamptz NOT NULL,
    entity_type  text NOT NULL CHECK (entity_type IN ('server', 'grant', 'policy')),
    entity_id    text NOT NULL,
    entry        text
);

-- Which gateway runs which revision (from their acknowledgements).
CREATE TABLE gateway_revisions (
    gateway_id  text PRIMARY KEY,
    revision    bigint NOT NULL,
    acked_at    timestamptz NOT NULL
);
