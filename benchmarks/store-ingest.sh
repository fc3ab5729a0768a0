#!/usr/bin/env bash
# Ingest benchmark of the all-in-one backend against the Zipkin server, one after the other on this
# machine, fed the same generated traces at full speed:
#   traceyard         traceyard loadgen --protocol grpc  -> traceyard start (otlp -> memory_limiter -> batch -> DuckDB store)
#   zipkin            ZipkinLoad (Zipkin v2 JSON)        -> zipkin-server exec jar, STORAGE_TYPE=mem
#   traceyard-zipkin  ZipkinLoad (Zipkin v2 JSON)        -> traceyard start's zipkin receiver (same protocol as Zipkin)
#   traceyard-nobatch like traceyard, with --config benchmarks/configs/store-no-batch.yaml (no batch
#                     processor, so the store's backpressure reaches the client instead of drops)
# Each case: fresh server and data dir in $TMPDIR, WARMUP seconds of load, wait until all of it is
# stored, then DURATION seconds of measured load and a wait until everything sent is stored. Reports
# spans/s accepted (by the sender) and stored (spans stored during the run / (send time + drain time)),
# spans lost (sent - stored), server CPU, RSS (VmRSS at start, VmHWM and VmRSS at the end from
# /proc/<pid>/status), and for traceyard the bytes on disk per stored span after shutdown (du -sb of
# the data dir, after the final checkpoint).
#
# Every case's final self-telemetry is saved (metrics-<case>-<round>.txt in the work dir) and its
# refusals and drops are printed: receiver refused, memory_limiter refused, batch dropped, store queue full.
#
# Stored counts: traceyard_exporter_sent_spans_total{exporter="traceyard"} (rows committed); checked
# against the query API (sum of spanCount over all traces, paged search, plus RED counts) and, for
# ZipkinLoad, against sampled trace ids fetched back. Zipkin: zipkin_collector_spans_total minus
# zipkin_collector_spans_dropped_total from /prometheus (its in-memory store answers 202 once the
# spans are stored), checked with sampled trace ids fetched from /api/v2/trace/{id}.
#
# usage: benchmarks/store-ingest.sh
# environment (defaults in brackets):
#   CASES ["zipkin traceyard traceyard-nobatch traceyard-zipkin"]   ROUNDS [1] repeat the cases, interleaved
#   DURATION [60] measured seconds per case       WARMUP [15] seconds of load before it
#   WORKERS [4] sender threads    BATCH [512] spans per request    SPANS_PER_TRACE [10]
#   ATTRIBUTES [5] extra attributes per span      ERROR_RATIO [0.1]   SEED [42]
#   ZIPKIN_VERSION [newest cached jar in benchmarks/.cache, else RELEASE via mvn dependency:copy]
#   ZIPKIN_JAVA_OPTS [-Xmx12g] (it keeps every span on its heap, ~3 KB each: 4g ran out within 60 s)  TRACEYARD_JAVA_OPTS [-Xmx1g]
#   ZIPKIN_MEM_MAX_SPANS [1000000000] Zipkin's MEM_MAX_SPANS: never evict; 500000 (Zipkin's default) evicts old traces
#   LOADGEN_JAVA_OPTS [-Xmx512m]   VERIFY_SEARCH [1] count traceyard's spans through the query API
#   KEEP_DATA [0] keep the work dir (data dirs, logs)
#   THREAD_CPU [0] 1: also print the server's CPU over the measured run by thread group (event loops,
#     blocking executor, store writer, GC, JIT, ...) in microseconds per stored span (per-thread
#     /proc/<pid>/task/*/stat snapshots named with jcmd Thread.print)
#   JFR_DIR [unset] a directory: record the traceyard server with JFR (settings JFR_SETTINGS [profile])
#     over the measured run only (jcmd JFR.start / JFR.stop), into JFR_DIR/<case>-<round>.jfr
#   SERVER_JAR [the current build] the traceyard jar under test (e.g. a saved copy of an older build for
#     A/B runs; the load generator always comes from the current build). With CASES naming a case twice
#     as case@jar, e.g. CASES="zipkin traceyard@/tmp/before.jar traceyard", both run side by side in one run
#   case%tag: the server also gets the JVM options in JAVA_OPTS_<tag>, e.g.
#     JAVA_OPTS_par="-XX:+UseParallelGC" CASES="traceyard traceyard%par" (GC settings side by side);
#     and, when CONFIG_<tag> names a file, `--config <file>` on top of the built-in config (store settings A/B)
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh

if [[ -n ${1:-} ]]; then
  sed -n '2,46p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
CASES=${CASES:-zipkin traceyard traceyard-nobatch traceyard-zipkin}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-15}
WORKERS=${WORKERS:-4}
BATCH=${BATCH:-512}
SPANS_PER_TRACE=${SPANS_PER_TRACE:-10}
ATTRIBUTES=${ATTRIBUTES:-5}
ERROR_RATIO=${ERROR_RATIO:-0.1}
SEED=${SEED:-42}
ZIPKIN_JAVA_OPTS=${ZIPKIN_JAVA_OPTS:--Xmx12g}
ZIPKIN_MEM_MAX_SPANS=${ZIPKIN_MEM_MAX_SPANS:-1000000000}
TRACEYARD_JAVA_OPTS=${TRACEYARD_JAVA_OPTS:--Xmx1g}
LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:--Xmx512m}
VERIFY_SEARCH=${VERIFY_SEARCH:-1}
KEEP_DATA=${KEEP_DATA:-0}
THREAD_CPU=${THREAD_CPU:-0}
JFR_DIR=${JFR_DIR:-}
JFR_SETTINGS=${JFR_SETTINGS:-profile}

TRACEYARD_JAR=traceyard-server/target/traceyard.jar
SERVER_JAR_DEFAULT=${SERVER_JAR:-$TRACEYARD_JAR}
BENCH_JAR=benchmarks/target/benchmarks.jar
ensure_jars "$TRACEYARD_JAR" "$BENCH_JAR"
ZIPKIN_JAR=
if [[ " $CASES " == *" zipkin "* ]]; then
  ZIPKIN_JAR=$(zipkin_jar)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/traceyard-store-ingest.XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $KEEP_DATA != 1 ]]; then
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

loadavg() {
  cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'
}

# rss_mib PID FIELD: VmRSS or VmHWM of a process, in MiB.
rss_mib() {
  awk -v f="$2:" '$1 == f {printf "%.0f", $2 / 1024}' "/proc/$1/status"
}

# Value of a Prometheus sample (first line starting with $2) on URL $1, as an integer.
metric() {
  # awk reads everything: leaving early would fail curl with SIGPIPE (and the script, under pipefail).
  { curl -sf --max-time 20 "$1" || true; } | awk -v m="$2" '!found && index($0, m) == 1 {printf "%.0f\n", $NF; found = 1} END {if (!found) print 0}'
}

stored_count() {
  if [[ $SERVER == zipkin ]]; then
    local total dropped
    total=$(metric "http://127.0.0.1:$ZIPKIN_PORT/prometheus" 'zipkin_collector_spans_total{transport="http"')
    dropped=$(metric "http://127.0.0.1:$ZIPKIN_PORT/prometheus" 'zipkin_collector_spans_dropped_total{transport="http"')
    echo $((total - dropped))
  else
    metric "http://127.0.0.1:$METRICS_PORT/metrics" 'traceyard_exporter_sent_spans_total{exporter="traceyard"}'
  fi
}

# wait_stored TARGET: polls until TARGET spans are stored, or nothing changed for 15 s (spans lost),
# or 600 s passed; prints "<count> <epoch seconds of the last change>".
wait_stored() {
  local target=$1 count last changed_at start
  start=$(now_seconds)
  last=$(stored_count)
  changed_at=$(now_seconds)
  while ((last < target)); do
    sleep 0.2
    count=$(stored_count)
    if [[ $count != "$last" ]]; then
      last=$count
      changed_at=$(now_seconds)
    elif awk -v a="$changed_at" -v b="$(now_seconds)" -v s="$start" 'BEGIN {exit !(b - a > 15 || b - s > 600)}'; then
      break
    fi
  done
  echo "$last $changed_at"
}

start_server() {
  local log=$WORK/$LABEL-$ROUND.log
  if [[ $SERVER == zipkin ]]; then
    ZIPKIN_PORT=$(free_port)
    # MEM_MAX_SPANS (ZIPKIN_MEM_MAX_SPANS): by default far above what a run sends, so the in-memory
    # store never evicts; its own default (500000) evicts the oldest traces, which keeps its heap small.
    # shellcheck disable=SC2086
    STORAGE_TYPE=mem MEM_MAX_SPANS=$ZIPKIN_MEM_MAX_SPANS QUERY_PORT=$ZIPKIN_PORT \
      java $ZIPKIN_JAVA_OPTS -jar "$ZIPKIN_JAR" >"$log" 2>&1 &
    SERVER_PID=$!
    TARGET_PORT=$ZIPKIN_PORT
  else
    DATA_DIR=$WORK/data-$LABEL-$ROUND
    GRPC_PORT=$(free_port)
    ZIPKIN_PORT=$(free_port)
    QUERY_PORT=$(free_port)
    METRICS_PORT=$(free_port)
    # shellcheck disable=SC2086
    TRACEYARD_OTLP_GRPC_ENDPOINT=127.0.0.1:$GRPC_PORT TRACEYARD_OTLP_HTTP_ENDPOINT=127.0.0.1:$(free_port) \
      TRACEYARD_ZIPKIN_ENDPOINT=127.0.0.1:$ZIPKIN_PORT TRACEYARD_QUERY_ENDPOINT=127.0.0.1:$QUERY_PORT \
      TRACEYARD_METRICS_ADDRESS=127.0.0.1:$METRICS_PORT TRACEYARD_HEALTH_ENDPOINT=127.0.0.1:$(free_port) \
      java $TRACEYARD_JAVA_OPTS $CASE_JAVA_OPTS -jar "$CASE_JAR" start --data-dir "$DATA_DIR" \
      ${CASE_CONFIG:+--config "$CASE_CONFIG"} >"$log" 2>&1 &
    SERVER_PID=$!
    TARGET_PORT=$([[ $CASE == traceyard-zipkin ]] && echo "$ZIPKIN_PORT" || echo "$GRPC_PORT")
  fi
  if ! wait_for_port "$TARGET_PORT" "$SERVER_PID" 180; then
    echo "$CASE did not start (log: $log):" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  sleep 2
}

stop_server() {
  local t0
  t0=$(now_seconds)
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  STOP_SECONDS=$(awk -v a="$t0" -v b="$(now_seconds)" 'BEGIN {printf "%.1f", b - a}')
}

# drive SECONDS SEED [SAMPLE_FILE]: sends load to the current case's server; prints the sender's summary line.
drive() {
  local seconds=$1 seed=$2 sample=${3:-}
  if [[ $CASE == traceyard || $CASE == traceyard-nobatch ]]; then
    # shellcheck disable=SC2086
    java $LOADGEN_JAVA_OPTS -jar "$TRACEYARD_JAR" loadgen --protocol grpc --otlp-endpoint "127.0.0.1:$GRPC_PORT" \
      --insecure --rate 0 --duration "${seconds}s" --workers "$WORKERS" --batch-size "$BATCH" \
      --spans-per-trace "$SPANS_PER_TRACE" --attributes "$ATTRIBUTES" --error-ratio "$ERROR_RATIO" --seed "$seed" \
      2>>"$WORK/sender.log" | tail -n 1
  else
    # shellcheck disable=SC2086
    java $LOADGEN_JAVA_OPTS -cp "$BENCH_JAR" dev.traceyard.benchmarks.ZipkinLoad \
      --url "http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans" --duration "${seconds}s" --workers "$WORKERS" \
      --batch-size "$BATCH" --spans-per-trace "$SPANS_PER_TRACE" --attributes "$ATTRIBUTES" \
      --error-ratio "$ERROR_RATIO" --seed "$seed" ${sample:+--sample-ids "$sample"} 2>>"$WORK/sender.log" | tail -n 1
  fi
}

field() {
  sed -nE "s/.*(^| )$1=([0-9.]+).*/\2/p" <<<"$2"
}

# Fetches the sampled trace ids back (at most 200) and counts the complete ones: "complete/checked".
verify_samples() {
  local file=$1 url checked=0 complete=0 id spans
  if [[ $SERVER == zipkin ]]; then
    url="http://127.0.0.1:$ZIPKIN_PORT/api/v2/trace/"
  else
    url="http://127.0.0.1:$QUERY_PORT/api/v1/traces/"
  fi
  while read -r id; do
    spans=$({ curl -s --max-time 20 "$url$id" || true; } | grep -o '"traceId"' | wc -l)
    checked=$((checked + 1))
    if ((spans == SPANS_PER_TRACE)); then
      complete=$((complete + 1))
    fi
  done < <(head -n 200 "$file")
  echo "$complete/$checked"
}

# RED counts over the whole run: the span-metric table counts every stored span.
red_total() {
  { curl -sf --max-time 60 "http://127.0.0.1:$QUERY_PORT/api/v1/red?start=$1&end=$2" || true; } |
    grep -oE '"count":[0-9]+' | awk -F: '{s += $2} END {printf "%d", s}'
}

# Saves the server's final self-telemetry and prints its refusals and drops.
save_metrics() {
  local file=$WORK/metrics-$LABEL-$ROUND.txt
  if [[ $SERVER == zipkin ]]; then
    curl -sf --max-time 20 "http://127.0.0.1:$ZIPKIN_PORT/prometheus" >"$file" || true
    echo "   zipkin: $(grep -E '^zipkin_collector_(spans|spans_dropped|messages_dropped)_total\{transport="http"' "$file" |
      sed -E 's/^zipkin_collector_([a-z_]+)_total.* ([0-9.E]+)$/\1=\2/' | tr '\n' ' ')" >&2
  else
    curl -sf --max-time 20 "http://127.0.0.1:$METRICS_PORT/metrics" >"$file" || true
    awk '
      /^traceyard_receiver_refused_spans_total/ {rr += $NF}
      /^traceyard_processor_refused_items_total\{processor="memory_limiter",signal="traces"/ {ml += $NF}
      /^traceyard_processor_dropped_items_total\{processor="batch",signal="traces"/ {bd += $NF}
      /^traceyard_exporter_enqueue_failed_spans_total/ {qf += $NF}
      END {printf "   traceyard: receiver refused %d spans, memory_limiter refused %d, batch dropped %d (accepted, then lost),"\
        " store queue full for %d\n", rr, ml, bd, qf}' "$file" >&2
  fi
}

run_case() {
  local summary warm_summary warm_sent sent failed elapsed s0 cpu0 cpu1 result stored changed_at t_sent
  local rss0 hwm rss1 samples check="-" search="-" red="-" disk="-" bytes_per_span="-" range_start range_end
  SERVER=$([[ $CASE == zipkin ]] && echo zipkin || echo traceyard)
  CASE_CONFIG=$([[ $CASE == traceyard-nobatch ]] && echo benchmarks/configs/store-no-batch.yaml || echo "$CASE_TAG_CONFIG")
  echo "== $LABEL (round $ROUND): load average $(loadavg)" >&2
  range_start=$(($(date +%s) * 1000 - 120000))
  start_server
  rss0=$(rss_mib "$SERVER_PID" VmRSS)
  warm_summary=$(drive "$WARMUP" $((SEED + 1000 * ROUND + 1)))
  warm_sent=$(field sent "$warm_summary")
  if [[ -z $warm_sent ]]; then
    echo "$CASE: warmup sender gave no summary; see $WORK/sender.log" >&2
    tail -n 20 "$WORK/sender.log" >&2
    exit 1
  fi
  read -r s0 _ < <(wait_stored "$warm_sent")
  if [[ $THREAD_CPU == 1 ]]; then
    thread_cpu_snapshot "$SERVER_PID" "$WORK/threads0-$LABEL-$ROUND.txt"
  fi
  if [[ -n $JFR_DIR && $SERVER == traceyard ]]; then
    mkdir -p "$JFR_DIR"
    jcmd "$SERVER_PID" JFR.start name=bench settings="$JFR_SETTINGS" \
      filename="$(cd "$JFR_DIR" && pwd)/$LABEL-$ROUND.jfr" >/dev/null
  fi
  cpu0=$(cpu_seconds "$SERVER_PID")
  samples=$WORK/samples-$LABEL-$ROUND.txt
  summary=$(drive "$DURATION" $((SEED + 1000 * ROUND)) "$samples")
  t_sent=$(now_seconds)
  sent=$(field sent "$summary")
  failed=$(field failed "$summary")
  elapsed=$(field duration "$summary")
  if [[ -z $sent || -z $elapsed ]]; then
    echo "$CASE: sender gave no summary; see $WORK/sender.log" >&2
    tail -n 20 "$WORK/sender.log" >&2
    exit 1
  fi
  read -r stored changed_at < <(wait_stored $((warm_sent + sent)))
  cpu1=$(cpu_seconds "$SERVER_PID")
  if [[ -n $JFR_DIR && $SERVER == traceyard ]]; then
    jcmd "$SERVER_PID" JFR.stop name=bench >/dev/null
  fi
  if [[ $THREAD_CPU == 1 ]]; then
    thread_cpu_snapshot "$SERVER_PID" "$WORK/threads1-$LABEL-$ROUND.txt"
    echo "   server CPU by thread over the measured run ($((stored - s0)) spans stored):" >&2
    thread_cpu_report "$WORK/threads0-$LABEL-$ROUND.txt" "$WORK/threads1-$LABEL-$ROUND.txt" $((stored - s0)) |
      sed 's/^/     /' >&2
  fi
  hwm=$(rss_mib "$SERVER_PID" VmHWM)
  rss1=$(rss_mib "$SERVER_PID" VmRSS)
  range_end=$(($(date +%s) * 1000 + 60000))
  if [[ -f $samples ]]; then
    check=$(verify_samples "$samples")
  fi
  if [[ $SERVER == traceyard ]]; then
    sleep 6 # the RED table is flushed every 5 s
    red=$(red_total "$range_start" "$range_end")
    if [[ $VERIFY_SEARCH == 1 ]]; then
      search=$(java -cp "$BENCH_JAR" dev.traceyard.benchmarks.QueryBench --url "http://127.0.0.1:$QUERY_PORT" \
        --start "$range_start" --end "$range_end" --count "$SPANS_PER_TRACE" 2>>"$WORK/sender.log")
      echo "   query API page-through: $search" >&2
      search=$(field spans "$search")
    fi
  fi
  save_metrics
  stop_server
  if [[ $SERVER == traceyard ]]; then
    disk=$(du -sb "$DATA_DIR" | cut -f1)
    bytes_per_span=$(awk -v d="$disk" -v s="$stored" 'BEGIN {printf "%.1f", (s > 0 ? d / s : 0)}')
  fi
  awk -v c="$LABEL" -v r="$ROUND" -v sent="$sent" -v failed="$failed" -v secs="$elapsed" -v s0="$s0" -v s1="$stored" \
    -v total=$((warm_sent + sent)) -v drain="$(awk -v a="$t_sent" -v b="$changed_at" 'BEGIN {d = b - a; print (d > 0 ? d : 0)}')" \
    -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" -v rss0="$rss0" -v hwm="$hwm" -v rss1="$rss1" \
    -v bps="$bytes_per_span" -v check="$check" -v search="$search" -v red="$red" -v stop="$STOP_SECONDS" \
    -v load="$(loadavg)" 'BEGIN {
      stored = s1 - s0
      printf "%-24s %2d %9d %6d %10.0f %10.0f %6.1f %11d %6d %7.0f %6d %6d %6d %9s %8s %10s %10s %5s %s\n",
        c, r, sent, failed, sent / secs, stored / (secs + drain), drain, s1, total - s1, cpu / (secs + drain) * 100,
        rss0, hwm, rss1, bps, check, search, red, stop, load
    }' >>"$WORK/results.txt"
  tail -n 1 "$WORK/results.txt" >&2
}

SIZES=$(java -cp "$BENCH_JAR" dev.traceyard.benchmarks.ZipkinLoad --sizes --batch-size "$BATCH" \
  --spans-per-trace "$SPANS_PER_TRACE" --attributes "$ATTRIBUTES" --error-ratio "$ERROR_RATIO" --seed "$SEED")
echo "store ingest benchmark: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory," \
  "java $(java -version 2>&1 | sed -nE '1s/.*"(.*)".*/\1/p'), $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(loadavg)"
echo "load: $WORKERS workers at full speed, $SPANS_PER_TRACE spans/trace, $ATTRIBUTES extra attributes," \
  "error ratio $ERROR_RATIO, $BATCH spans/request; warmup ${WARMUP}s, measured ${DURATION}s"
echo "span size: $SIZES"
if [[ -n $ZIPKIN_JAR ]]; then
  echo "zipkin: $ZIPKIN_JAR (STORAGE_TYPE=mem, $ZIPKIN_JAVA_OPTS); traceyard: traceyard start ($TRACEYARD_JAVA_OPTS)"
fi
: >"$WORK/results.txt"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  for CASE_SPEC in $CASES; do
    # case[%tag][@jar]: %tag adds the server JVM options in $JAVA_OPTS_<tag> (GC A/B runs).
    CASE_JAVA_OPTS=
    CASE_TAG_CONFIG=
    TAG=
    if [[ $CASE_SPEC == *%* ]]; then
      TAG=${CASE_SPEC#*%}
      TAG=${TAG%%@*}
      var=JAVA_OPTS_$TAG
      CASE_JAVA_OPTS=${!var:-}
      var=CONFIG_$TAG
      CASE_TAG_CONFIG=${!var:-}
      CASE_SPEC=${CASE_SPEC/\%$TAG/}
    fi
    CASE=${CASE_SPEC%%@*}
    CASE_JAR=$SERVER_JAR_DEFAULT
    LABEL=$CASE${TAG:+%$TAG}
    if [[ $CASE_SPEC == *@* ]]; then
      CASE_JAR=${CASE_SPEC#*@}
      LABEL=$LABEL@$(basename "$CASE_JAR" .jar)
    fi
    run_case
  done
done
echo
printf "%-24s %2s %9s %6s %10s %10s %6s %11s %6s %7s %6s %6s %6s %9s %8s %10s %10s %5s %s\n" \
  case rnd sent failed accepted/s stored/s drain_s stored_total lost "cpu%" rss0 hwm rss_end "disk_B/sp" \
  samples api_spans red_spans stop_s load_1/5/15
cat "$WORK/results.txt"
awk '$1 == "zipkin" {z += $6; nz++} $1 == "traceyard" {t += $6; nt++} $1 == "traceyard-zipkin" {tz += $6; ntz++}
  $1 == "traceyard-nobatch" {tn += $6; ntn++}
  END {
    if (nz && nt) printf "stored spans/s, traceyard (OTLP) / zipkin (JSON): %.2fx\n", (t / nt) / (z / nz)
    if (nz && ntn) printf "stored spans/s, traceyard-nobatch (OTLP) / zipkin (JSON): %.2fx\n", (tn / ntn) / (z / nz)
    if (nz && ntz) printf "stored spans/s, traceyard (Zipkin JSON) / zipkin (JSON): %.2fx\n", (tz / ntz) / (z / nz)
  }' "$WORK/results.txt"
echo "columns: sent/failed = measured run; accepted/s = sent / send time; stored/s = spans stored during the run /"
echo "(send time + drain_s, the wait after the sender finished until the last span was stored); stored_total and lost"
echo "include the warmup; cpu% = server CPU over send+drain (100 = one core); rss0/hwm/rss_end MiB = VmRSS at start,"
echo "VmHWM and VmRSS at the end; disk_B/sp = du -sb of the data dir after shutdown / stored_total; samples ="
echo "complete/checked sampled traces fetched back; api_spans = spans counted by paging the query API's search;"
echo "red_spans = sum of RED counts; stop_s = shutdown time (drain + checkpoint); load = load average after the case"
if [[ $KEEP_DATA == 1 ]]; then
  echo "(work dir kept: $WORK)"
fi
