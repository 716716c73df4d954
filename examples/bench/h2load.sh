#!/usr/bin/env bash
# h2c benchmark: the standalone balancer (examples/target/jlb.jar) and nginx, each listening for
# HTTP/2 in clear text (prior knowledge: jlb's default listener; nginx "listen ... http2"), both in
# front of the same 5 local HTTP/1.1 backends (nginx), loaded with h2load. Rounds are interleaved
# (jlb, nginx, jlb, nginx, ...); the script prints req/s per run and the median ratio jlb/nginx.
# Everything listens on 127.0.0.1; every run is bounded (--requests); everything this script starts
# is stopped when it ends or is interrupted. Not a test: run it by hand, alone on the machine.
#
#   mvn -q -B -DskipTests package && examples/bench/h2load.sh
#   examples/bench/h2load.sh --requests 200000 --clients 10 --streams 10 --rounds 3
#
# Needs: h2load (Debian: apt-get install nghttp2-client), nginx, curl, a JDK 17+.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/examples/target/jlb.jar"
rounds=3
requests=100000
clients=10
streams=10
warmup=100000
java_opts="-XX:+UseParallelGC -Xms64m -Xmx64m -XX:+AlwaysPreTouch"
base_port=28280
lb_cpu=0
load_cpu=1

usage() {
  cat <<USAGE
Usage: examples/bench/h2load.sh [options]
  --rounds N       measured rounds, interleaved (default $rounds)
  --requests N     requests per run (default $requests); --warmup N requests on jlb first (default $warmup)
  --clients C      h2load clients = HTTP/2 connections (default $clients)
  --streams M      concurrent streams per connection (default $streams)
  --java-opts ".." JVM options of jlb (default "$java_opts")
  --base-port P    jlb on P, nginx on P+100, backends on P+1..P+5 (default $base_port)
  --lb-cpu N / --load-cpu N   CPU of the balancers / of h2load and the backends (default 0 / 1)
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --lb-cpu) lb_cpu=$2; shift 2 ;;
    --load-cpu) load_cpu=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "h2load.sh: $1: unknown option (see --help)" >&2; exit 2 ;;
  esac
done

for tool in h2load nginx curl java; do
  command -v "$tool" >/dev/null || { echo "h2load.sh: $tool not found" >&2; exit 2; }
done
[ -f "$jar" ] || { echo "h2load.sh: $jar not found: run mvn -q -B -DskipTests package first" >&2; exit 2; }
pin_lb=""; pin_load=""
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && [ "$lb_cpu" != "$load_cpu" ]; then
  pin_lb="taskset -c $lb_cpu"; pin_load="taskset -c $load_cpu"
fi

work=$(mktemp -d /tmp/jlb-h2load.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_h2() { # url name: wait (at most 30 s) until the url answers 200 over h2c
  for _ in $(seq 1 300); do
    [ "$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' "$1" || true)" = "200" ] && return 0
    sleep 0.1
  done
  echo "h2load.sh: $2 did not answer on $1 within 30 s" >&2; exit 1
}

backend_ports=$(seq $((base_port + 1)) $((base_port + 5)))
nginx_http() { # dir: the common http{} lines
  echo "worker_processes 1; daemon off; master_process off; pid $1/pid; error_log $1/error.log;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; keepalive_requests 100000000; client_body_temp_path $1;"
  echo "  proxy_temp_path $1; fastcgi_temp_path $1; uwsgi_temp_path $1; scgi_temp_path $1;"
}
mkdir -p "$work/backends" "$work/nginx"
{
  nginx_http "$work/backends"
  for p in $backend_ports; do echo "  server { listen 127.0.0.1:$p; location / { return 200 '<--response-->'; } }"; done
  echo "}"
} > "$work/backends/nginx.conf"
$pin_load nginx -c "$work/backends/nginx.conf" -p "$work/backends" & pids+=($!)

nginx_port=$((base_port + 100))
{
  nginx_http "$work/nginx"
  echo "  http2_max_concurrent_streams 128;"
  echo "  upstream backends { keepalive 128; keepalive_requests 100000000;"
  for p in $backend_ports; do echo "    server 127.0.0.1:$p;"; done
  echo "  }"
  echo "  server { listen 127.0.0.1:$nginx_port http2; location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
  echo "}"
} > "$work/nginx/nginx.conf"
$pin_lb nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" & nginx_pid=$!; pids+=($!)

{
  echo "server: {address: 127.0.0.1, port: $base_port}"
  echo "routes:"
  echo "  - path: /"
  echo "    backends: [$(for p in $backend_ports; do printf 'http://127.0.0.1:%s, ' "$p"; done | sed 's/, $//')]"
  echo "    strategy: round-robin"
} > "$work/jlb.yaml"
# shellcheck disable=SC2086
$pin_lb java $java_opts -jar "$jar" --config "$work/jlb.yaml" --no-watch > "$work/jlb.log" 2>&1 & jlb_pid=$!; pids+=($!)

wait_h2 "http://127.0.0.1:$nginx_port/lb" nginx
wait_h2 "http://127.0.0.1:$base_port/lb" jlb

run() { # port requests -> "req/s failed"
  $pin_load h2load -n "$1" -c "$clients" -m "$streams" -t 1 "http://127.0.0.1:$2/lb" 2>&1 \
    | awk '/^finished in/ { rps = $4 } /^requests:/ { failed = $10 + $12 } END { printf "%s %s\n", rps, failed }'
}

echo "warming up jlb with $warmup requests (JIT) ..." >&2
run "$warmup" "$base_port" > /dev/null
echo "h2load -n $requests -c $clients -m $streams (h2c prior knowledge), $rounds rounds; jlb: java $java_opts" >&2
ratios=()
for r in $(seq 1 "$rounds"); do
  read -r jrps jfail < <(run "$requests" "$base_port")
  read -r nrps nfail < <(run "$requests" "$nginx_port")
  ratio=$(awk -v j="$jrps" -v n="$nrps" 'BEGIN { printf "%.2f", j / n }')
  ratios+=("$ratio")
  printf 'round %d: jlb %s req/s (%s failed), nginx %s req/s (%s failed), jlb/nginx %s\n' \
    "$r" "$jrps" "$jfail" "$nrps" "$nfail" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median jlb/nginx req/s ratio: $median"
