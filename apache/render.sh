#!/bin/sh
# Renders apache/httpd.conf.in:
#   render.sh PREFIX PORT SOCKET STATIC CGIBIN TEMPLATES DB [METRICS_PORT] > httpd.conf
# Without METRICS_PORT, the metrics listener takes PORT + 1.
# TODO_KEY_TTL, TODO_KEY_HORIZON, TODO_REQUIRE_KEY and the tests'
# TODO_TEST_TXN_DELAY_MS are passed on to the CGI program.
# As root, Apache runs its children as www-data.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=$1 port=$2 socket=$3 static=$4 cgibin=$5 templates=$6 db=$7
metrics_port=${8:-$((port + 1))}
user=""
[ "$(id -u)" = 0 ] && user="User www-data
Group www-data"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$socket|g" \
    -e "s|@STATIC@|$static|g" -e "s|@CGIBIN@|$cgibin|g" -e "s|@TEMPLATES@|$templates|g" \
    -e "s|@DB@|$db|g" -e "s|@METRICS_PORT@|$metrics_port|g" -e "s|@APACHE@|$here|g" \
    -e "s|@KEY_TTL@|${TODO_KEY_TTL:-86400}|g" -e "s|@KEY_HORIZON@|${TODO_KEY_HORIZON:-}|g" \
    -e "s|@REQUIRE_KEY@|${TODO_REQUIRE_KEY:-0}|g" -e "s|@TXN_DELAY@|${TODO_TEST_TXN_DELAY_MS:-}|g" \
    "$here/httpd.conf.in" | awk -v u="$user" '$0 == "@USER@" { print u; next } { print }'
