-- Per server: hide a tool from agents (gateways drop it from tools/list and refuse tools/call) while its definition
-- differs from the approved one. Off unless set; a server without a row is off.
CREATE TABLE tool_pinning (
    server_id   text PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
    enabled     boolean NOT NULL,
    changed_at  timestamptz NOT NULL,
    changed_by  text NOT NULL
);
