#!/usr/bin/env bash
# Query latency of the embedded store at a given size:
#   1. fill: traceyard start on a fresh data dir in $TMPDIR, traceyard loadgen --protocol grpc at full
#      speed until SPANS spans are sent, then wait until all are stored (prints the fill time);
#   2. restart: stop (drain + checkpoint), du of the data dir (bytes per span), start again (start time);
#   3. queries: dev.traceyard.benchmarks.QueryBench against the native API over the whole filled range,
#      one request at a time (HttpURLConnection, kept alive): trace by id over distinct ids taken from searches
#      spread over the range (the first BY_ID after the restart, then BY_ID more),
#      search by one attribute (several conditions, common to none matching), RED queries; each with
#      the server's CPU time per request (all its threads, from /proc).
# Prints p50/p90/p99/max per query, plus the RSS of the server (VmHWM/VmRSS).
#
# usage: benchmarks/store-query.sh
# environment (defaults in brackets):
#   SPANS [1000000] spans to store (the issue asks for 10000000; the fill runs at the ingest rate and
#     sends again what loadgen gave up on, until SPANS are stored)
#   DATA_DIR [fresh in $TMPDIR, deleted afterwards unless KEEP_DATA=1; one given is kept]; with REUSE=1 and a DATA_DIR filled by an earlier run
#     (KEEP_DATA=1), the fill is skipped and the range is read from $DATA_DIR.range
#   WORKERS [4]  BATCH [512]  SPANS_PER_TRACE [10]  ATTRIBUTES [5]  ERROR_RATIO [0.01]  SEED [7]
#   BY_ID [1000] trace-by-id requests   SEARCH [50] requests per search condition   RED [200] per RED query
#   RESTART [1] restart between fill and queries (0: query the process that was filled)
#   FILL_CONFIG [benchmarks/configs/store-no-batch.yaml] merged on top of the built-in configuration for
#     the fill only: with the built-in batch processor, a full-speed fill loses the spans the batch
#     processor cannot hand to a full store queue (see store-ingest.sh); queries run with the built-in one
#   QUERYBENCH_ARGS [] more QueryBench options, e.g. "--skip-error-search true" for a fill without error traces,
#     "--client httpclient" for java.net.http.HttpClient, "--latencies FILE" for every latency in order
#   TRACEYARD_JAVA_OPTS [-Xmx1g]  LOADGEN_JAVA_OPTS [-Xmx512m]  KEEP_DATA [0]
#   TRACEYARD_JAR [traceyard-server/target/traceyard.jar, built when stale] another build to measure (e.g. a
#     copy of the jar before a change, for a before/after comparison on the same data dir); neither jar is rebuilt
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh

if [[ -n ${1:-} ]]; then
  sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
SPANS=${SPANS:-1000000}
WORKERS=${WORKERS:-4}
BATCH=${BATCH:-512}
SPANS_PER_TRACE=${SPANS_PER_TRACE:-10}
ATTRIBUTES=${ATTRIBUTES:-5}
ERROR_RATIO=${ERROR_RATIO:-0.01}
SEED=${SEED:-7}
BY_ID=${BY_ID:-1000}
SEARCH=${SEARCH:-50}
RED=${RED:-200}
RESTART=${RESTART:-1}
REUSE=${REUSE:-0}
KEEP_DATA=${KEEP_DATA:-0}
FILL_CONFIG=${FILL_CONFIG-benchmarks/configs/store-no-batch.yaml}
TRACEYARD_JAVA_OPTS=${TRACEYARD_JAVA_OPTS:--Xmx1g}
LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:--Xmx512m}

BENCH_JAR=benchmarks/target/benchmarks.jar
if [[ -n ${TRACEYARD_JAR:-} ]]; then
  : # a given build is measured as it is, and so is the benchmarks jar next to it (no rebuild mid-comparison)
else
  TRACEYARD_JAR=traceyard-server/target/traceyard.jar
  ensure_jars "$TRACEYARD_JAR" "$BENCH_JAR"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/traceyard-store-query.XXXXXX")
if [[ -z ${DATA_DIR:-} ]]; then
  DATA_DIR=$WORK/data
  if [[ $REUSE == 1 ]]; then
    echo "REUSE=1 needs DATA_DIR" >&2
    exit 2
  fi
fi
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $KEEP_DATA != 1 ]]; then
    rm -rf "$WORK" # holds the default data dir; a DATA_DIR given by the caller is left alone
  fi
}
trap cleanup EXIT

loadavg() {
  cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'
}

rss_mib() {
  awk -v f="$2:" '$1 == f {printf "%.0f", $2 / 1024}' "/proc/$1/status"
}

stored_count() {
  { curl -sf --max-time 20 "http://127.0.0.1:$METRICS_PORT/metrics" || true; } |
    awk '!found && index($0, "traceyard_exporter_sent_spans_total{exporter=\"traceyard\"}") == 1 {printf "%.0f\n", $NF; found = 1}
      END {if (!found) print 0}'
}

start_server() {
  local t0 log=$WORK/traceyard-$1.log config=
  if [[ $1 == fill ]]; then
    config=$FILL_CONFIG
  fi
  GRPC_PORT=$(free_port)
  QUERY_PORT=$(free_port)
  METRICS_PORT=$(free_port)
  t0=$(now_seconds)
  # shellcheck disable=SC2086
  TRACEYARD_OTLP_GRPC_ENDPOINT=127.0.0.1:$GRPC_PORT TRACEYARD_OTLP_HTTP_ENDPOINT=127.0.0.1:$(free_port) \
    TRACEYARD_ZIPKIN_ENDPOINT=127.0.0.1:$(free_port) TRACEYARD_QUERY_ENDPOINT=127.0.0.1:$QUERY_PORT \
    TRACEYARD_METRICS_ADDRESS=127.0.0.1:$METRICS_PORT TRACEYARD_HEALTH_ENDPOINT=127.0.0.1:$(free_port) \
    java $TRACEYARD_JAVA_OPTS -jar "$TRACEYARD_JAR" start --data-dir "$DATA_DIR" ${config:+--config "$config"} >"$log" 2>&1 &
  SERVER_PID=$!
  # The receivers open last, once the store is attached and its query API listens.
  if ! wait_for_port "$GRPC_PORT" "$SERVER_PID" 600; then
    echo "traceyard start did not start (log: $log):" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  START_SECONDS=$(awk -v a="$t0" -v b="$(now_seconds)" 'BEGIN {printf "%.1f", b - a}')
}

stop_server() {
  local t0
  t0=$(now_seconds)
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  STOP_SECONDS=$(awk -v a="$t0" -v b="$(now_seconds)" 'BEGIN {printf "%.1f", b - a}')
}

echo "store query benchmark: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory," \
  "java $(java -version 2>&1 | sed -nE '1s/.*"(.*)".*/\1/p'), $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(loadavg)"
echo "traceyard start ($TRACEYARD_JAVA_OPTS), data dir $DATA_DIR"

if [[ $REUSE == 1 ]]; then
  read -r RANGE_START RANGE_END TOTAL <"$DATA_DIR.range"
  echo "reusing $DATA_DIR: $TOTAL spans between $RANGE_START and $RANGE_END (unix ms)"
  start_server query
  echo "started in ${START_SECONDS}s"
else
  TRACES=$(((SPANS + SPANS_PER_TRACE - 1) / SPANS_PER_TRACE))
  echo "fill: traceyard start ${FILL_CONFIG:+--config $FILL_CONFIG}; $TRACES traces of $SPANS_PER_TRACE spans ($ATTRIBUTES extra attributes, error ratio $ERROR_RATIO)," \
    "$WORKERS loadgen workers at full speed, $BATCH spans/request"
  start_server fill
  RANGE_START=$(($(date +%s) * 1000 - 60000))
  fill_t0=$(now_seconds)
  # Progress every minute, so a long fill shows its rate.
  (
    while sleep 60; do
      echo "  $(date -u +%H:%M:%S) stored $(stored_count) spans, load average $(loadavg)" >&2
    done
  ) &
  PROGRESS_PID=$!
  # loadgen gives up on a request after 5 refusals (the store's queue full): send again what is
  # missing, with a new seed, until SPANS spans are stored.
  sent=0
  TOTAL=0
  for ((pass = 0; TOTAL < SPANS && pass < 10; pass++)); do
    traces=$(((SPANS - TOTAL + SPANS_PER_TRACE - 1) / SPANS_PER_TRACE))
    # shellcheck disable=SC2086
    summary=$(java $LOADGEN_JAVA_OPTS -jar "$TRACEYARD_JAR" loadgen --protocol grpc --otlp-endpoint "127.0.0.1:$GRPC_PORT" \
      --insecure --rate 0 --traces "$traces" --workers "$WORKERS" --batch-size "$BATCH" \
      --spans-per-trace "$SPANS_PER_TRACE" --attributes "$ATTRIBUTES" --error-ratio "$ERROR_RATIO" \
      --seed $((SEED + pass)) 2>>"$WORK/loadgen.log" | tail -n 1)
    echo "loadgen pass $((pass + 1)): $summary"
    pass_sent=$(sed -nE 's/.*sent=([0-9]+).*/\1/p' <<<"$summary")
    if [[ -z $pass_sent ]]; then
      kill "$PROGRESS_PID" 2>/dev/null || true
      echo "loadgen gave no summary; its log:" >&2
      tail -n 20 "$WORK/loadgen.log" >&2
      exit 1
    fi
    sent=$((sent + pass_sent))
    last=-1
    stable_since=$(now_seconds)
    while true; do
      TOTAL=$(stored_count)
      if ((TOTAL >= sent)); then
        break
      fi
      if [[ $TOTAL != "$last" ]]; then
        last=$TOTAL
        stable_since=$(now_seconds)
      elif awk -v a="$stable_since" -v b="$(now_seconds)" 'BEGIN {exit !(b - a > 30)}'; then
        echo "stored count stuck at $TOTAL of $sent sent" >&2
        break
      fi
      sleep 0.5
    done
  done
  fill_seconds=$(awk -v a="$fill_t0" -v b="$(now_seconds)" 'BEGIN {printf "%.1f", b - a}')
  kill "$PROGRESS_PID" 2>/dev/null || true
  wait "$PROGRESS_PID" 2>/dev/null || true
  RANGE_END=$(($(date +%s) * 1000 + 60000))
  echo "$RANGE_START $RANGE_END $TOTAL" >"$DATA_DIR.range"
  echo "fill: $TOTAL of $sent spans stored in ${fill_seconds}s ($(awk -v n="$TOTAL" -v s="$fill_seconds" \
    'BEGIN {printf "%.0f", n / s}') spans/s stored), lost $((sent - TOTAL)); traceyard VmHWM $(rss_mib "$SERVER_PID" VmHWM) MiB," \
    "VmRSS $(rss_mib "$SERVER_PID" VmRSS) MiB; load average $(loadavg)"
  if [[ $RESTART == 1 ]]; then
    stop_server
    disk=$(du -sb "$DATA_DIR" | cut -f1)
    echo "stopped in ${STOP_SECONDS}s; data dir $(awk -v d="$disk" 'BEGIN {printf "%.1f MiB", d / 1048576}')," \
      "$(awk -v d="$disk" -v n="$TOTAL" 'BEGIN {printf "%.1f", d / n}') bytes/span ($(find "$DATA_DIR/partitions" -name '*.duckdb' | wc -l) partitions)"
    start_server query
    echo "restarted in ${START_SECONDS}s (attach + WAL replay), VmRSS $(rss_mib "$SERVER_PID" VmRSS) MiB"
  fi
fi

echo "queries: one client, sequential, over the whole range ($(awk -v a="$RANGE_START" -v b="$RANGE_END" \
  'BEGIN {printf "%.1f", (b - a) / 60000}') min); load average $(loadavg)"
java -cp "$BENCH_JAR" dev.traceyard.benchmarks.QueryBench --url "http://127.0.0.1:$QUERY_PORT" \
  --start "$RANGE_START" --end "$RANGE_END" --by-id "$BY_ID" --search "$SEARCH" --red "$RED" \
  --server-pid "$SERVER_PID" ${QUERYBENCH_ARGS:-}
echo "after queries: traceyard VmHWM $(rss_mib "$SERVER_PID" VmHWM) MiB, VmRSS $(rss_mib "$SERVER_PID" VmRSS) MiB;" \
  "load average $(loadavg)"
if [[ $KEEP_DATA == 1 ]]; then
  echo "(data kept: $DATA_DIR, range in $DATA_DIR.range; rerun queries with REUSE=1 DATA_DIR=$DATA_DIR)"
fi
