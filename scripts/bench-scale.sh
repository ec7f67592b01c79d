#!/usr/bin/env bash
# Builds a large CoC (120,000 clients, 100,000 of them on the HPL, 70% consented, 20,000 units) on
# SQLite and on PostgreSQL with `doorway gen` and `doorway import hmis-csv`, then load-tests a server
# on each with scripts/benchscale (HPL API and page, a deep page, packet, incoming referrals,
# under-referral, metrics, check-out → email latency, memory). BENCHMARKS.md records its output.
# Usage: bash scripts/bench-scale.sh [seconds per endpoint]
# Needs: vegeta (go install github.com/tsenart/vegeta/v12@v12.13.0) and, for PostgreSQL, a server
# whose user may create databases: DOORWAY_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
vegeta=${VEGETA:-$(go env GOPATH)/bin/vegeta}
pg=${DOORWAY_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/doorway" ./cmd/doorway
go build -o "$work/benchscale" ./scripts/benchscale
"$work/doorway" gen --clients 120000 --hpl 100000 --units 20000 --consent-share 0.7 --out "$work/export"
for db in sqlite postgres; do
  if [ "$db" = sqlite ]; then
    url="sqlite:$work/bench.db"
  else
    psql "$pg" -qc "DROP DATABASE IF EXISTS doorway_bench_scale WITH (FORCE)" -c "CREATE DATABASE doorway_bench_scale"
    base=${pg%%\?*}
    url="${base%/*}/doorway_bench_scale"
    if [ "$base" != "$pg" ]; then url="$url?${pg#*\?}"; fi
  fi
  echo "## $db"
  "$work/doorway" migrate --db "$url" > /dev/null
  start=$(date +%s.%N)
  "$work/doorway" import hmis-csv "$work/export" --consent "$work/export/consent.csv" --db "$url" > "$work/import-$db.out"
  echo "import: $(echo "$(date +%s.%N) - $start" | bc) s"
  "$work/benchscale" --doorway "$work/doorway" --vegeta "$vegeta" --db "$url" --seconds "$secs"
done
