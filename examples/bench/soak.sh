#!/usr/bin/env bash
# Soak run of the standalone balancer (examples/target/jlb.jar): a steady wrk load for 10 minutes
# through jlb in front of 5 backends, one backend killed (SIGKILL) and restarted every minute, the
# configuration rewritten (a hot reload) every 30 s. Prints the errors the clients saw (0 expected),
# the heap after each full collection (flat expected) and every backend's requests in flight at the
# end, from the admin API (0 expected); exits 1 when either is not as expected. Not run by CI.
#
#   mvn -q -B -DskipTests package && examples/bench/soak.sh                 # 10 minutes
#   examples/bench/soak.sh --duration 120 --kill-every 30 --reload-every 15  # a short one
#   examples/bench/soak.sh --help
#
# Everything listens on 127.0.0.1; the run stops by itself after --duration (plus a minute at most to
# settle and report); everything it starts is stopped when it ends or is interrupted.
# Needs: wrk, curl, a JDK 17+ (jcmd for the full collections), and nginx or python3 for the backends.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/examples/target/jlb.jar"
duration=600
kill_every=60
down_for=5
reload_every=30
connections=50
wrk_threads=2
java_opts="-XX:+UseParallelGC -Xms64m -Xmx64m -XX:+AlwaysPreTouch"
base_port=29080
lb_cpu=0
load_cpu=1

usage() {
  cat <<USAGE
Usage: examples/bench/soak.sh [options]
  --duration S       seconds of load (default $duration)
  --kill-every S     kill one backend (in turn) every S seconds (default $kill_every); it restarts
                     --down-for S later (default $down_for)
  --reload-every S   rewrite the configuration every S seconds: a backend's weight alternates 1, 2
                     (default $reload_every)
  --connections C    wrk connections: the steady load (default $connections); --wrk-threads T (default $wrk_threads)
  --java-opts "..."  JVM options of jlb (default "$java_opts")
  --jar PATH         the jar (default examples/target/jlb.jar)
  --base-port P      jlb on P, its admin listener on P+99, backends on P+1..P+5 (default $base_port)
  --lb-cpu N / --load-cpu N   CPU of jlb / of wrk and the backends (default 0 / 1; same = no split)
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --kill-every) kill_every=$2; shift 2 ;;
    --down-for) down_for=$2; shift 2 ;;
    --reload-every) reload_every=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --lb-cpu) lb_cpu=$2; shift 2 ;;
    --load-cpu) load_cpu=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak.sh: $1: unknown option (see --help)" >&2; exit 2 ;;
  esac
done

for tool in wrk curl java jcmd; do
  command -v "$tool" >/dev/null || { echo "soak.sh: $tool not found" >&2; exit 2; }
done
[ -f "$jar" ] || { echo "soak.sh: $jar not found: run mvn -q -B -DskipTests package first" >&2; exit 2; }
if command -v nginx >/dev/null; then backend_kind=nginx
elif command -v python3 >/dev/null; then backend_kind=python3
else echo "soak.sh: neither nginx nor python3 found for the backends" >&2; exit 2; fi
pin_lb=""; pin_load=""
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && [ "$lb_cpu" != "$load_cpu" ]; then
  pin_lb="taskset -c $lb_cpu"; pin_load="taskset -c $load_cpu"
fi

work=$(mktemp -d /tmp/jlb-soak.XXXXXX)
pids=()
declare -A backend_pid
cleanup() {
  for pid in "${pids[@]}" "${backend_pid[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}" "${backend_pid[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() { # url name: wait (at most 30 s) until the url answers 200
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = "200" ] && return 0
    sleep 0.1
  done
  echo "soak.sh: $2 did not answer on $1 within 30 s" >&2; exit 1
}

# ---- backends: one process each, so that one can be killed ----
start_backend() { # index 1..5
  local i=$1 p=$((base_port + $1)) dir="$work/b$1"
  mkdir -p "$dir"
  if [ "$backend_kind" = nginx ]; then
    cat > "$dir/nginx.conf" <<CONF
worker_processes 1; daemon off; master_process off; pid $dir/pid; error_log $dir/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; client_body_temp_path $dir; proxy_temp_path $dir;
  fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen 127.0.0.1:$p; location / { return 200 'b$i'; } } }
CONF
    $pin_load nginx -c "$dir/nginx.conf" -p "$dir" > /dev/null 2>&1 & backend_pid[$i]=$!; disown "$!"
  else
    $pin_load python3 -c "
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'b$i')
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', $p), H).serve_forever()" > /dev/null 2>&1 & backend_pid[$i]=$!; disown "$!"
  fi
}
for i in 1 2 3 4 5; do start_backend "$i"; done
for i in 1 2 3 4 5; do wait_http "http://127.0.0.1:$((base_port + i))/" "backend $i"; done

# ---- jlb ----
port=$base_port
admin_port=$((base_port + 99))
write_config() { # weight of backend 1
  cat > "$work/jlb.yaml.tmp" <<CONF
server: {address: 127.0.0.1, port: $port}
routes:
  - path: /
    backends:
      - {url: "http://127.0.0.1:$((base_port + 1))", weight: $1}
      - http://127.0.0.1:$((base_port + 2))
      - http://127.0.0.1:$((base_port + 3))
      - http://127.0.0.1:$((base_port + 4))
      - http://127.0.0.1:$((base_port + 5))
    strategy: round-robin
    health_check: {path: /, interval: 1s, timeout: 500ms}
admin: {address: 127.0.0.1, port: $admin_port}
CONF
  mv "$work/jlb.yaml.tmp" "$work/jlb.yaml"
}
write_config 1
# shellcheck disable=SC2086
$pin_lb java $java_opts -Xlog:gc:file="$work/gc.log" -jar "$jar" --config "$work/jlb.yaml" > "$work/jlb.log" 2>&1 &
jlb_pid=$!; pids+=($jlb_pid)
wait_http "http://127.0.0.1:$port/" "jlb"

echo "soak: ${duration}s of wrk -t$wrk_threads -c$connections through jlb (java $java_opts), $backend_kind backends;" \
  "a backend killed every ${kill_every}s (down ${down_for}s), a reload every ${reload_every}s" >&2
$pin_load wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 5s -s "$here/report.lua" \
  "http://127.0.0.1:$port/soak" > "$work/wrk.out" 2>&1 & wrk_pid=$!; pids+=($wrk_pid)

start=$(date +%s)
next_kill=$kill_every; next_reload=$reload_every; victim=0; weight=1; restart_at=-1; reloads=0; kills=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  sleep 1
  t=$(( $(date +%s) - start ))
  [ "$t" -ge $((duration + 30)) ] && { echo "soak.sh: wrk did not end in time" >&2; kill "$wrk_pid" || true; break; }
  if [ "$restart_at" -ge 0 ] && [ "$t" -ge "$restart_at" ]; then
    start_backend "$victim"; restart_at=-1
    echo "  ${t}s: backend $victim restarted" >&2
  fi
  if [ "$t" -ge "$next_kill" ] && [ "$t" -lt "$duration" ]; then
    next_kill=$((next_kill + kill_every))
    if [ "$restart_at" -lt 0 ]; then
      victim=$(( victim % 5 + 1 )); kills=$((kills + 1))
      kill -9 "${backend_pid[$victim]}" 2>/dev/null || true
      restart_at=$((t + down_for))
      # A full collection now and then: the heap after it is what the run keeps.
      jcmd "$jlb_pid" GC.run > /dev/null 2>&1 || true
      echo "  ${t}s: backend $victim killed (full GC requested)" >&2
    fi
  fi
  if [ "$t" -ge "$next_reload" ] && [ "$t" -lt "$duration" ]; then
    next_reload=$((next_reload + reload_every))
    weight=$(( 3 - weight )); write_config "$weight"; reloads=$((reloads + 1))
    echo "  ${t}s: configuration rewritten (backend 1 weight $weight)" >&2
  fi
done
wait "$wrk_pid" 2>/dev/null || true
[ "$restart_at" -ge 0 ] && start_backend "$victim"
jcmd "$jlb_pid" GC.run > /dev/null 2>&1 || true
sleep 2 # the last responses complete their statistics just after the client has them

# ---- report ----
result=$(grep '^RESULT' "$work/wrk.out" || true)
[ -n "$result" ] || { echo "soak.sh: wrk gave no result:" >&2; cat "$work/wrk.out" >&2; exit 1; }
requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$result")
errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<< "$result")
p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<< "$result")
echo
echo "requests: $requests, errors: $errors (0 expected), p99: $(awk -v u="$p99" 'BEGIN { printf "%.2f", u / 1000 }') ms"
echo "backends killed: $kills, configurations rewritten: $reloads, reloads applied:" \
  "$(grep -c 'reload (file change): ' "$work/jlb.log" || true), refused: $(grep -c 'reload (file change) refused' "$work/jlb.log" || true)"
echo "heap after each full GC (MiB; flat expected):"
grep 'Pause Full' "$work/gc.log" | sed -n 's/.*[0-9]M->\([0-9]*\)M(\([0-9]*\)M).*/  \1 of \2/p' | tr '\n' ' '
echo
inflight=$(curl -s "http://127.0.0.1:$admin_port/admin/api/routes/backends" \
  | tr -d ' \n' | grep -o '"id":"[^"]*"\|"inFlight":[0-9-]*' | paste -d' ' - - \
  | sed 's/"id":"\([^"]*\)" "inFlight":\(.*\)/\1=\2/')
echo "in flight at the end, per backend (0 expected): $(echo $inflight)"
busy=$(tr ' ' '\n' <<< "$inflight" | grep -vc '=0$' || true)
if [ "$errors" != 0 ] || [ "$busy" != 0 ] || [ -z "$inflight" ]; then
  echo "soak: NOT as expected; jlb's warnings:"; grep -E ' (WARN|ERROR) ' "$work/jlb.log" | tail -20 || true
  exit 1
fi
echo "soak: as expected"
