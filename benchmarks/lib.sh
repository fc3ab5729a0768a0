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
