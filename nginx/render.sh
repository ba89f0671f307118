#!/bin/sh
# Renders nginx/nginx.conf.in: render.sh PREFIX PORT SOCKET > nginx.conf
# Run as root, nginx's workers would become nobody and could not reach the
# program's socket under a private directory: they stay root then.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prefix=$1 port=$2 socket=$3
user=""
[ "$(id -u)" = 0 ] && user="user root root;"
mkdir -p "$prefix/tmp"
sed -e "s|@USER@|$user|" -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" \
    -e "s|@SOCKET@|$socket|g" -e "s|@STATIC@|$root/static|g" \
    -e "s|@PARAMS@|$here/todo_fastcgi_params|g" "$here/nginx.conf.in"
