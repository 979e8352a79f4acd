#!/usr/bin/env bash
# The ledger after a month of nightly syncs (issue 15: "a ledger of 100,000 customers with 30
# runs of history stays under 500 MB, and a nightly run's start (reading the ledger) under 1 s").
# Everything in the ledger is what the release binary wrote, run against a standalone
# `ontime-import sandbox`: the first import of 100,000 customers (gen_bench_data's layout of the
# samples, `mappings/default.toml`: 1 to 5 rows, departments and contacts per customer), then 29
# nightly runs, each changing two customer fields of 5 % of the customers (5,000, other ones
# each night; night n changes the n-th twentieth of a fixed shuffle, so nights 21-29 return to
# the customers of nights 1-9 with new values). It measures:
#   - the ledger's size (file + WAL) after every run and its peak during the run (sampled every
#     0.2 s), and where the pages go (dbstat per table);
#   - the start of a nightly run, two ways: `Ledger::open` + `Ledger::all` alone
#     (examples/ledger_start.rs), warm and with the ledger's pages evicted from the page cache
#     (posix_fadvise DONTNEED on the file: a cron job's first read); and a 31st run with nothing
#     changed through the binary, -vv: process start to its first request (the "connecting to"
#     line), whose path is max(reading the CSV, opening and reading the ledger), with wall time
#     and peak RSS from GNU time.
#
#   benches/ledger.sh            # the 30 runs into target/bench/ledger-100k.db, then the measures
#   benches/ledger.sh start      # only the measures of the start on that ledger (no server)
#   CUSTOMERS=5000 NIGHTS=3 benches/ledger.sh   # a quick check of the script
#
# Needs curl, jq, python3 and GNU time. Data goes to target/bench/ (the nightly files are made
# from the first one by a seeded shuffle, so the same CUSTOMERS gives the same files).
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-100000}
NIGHTS=${NIGHTS:-29}
BENCH=target/bench
BIN=target/release/ontime-import
GEN=target/release/examples/gen_bench_data
START=target/release/examples/ledger_start
MAPPING=mappings/default.toml
COMPANY=bench
KEY=bench-key
LEDGER=$BENCH/ledger-$((CUSTOMERS / 1000))k.db
export ONTIME_API_KEY=$KEY

for tool in curl jq python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; exit 2; }
done
/usr/bin/time -f %U true 2>/dev/null || { echo "error: GNU time is needed at /usr/bin/time" >&2; exit 2; }
mode=${1:-all}
[[ $mode == all || $mode == start ]] || { echo "usage: $0 [start]" >&2; exit 2; }

echo "building (release)..." >&2
cargo build --release --quiet --bin ontime-import --example gen_bench_data --example ledger_start

source "$(dirname "$0")/sandbox.sh"

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

# The first CUSTOMERS customers (all their rows) of a generated file.
first_file() {
  local out="$BENCH/ledger-${CUSTOMERS}c-0.csv"
  if [[ ! -s $out ]]; then
    mkdir -p "$BENCH"
    "$GEN" --rows $((CUSTOMERS * 4 + 100)) --out "$tmp/gen.csv" >&2
    python3 - "$tmp/gen.csv" "$out" "$CUSTOMERS" <<'EOF'
import csv, sys
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    w.writerow(next(r))
    seen = 0
    last = None
    for row in r:
        if row[0] != last:
            last, seen = row[0], seen + 1
            if seen > want:
                break
        w.writerow(row)
if seen < want:
    sys.exit(f"only {seen} customers in {src}")
EOF
  fi
  echo "$out"
}

# Night N's file from night N-1's: 5 % of the customers (the ((N-1) mod 20)-th twentieth of a
# seeded shuffle) get two customer fields changed, on every row that carries them.
night_file() {
  local night=$1 out="$BENCH/ledger-${CUSTOMERS}c-$1.csv"
  if [[ ! -s $out ]]; then
    python3 - "$BENCH/ledger-${CUSTOMERS}c-$((night - 1)).csv" "$out" "$night" <<'EOF' >&2
import csv, random, sys
src, dst, night = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
col = {name: header.index(name) for name in header}
accounts = list(dict.fromkeys(row[0] for row in rows))
order = accounts[:]
random.Random(15).shuffle(order)
share = len(accounts) // 20
chosen = set(order[((night - 1) % 20) * share:][:share])
NAMES = ["Jordan Ellis", "Sam Okafor", "Priya Raman", "Lena Fischer", "Tomás Ortega", "Mei Chen", "Olu Adeyemi"]

def new_values(i, first):
    """The two fields night `night` changes, by its turn in three, for the i-th chosen customer."""
    turn = night % 3
    if turn == 1:
        phone = first[col["Phone"]]
        street = first[col["Address 1"]].split(" ", 1)[1]
        return {"Phone": f"{phone[:5]} 555-{1000 + night * 30 + i % 30}",
                "Address 1": f"{(night * 37 + i) % 9000 + 10} {street}"}
    if turn == 2:
        domain = first[col["Email"]].split("@", 1)[1]
        return {"Email": f"dispatch{night}@{domain}", "Primary Contact": NAMES[(night + i) % len(NAMES)]}
    name = first[col["Company"]].split(" #", 1)[0]
    return {"Company": f"{name} #{night}", "Notes": f"Account reviewed (night {night})"}

changes, done, i = {}, 0, 0
with open(dst, "w", newline="", encoding="utf-8") as g:
    w = csv.writer(g, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        acct = row[0]
        if acct in chosen and acct not in changes:
            # First row of the customer: it carries every customer field.
            changes[acct] = {name: (row[col[name]], value) for name, value in new_values(i, row).items()}
            i += 1
            first = True
        else:
            first = False
        for name, (old, value) in changes.get(acct, {}).items():
            # A follow-up row repeats a field or leaves it blank; a blank stays blank.
            if row[col[name]] == old and (old or first):
                row[col[name]] = value
        w.writerow(row)
print(f"{dst}: {len(changes)} customers changed: {', '.join(new_values(0, rows[0]))}")
EOF
  fi
  echo "$out"
}

# Runs the importer on FILE into the ledger; sets CODE and ELAPSED; -vv log in $tmp/run.stderr,
# GNU time's -v in $tmp/run.time.
import() {
  local file=$1
  shift
  local start end
  start=$(date +%s.%N)
  echo "$start" >"$tmp/run.start"
  CODE=0
  /usr/bin/time -v -o "$tmp/run.time" "$BIN" "$file" --mapping "$MAPPING" --base-url "$BASE" \
    --company-id "$COMPANY" --state "$LEDGER" --report "$tmp/run.report.csv" \
    --summary-json "$tmp/run.summary.json" --rate 100000 --concurrency 16 --yes -vv "$@" \
    >"$tmp/run.stdout" 2>"$tmp/run.stderr" &
  local pid=$! peak=0 now
  # The WAL's largest size while the run goes (SQLite removes it when the ledger closes).
  while kill -0 "$pid" 2>/dev/null; do
    now=$(ledger_bytes)
    ((now > peak)) && peak=$now
    sleep 0.2
  done
  PEAK=$peak
  wait "$pid" || CODE=$?
  end=$(date +%s.%N)
  ELAPSED=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  if [[ $CODE -ne 0 ]]; then
    echo "importer exit $CODE; last lines of stderr:" >&2
    tail -n 5 "$tmp/run.stderr" >&2
    exit 1
  fi
}

ledger_bytes() { echo $(($(size_of "$LEDGER") + $(size_of "$LEDGER-wal"))); }

history() {
  mkdir -p "$BENCH"
  rm -f "$LEDGER" "$LEDGER-wal" "$LEDGER-shm"
  start_sandbox
  echo "$BASE" >"$LEDGER.base-url"
  echo
  echo "### $CUSTOMERS customers, $((NIGHTS + 1)) runs (load $(load); $(nproc) CPUs; commit $(git rev-parse --short HEAD))"
  echo
  echo "| run | input | exit | s | requests | statuses (rows) | ledger MB after | ledger + WAL MB, peak during |"
  echo "|---:|---|---:|---:|---:|---|---:|---:|"
  local began night file
  began=$(date +%s)
  for night in $(seq 0 "$NIGHTS"); do
    if [[ $night -eq 0 ]]; then file=$(first_file); else file=$(night_file "$night"); fi
    import "$file"
    echo "| $((night + 1)) | $(basename "$file") | $CODE | $ELAPSED | $(jq .requests "$tmp/run.summary.json") |" \
      "$(jq -r '.statuses | to_entries | map("\(.key) \(.value)") | join(", ")' "$tmp/run.summary.json") |" \
      "$(mb "$(ledger_bytes)") | $(mb "$PEAK") |"
  done
  echo
  echo "$((NIGHTS + 1)) runs in $(($(date +%s) - began)) s."
  nothing_changed "$file"
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  SANDBOX_PID=""
}

# Run 31: the last night's file again, nothing changed.
nothing_changed() {
  import "$1"
  local first
  first=$(grep -m1 'connecting to' "$tmp/run.stderr" | cut -d' ' -f1)
  echo
  echo "Run 31, nothing changed: exit $CODE, $(jq .requests "$tmp/run.summary.json") request(s)," \
    "wall $(awk -F': ' '/Elapsed \(wall/ { print $2 }' "$tmp/run.time")," \
    "peak RSS $(awk -F': ' '/Maximum resident/ { printf "%.0f MB", $2 / 1024 }' "$tmp/run.time")," \
    "process start to first request $(python3 -c "
import datetime, sys
first = datetime.datetime.fromisoformat(sys.argv[1].replace('Z', '+00:00')).timestamp()
print(f'{first - float(sys.argv[2]):.2f} s')" "$first" "$(cat "$tmp/run.start")"); -vv phases:"
  grep -E 'rows read and grouped|customers completed|input read' "$tmp/run.stderr" | sed 's/^/    /'
  echo "ledger + WAL after it: $(mb "$(ledger_bytes)") MB"
}

# Where the pages go, and the start measured on the ledger alone.
measures() {
  [[ -s $LEDGER ]] || { echo "no ledger at $LEDGER: run $0 first" >&2; exit 1; }
  echo
  echo "Ledger $LEDGER: $(mb "$(size_of "$LEDGER")") MB + WAL $(mb "$(size_of "$LEDGER-wal")") MB; by table (dbstat):"
  python3 - "$LEDGER" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
page = db.execute("PRAGMA page_size").fetchone()[0]
print(f"    page size {page}, pages {db.execute('PRAGMA page_count').fetchone()[0]}, free {db.execute('PRAGMA freelist_count').fetchone()[0]}")
for name, pages, payload, unused in db.execute(
        "SELECT name, COUNT(*), SUM(payload), SUM(unused) FROM dbstat GROUP BY name ORDER BY 2 DESC"):
    print(f"    {name:<28} {pages * page / 1e6:8.1f} MB  payload {payload / 1e6:8.1f} MB  unused {unused / 1e6:6.1f} MB")
for table, column in [("customers", "server_copy"), ("run_customers", "before"), ("run_customers", "after")]:
    n, avg = db.execute(f"SELECT COUNT({column}), AVG(LENGTH({column})) FROM {table}").fetchone()
    print(f"    {table}.{column}: {n} values, {avg or 0:.0f} bytes on average")
print(f"    rows: customers {db.execute('SELECT COUNT(*) FROM customers').fetchone()[0]}, "
      f"runs {db.execute('SELECT COUNT(*) FROM runs').fetchone()[0]}, "
      f"run_customers {db.execute('SELECT COUNT(*) FROM run_customers').fetchone()[0]}")
EOF
  local base
  base=$(cat "$LEDGER.base-url")
  echo
  echo "Ledger::open + Ledger::all (examples/ledger_start), load $(load):"
  for attempt in 1 2 3; do
    echo "    warm: $("$START" "$LEDGER" "$base" "$COMPANY")"
  done
  for attempt in 1 2 3; do
    python3 -c "
import os, sys
for path in sys.argv[1:]:
    if os.path.exists(path):
        fd = os.open(path, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)" \
      "$LEDGER" "$LEDGER-wal"
    echo "    cold: $("$START" "$LEDGER" "$base" "$COMPANY")"
  done
}

[[ $mode == start ]] || history
measures
