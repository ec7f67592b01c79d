#!/usr/bin/env bash
# Load test of a running Doorway with vegeta: starts `serve --demo` on a fresh SQLite file, then
# hits read endpoints as an agency's CAS Contact and as a CAS admin, 8 workers, as fast as it answers
# (the API's rate limits are off: the test measures the server, from one address).
# Usage: bash scripts/load-test.sh [seconds]   (needs: go install github.com/tsenart/vegeta/v12@v12.13.0)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
vegeta=${VEGETA:-$(go env GOPATH)/bin/vegeta}
work=$(mktemp -d)
go build -o "$work/doorway" ./cmd/doorway
"$work/doorway" serve --demo --db "sqlite:$work/load.db" --addr 127.0.0.1:18095 --api-token-rate 0 --api-address-rate 0 > "$work/serve.out" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q dw_ "$work/serve.out" 2>/dev/null && break; sleep 0.2; done
cas=$(grep -A1 "cas_admin" "$work/serve.out" | grep dw_ | tr -d ' ')
agency=$("$work/doorway" token create --db "sqlite:$work/load.db" --email intake@harbor.demo.doorway.test)
for t in "me:$agency:/api/v1/me" "units:$agency:/api/v1/units?status=available" "referrals:$agency:/api/v1/referrals" "hpl:$cas:/api/v1/hpl?limit=50" \
  "under-referral:$cas:/api/v1/reports/under-referral" "packet:$cas:/api/v1/reports/hpl-packet" "metrics:$cas:/api/v1/reports/metrics" \
  "agency-metrics:$agency:/api/v1/reports/metrics"; do
  name=${t%%:*}; rest=${t#*:}; token=${rest%%:*}; path=${rest#*:}
  echo "== GET $path ($name)"
  echo "GET http://127.0.0.1:18095$path" | "$vegeta" attack -header "Authorization: Bearer $token" -rate=0 -max-workers=8 -duration="${secs}s" | "$vegeta" report | grep -E "Requests|Latencies|Success"
done
