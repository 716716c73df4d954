#!/usr/bin/env bash
# nginx's answers to the request corpus (examples/src/test/resources/corpus*/), for the "nginx:"
# lines of its cases. Runs nginx as a reverse proxy on 127.0.0.1 with the two locations of
# RequestCorpusTest (/api/ with the prefix stripped, and /) in front of two raw-socket backends that
# record each request line as nginx forwarded it, sends every case as raw bytes (same escapes, same
# half-close, 3 s read timeout) and prints: file, case, jlb's expected statuses, nginx's statuses,
# what the backends saw, and "DIFFERS" where nginx's answer is not the one written in the file.
# Not run by mvn. Everything it starts is stopped when it ends.
#
#   examples/bench/corpus-nginx.sh                     # both directories
#   examples/bench/corpus-nginx.sh --check             # exit 1 if a measured answer differs from a file
#   examples/bench/corpus-nginx.sh FILE...             # only these corpus files
#
# Needs: nginx (Debian 12: apt-get install nginx, 1.22.1) and python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
resources="$here/../src/test/resources"
check=no
files=()
for arg in "$@"; do
  case "$arg" in
    --check) check=yes ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) files+=("$arg") ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=("$resources"/corpus/*.txt "$resources"/corpus-pending/*.txt)
fi
command -v nginx >/dev/null || { echo "nginx not found (apt-get install nginx)" >&2; exit 2; }

work=$(mktemp -d)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
api_port=$(free_port)
root_port=$(free_port)
user_line=
[ "$(id -u)" = 0 ] && user_line="user root;"
cat > "$work/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port;
    location /api/ { proxy_pass http://127.0.0.1:$api_port/; }
    location = /api { proxy_pass http://127.0.0.1:$api_port/; }
    location / { proxy_pass http://127.0.0.1:$root_port; }
  }
}
EOF

python3 - "$port" "$api_port" "$root_port" "$check" "$work" "${files[@]}" <<'PY' &
import os, re, socket, sys, threading, time

port, api_port, root_port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
check, work, files = sys.argv[4] == "yes", sys.argv[5], sys.argv[6:]
seen = []

def read_line(f):
    line = f.readline(65536)
    if not line:
        return None
    return line.rstrip(b"\n").rstrip(b"\r").decode("latin-1")

def backend(name, listen_port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(50)
    def serve(conn):
        with conn:
            conn.settimeout(10)
            f = conn.makefile("rb")
            try:
                while True:
                    request_line = read_line(f)
                    if request_line is None:
                        return
                    length, chunked = 0, False
                    while True:
                        h = read_line(f)
                        if not h:
                            break
                        low = h.lower()
                        if low.startswith("content-length:"):
                            length = int(h[15:].strip())
                        elif low.startswith("transfer-encoding:") and "chunked" in low:
                            chunked = True
                    complete = True
                    if chunked:
                        while True:
                            size = read_line(f)
                            if size is None:
                                complete = False
                                break
                            n = int(size.split(";")[0].strip(), 16)
                            if n == 0:
                                while read_line(f):
                                    pass
                                break
                            f.read(n + 2)
                    else:
                        complete = len(f.read(length)) == length
                    parts = request_line.split(" ")
                    record = "%s %s %s" % (name, parts[0], parts[1] if len(parts) > 1 else "")
                    seen.append(record if complete else record + " (aborted)")
                    body = record.encode("latin-1")
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                    return
            except (OSError, ValueError):
                return
    def accept():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()

def decode(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s.startswith("{{", i):
            end = s.index("}}", i)
            star = s.rindex("*", i, end)
            out += decode(s[i + 2:star] * int(s[star + 1:end]))
            i = end + 2
            continue
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e == "x":
                out.append(int(s[i + 2:i + 4], 16)); i += 4; continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}[e]
            i += 2
            continue
        out.append(ord(c))
        i += 1
    return bytes(out)

def cases(path):
    current = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("=== "):
            if current:
                yield current
            current = {"name": line[4:].strip(), "request": b"", "keys": {}}
        elif not line.strip() or line.startswith("#") or current is None:
            continue
        elif line.startswith(">"):
            current["request"] += decode(line[2:] if line.startswith("> ") else line[1:])
        else:
            key, _, value = line.partition(":")
            current["keys"].setdefault(key.strip(), []).append(value.strip())
    if current:
        yield current

def read_response(f):
    try:
        status_line = read_line(f)
    except socket.timeout:
        return "timeout"
    except OSError:
        return "-"
    if status_line is None:
        return "-"
    m = re.match(r"HTTP/1\.[01] (\d{3})", status_line)
    if not m:
        return "not-HTTP"
    code, length, chunked = m.group(1), None, False
    while True:
        h = read_line(f)
        if not h:
            break
        low = h.lower()
        if low.startswith("content-length:"):
            length = int(h[15:].strip())
        elif low.startswith("transfer-encoding:") and "chunked" in low:
            chunked = True
    if code[0] == "1" or code in ("204", "304"):
        return code
    if chunked:
        while True:
            n = int(read_line(f).split(";")[0], 16)
            if n == 0:
                while read_line(f):
                    pass
                break
            f.read(n + 2)
    elif length is not None:
        f.read(length)
    else:
        f.read()
    return code

def run(case):
    del seen[:]
    expected = case["keys"].get("status", ["?"])[-1].split()
    wanted = 0 if expected == ["-"] else len(expected)
    statuses = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(3)
        s.sendall(case["request"])
        if case["keys"].get("eof", ["no"])[-1] == "yes":
            s.shutdown(socket.SHUT_WR)
        f = s.makefile("rb")
        try:
            while len(statuses) < wanted:
                st = read_response(f)
                statuses.append(st)
                if not st.isdigit():
                    break
        except (OSError, ValueError) as e:
            statuses.append("error:" + type(e).__name__)
    time.sleep(0.05)
    return " ".join(statuses) or "-", list(seen)

backend("api", api_port)
backend("root", root_port)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        time.sleep(0.05)
differs = 0
total = 0
for path in files:
    for case in cases(path):
        total += 1
        got, got_seen = run(case)
        written = case["keys"].get("nginx", ["?"])[-1]
        mark = "" if written == got or written.startswith(got + " ") else "   DIFFERS from the file's 'nginx: %s'" % written
        differs += bool(mark)
        print("%-40s %-60s jlb %-12s nginx %-12s seen %s%s" % (os.path.basename(path), case["name"][:60],
              case["keys"].get("status", ["?"])[-1], got, ", ".join(x[:60] for x in got_seen) or "none", mark))
print("%d cases, %d where nginx's answer is not the file's" % (total, differs))
sys.exit(1 if check and differs else 0)
PY
client_pid=$!
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
status=0
wait "$client_pid" || status=$?
exit "$status"
