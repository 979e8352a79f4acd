#!/usr/bin/env bash
# End-to-end benchmarks of the uploader (issues 4 and 5) against the standalone sandbox. Each
# scenario gets its own `ontime-import sandbox` on a free port and a fresh `--state` ledger; the
# figures come from the sandbox's own counters (`/__sandbox/stats`, `/__sandbox/customers`), not
# only from the importer's summary. Prints one Markdown table per benchmark, with the load average
# at the time, for BENCHMARKS.md.
#
#   benches/upload.sh                 # all four, in this order:
#   benches/upload.sh rate            # rate fidelity: 600 customers, latency 50 ms, --rate 20 --concurrency 8
#   benches/upload.sh throughput      # 10,000 customers, --rate 100000 --concurrency 32, and wrk's ceiling
#                                     # (wrk posting the same customers; and wrk's minimal body)
#   benches/upload.sh faults          # 2,000 customers, 10 % 500s, 5 % drops, 2 % slow > --timeout
#   benches/upload.sh requests        # requests per customer: first import, rerun, 5 % changed
#                                     # (REQ_CUSTOMERS customers, default 20,000)
#   benches/upload.sh accounts        # new customers into an account of M: 1,000 and 50 with
#                                     # 2,000 new, 3,000 with 1,000 new
#   RUNS=3 benches/upload.sh rate     # each measurement three times (one sandbox per run)
#   WRK_DURATION=5s benches/upload.sh throughput   # the ceiling measured for 5 s (default 10s)
#
# Needs curl, jq, python3 (cutting the CSVs to exact customer counts, checking reports) and, for
# `throughput` only, wrk (`apt-get install -y wrk`). Data goes to target/bench/ and is generated
# only if missing (gen_bench_data is deterministic). Exit 1 if any target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-1}
BENCH=target/bench
BIN=target/release/ontime-import
GEN=target/release/examples/gen_bench_data
MAPPING=mappings/default.toml
COMPANY=bench
KEY=bench-key
export ONTIME_API_KEY=$KEY

if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -f %U true 2>/dev/null; then
  echo "error: GNU time is needed at /usr/bin/time (apt-get install time)" >&2
  exit 2
fi
for tool in curl jq python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; exit 2; }
done
selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=(rate throughput faults requests accounts)
for name in "${selected[@]}"; do
  case $name in
    rate | throughput | faults | requests | accounts) ;;
    *) echo "usage: $0 [rate] [throughput] [faults] [requests] [accounts]" >&2; exit 2 ;;
  esac
done

echo "building (release)..." >&2
cargo build --release --quiet --bin ontime-import --example gen_bench_data

source "$(dirname "$0")/sandbox.sh"
failures=0

# ---------------------------------------------------------------------------------------------
# Helpers


# The first N customers (all their rows) of a generated file, as target/bench/upload-Nc.csv.
data() {
  local customers=$1 out="$BENCH/upload-${1}c.csv"
  if [[ ! -s $out ]]; then
    local rows=$((customers * 4 + 100)) # ~3 rows per customer: enough to cut from
    mkdir -p "$BENCH"
    "$GEN" --rows "$rows" --out "$tmp/gen.csv" >&2
    python3 - "$tmp/gen.csv" "$out" "$customers" <<'EOF'
import csv, sys
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    w.writerow(next(r))
    seen = []
    for row in r:
        if row[0] not in seen[-1:]:
            seen.append(row[0])
            if len(seen) > want:
                break
        w.writerow(row)
if len(seen) < want:
    sys.exit(f"only {len(seen)} customers in {src}")
EOF
  fi
  echo "$out"
}


# CPU seconds (user + system) the sandbox has used so far.
sandbox_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SANDBOX_PID/stat"
}

stop_sandbox() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  SANDBOX_PID=""
}

control() { curl -sf "$@"; }

# Runs the importer on FILE with a fresh report (and the given ledger); sets CODE, ELAPSED and
# leaves the report, summary and stderr in $tmp/run.*.
import() {
  local file=$1 state=$2
  shift 2
  rm -f "$tmp/run.report.csv" "$tmp/run.summary.json"
  local start end
  start=$(date +%s.%N)
  CODE=0
  /usr/bin/time -f "%U %S" -o "$tmp/run.time" "$BIN" "$file" --mapping "$MAPPING" --base-url "$BASE" --company-id "$COMPANY" \
    --state "$state" --report "$tmp/run.report.csv" --summary-json "$tmp/run.summary.json" \
    "$@" >"$tmp/run.stdout" 2>"$tmp/run.stderr" || CODE=$?
  end=$(date +%s.%N)
  ELAPSED=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  CPU=$(awk 'END { printf "%.2f", $1 + $2 }' "$tmp/run.time")
  if [[ $CODE -ne 0 ]]; then
    echo "  importer exit $CODE; last lines of stderr:" >&2
    tail -n 5 "$tmp/run.stderr" | sed 's/^/    /' >&2
  fi
}

# "POST api/customer/post 201: 600, GET api/customers 200: 1" from the sandbox's stats.
by_endpoint() {
  jq -r '[.by_endpoint | to_entries[] | .key as $e | .value | to_entries[]
          | "\($e) \(.key): \(.value)"] | join(", ")' "$1"
}

# Sets VERDICT from a condition's exit code (0 = target met) and counts failures; not run in a
# subshell, so that the count survives.
verdict() {
  if [[ $1 -eq 0 ]]; then VERDICT=pass; else failures=$((failures + 1)); VERDICT="**FAIL**"; fi
}

div() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { if (b > 0) printf f, a / b; else printf "-" }'; }

echo
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(rustc --version);" \
  "commit $(git rev-parse --short HEAD)"

# ---------------------------------------------------------------------------------------------
# 1. Rate fidelity (issue 4): the sandbox never sees more than 20 in any one second, >= 19/s.

bench_rate() {
  local file
  file=$(data 600)
  echo
  echo "### Rate fidelity: 600 customers, sandbox --latency 50ms, importer --rate 20 --concurrency 8"
  echo
  echo "| run | exit | requests (sandbox) | elapsed s | max in any 1 s (≤ 20) | achieved req/s (≥ 19) | load avg before → after | result |"
  echo "|---:|---:|---:|---:|---:|---:|---|---|"
  for run in $(seq "$RUNS"); do
    start_sandbox --latency 50ms
    local before
    before=$(load)
    import "$file" "$tmp/rate-$run.db" --rate 20 --concurrency 8
    control "$BASE/__sandbox/stats" >"$tmp/stats.json"
    stop_sandbox
    local total max rate ok=0
    total=$(jq .total "$tmp/stats.json")
    max=$(jq .max_per_second "$tmp/stats.json")
    rate=$(div "$total" "$ELAPSED" %.2f)
    awk -v m="$max" -v r="$rate" -v c="$CODE" 'BEGIN { exit !(c == 0 && m <= 20 && r >= 19) }' || ok=1
    verdict $ok
    echo "| $run | $CODE | $total | $ELAPSED | $max | $rate | $before → $(load) | $VERDICT |"
  done
}

# ---------------------------------------------------------------------------------------------
# 2. Throughput (issue 4): customers/s with no rate limit, against wrk's plain creates.

bench_throughput() {
  command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
  local file customers=10000 duration=${WRK_DURATION:-10s}
  file=$(data $customers)
  echo
  echo "### Throughput: $customers customers, importer --rate 100000 --concurrency 32; ceiling: wrk -t1 -c32 -d$duration creates"
  echo
  echo "The ceiling is wrk posting the same $customers customers' create bodies (taken from what the importer"
  echo "stored, IDs and nulls left out) in turn; wrk's minimal 9-field body is shown beside it."
  echo
  echo "| run | what | exit | requests (sandbox) | elapsed s | customers/s | req/s | client CPU s | sandbox CPU s | load avg before → after |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for run in $(seq "$RUNS"); do
    local before total created
    start_sandbox
    before=$(load)
    import "$file" "$tmp/throughput-$run.db" --rate 100000 --concurrency 32
    control "$BASE/__sandbox/stats" >"$tmp/stats.json"
    local server_cpu
    server_cpu=$(sandbox_cpu)
    control "$BASE/__sandbox/customers" >"$tmp/customers.json"
    stop_sandbox
    total=$(jq .total "$tmp/stats.json")
    created=$(jq '.by_endpoint["POST api/customer/post"]["201"] // 0' "$tmp/stats.json")
    IMPORTER_RATE=$(div "$created" "$ELAPSED" %.0f)
    echo "| $run | importer | $CODE | $total | $ELAPSED | $IMPORTER_RATE | $(div "$total" "$ELAPSED" %.0f) | $CPU | $server_cpu | $before → $(load) |"
    python3 - "$tmp/customers.json" "$tmp/bodies.jsonl" <<'PY'
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if v is not None and k not in ("ID", "CustomerID")}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for customer in json.load(open(sys.argv[1], encoding="utf-8")):
        out.write(json.dumps(strip(customer), separators=(",", ":"), ensure_ascii=False) + "\n")
PY
    local ceiling minimal ok=0
    for script in sandbox-post-bodies sandbox-post; do
      start_sandbox
      before=$(load)
      BODIES=$tmp/bodies.jsonl SANDBOX_KEY=$KEY /usr/bin/time -f "%U %S" -o "$tmp/wrk.time" \
        wrk -t1 -c32 -d"$duration" -s "benches/$script.lua" \
        "$BASE/sites/$COMPANY/api/customer/post" >"$tmp/wrk.out"
      control "$BASE/__sandbox/stats" >"$tmp/stats.json"
      server_cpu=$(sandbox_cpu)
      stop_sandbox
      local rate what
      rate=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.out")
      if [[ $script == sandbox-post-bodies ]]; then
        ceiling=$rate what="wrk creates, the same customers (ceiling)"
      else
        minimal=$rate what="wrk creates, a minimal body"
      fi
      created=$(jq '.by_endpoint["POST api/customer/post"]["201"] // 0' "$tmp/stats.json")
      echo "| $run | $what | - | $created | ${duration%s} | $rate | $rate | $(awk '{ printf "%.2f", $1 + $2 }' "$tmp/wrk.time") | $server_cpu | $before → $(load) |"
    done
    awk -v i="$IMPORTER_RATE" -v c="$ceiling" -v x="$CODE" 'BEGIN { exit !(x == 0 && i >= c / 2) }' || ok=1
    verdict $ok
    echo "| $run | importer / ceiling (≥ 0.5) | | | | $(div "$IMPORTER_RATE" "$ceiling" %.2f) | | | | $VERDICT |"
    echo "| $run | importer / minimal-body posts | | | | $(div "$IMPORTER_RATE" "$minimal" %.2f) | | | | |"
  done
}

# ---------------------------------------------------------------------------------------------
# 3. Faults (issue 4): every customer created exactly once, every row reported exactly once.

# Checks the report against the input and the sandbox's records against the input's account
# numbers; prints "rows reported|rows twice|statuses|customers|in OnTime|duplicates|missing".
check_exactly_once() {
  python3 - "$1" "$2" "$3" <<'EOF'
import csv, json, sys, collections
input_csv, report_csv, records_json = sys.argv[1:4]
# The report numbers rows by the line they start on (a quoted cell may hold a line break).
rows, expected_rows = [], set()
with open(input_csv, newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    next(reader)
    start = reader.line_num + 1
    for row in reader:
        rows.append(row)
        expected_rows.add(str(start))
        start = reader.line_num + 1
accounts = {r[0] for r in rows}
with open(report_csv, newline="", encoding="utf-8") as f:
    report = list(csv.DictReader(f))
row_counts = collections.Counter(r["row"] for r in report)
twice = sum(1 for n in row_counts.values() if n > 1)
statuses = collections.Counter(r["status"] for r in report)
unreported = len(expected_rows - set(row_counts))
with open(records_json, encoding="utf-8") as f:
    records = json.load(f)
stored = collections.Counter(c.get("AccountNumber") for c in records)
duplicates = sum(1 for a, n in stored.items() if n > 1)
missing = len(accounts - set(stored))
strangers = len(set(stored) - accounts)
print(f"{len(report)}/{len(rows)}|{twice}|{unreported}|"
      + " ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
      + f"|{len(accounts)}|{len(records)}|{duplicates}|{missing}|{strangers}")
ok = (len(report) == len(rows) and twice == 0 and unreported == 0
      and statuses.get("created", 0) == len(rows) and duplicates == 0 and missing == 0
      and strangers == 0 and len(records) == len(accounts))
sys.exit(0 if ok else 1)
EOF
}

bench_faults() {
  local file customers=2000
  file=$(data $customers)
  local faults=(--error-rate 0.10 --drop-rate 0.05 --slow-rate 0.02 --slow-delay 3s)
  local client=(--timeout 1 --retries 8 --rate 100000 --concurrency 16)
  echo
  echo "### Faults: $customers customers, sandbox ${faults[*]}, importer ${client[*]}"
  echo
  echo "| run | seed | exit | elapsed s | rows reported / input | rows twice | rows unreported | statuses | customers | records in sandbox | duplicated | missing | unknown | requests (sandbox) | per customer | load avg before → after | result |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for run in $(seq "$RUNS"); do
    local before seed=$run checks ok=0
    start_sandbox "${faults[@]}" --seed "$seed"
    before=$(load)
    import "$file" "$tmp/faults-$run.db" "${client[@]}"
    control "$BASE/__sandbox/stats" >"$tmp/stats.json"
    control "$BASE/__sandbox/customers" >"$tmp/records.json"
    stop_sandbox
    checks=$(check_exactly_once "$file" "$tmp/run.report.csv" "$tmp/records.json") || ok=1
    [[ $CODE -eq 0 ]] || ok=1
    local total
    total=$(jq .total "$tmp/stats.json")
    verdict $ok
    echo "| $run | $seed | $CODE | $ELAPSED | ${checks//|/ | } | $total | $(div "$total" $customers %.2f) | $before → $(load) | $VERDICT |"
    echo "  requests by endpoint and outcome: $(by_endpoint "$tmp/stats.json"); dropped $(jq .dropped "$tmp/stats.json")" >&2
    FAULT_ENDPOINTS="$(by_endpoint "$tmp/stats.json")"
  done
  echo
  echo "Requests of the last run by endpoint and outcome: $FAULT_ENDPOINTS."
}

# ---------------------------------------------------------------------------------------------
# 4. Requests per customer (issue 5): first import, immediate rerun, rerun with 5 % changed.

# Appends " (renamed)" to the Company of every 20th customer (all of its rows): 5 %.
change_5_percent() {
  python3 - "$1" "$2" <<'EOF'
import csv, sys
src, dst = sys.argv[1:3]
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    header = next(r)
    w.writerow(header)
    company = header.index("Company")
    order, changed = {}, set()
    for row in r:
        n = order.setdefault(row[0], len(order))
        if n % 20 == 19:
            changed.add(row[0])
            row[company] += " (renamed)"
        w.writerow(row)
print(len(changed))
EOF
}

# Customers [from, to) of a data file (in file order), to $2.
slice_customers() {
  python3 - "$1" "$2" "$3" "$4" <<'EOF'
import csv, sys
src, dst, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    w.writerow(next(r))
    order = {}
    for row in r:
        n = order.setdefault(row[0], len(order))
        if lo <= n < hi:
            w.writerow(row)
EOF
}

# New customers into an account already holding M (seeded by an import with another ledger):
# the importer reads every record when M is smaller than the customers to match, else looks
# each up. The target is exact: 1 + min(M, N) + N.
bench_accounts() {
  local file
  file=$(data 5000)
  echo
  echo "### New customers into an account of M customers"
  echo
  echo "| M | N new | exit | requests (sandbox) | by endpoint | per new customer | target | result |"
  echo "|---:|---:|---:|---:|---|---:|---|---|"
  local pair
  for pair in "1000 2000" "50 2000" "3000 1000"; do
    local m n
    read -r m n <<<"$pair"
    slice_customers "$file" "$tmp/seed.csv" 0 "$m"
    slice_customers "$file" "$tmp/new.csv" "$m" $((m + n))
    start_sandbox
    import "$tmp/seed.csv" "$tmp/seed.db" --rate 100000 --concurrency 16
    control -X POST -H 'Content-Type: application/json' "$BASE/__sandbox/stats/reset" >/dev/null
    import "$tmp/new.csv" "$tmp/new.db" --rate 100000 --concurrency 16
    control "$BASE/__sandbox/stats" >"$tmp/stats.json"
    local total least ok=0
    total=$(jq .total "$tmp/stats.json")
    least=$((1 + (m < n ? m : n) + n))
    [[ $CODE -eq 0 && $total -eq $least ]] || ok=1
    verdict $ok
    echo "| $m | $n | $CODE | $total | $(by_endpoint "$tmp/stats.json") | $(div "$total" "$n" %.3f) | 1 + min(M, N) + N = $least | $VERDICT |"
    stop_sandbox
    rm -f "$tmp/seed.db" "$tmp/new.db"
  done
}

bench_requests() {
  local file customers=${REQ_CUSTOMERS:-20000}
  file=$(data $customers)
  local changed_file="$tmp/upload-${customers}c-changed.csv" changed
  changed=$(change_5_percent "$file" "$changed_file")
  local client=(--rate 100000 --concurrency 16)
  echo
  echo "### Requests per customer: $customers customers (one sandbox, one ledger), importer ${client[*]}"
  echo
  echo "| run | step | exit | customers sent | requests (sandbox) | by endpoint | importer says | per customer | target | statuses | elapsed s | load avg | result |"
  echo "|---:|---|---:|---:|---:|---|---:|---:|---|---|---:|---|---|"
  for run in $(seq "$RUNS"); do
    start_sandbox
    local state="$tmp/requests-$run.db"
    local step input limit target n
    for step in first rerun changed; do
      case $step in
        # + 2: the listing that proves the target (and finds the account empty), and the one
        # after the creates that checks nobody else created customers meanwhile (README, "The
        # empty-account shortcut").
        first) input=$file n=$customers limit=$((customers + 2)) target="≤ $customers + 2" ;;
        rerun) input=$file n=$customers limit=1 target="0 + ≤ 1" ;;
        # The listing, one change query per minute of the earlier posting whose copies hold
        # changed customers (here all in one minute), one post each: no reads.
        changed) input=$changed_file n=$changed limit=$((changed + 2)) target="$changed + 2" ;;
      esac
      control -X POST -H 'Content-Type: application/json' "$BASE/__sandbox/stats/reset" >/dev/null
      local before total says ok=0
      before=$(load)
      import "$input" "$state" "${client[@]}"
      control "$BASE/__sandbox/stats" >"$tmp/stats.json"
      total=$(jq .total "$tmp/stats.json")
      says=$(jq .requests "$tmp/run.summary.json" 2>/dev/null || echo "-")
      [[ $CODE -eq 0 && $total -le $limit ]] || ok=1
      local statuses
      statuses=$(jq -r '.statuses | to_entries | map("\(.key) \(.value)") | join(", ")' \
        "$tmp/run.summary.json" 2>/dev/null || echo "-")
      verdict $ok
      echo "| $run | $step | $CODE | $n | $total | $(by_endpoint "$tmp/stats.json") | $says |" \
        "$(div "$total" "$n" %.3f) | $target | $statuses | $ELAPSED | $before | $VERDICT |"
    done
    stop_sandbox
  done
  echo
  echo "\"customers sent\" is the customer count of the input (first, rerun) or the changed customers (changed: every 20th customer's Company gets \" (renamed)\" on all its rows); rows: statuses count rows."
}

for name in "${selected[@]}"; do
  "bench_$name"
done
echo
echo "load average at the end: $(load)"
exit $((failures > 0))
