-- pg-select, the ceiling of product-pg's GET /todos/{id}: todo_get of
-- src/store/pg/stmt.c (the columns as the product reads them) for a random
-- id of the seeded rows. Variable from bench.sh (-D) rows.
\set id random(1, :rows)
SELECT id, title, description, is_completed, version, created_at, updated_at
    FROM todos WHERE id = :id;
