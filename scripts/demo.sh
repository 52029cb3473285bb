#!/usr/bin/env bash
# The live demo (`make demo`): creates the topics, starts a worker, feeds the built-in
# synthetic customers at a readable pace and shows tier changes and alerts as they
# happen. Ctrl-C stops the producer and the worker (with-broker.sh stops the broker
# if it started it). Logs: .cache/demo/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin=.venv/bin
logs=.cache/demo
mkdir -p "$logs"

# Customer ids are unique per run, so a second demo on the same broker shows new
# customers instead of duplicates being (correctly) ignored.
run="R$(date +%H%M%S)"
export TIERSTREAM_DATA_DIR="$logs/worker-data"
customers="${DEMO_CUSTOMERS:-60}"
rate="${DEMO_RATE:-25}"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "demo: stopped (logs in $logs)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/tierstream" topics create
"$bin/tierstream" worker >"$logs/worker.log" 2>&1 &
worker=$!
pids+=("$worker")
echo "demo: starting a worker (log: $logs/worker.log)"
for _ in $(seq 120); do
    grep -q "Worker\]: Ready" "$logs/worker.log" && break
    if ! kill -0 "$worker" 2>/dev/null; then
        tail -n 20 "$logs/worker.log" >&2
        echo "demo: the worker stopped during start-up (see $logs/worker.log)" >&2
        exit 1
    fi
    sleep 0.5
done
echo "demo: feeding $customers synthetic customers at $rate events/s (2% deliberately invalid)"
"$bin/tierstream" produce --customers "$customers" --rate "$rate" --invalid-ratio 0.02 \
    --id-prefix "$run-" >"$logs/produce.log" 2>&1 &
pids+=($!)
echo "demo: tier changes and alerts as they happen (Ctrl-C to stop)"
"$bin/tierstream" tail --from-beginning --customer-prefix "$run-"
