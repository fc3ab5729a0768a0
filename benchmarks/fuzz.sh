#!/usr/bin/env bash
# Fuzzes each decoder target for a while, one after the other (Jazzer fuzzes one target per JVM),
# with coverage instrumentation of the parsers too (protobuf, Jackson, the OTLP classes), and prints
# executions per target. The corpus grows in traceyard-collector/.cifuzz-corpus/ (not committed);
# a finding fails the target and is written as crash-* into its seed directory under
# traceyard-collector/src/test/resources, where it replays as a regression test in every mvn verify.
#
# usage: benchmarks/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]
#   default: 120 seconds for each of the targets below; e.g. benchmarks/fuzz.sh 30 zipkin-json config-yaml
# FUZZ_SEED=N repeats a run (default 0: a new random seed each time).
# The bounded run in "mvn verify" is the same Maven execution per target with -Dfuzz.seconds=6 and
# only Traceyard's own classes instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."

per_target=${1:-120}
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(otlp-protobuf-traces otlp-protobuf-metrics otlp-protobuf-logs otlp-json-traces otlp-json-metrics
    otlp-json-logs zipkin-json zipkin-proto3 config-yaml)
fi
instrument=${FUZZ_INSTRUMENT:-'dev.traceyard.**,io.opentelemetry.proto.**,com.google.protobuf.**,com.fasterxml.jackson.**,org.yaml.snakeyaml.**'}
logs=traceyard-collector/target/fuzz-logs
mkdir -p "$logs"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory, load $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -B -ntp -q -o -pl traceyard-collector -DskipTests test-compile

status=0
printf '%-24s %12s %9s %8s  %s\n' target executions seconds exec/s result
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  if mvn -B -ntp -o -pl traceyard-collector -Pfuzz "surefire:test@fuzz-$t" \
      -Dfuzz.seconds="$per_target" -Dfuzz.instrument="$instrument" -Dfuzz.seed="${FUZZ_SEED:-0}" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"
    status=1
  fi
  # libFuzzer's last line: "Done 12345 runs in 120 second(s)".
  read -r runs secs < <(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -1) || true
  runs=${runs:-0}
  secs=${secs:-0}
  printf '%-24s %12s %9s %8s  %s\n' "$t" "$runs" "$secs" "$(( secs > 0 ? runs / secs : 0 ))" "$result"
done
exit $status
