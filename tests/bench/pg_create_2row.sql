-- pg-create-2row: the simplest two-row create, the todo and its key row
-- written once with the response (no claim, no update): BEGIN; INSERT todo;
-- INSERT key; COMMIT. Variables from bench.sh (-D) fp, rawfp, body.
\set k random(1, 9000000000000000000)
BEGIN ISOLATION LEVEL READ COMMITTED;
INSERT INTO todos (title, description, is_completed) VALUES ('Buy milk', 'benchmark', 0)
    RETURNING id, created_at AS stamp \gset
INSERT INTO idempotency_keys (scope, key, method, path, fingerprint,
    raw_fingerprint, todo_id, status, headers, body, created_at, expires_at,
    forget_at)
    VALUES ('', 'pgb2-' || :k, 'POST', '/todos', :fp, :rawfp, :id, 201,
    E'Content-Type: application/json\r\nLocation: /todos/' || :id ||
    E'\r\nETag: "' || :id || E'-1"\r\n', :body,
    floor(extract(epoch FROM now()))::bigint, floor(extract(epoch FROM now()))::bigint + 86400,
    floor(extract(epoch FROM now()))::bigint + 2592000);
COMMIT;
