#!/bin/sh
# Renders nginx/nginx.conf.in: render.sh PREFIX PORT SOCKET [METRICS_PORT] > nginx.conf
# With METRICS_PORT, PREFIX/metrics.conf (from nginx/metrics.conf.in) is
# written and included: /metrics on 127.0.0.1:METRICS_PORT.
# Run as root, nginx's workers would become nobody and could not reach the
# program's socket under a private directory: they stay root then.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prefix=$1 port=$2 socket=$3 metrics_port=${4:-}
user=""
[ "$(id -u)" = 0 ] && user="user root root;"
mkdir -p "$prefix/tmp"
include=""
if [ -n "$metrics_port" ]; then
    sed -e "s|@METRICS_PORT@|$metrics_port|g" -e "s|@SOCKET@|$socket|g" \
        -e "s|@PARAMS@|$here/todo_fastcgi_params|g" "$here/metrics.conf.in" > "$prefix/metrics.conf"
    include="include $prefix/metrics.conf;"
fi
sed -e "s|@USER@|$user|" -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" \
    -e "s|@SOCKET@|$socket|g" -e "s|@ROOT@|$root|g" -e "s|@SITE@|$here/todo_site.conf|g" \
    -e "s|@PARAMS@|$here/todo_fastcgi_params|g" -e "s|@METRICS@|$include|" "$here/nginx.conf.in"
