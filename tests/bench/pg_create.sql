-- pg-create, the ceiling of product-pg's keyed create: the transaction the
-- product runs for one (src/store/pg/stmt.c, in the order idem_run runs it)
-- with its statements as written there, a fresh key per transaction
-- (todo_key_claim, todo_insert, todo_key_record between BEGIN and COMMIT).
-- The product's lookups of the key before BEGIN are not part of it.
-- Variables from bench.sh (-D) fp, rawfp, body.
\set k random(1, 9000000000000000000)
BEGIN ISOLATION LEVEL READ COMMITTED;
INSERT INTO idempotency_keys (scope, key, method, path, fingerprint,
    raw_fingerprint, todo_id, status, headers, body, created_at, expires_at,
    forget_at)
    VALUES ('', 'pgb-' || :k, 'POST', '/todos', :fp, :rawfp, NULL, 0, '', '',
    floor(extract(epoch FROM now()))::bigint, floor(extract(epoch FROM now()))::bigint + 86400,
    floor(extract(epoch FROM now()))::bigint + 2592000)
    ON CONFLICT (scope, key) DO UPDATE SET method = excluded.method,
    path = excluded.path, fingerprint = excluded.fingerprint,
    raw_fingerprint = excluded.raw_fingerprint, todo_id = NULL, status = 0,
    headers = '', body = '', created_at = excluded.created_at,
    expires_at = excluded.expires_at
    WHERE idempotency_keys.expires_at <= excluded.created_at RETURNING 1;
INSERT INTO todos (title, description, is_completed) VALUES ('Buy milk', 'benchmark', 0)
    RETURNING id, created_at AS stamp \gset
UPDATE idempotency_keys SET todo_id = :id, status = 201,
    headers = E'Content-Type: application/json\r\nLocation: /todos/' || :id ||
    E'\r\nETag: "' || :id || E'-1"\r\n', body = :body
    WHERE scope = '' AND key = 'pgb-' || :k;
COMMIT;
