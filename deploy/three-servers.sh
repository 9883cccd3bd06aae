#!/usr/bin/env bash
# Three "writ serve" on one PostgreSQL database behind HAProxy, on this
# machine's loopback: the deployment deploy/README.md describes, to try.
#
#   deploy/three-servers.sh [postgres://…/DB]
#
# It builds writ, loads the demo data set into the database (default: the
# database writ_three on the local server, made anew), starts the servers on ports
# 8081-8083 sharing one log.key and documents.key, and HAProxy on
# http://127.0.0.1:8080 with health checks on /readyz. Then it submits
# demands through HAProxy (each with an Idempotency-Key), kills one server
# with SIGKILL, submits more, and checks that every demand is on record once
# and that the audit log verifies as one history. The servers keep running
# until Enter or Ctrl-C; sign in at http://127.0.0.1:8080 as the README says.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-}
if [ -z "$db" ]; then
  dropdb -h 127.0.0.1 -U postgres --if-exists writ_three
  createdb -h 127.0.0.1 -U postgres writ_three
  db="postgres://postgres@127.0.0.1:5432/writ_three?sslmode=disable"
fi
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy" ] || { echo "haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/writ" ./cmd/writ
keys=(--log-key "$work/log.key" --documents-key "$work/documents.key")
tokens=$("$work/writ" demo --demands 0 --db "$db" --documents-key "$work/documents.key" 2>/dev/null)
agency=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["agency"])' <<<"$tokens")
admin=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["admin"])' <<<"$tokens")

for i in 1 2 3; do
  "$work/writ" serve --db "$db" "${keys[@]}" --addr "127.0.0.1:808$i" --trusted-proxy 127.0.0.1 \
    --metrics-addr "127.0.0.1:909$i" >"$work/writ$i.out" 2>"$work/writ$i.log" &
  pids+=($!)
done
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 200
defaults
  mode http
  option forwardfor
  option http-server-close
  option redispatch
  retries 3
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend writ
  bind 127.0.0.1:8080
  default_backend writs
backend writs
  balance roundrobin
  option httpchk GET /readyz
  http-response set-header X-Served-By %[srv_name]
  server writ1 127.0.0.1:8081 check inter 1s fall 2 rise 2
  server writ2 127.0.0.1:8082 check inter 1s fall 2 rise 2
  server writ3 127.0.0.1:8083 check inter 1s fall 2 rise 2
CFG
"$haproxy" -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
for i in 1 2 3; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:808$i/readyz" >/dev/null && break; sleep 0.1; done
done
echo "three servers behind http://127.0.0.1:8080 (metrics on 127.0.0.1:9091-9093/metrics)"

submit() { # reference: POST /v1/demands through HAProxy, again with the same key until answered 201
  for _ in $(seq 1 20); do
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:8080/v1/demands \
      -H "Authorization: Bearer $agency" -H "Content-Type: application/json" -H "Idempotency-Key: $1" \
      -d "{\"reference\":\"$1\",\"instrument\":\"us_search_warrant\",\"issued_by\":\"judge\",\"data_categories\":[\"content\"],\"accounts\":[\"jdoe1987@mail.example\"]}") || true
    [ "$status" = 201 ] && return 0
    sleep 0.2
  done
  echo "submission $1 was never acknowledged" >&2
  return 1
}
run=$(date +%s)
for n in $(seq 1 20); do submit "DRILL-$run-$n"; done
kill -KILL "${pids[1]}"
echo "killed writ2 (SIGKILL)"
for n in $(seq 21 40); do submit "DRILL-$run-$n"; done

listed=$(curl -s -H "Authorization: Bearer $admin" "http://127.0.0.1:8080/v1/demands?limit=500" |
  python3 -c 'import json,sys; print("\n".join(d["reference"] for d in json.load(sys.stdin)["items"]))' | grep -c "^DRILL-$run-" || true)
echo "demands of this run on record: $listed (want 40)"
[ "$listed" = 40 ]
"$work/writ" log checkpoint --db "$db" "${keys[@]}" >/dev/null
"$work/writ" log verify --db "$db" "${keys[@]}"
if [ -t 0 ]; then
  echo "the two other servers keep serving; press Enter to stop them"
  read -r _
fi
