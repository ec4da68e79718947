-- Decision event schema version 2 (warden-api): the gateway process and its event number (gaps show lost events), the
-- JSON-RPC request id and the grant's label get columns; outcomes take their version-2 names. Version-1 rows are
-- rewritten to those names, in the column and in the stored event, so one filter finds both.
ALTER TABLE decisions
    ADD COLUMN instance    text,
    ADD COLUMN sequence    bigint,
    ADD COLUMN request_id  text,
    ADD COLUMN grant_label text;

UPDATE decisions
   SET outcome = CASE outcome WHEN 'allow' THEN 'allowed' WHEN 'deny' THEN 'denied' ELSE 'upstream_error' END,
       event = jsonb_set(event, '{outcome}',
                         to_jsonb(CASE outcome WHEN 'allow' THEN 'allowed' WHEN 'deny' THEN 'denied' ELSE 'upstream_error' END))
 WHERE outcome IN ('allow', 'deny', 'error');

-- Completeness: which numbers of an instance arrived, over a time range.
CREATE INDEX decisions_instance_idx ON decisions (instance, sequence) WHERE instance IS NOT NULL;
CREATE INDEX decisions_request_idx ON decisions (request_id) WHERE request_id IS NOT NULL;
