-- GET /todos: the first page, 50 newest todos.
wrk.method = "GET"
wrk.path = "/todos"
