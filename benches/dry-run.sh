#!/usr/bin/env bash
# End-to-end benchmark of the dry run: time and peak memory of
#   ontime-import FILE --mapping mappings/default.toml --dry-run --report REPORT
# on generated customer files (layout of the shipped samples, every row valid), measured with
# GNU time. Prints a Markdown table to paste into BENCHMARKS.md.
#
#   benches/dry-run.sh              # xlsx 100k and 300k, then CSV 100k, 300k and 1M rows
#   RUNS=3 benches/dry-run.sh       # each file three times
#
# Data goes to target/bench/ and is generated only if missing (gen_bench_data is deterministic,
# so delete the folder to regenerate after changing the generator). Needs /usr/bin/time (GNU
# time: `apt-get install time`). The CSV at three sizes shows how memory grows with rows: a
# streaming pipeline stays flat.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-1}
BENCH=target/bench
BIN=target/release/ontime-import
GEN=target/release/examples/gen_bench_data
MAPPING=mappings/default.toml

# name rows, in the order they are measured.
FILES=(
  "customers-100k.xlsx 100000"
  "customers-300k.xlsx 300000"
  "customers-100k.csv 100000"
  "customers-300k.csv 300000"
  "customers-1m.csv 1000000"
)

if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -v true 2>/dev/null; then
  echo "error: GNU time is needed at /usr/bin/time (apt-get install time)" >&2
  exit 2
fi

echo "building (release)..." >&2
cargo build --release --quiet --bin ontime-import --example gen_bench_data

mkdir -p "$BENCH"
for entry in "${FILES[@]}"; do
  read -r name rows <<<"$entry"
  if [[ ! -s "$BENCH/$name" ]]; then
    echo "generating $BENCH/$name..." >&2
    "$GEN" --rows "$rows" --out "$BENCH/$name" >&2
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seconds from GNU time's "h:mm:ss" or "m:ss.ss".
to_seconds() {
  awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

echo
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(rustc --version)"
echo
echo "| file | size MB | rows | exit | wall s | rows/s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for entry in "${FILES[@]}"; do
  read -r name rows <<<"$entry"
  file="$BENCH/$name"
  size=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 1e6 }')
  for _ in $(seq "$RUNS"); do
    code=0
    /usr/bin/time -v -o "$tmp/time" \
      "$BIN" "$file" --mapping "$MAPPING" --dry-run --report "$tmp/report.csv" \
      >"$tmp/stdout" 2>"$tmp/stderr" || code=$?
    wall=$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$tmp/time")")
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
    rate=$(awk -v r="$rows" -v s="$wall" 'BEGIN { if (s > 0) printf "%.0f", r / s; else printf "-" }')
    rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
    echo "| $name | $size | $rows | $code | $wall | $rate | $rss_mb |"
    if [[ $code -ne 0 ]]; then
      # Exit 0 means every row was valid: the generated data promises that.
      echo "  exit $code; last lines of stderr:" >&2
      tail -n 5 "$tmp/stderr" | sed 's/^/    /' >&2
    fi
  done
done
