#!/usr/bin/env bash
# Runs the JMH micro-benchmarks with short settings (1 fork, 5x2s warmup, 5x2s measurement: the
# OTLP/JSON path needs about 10s of warmup to reach steady state on a busy machine), then
# prints the encoded size of the benchmark request. Scores are ns per span.
#
# usage: benchmarks/jmh.sh [JMH args...]
#   default: the OTLP codec and generator benchmarks; e.g. benchmarks/jmh.sh OtlpDecodeBenchmark -p attributes=0,20
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib.sh

JAR=benchmarks/target/benchmarks.jar
ensure_jars "$JAR"
if [[ $# -eq 0 ]]; then
  set -- 'OtlpDecodeBenchmark|TraceGeneratorBenchmark'
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory"
java -jar "$JAR" -f 1 -wi 5 -w 2s -i 5 -r 2s "$@"
java -cp "$JAR" dev.traceyard.benchmarks.OtlpDecodeBenchmark
