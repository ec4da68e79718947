-- Whether the gateway speaks HTTP/2 to this upstream (h2c with prior knowledge over http://, ALPN over https://),
-- as the standalone file's `http2` flag. Existing servers keep HTTP/1.1.
ALTER TABLE servers ADD COLUMN http2 boolean NOT NULL DEFAULT false;
