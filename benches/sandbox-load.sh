#!/usr/bin/env bash
# Throughput of the standalone sandbox, measured with wrk (Debian package `wrk`; benchmarks only,
# tests never need it). Builds release, starts `ontime-import sandbox` with a limit high enough
# for the run, seeds one customer, then measures GET api/customers/{id}, creates, and lookups by
# account number among the customers the creates left.
#
# Usage: benches/sandbox-load.sh [DURATION] [CONNECTIONS] [THREADS]   (defaults: 10s 32 1)
# Targets on a 2-core machine: >= 10,000 req/s GET by id, >= 5,000 req/s creates.
set -euo pipefail

duration=${1:-10s}
connections=${2:-32}
threads=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
key=bench-key
company=bench

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
cargo build --release --manifest-path "$root/Cargo.toml" --quiet
bin="$root/target/release/ontime-import"

out=$(mktemp)
"$bin" sandbox --port 0 --company-id "$company" --api-key "$key" \
  --daily-limit 100000000 --monthly-limit none >"$out" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

base=""
for _ in $(seq 100); do
  base=$(grep -o 'http://127.0.0.1:[0-9]*' "$out" | head -1 || true)
  [ -n "$base" ] && break
  sleep 0.05
done
[ -n "$base" ] || { echo "the sandbox did not start" >&2; exit 1; }
api="$base/sites/$company/api"

id=$(curl -sf -X POST "$api/customer/post" -H "Authorization: $key" \
  -H 'Content-Type: application/json' \
  -d '{"Name":"Seed","AccountNumber":"S1","City":"Boston","Departments":[{"Name":"Shipping"}],"Contacts":[{"Name":"Ann"}]}' |
  grep -o '"ID":"[^"]*"' | head -1 | cut -d'"' -f4)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "sandbox: $base, seeded customer $id"

echo
echo "== GET api/customers/{id}: wrk -t$threads -c$connections -d$duration"
wrk -t"$threads" -c"$connections" -d"$duration" -H "Authorization: $key" "$api/customers/$id"

echo
echo "== POST api/customer/post (creates): wrk -t$threads -c$connections -d$duration -s benches/sandbox-post.lua"
SANDBOX_KEY=$key wrk -t"$threads" -c"$connections" -d"$duration" -s "$root/benches/sandbox-post.lua" \
  "$api/customer/post"

records=$(curl -s "$base/__sandbox/stats" | grep -o '"201":[0-9]*' | cut -d: -f2)
echo
echo "== GET api/customers?accountNumber=B100 among $records customers: wrk -t$threads -c$connections -d$duration"
wrk -t"$threads" -c"$connections" -d"$duration" -H "Authorization: $key" "$api/customers?accountNumber=B100"

echo
echo "== sandbox statistics"
curl -s "$base/__sandbox/stats"
echo
