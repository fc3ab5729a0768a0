# Helpers shared by the benchmark scripts (sourced, not run).

# Rebuilds the jars when they are missing or older than any source file.
ensure_jars() {
  local stale=0 jar
  for jar in "$@"; do
    if [[ ! -f $jar ]] || [[ -n $(find traceyard-*/src benchmarks/src pom.xml */pom.xml -newer "$jar" -type f -print -quit 2>/dev/null) ]]; then
      stale=1
    fi
  done
  if [[ $stale == 1 ]]; then
    echo "building jars (mvn -q -o package -DskipTests)..." >&2
    mvn -q -o package -DskipTests >&2
  fi
}

# Prints a TCP port that is free on loopback right now.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Waits until something listens on 127.0.0.1:$1, failing if process $2 exits or $3 seconds pass.
wait_for_port() {
  local port=$1 pid=$2 timeout=${3:-60} waited=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
    if ((waited > timeout * 5)); then
      return 1
    fi
  done
}

# CPU time (user + system) of process $1 so far, in seconds.
cpu_seconds() {
  local ticks
  # Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
  ticks=$(sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{print $12 + $13}')
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz}'
}

now_seconds() {
  date +%s.%N
}

# Prints the path of the Zipkin server exec jar in benchmarks/.cache (gitignored), fetching it with
# Maven when missing: version ZIPKIN_VERSION if set, else the newest jar already cached, else the
# newest release (Maven's RELEASE meta-version, i.e. the newest version that resolves).
zipkin_jar() {
  local cache=benchmarks/.cache jar version=${ZIPKIN_VERSION:-}
  mkdir -p "$cache"
  if [[ -n $version ]]; then
    jar=$cache/zipkin-server-$version-exec.jar
  else
    jar=$(find "$cache" -maxdepth 1 -name 'zipkin-server-*-exec.jar' | sort -V | tail -n 1)
  fi
  if [[ -z $jar || ! -f $jar ]]; then
    echo "fetching io.zipkin:zipkin-server:${version:-RELEASE}:jar:exec into $cache..." >&2
    # From the cache directory, so Maven does not run the goal for every module of the project.
    (cd "$cache" && mvn -q dependency:copy -Dartifact="io.zipkin:zipkin-server:${version:-RELEASE}:jar:exec" \
      -DoutputDirectory=. >&2) || return 1
    jar=$(find "$cache" -maxdepth 1 -name "zipkin-server-${version:-*}-exec.jar" | sort -V | tail -n 1)
  fi
  if [[ -z $jar || ! -f $jar ]]; then
    echo "no Zipkin server jar in $cache" >&2
    return 1
  fi
  echo "$jar"
}

# thread_cpu_snapshot PID FILE: writes "tid ticks name" per thread of JVM process PID (utime + stime in
# clock ticks from /proc/PID/task/*/stat; the full Java thread name from jcmd Thread.print, since the
# kernel's comm is cut at 15 characters; threads jcmd does not list, e.g. GC and compiler threads on
# some JVMs, keep their comm).
thread_cpu_snapshot() {
  local pid=$1 file=$2 names
  names=$(mktemp)
  { jcmd "$pid" Thread.print 2>/dev/null || true; } |
    sed -nE 's/^"([^"]*)".* nid=0x([0-9a-f]+) .*/\2 \1/p' |
    while read -r hex name; do echo "$((16#$hex)) $name"; done >"$names"
  # One awk over every thread's stat line (a process per thread is far too slow with ~250 threads):
  # the comm is between the first "(" and the last ")"; utime and stime are fields 14 and 15.
  awk 'NR == FNR {id = $1; $1 = ""; sub(/^ /, ""); name[id] = $0; next}
    {
      split(FILENAME, p, "/"); tid = p[5]
      lp = index($0, "("); rp = match($0, /\) [A-Za-z] /)
      comm = substr($0, lp + 1, rp - lp - 1); gsub(/ /, "_", comm)
      split(substr($0, rp + 2), f, " ")
      print tid, f[12] + f[13], (tid in name) ? name[tid] : comm
    }' "$names" /proc/"$pid"/task/*/stat >"$file" 2>/dev/null || true
  rm -f "$names"
}

# thread_cpu_report FILE0 FILE1 SPANS: CPU between two snapshots by thread group, as % of the total and
# as microseconds per span. Groups by Java thread name (Armeria/Netty event loops, the receivers'
# blocking executor, the store's writer, GC, JIT compiler, ...).
thread_cpu_report() {
  awk -v spans="$3" -v hz="$(getconf CLK_TCK)" '
    function group(n) {
      if (n ~ /^armeria-common-worker|^armeria-boss|epoll|^globalEventExecutor/) return "event loops (armeria/netty)"
      if (n ~ /^armeria-common-blocking-tasks|blocking/) return "receiver blocking executor (armeria)"
      if (n ~ /store-writer|traceyard-store|duckdb/) return "store writer"
      if (n ~ /^GC |^G1 |^GC_|Gang|Parallel|^VM Periodic|Conc|Refine|^G1_/) return "GC"
      if (n ~ /^C[12] Compiler|CompilerThre|^C1_|^C2_/) return "JIT compiler"
      if (n ~ /^VM Thread|VM_Thread/) return "VM thread (safepoints)"
      if (n == "java") return "native threads (DuckDB workers)"
      if (n ~ /trace.?quality|quality/) return "trace_quality"
      if (n ~ /memory.?limiter/) return "memory_limiter"
      o = n; gsub(/[0-9]+/, "#", o)
      return "other: " o
    }
    NR == FNR {t0[$1] = $2; next}
    {
      tid = $1; ticks = $2; $1 = ""; $2 = ""; sub(/^  /, ""); name = $0
      d = ticks - (tid in t0 ? t0[tid] : 0)
      if (d <= 0) next
      g = group(name); cpu[g] += d; total += d
    }
    END {
      printf "%-44s %8s %6s %10s\n", "thread group", "cpu_s", "%", "us/span"
      for (g in cpu) printf "%-44s\t%8.2f %6.1f %10.2f\n", g, cpu[g] / hz, 100 * cpu[g] / total, (spans > 0 ? cpu[g] / hz * 1e6 / spans : 0) | "sort -t \"\t\" -k2 -nr | tr \"\t\" \" \""
      close("sort -t \"\t\" -k2 -nr | tr \"\t\" \" \"")
      printf "%-44s %8.2f %6.1f %10.2f\n", "total", total / hz, 100, (spans > 0 ? total / hz * 1e6 / spans : 0)
    }' "$1" "$2"
}
