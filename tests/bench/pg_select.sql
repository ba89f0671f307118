-- pg-select, the ceiling of product-pg's GET /todos/{id}: todo_get of
-- src/store/pg/stmt.c (the columns as the product reads them) for a random
-- id of the seeded rows. Variables from bench.sh (-D) rows, fmt.
\set id random(1, :rows)
SELECT id, title, description, is_completed, version,
    to_char(created_at AT TIME ZONE 'UTC', :fmt), to_char(updated_at AT TIME ZONE 'UTC', :fmt)
    FROM todos WHERE id = :id;
