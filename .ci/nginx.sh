#!/usr/bin/env bash
# The production setup of docs/deploy.md, run for real: Debian's nginx with the sample configuration
# (deploy/nginx.conf, changed only for ports, paths and the certificate) and a self-signed certificate,
# in front of `photoid serve` (gunicorn, two workers) on a fresh SQLite site. Checked through nginx
# over HTTPS with curl, as a browser would: sign-in, the Secure session cookie, the upload of a 20 MB
# image, a deep-zoom tile, static files with a long expiry, and /metrics never reachable from outside.
# Everything listens on 127.0.0.1 only and is stopped at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
venv="$root/.venv/bin"

printf '\n==> %s\n' "docs/deploy.md for real: the sample nginx configuration in front of photoid serve, over HTTPS"
say() { printf '  %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v nginx >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d: the package must not start its own nginx on port 80 (a machine's own policy is kept).
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get install -y -qq nginx openssl curl >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
nginx -v 2>&1 | sed 's/^/  /'

work="$(mktemp -d)"
app_pid=""
stop() {
  status=$?
  if [ -f "$work/nginx.pid" ]; then nginx -c "$work/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ]; then
    echo "--- photoid's log (last 60 lines)"; tail -n 60 "$work/photoid.log" 2>/dev/null || true
    echo "--- nginx's error log"; tail -n 30 "$work/nginx-error.log" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap stop EXIT

read -r https_port http_port app_port < <("$venv/python" - <<'EOF'
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
for s in sockets:
    s.close()
EOF
)
host="photos.ci.example"
site="https://$host:$https_port"

say "a self-signed certificate for $host"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

say "nginx: deploy/nginx.conf on 127.0.0.1:$https_port (HTTPS) and :$http_port, photoid on :$app_port"
static_dir="$("$venv/python" -c 'import os, photoid; print(os.path.join(os.path.dirname(photoid.__file__), "static"))')"
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$https_port ssl;|" \
    -e "s|listen 80;|listen 127.0.0.1:$http_port;|" \
    -e '/listen \[::\]/d' \
    -e "s|/etc/letsencrypt/live/photos.library.example/fullchain.pem|$work/cert.pem|" \
    -e "s|/etc/letsencrypt/live/photos.library.example/privkey.pem|$work/key.pem|" \
    -e "s|photos.library.example|$host|g" \
    -e "s|server 127.0.0.1:8000;|server 127.0.0.1:$app_port;|" \
    -e "s|alias /opt/photoid/current/lib/python3.11/site-packages/photoid/static/;|alias $static_dir/;|" \
    deploy/nginx.conf >"$work/photoid-site.conf"
# The sample changed in a way this script does not know: say so rather than test something else.
for left in "listen 443" "listen 80" "letsencrypt" "127.0.0.1:8000" "/opt/photoid" "library.example"; do
  if sed 's/#.*//' "$work/photoid-site.conf" | grep "$left" >/dev/null; then fail "deploy/nginx.conf: '$left' was not templated"; fi
done
mkdir -p "$work/nginx-temp"
cat >"$work/nginx.conf" <<EOF
# What /etc/nginx/nginx.conf gives the sample on a Debian server, in a folder of its own.
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 128; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx-temp/body;
    proxy_temp_path $work/nginx-temp/proxy;
    fastcgi_temp_path $work/nginx-temp/fastcgi;
    uwsgi_temp_path $work/nginx-temp/uwsgi;
    scgi_temp_path $work/nginx-temp/scgi;
    include $work/photoid-site.conf;
}
EOF
nginx -t -q -c "$work/nginx.conf" || fail "nginx -t refused the sample configuration"
nginx -c "$work/nginx.conf"

say "photoid: a fresh SQLite site, an archivist, a collection"
for name in $(env | sed -n 's/^\(PHOTOID_[A-Z_]*\)=.*/\1/p'); do unset "$name"; done
# The sample environment file as docs/deploy.md installs it (PHOTOID_PROXIES=1, PHOTOID_SECURE_COOKIES=1, …),
# with this machine's folders, names and ports.
set -a
. deploy/photoid.env.example
PHOTOID_INSTANCE_DIR="$work/instance"
PHOTOID_SECRET_KEY="$(openssl rand -hex 32)"
PHOTOID_SITE_URL="$site"
PHOTOID_TRUSTED_HOSTS="$host,localhost"
PHOTOID_BIND="127.0.0.1:$app_port"
PHOTOID_LOG_FORMAT=json
PHOTOID_METRICS=1
PROMETHEUS_MULTIPROC_DIR="$work/metrics"
set +a
[ "$PHOTOID_PROXIES" = 1 ] && [ "$PHOTOID_SECURE_COOKIES" = 1 ] || fail "deploy/photoid.env.example: PHOTOID_PROXIES and PHOTOID_SECURE_COOKIES"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
cd "$work"  # as a server runs it: nothing read from the checkout's folder by accident
"$venv/photoid" db upgrade >/dev/null 2>&1 || fail "photoid db upgrade"
"$venv/photoid" create-institution millbrook --name "Millbrook Library" >/dev/null
export STAFF_PASSWORD="a long ci password $(openssl rand -hex 4)"
"$venv/photoid" create-user archivist@library.example --role archivist --institution millbrook --display-name "Ada Lane" --password-env STAFF_PASSWORD >/dev/null
"$venv/python" - "$work" <<'EOF'
import io, os, sys
from PIL import Image
work = sys.argv[1]
os.makedirs(f"{work}/scans", exist_ok=True)
Image.new("RGB", (640, 480), (120, 110, 90)).save(f"{work}/scans/MPL-1.jpg", quality=90)
with open(f"{work}/manifest.csv", "w") as manifest:
    manifest.write("identifier,title,file\nMPL-1,Main Street in snow,MPL-1.jpg\n")
# 20 MB that no compressor can shrink: random pixels, stored as PNG.
side = 2600
image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
image.save(f"{work}/big.png", compress_level=1)
print(f"  a {os.path.getsize(f'{work}/big.png') / 1e6:.1f} MB PNG to upload")
EOF
"$venv/photoid" import "$work/manifest.csv" --images "$work/scans" --collection main-street --institution millbrook \
  --title "Main Street" >/dev/null
[ "$(stat -c %s "$work/big.png")" -ge 20000000 ] || fail "the test image is under 20 MB"

"$venv/python" -m photoid.cli serve --workers 2 >"$work/photoid.log" 2>&1 &  # as deploy/photoid.service runs it
app_pid=$!

c() { curl --silent --show-error --cacert "$work/cert.pem" --resolve "$host:$https_port:127.0.0.1" \
        --cookie "$work/cookies" --cookie-jar "$work/cookies" "$@"; }
for _ in $(seq 1 60); do
  [ "$(c -o /dev/null -w '%{http_code}' "$site/healthz" 2>/dev/null)" = 200 ] && break
  kill -0 "$app_pid" 2>/dev/null || fail "photoid serve stopped"
  sleep 0.5
done
[ "$(c -o /dev/null -w '%{http_code}' "$site/healthz")" = 200 ] || fail "/healthz through nginx"
say "ok: /healthz answers 200 through nginx over HTTPS"

headers="$(c -D - -o /dev/null "$site/healthz")"
grep -qi '^strict-transport-security: max-age=31536000' <<<"$headers" || fail "no HSTS header"
grep -qi '^x-request-id: [0-9a-f]\{32\}' <<<"$headers" || fail "no X-Request-ID from nginx's \$request_id"
say "ok: HSTS, and nginx's request id comes back"
[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/login" -H "Host: $host")" = "301 https://$host/login" ] \
  || fail "plain HTTP does not redirect to HTTPS"
say "ok: plain HTTP is redirected to HTTPS"

csrf() { c "$site$1" | sed -n 's/.*name="csrf_token"[^>]* value="\([^"]*\)".*/\1/p' | sed -n 1p; }
token="$(csrf /login)"
[ -n "$token" ] || fail "no CSRF token on /login"
answer="$(c -o /dev/null -D - -w '%{http_code}' -H "Referer: $site/login" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=archivist@library.example" --data-urlencode "password=$STAFF_PASSWORD" "$site/login")"
grep -q '^302' <<<"$(tail -n 1 <<<"$answer")" || fail "sign-in did not redirect: $(tail -n 1 <<<"$answer")"
cookie="$(grep -i '^set-cookie: session=' <<<"$answer" || true)"
[ -n "$cookie" ] || fail "sign-in set no session cookie"
grep -qi '; *secure' <<<"$cookie" || fail "the session cookie is not Secure: $cookie"
grep -qi '; *httponly' <<<"$cookie" || fail "the session cookie is not HttpOnly: $cookie"
[ "$(c -o /dev/null -w '%{http_code}' "$site/account")" = 200 ] || fail "/account after signing in"
c "$site/account" | grep "archivist@library.example" >/dev/null || fail "/account does not show the signed-in account"
say "ok: signed in through nginx; the session cookie is Secure and HttpOnly"

# Mail written to the log (no PHOTOID_SMTP_HOST) must be seen under gunicorn at the default level.
v() { curl --silent --show-error --cacert "$work/cert.pem" --resolve "$host:$https_port:127.0.0.1" \
        --cookie "$work/visitor" --cookie-jar "$work/visitor" "$@"; }
token="$(v "$site/password/forgot" | sed -n 's/.*name="csrf_token"[^>]* value="\([^"]*\)".*/\1/p' | sed -n 1p)"
[ "$(v -o /dev/null -w '%{http_code}' -H "Referer: $site/password/forgot" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=archivist@library.example" "$site/password/forgot")" = 200 ] || fail "asking for a password reset"
"$venv/python" - "$work/photoid.log" <<'PY' || fail "the reset email is not in photoid's log at INFO, with its request's id"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
[mail] = [l for l in lines if l["logger"] == "photoid.mail" and "archivist@library.example" in l["message"]]
[access] = [l for l in lines if l["logger"] == "photoid.access" and l["method"] == "POST" and l["path"] == "/password/forgot"]
assert mail["level"] == "INFO" and mail["request_id"] == access["request_id"], (mail, access)
PY
say "ok: the password-reset email is written to photoid's log under gunicorn, with its request's id"

token="$(csrf /collections/main-street/upload)"
[ -n "$token" ] || fail "no upload form for the archivist"
started=$SECONDS
upload="$(c -H "Accept: application/json" -H "Referer: $site/collections/main-street/upload" -w '\n%{http_code}' \
  -F "csrf_token=$token" -F "publish=yes" -F "files=@$work/big.png;type=image/png" "$site/collections/main-street/upload")"
[ "$(tail -n 1 <<<"$upload")" = 200 ] || fail "the 20 MB upload: $(tail -n 1 <<<"$upload") $(head -c 300 <<<"$upload")"
photo_id="$(head -n 1 <<<"$upload" | "$venv/python" -c 'import json, sys; o = json.load(sys.stdin); assert o["status"] == "ingested", o; print(o["photo_id"])')"
say "ok: a $(($(stat -c %s "$work/big.png") / 1000000)) MB image uploaded through nginx in $((SECONDS - started)) s: photo $photo_id"

tile="$(c "$site/iiif/3/$photo_id/info.json" | "$venv/python" -c '
import json, sys
info = json.load(sys.stdin)
tile = info["tiles"][0]
w, h = min(tile["width"], info["width"]), min(tile.get("height", tile["width"]), info["height"])
assert 1 in tile["scaleFactors"] and (w, h) != (info["width"], info["height"]), info
print(f"0,0,{w},{h}/{w},{h}/0/default.jpg")')"
[ "$(c -o "$work/tile.jpg" -w '%{http_code} %{content_type}' "$site/iiif/3/$photo_id/$tile")" = "200 image/jpeg" ] \
  || fail "the tile /iiif/3/$photo_id/$tile"
say "ok: the deep-zoom tile /iiif/3/$photo_id/$tile answers 200"

css="$(c "$site/" | sed -n 's/.*<link rel="stylesheet" href="\([^"]*site\.css[^"]*\)".*/\1/p' | sed -n 1p | sed 's/&amp;/\&/g')"
[ -n "$css" ] || fail "no stylesheet on the home page"
static_headers="$(c -D - -o /dev/null "$site$css")"
grep -q '^HTTP/[0-9.]* 200' <<<"$static_headers" || fail "$css through nginx"
grep -qi '^cache-control: max-age=31536000' <<<"$static_headers" || fail "$css is not kept a year: $static_headers"
say "ok: $css is served by nginx, kept a year"

[ "$(c -o /dev/null -w '%{http_code}' "$site/metrics")" = 404 ] || fail "/metrics is reachable through nginx"
[ "$(c -o /dev/null -w '%{http_code}' "$site/metrics/")" = 404 ] || fail "/metrics/ is reachable through nginx"
say "ok: /metrics answers 404 through nginx"
metrics="$(curl -s "http://localhost:$app_port/metrics")"  # a trusted host name, as Prometheus would scrape it
grep -q 'photoid_requests_total{endpoint="photos.upload",method="POST",status="200"} 1.0' <<<"$metrics" \
  || fail "/metrics on photoid's own address does not count the upload: $(grep -e upload -e '^photoid_requests_total' <<<"$metrics" | head -n 20)"
grep -q '^photoid_moderation_queue_length{kind="identification"} 0.0' <<<"$metrics" || fail "no moderation queue length"
printf '%s\n' "$metrics" >"$work/metrics.txt"
"$venv/python" - "$work/photoid.log" "$PROMETHEUS_MULTIPROC_DIR" "$work/metrics.txt" <<'PY' || fail "/metrics does not add up both workers' requests"
import glob, json, sys
from prometheus_client.parser import text_string_to_metric_families
log, folder, scraped = sys.argv[1:]
counted = sum(sample.value for family in text_string_to_metric_families(open(scraped).read()) for sample in family.samples
              if sample.name == "photoid_requests_total" and sample.labels["endpoint"] != "metrics.metrics")
lines = [json.loads(line) for line in open(log) if line.startswith("{")]
logged = sum(1 for line in lines if line["logger"] == "photoid.access" and line["path"] != "/metrics")
workers = len(glob.glob(f"{folder}/counter_*.db"))
print(f"  {counted:.0f} requests counted, {logged} logged, by {workers} workers")
assert counted == logged and workers == 2
PY
say "ok: /metrics on photoid's own address adds up both workers' requests"

grep -q '"logger": "photoid.access".*"path": "/collections/main-street/upload", "status": 200' "$work/photoid.log" \
  || fail "no JSON access line for the upload in photoid's log"
say "ok: photoid's log has a JSON access line per request"
echo "nginx job: 1 passed, 0 failed"
