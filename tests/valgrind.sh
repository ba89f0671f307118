#!/bin/bash
# The unit tests and a few CGI requests under valgrind memcheck: no invalid
# access, no uninitialised use, no definite leak.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
for t in build/unit/test_*; do
    echo "== $t"
    case $t in
    */test_pg) bash tests/with_pg.sh "${VG[@]}" "$t" > /dev/null ;;
    *) "${VG[@]}" "$t" > /dev/null ;;
    esac
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cgi() {
    printf %s "$3" | env -i PATH="$PATH" TODO_DB="$T/todo.db" REQUEST_METHOD="$1" \
        REQUEST_URI="$2" CONTENT_TYPE="${4:-application/json}" CONTENT_LENGTH=${#3} \
        HTTP_IDEMPOTENCY_KEY="${KEY:-vg-1}" "${VG[@]}" cgi-bin/todo.fcgi | head -1
}
expect() {
    local got
    got=$(cgi "$@")
    echo "== CGI $1 $2: $got"
    case $got in *"$want"*) ;; *) echo "want $want" >&2; exit 1 ;; esac
}
want=201 expect POST /todos '{"title":"under valgrind"}'
want=201 expect POST /todos '{"title":"under valgrind"}'
want=200 expect GET /todos ''
want=200 expect GET / ''
KEY=vg-patch want=200 expect PATCH /todos/1 '{"is_completed":true}'
want=400 expect POST /todos '{"title":'
out=$(cgi POST /todos 'idempotency_key=vg-2&title=form' application/x-www-form-urlencoded)
echo "== CGI form: $out"
case $out in *303*) ;; *) echo "form post failed under valgrind" >&2; exit 1 ;; esac
echo "valgrind: clean"
