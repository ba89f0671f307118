#!/bin/bash
# The production configurations in nginx/ and apache/ are accepted by the
# servers' own checks (nginx -t, apache2 -t), as installed by the README.
. "$(dirname "$0")/../lib.sh"

# nginx: each server block inside a minimal main configuration.
mkdir -p "$T/nginx/tmp"
for site in todo todo-upstream; do
    sed -e "s|/etc/nginx/todo_fastcgi_params|$ROOT/nginx/todo_fastcgi_params|" \
        -e "s|/etc/nginx/todo_site.conf|$ROOT/nginx/todo_site.conf|" \
        "$ROOT/nginx/$site.conf" > "$T/nginx/$site.conf"
    cat > "$T/nginx/nginx-$site.conf" <<CONF
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $T/nginx/tmp;
    access_log off;
    include $T/nginx/$site.conf;
}
CONF
    out=$(nginx -t -p "$T/nginx" -c "$T/nginx/nginx-$site.conf" 2>&1) || fail "nginx -t ($site): $out"
    CHECKS=$((CHECKS + 1))
    assert_contains "$out" "syntax is ok" "nginx accepts nginx/$site.conf"
done

# Apache: each site with the modules the README enables.
for site in todo-fcgi todo-cgi; do
    sed "s|/etc/apache2/todo-common.conf|$ROOT/apache/todo-common.conf|" \
        "$ROOT/apache/$site.conf" > "$T/$site.conf"
    cat > "$T/httpd-$site.conf" <<CONF
ServerRoot "$T"
PidFile "$T/httpd.pid"
ErrorLog "$T/apache-error.log"
Listen 127.0.0.1:1
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
LoadModule env_module /usr/lib/apache2/modules/mod_env.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so
LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so
Include "$T/$site.conf"
CONF
    out=$(apache2 -t -f "$T/httpd-$site.conf" 2>&1) || fail "apache2 -t ($site): $out"
    CHECKS=$((CHECKS + 1))
    assert_contains "$out" "Syntax OK" "Apache accepts apache/$site.conf"
done
pass
