#!/usr/bin/env bash
# End-to-end benchmark of the standalone balancer (examples/target/jlb.jar) next to nginx and HAProxy,
# all on the same 5 local backends, loaded with wrk. Everything listens on 127.0.0.1; every run is
# bounded in time; everything this script starts is stopped when it ends (or is interrupted).
#
#   mvn -q -B -DskipTests package && examples/bench/bench.sh            # 3 rounds of 10 s after a 30 s warm-up
#   examples/bench/bench.sh --rounds 5 --java-opts "-XX:+UseParallelGC -Xmx32m"
#   examples/bench/bench.sh --tls                   # the balancers terminate TLS (one test certificate)
#   examples/bench/bench.sh --tls --close           # ... and a new connection, so a handshake, per request
#   examples/bench/bench.sh --help
#
# Needs: wrk (Debian: apt-get install wrk), curl, a JDK 17+. nginx and haproxy are used when installed
# (nginx also serves the 5 backends; without it, the jar's own demo backends on 8081..8085 do).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/examples/target/jlb.jar"
rounds=3
duration=10
warmup=30
connections=100
wrk_threads=2
java_opts="-XX:+UseParallelGC -Xms64m -Xmx64m -XX:+AlwaysPreTouch"
base_port=28080
lb_cpu=0
load_cpu=1
targets="nginx haproxy jlb"
jlb_threads=auto
tls=no
close=no

usage() {
  cat <<USAGE
Usage: examples/bench/bench.sh [options]
  --rounds N         measured rounds, interleaved over the targets (default $rounds)
  --duration S       seconds of wrk per target and round (default $duration)
  --warmup S         seconds of load on jlb before measuring: the JIT needs 30 or more (default $warmup)
  --connections C    wrk connections (default $connections); --wrk-threads T (default $wrk_threads)
  --java-opts "..."  JVM options of jlb (default "$java_opts")
  --jar PATH         the jar (default examples/target/jlb.jar)
  --jlb-threads N    jlb's server.threads (default auto)
  --targets "..."    among nginx haproxy jlb servlet proxyservlet (default "$targets"; missing peers are
                     skipped). servlet = jlb's LoadBalancingProxyServlet, proxyservlet = Jetty's plain
                     ProxyServlet, both from ServletProxies.java on the same server setup
  --base-port P      jlb on P, nginx on P+100, haproxy on P+110, servlet on P+120, proxyservlet on
                     P+130, backends on P+1..P+5 (default $base_port)
  --lb-cpu N / --load-cpu N   CPU of the balancers / of wrk and the backends (default 0 / 1; same = no split)
  --tls              the balancers terminate TLS with the same certificate (an EC P-256 one made with
                     openssl); wrk speaks https (needs openssl)
  --close            wrk sends Connection: close: a new connection (with --tls, a full handshake) per request
Prints req/s, p50, p99, errors, CPU per request and the ratio to nginx (median of the rounds).
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --jlb-threads) jlb_threads=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --lb-cpu) lb_cpu=$2; shift 2 ;;
    --load-cpu) load_cpu=$2; shift 2 ;;
    --tls) tls=yes; shift ;;
    --close) close=yes; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: $1: unknown option (see --help)" >&2; exit 2 ;;
  esac
done

for tool in wrk curl java; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool not found (Debian: apt-get install $tool)" >&2; exit 2; }
done
[ -f "$jar" ] || { echo "bench.sh: $jar not found: run mvn -q -B -DskipTests package first" >&2; exit 2; }
have_nginx=$(command -v nginx >/dev/null && echo yes || echo no)
have_haproxy=$(command -v haproxy >/dev/null && echo yes || echo no)
cpus=$(nproc)
pin_lb=""; pin_load=""
if command -v taskset >/dev/null && [ "$cpus" -gt 1 ] && [ "$lb_cpu" != "$load_cpu" ]; then
  pin_lb="taskset -c $lb_cpu"; pin_load="taskset -c $load_cpu"
fi

work=$(mktemp -d /tmp/jlb-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scheme=http; curl_tls=(); nginx_ssl=""; haproxy_ssl=""; jlb_tls=""; wrk_headers=()
if [ "$tls" = yes ]; then
  command -v openssl >/dev/null || { echo "bench.sh: --tls needs openssl" >&2; exit 2; }
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.pem" 2>/dev/null
  cat "$work/tls.pem" "$work/tls.key" > "$work/tls-haproxy.pem"
  scheme=https; curl_tls=(--cacert "$work/tls.pem")
  nginx_ssl=" ssl; ssl_certificate $work/tls.pem; ssl_certificate_key $work/tls.key; ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off"
  haproxy_ssl=" ssl crt $work/tls-haproxy.pem"
  jlb_tls=", tls: {cert: $work/tls.pem, key: $work/tls.key}"
fi
[ "$close" = yes ] && wrk_headers=(-H "Connection: close")

wait_http() { # url name [plain]: wait (at most 30 s) until the url answers 200
  local ca=("${curl_tls[@]}")
  [ "${3:-}" = plain ] && ca=()
  for _ in $(seq 1 300); do
    [ "$(curl -s "${ca[@]}" -o /dev/null -w '%{http_code}' "$1" || true)" = "200" ] && return 0
    sleep 0.1
  done
  echo "bench.sh: $2 did not answer on $1 within 30 s" >&2; exit 1
}

backend_ports=$(seq $((base_port + 1)) $((base_port + 5)))
# ---- backends ----
if [ "$have_nginx" = yes ]; then
  mkdir -p "$work/nginx-b"
  {
    echo "worker_processes 1; daemon off; master_process off; pid $work/nginx-b/pid; error_log $work/nginx-b/error.log;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; keepalive_requests 100000000; client_body_temp_path $work/nginx-b;"
    echo "  proxy_temp_path $work/nginx-b; fastcgi_temp_path $work/nginx-b; uwsgi_temp_path $work/nginx-b; scgi_temp_path $work/nginx-b;"
    for p in $backend_ports; do echo "  server { listen 127.0.0.1:$p; location / { return 200 '<--response-->'; } }"; done
    echo "}"
  } > "$work/nginx-b/nginx.conf"
  $pin_load nginx -c "$work/nginx-b/nginx.conf" -p "$work/nginx-b" & pids+=($!)
  backend_uris=$(for p in $backend_ports; do printf 'http://127.0.0.1:%s ' "$p"; done)
else
  $pin_load java -jar "$jar" --demo-backends > "$work/demo-backends.log" 2>&1 & pids+=($!)
  backend_ports="8081 8082 8083 8084 8085"
  backend_uris="http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083 http://127.0.0.1:8084 http://127.0.0.1:8085"
fi
for p in $backend_ports; do wait_http "http://127.0.0.1:$p/" "backend $p" plain; done

# ---- the balancers ----
declare -A port pidof
if [[ " $targets " == *" nginx "* && "$have_nginx" = yes ]]; then
  port[nginx]=$((base_port + 100)); mkdir -p "$work/nginx"
  {
    echo "worker_processes 1; daemon off; master_process off; pid $work/nginx/pid; error_log $work/nginx/error.log;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; keepalive_requests 100000000; client_body_temp_path $work/nginx;"
    echo "  proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;"
    echo "  upstream backends { keepalive 128; keepalive_requests 100000000;"
    for p in $backend_ports; do echo "    server 127.0.0.1:$p;"; done
    echo "  }"
    echo "  server { listen 127.0.0.1:${port[nginx]}$nginx_ssl; location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
    echo "}"
  } > "$work/nginx/nginx.conf"
  $pin_lb nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" & pidof[nginx]=$!; pids+=($!)
fi
if [[ " $targets " == *" haproxy "* && "$have_haproxy" = yes ]]; then
  port[haproxy]=$((base_port + 110))
  {
    echo "global"; echo "  nbthread 1"; echo "  maxconn 4096"
    echo "defaults"; echo "  mode http"; echo "  option http-keep-alive"; echo "  timeout connect 5s"
    echo "  timeout client 30s"; echo "  timeout server 30s"; echo "  retries 3"; echo "  option redispatch"
    echo "frontend fe"; echo "  bind 127.0.0.1:${port[haproxy]}$haproxy_ssl"; echo "  default_backend be"
    echo "backend be"; echo "  balance roundrobin"; echo "  http-reuse always"
    i=0; for p in $backend_ports; do i=$((i + 1)); echo "  server b$i 127.0.0.1:$p check inter 2s"; done
  } > "$work/haproxy.cfg"
  $pin_lb haproxy -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 & pidof[haproxy]=$!; pids+=($!)
fi
if [[ " $targets " == *" jlb "* ]]; then
  port[jlb]=$base_port
  {
    echo "server: {address: 127.0.0.1, port: ${port[jlb]}, threads: $jlb_threads$jlb_tls}"
    echo "routes:"
    echo "  - path: /"
    echo "    backends: [$(echo $backend_uris | sed 's/ /, /g')]"
    echo "    strategy: round-robin"
    echo "    health_check: {path: /, interval: 2s}"
  } > "$work/jlb.yaml"
  # shellcheck disable=SC2086
  $pin_lb java $java_opts -jar "$jar" --config "$work/jlb.yaml" --no-watch > "$work/jlb.log" 2>&1 & pidof[jlb]=$!; pids+=($!)
fi
for t in servlet proxyservlet; do
  [[ " $targets " == *" $t "* ]] || continue
  if [ "$t" = servlet ]; then port[$t]=$((base_port + 120)); mode=lb; else port[$t]=$((base_port + 130)); mode=plain; fi
  # shellcheck disable=SC2086
  $pin_lb java $java_opts -cp "$jar" "$here/ServletProxies.java" "$mode" "${port[$t]}" $backend_uris \
    > "$work/$t.log" 2>&1 & pidof[$t]=$!; pids+=($!)
done
active=""
for t in nginx haproxy jlb servlet proxyservlet; do
  [ -n "${port[$t]:-}" ] || continue
  wait_http "$scheme://127.0.0.1:${port[$t]}/lb" "$t"; active="$active $t"
done
[ -n "$active" ] || { echo "bench.sh: no target to measure" >&2; exit 2; }

cpu_ticks() { # pid: user+system clock ticks of the process (all its threads)
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
hz=$(getconf CLK_TCK)

run_wrk() { # target seconds -> RESULT line plus cpu_ticks
  local t=$1 secs=$2 before after line
  before=$(cpu_ticks "${pidof[$t]}")
  line=$($pin_load wrk -t"$wrk_threads" -c"$connections" -d"${secs}s" --timeout 5s -s "$here/report.lua" \
    "${wrk_headers[@]}" "$scheme://127.0.0.1:${port[$t]}/lb" | grep '^RESULT' || true)
  after=$(cpu_ticks "${pidof[$t]}")
  echo "$line cpu_ticks=$((after - before))"
}

for t in jlb servlet proxyservlet; do
  if [ -n "${port[$t]:-}" ] && [ "$warmup" -gt 0 ]; then
    echo "warming up $t for ${warmup}s (JIT) ..." >&2
    run_wrk "$t" "$warmup" > /dev/null
  fi
done

if [ -n "$pin_lb" ]; then layout="balancers pinned to cpu $lb_cpu, wrk and backends to cpu $load_cpu"; else layout="no pinning"; fi
echo "machine: $cpus CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); $layout" >&2
echo "wrk -t$wrk_threads -c$connections -d${duration}s, $rounds rounds; $scheme$( [ "$close" = yes ] && echo ', Connection: close'); jlb: java $java_opts" >&2
results="$work/results.txt"
for r in $(seq 1 "$rounds"); do
  for t in $active; do
    line=$(run_wrk "$t" "$duration")
    echo "round=$r target=$t $line" >> "$results"
    echo "round $r $t: $line" >&2
  done
done

heap=""
if [ -n "${pidof[jlb]:-}" ] && command -v jcmd >/dev/null; then
  heap=$(jcmd "${pidof[jlb]}" GC.heap_info 2>/dev/null | grep -iE 'total|used' | head -3 | tr -s ' ' | tr '\n' ';' || true)
fi

# ---- summary: medians over rounds; ratio = median of the per-round ratios to nginx ----
awk -v hz="$hz" -v heap="$heap" '
  function med(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    t = v["target"]; r = v["round"]; rps = v["requests"] / (v["duration_us"] / 1e6)
    R[t] = R[t] " " rps; P50[t] = P50[t] " " v["p50_us"]; P99[t] = P99[t] " " v["p99_us"]
    E[t] += v["errors"]; N[t] += v["requests"]
    CPU[t] = CPU[t] " " (v["requests"] > 0 ? v["cpu_ticks"] / hz * 1e6 / v["requests"] : 0)
    rate[t, r] = rps; rounds[r] = 1; if (!(t in seen)) { seen[t] = 1; order[++k] = t }
  }
  END {
    printf "| target | req/s (median) | p50 ms | p99 ms | errors | CPU us/req | ratio to nginx |\n"
    printf "| --- | --- | --- | --- | --- | --- | --- |\n"
    for (i = 1; i <= k; i++) {
      t = order[i]; ratios = ""
      for (r in rounds) if ((t, r) in rate && ("nginx", r) in rate && rate["nginx", r] > 0) ratios = ratios " " rate[t, r] / rate["nginx", r]
      printf "| %s | %.0f | %.2f | %.2f | %d of %d | %.0f | %s |\n", t, med(R[t]), med(P50[t]) / 1000, med(P99[t]) / 1000,
        E[t], N[t], med(CPU[t]), ratios == "" ? "-" : sprintf("%.2f", med(ratios))
    }
    if (heap != "") printf "\njlb heap after the run: %s\n", heap
  }' "$results"
