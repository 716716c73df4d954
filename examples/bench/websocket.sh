#!/usr/bin/env bash
# WebSocket echo messages per second: direct to an echo server, through nginx, through jlb (the
# standalone jar), side by side in one run on loopback. A benchmark, not a test; bounded in time;
# everything it starts is stopped when it ends. Uses ports 18180..18183 (wrap it in flock):
#
#   mvn -q -B -DskipTests package && flock /tmp/bench.lock examples/bench/websocket.sh [SECONDS] [CONNECTIONS] [BYTES]
#
# Needs a JDK 17+ and nginx (skipped when absent).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/examples/target/jlb.jar"
seconds=${1:-10}
connections=${2:-50}
bytes=${3:-64}
echo_port=18180 nginx_port=18181 jlb_port=18182
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

java "$here/WsEcho.java" server $echo_port & pids+=($!)

cat > "$work/jlb.yaml" <<YAML
server: {address: 127.0.0.1, port: $jlb_port}
routes:
  - path: /
    backends: ["http://127.0.0.1:$echo_port"]
YAML
java -XX:+UseParallelGC -Xms64m -Xmx64m -jar "$jar" --config "$work/jlb.yaml" > "$work/jlb.log" 2>&1 & pids+=($!)

if command -v nginx > /dev/null; then
  cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://127.0.0.1:$echo_port;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;
    }
  }
}
NGINX
  nginx -c "$work/nginx.conf" -p "$work"
fi

for port in $echo_port $jlb_port; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
done

run() { java "$here/WsEcho.java" client "ws://127.0.0.1:$1/echo" "$connections" "$seconds" "$bytes"; }
echo "# $connections connections, $bytes-byte text messages, $seconds s each, ping-pong (one message in flight per socket)"
run $jlb_port > /dev/null   # warm-up of jlb's JIT
echo "direct: $(run $echo_port)"
command -v nginx > /dev/null && echo "nginx:  $(run $nginx_port)"
echo "jlb:    $(run $jlb_port)"
