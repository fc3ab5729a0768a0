#!/usr/bin/env bash
# End-to-end passthrough benchmark:
#   traceyard loadgen --(OTLP/gRPC)--> traceyard run (otlp -> batch -> otlp) --(OTLP/gRPC)--> CountingSink
# Reports the throughput the sink sees and the CPU the traceyard process spends, as
# "CPU % of one core per 10k spans/s", once at full speed (--rate 0) and once at a fixed rate.
#
# usage: benchmarks/passthrough.sh [--direct]
#   --direct   leave traceyard out (loadgen -> sink) to see what the generator and sink alone reach;
#              the CPU figures are then the sink's
# environment (defaults in brackets):
#   DURATION [20] seconds per measured run     WARMUP [10] seconds of unmeasured load first
#   FIXED_RATE [20000] spans/s of the second run   WORKERS [2] loadgen workers
#   BATCH [512] spans per loadgen request      SPANS_PER_TRACE [10]   ATTRIBUTES [5]
#   TRACEYARD_JAVA_OPTS [-Xmx1g]  LOADGEN_JAVA_OPTS [-Xmx512m]  SINK_JAVA_OPTS [-Xmx512m]
#   TRACEYARD_JAR [traceyard-server/target/traceyard.jar] the collector under test (e.g. a saved copy
#     of an older build, for A/B runs); loadgen always comes from the current build
# Everything runs on this machine: loadgen and sink compete with traceyard for the cores, so compare
# figures from one machine and one run (ratios), not across machines.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh

DIRECT=0
if [[ ${1:-} == --direct ]]; then
  DIRECT=1
elif [[ -n ${1:-} ]]; then
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
FIXED_RATE=${FIXED_RATE:-20000}
WORKERS=${WORKERS:-2}
BATCH=${BATCH:-512}
SPANS_PER_TRACE=${SPANS_PER_TRACE:-10}
ATTRIBUTES=${ATTRIBUTES:-5}
TRACEYARD_JAVA_OPTS=${TRACEYARD_JAVA_OPTS:--Xmx1g}
LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:--Xmx512m}
SINK_JAVA_OPTS=${SINK_JAVA_OPTS:--Xmx512m}

LOADGEN_JAR=traceyard-server/target/traceyard.jar
TRACEYARD_JAR=${TRACEYARD_JAR:-$LOADGEN_JAR}
BENCH_JAR=benchmarks/target/benchmarks.jar
ensure_jars "$LOADGEN_JAR" "$BENCH_JAR"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/traceyard-passthrough.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

SINK_PORT=$(free_port)
# shellcheck disable=SC2086
java $SINK_JAVA_OPTS -cp "$BENCH_JAR" dev.traceyard.benchmarks.CountingSink --port "$SINK_PORT" >"$WORK/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=("$SINK_PID")
if ! wait_for_port "$SINK_PORT" "$SINK_PID" 60; then
  echo "counting sink did not start:" >&2
  cat "$WORK/sink.log" >&2
  exit 1
fi

if [[ $DIRECT == 1 ]]; then
  TARGET_PORT=$SINK_PORT
  MEASURED_PID=$SINK_PID
  MEASURED=sink
else
  TARGET_PORT=$(free_port)
  METRICS_PORT=$(free_port)
  # shellcheck disable=SC2086
  BENCH_RECEIVER_ENDPOINT=127.0.0.1:$TARGET_PORT BENCH_SINK_ENDPOINT=127.0.0.1:$SINK_PORT \
    BENCH_METRICS_ENDPOINT=127.0.0.1:$METRICS_PORT \
    java $TRACEYARD_JAVA_OPTS -jar "$TRACEYARD_JAR" run --config benchmarks/configs/passthrough.yaml \
    >"$WORK/traceyard.log" 2>&1 &
  MEASURED_PID=$!
  PIDS+=("$MEASURED_PID")
  MEASURED=traceyard
  if ! wait_for_port "$TARGET_PORT" "$MEASURED_PID" 60; then
    echo "traceyard run did not start (log: $WORK/traceyard.log):" >&2
    cat "$WORK/traceyard.log" >&2
    exit 1
  fi
fi

sink_count() {
  curl -sf "http://127.0.0.1:$SINK_PORT/count"
}

# Waits until the sink count stops moving (the batch processor holds spans up to its timeout).
wait_for_drain() {
  local last current stable=0 i
  last=$(sink_count)
  for ((i = 0; i < 100 && stable < 5; i++)); do
    sleep 0.2
    current=$(sink_count)
    if [[ $current == "$last" ]]; then
      stable=$((stable + 1))
    else
      stable=0
    fi
    last=$current
  done
}

# run LABEL RATE SECONDS: drives load and prints one result row (or nothing for the warmup).
run() {
  local label=$1 rate=$2 seconds=$3 count0 cpu0 count1 cpu1 summary sent failed elapsed
  count0=$(sink_count)
  cpu0=$(cpu_seconds "$MEASURED_PID")
  # shellcheck disable=SC2086
  summary=$(java $LOADGEN_JAVA_OPTS -jar "$LOADGEN_JAR" loadgen --otlp-endpoint "127.0.0.1:$TARGET_PORT" --insecure \
    --rate "$rate" --duration "${seconds}s" --workers "$WORKERS" --batch-size "$BATCH" \
    --spans-per-trace "$SPANS_PER_TRACE" --attributes "$ATTRIBUTES" 2>>"$WORK/loadgen.log" | tail -n 1) || true
  wait_for_drain
  count1=$(sink_count)
  cpu1=$(cpu_seconds "$MEASURED_PID")
  if [[ $label == warmup ]]; then
    return
  fi
  sent=$(sed -nE 's/.*sent=([0-9]+).*/\1/p' <<<"$summary")
  failed=$(sed -nE 's/.*failed=([0-9]+).*/\1/p' <<<"$summary")
  elapsed=$(sed -nE 's/.*duration=([0-9.]+).*/\1/p' <<<"$summary")
  if [[ -z $sent || -z $elapsed ]]; then
    echo "loadgen gave no summary; its log: $WORK/loadgen.log" >&2
    tail -n 20 "$WORK/loadgen.log" >&2
    return 1
  fi
  awk -v label="$label" -v rate="$rate" -v sent="$sent" -v failed="$failed" -v at_sink=$((count1 - count0)) \
    -v secs="$elapsed" -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" 'BEGIN {
      sps = at_sink / secs
      core = cpu / secs * 100
      per10k = sps > 0 ? core / (sps / 10000) : 0
      printf "%-8s %10s %10d %8d %10d %12.0f %9.2f %10.1f %22.2f\n", label, rate == 0 ? "max" : rate, sent, failed, at_sink, sps, cpu, core, per10k
    }'
}

echo "passthrough benchmark: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory," \
  "java $(java -version 2>&1 | sed -nE '1s/.*"(.*)".*/\1/p'), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
if [[ $DIRECT == 1 ]]; then
  echo "pipeline: loadgen -> counting sink (--direct: no traceyard; CPU is the sink's)"
else
  echo "pipeline: loadgen -> traceyard (otlp grpc -> batch -> otlp) -> counting sink; CPU is traceyard's"
fi
echo "load: $WORKERS workers, $SPANS_PER_TRACE spans/trace, $ATTRIBUTES extra attributes, $BATCH spans/request;" \
  "warmup ${WARMUP}s, runs of ${DURATION}s"
echo "warming up..."
run warmup 0 "$WARMUP"
printf "%-8s %10s %10s %8s %10s %12s %9s %10s %22s\n" run target_rate sent failed at_sink spans/s cpu_s "cpu%_core" "cpu%_core_per_10k/s"
run max 0 "$DURATION"
run fixed "$FIXED_RATE" "$DURATION"
echo "($MEASURED pid $MEASURED_PID; logs in $WORK)"
