# Sourced by the benchmark scripts: a scratch folder ($tmp, removed on exit with any sandbox
# still running) and a standalone `ontime-import sandbox` to measure against. Expects BIN (the
# release binary), COMPANY and KEY to be set.

tmp=$(mktemp -d)
SANDBOX_PID=""
cleanup() {
  [[ -z $SANDBOX_PID ]] || kill "$SANDBOX_PID" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }

# Starts a sandbox on a free port with no quota in the way and the given options; sets BASE
# and SANDBOX_PID.
start_sandbox() {
  "$BIN" sandbox --port 0 --company-id "$COMPANY" --api-key "$KEY" \
    --daily-limit 1000000000 --monthly-limit none "$@" >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" &
  SANDBOX_PID=$!
  BASE=""
  for _ in $(seq 100); do
    BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/sandbox.out" | head -1 || true)
    [[ -n $BASE ]] && return 0
    sleep 0.05
  done
  echo "the sandbox did not start:" >&2
  cat "$tmp/sandbox.err" >&2
  exit 1
}
