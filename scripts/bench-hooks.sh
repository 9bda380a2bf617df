#!/usr/bin/env bash
# Load test of `workid hooks`, with 64 keep-alive connections:
#  1. the target rate: 10,000 registration hook calls a second (hey, from
#     Debian, 64 workers at 157/s each) for a business address, the most
#     work a call can be (decision and an identity update); its p99;
#  2. the ceiling: as fast as wrk (Debian) can send a mix of business,
#     free-mail, disposable and invalid addresses;
# and the server's resident memory with every list loaded, before and after.
# Usage: scripts/bench-hooks.sh [duration, default 20s]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20s}
for tool in wrk hey; do
  command -v $tool >/dev/null || { echo "installing $tool from Debian"; apt-get install -y -qq $tool >/dev/null; }
done
make --no-print-directory lists >/dev/null
go build -o bin/workid ./cmd/workid

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WORKID_HOOKS_ADDR=127.0.0.1:$port WORKID_HOOKS_KEY=bench-key-0123456789abcdef WORKID_LOG_LEVEL=warn
bin/workid hooks 2>/tmp/workid-bench-hooks.log &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS "http://$WORKID_HOOKS_ADDR/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$pid/status; }
echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo), Go $(go env GOVERSION)"
echo "RSS after start (lists loaded): $(rss)"
echo; echo "== 1. 10,000 calls/s target (hey -c 64 -q 157)"
body=$(mktemp)
printf '%s' '{"flow_id":"00000000-0000-0000-0000-000000000001","flow_type":"browser","identity_id":"00000000-0000-0000-0000-000000000000","traits":{"email":"ann.lee@acme-widgets.com","username":"ann","name":{"first":"Ann","last":"Lee"}}}' >"$body"
hey -z "$duration" -c 64 -q 157 -m POST -T application/json -H "Authorization: Bearer $WORKID_HOOKS_KEY" -D "$body" \
  "http://$WORKID_HOOKS_ADDR/hooks/registration" | grep -E 'Requests/sec|Slowest|Average|  (50|90|95|99)% in|\[[0-9]{3}\]'
rm -f "$body"
echo "RSS after the target run: $(rss)"
echo; echo "== 2. ceiling (wrk -t2 -c64, mixed addresses)"
wrk -t2 -c64 -d"$duration" --latency -s scripts/hooks-load.lua "http://$WORKID_HOOKS_ADDR"
echo "RSS after load: $(rss)"
