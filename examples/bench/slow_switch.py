#!/usr/bin/env python3
"""A backend that turns slow in the middle of a run and recovers: how fast does a balancer react?

Starts five HTTP/1.1 backends on 127.0.0.1 (one asyncio process), optionally the balancer
(--lb-cmd, stopped again by its PID), then drives load through the balancer with wrk for
--duration seconds. Backend --slow answers --delay-ms late from --slow-from to --slow-until
(seconds into the load), and at once otherwise. Every backend counts its requests per --window
seconds; the report prints the slow backend's share per window against its fair share (1/5) and:

  detect:  seconds from the switch to slow until its share first drops below --low (0.05)
  recover: seconds from the switch back until its share is first within 10% of fair again

Loopback only; bounded by --duration (at most 300 s) and wrk's connections.

  python3 examples/bench/slow_switch.py --lb-cmd 'java -jar examples/target/jlb.jar --config /tmp/ewma.yaml' \\
      --lb-port 18100 --duration 60 --slow-from 15 --slow-until 35
"""
import argparse
import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\nContent-Type: text/plain\r\n\r\n<--response-->"


class Backend:
    def __init__(self, index, args, start_ref):
        self.index = index
        self.args = args
        self.start_ref = start_ref
        self.counts = {}

    def delay(self):
        t0 = self.start_ref[0]
        if t0 is None or self.index != self.args.slow:
            return 0.0
        t = time.monotonic() - t0
        return self.args.delay_ms / 1000.0 if self.args.slow_from <= t < self.args.slow_until else 0.0

    def count(self):
        t0 = self.start_ref[0]
        if t0 is None:
            return
        w = int((time.monotonic() - t0) / self.args.window)
        self.counts[w] = self.counts.get(w, 0) + 1

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.count()
                d = self.delay()
                if d:
                    await asyncio.sleep(d)
                writer.write(RESPONSE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


def serve(backends, ports, ready, stop):
    async def main():
        servers = [await asyncio.start_server(b.handle, "127.0.0.1", p, backlog=1024) for b, p in zip(backends, ports)]
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for s in servers:
            s.close()
    asyncio.run(main())


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-port", type=int, default=18081)
    p.add_argument("--lb-port", type=int, default=18100)
    p.add_argument("--lb-cmd", help="balancer command line, started and stopped by this script")
    p.add_argument("--path", default="/lb")
    p.add_argument("--duration", type=int, default=60)
    p.add_argument("--warmup", type=int, default=20, help="seconds of load before the measured run")
    p.add_argument("--slow", type=int, default=5, help="backend 1..5 that turns slow")
    p.add_argument("--delay-ms", type=float, default=50)
    p.add_argument("--slow-from", type=float, default=15)
    p.add_argument("--slow-until", type=float, default=35)
    p.add_argument("--window", type=float, default=0.5)
    p.add_argument("--low", type=float, default=0.05)
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    if not 0 < args.duration <= 300:
        sys.exit("--duration: %s (expected: 1..300)" % args.duration)
    ports = [args.base_port + i for i in range(5)]
    start_ref = [None]
    backends = [Backend(i + 1, args, start_ref) for i in range(5)]
    ready, stop = threading.Event(), threading.Event()
    threading.Thread(target=serve, args=(backends, ports, ready, stop), daemon=True).start()
    ready.wait(10)
    lb = None
    try:
        if args.lb_cmd:
            lb = subprocess.Popen(shlex.split(args.lb_cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(args.lb_port, 60):
            sys.exit("nothing listens on 127.0.0.1:%d" % args.lb_port)
        url = "http://127.0.0.1:%d%s" % (args.lb_port, args.path)
        wrk = ["wrk", "-t%d" % args.threads, "-c%d" % args.conns]
        if args.warmup > 0:
            subprocess.run(wrk + ["-d%ds" % args.warmup, url], stdout=subprocess.DEVNULL, check=False)
        start_ref[0] = time.monotonic()
        out = subprocess.run(wrk + ["-d%ds" % args.duration, "--latency", url], capture_output=True, text=True)
        start_ref[0] = None
    finally:
        if lb is not None:
            lb.send_signal(signal.SIGTERM)
            try:
                lb.wait(30)
            except subprocess.TimeoutExpired:
                lb.kill()
        stop.set()
    report(args, backends, out.stdout)


def report(args, backends, wrk_out):
    windows = int(args.duration / args.window)
    fair = 1.0 / len(backends)
    slow = backends[args.slow - 1]
    shares = []
    print("# window_s  total  slow_share  share/fair")
    for w in range(windows):
        total = sum(b.counts.get(w, 0) for b in backends)
        share = slow.counts.get(w, 0) / total if total else float("nan")
        shares.append((w * args.window, total, share))
        print("%8.1f %6d %10.3f %10.2f" % (w * args.window, total, share, share / fair if total else float("nan")))
    detect = next((t - args.slow_from for t, n, s in shares if t >= args.slow_from and n and s < args.low), None)
    recover = next((t + args.window - args.slow_until for t, n, s in shares
                    if t >= args.slow_until and n and abs(s / fair - 1) <= 0.10), None)
    during = [s for t, n, s in shares if args.slow_from + 2 <= t < args.slow_until and n]
    print("detect_s %s  recover_s %s  mean_share_while_slow %.3f (fair %.2f)" % (
        "%.1f" % detect if detect is not None else "never", "%.1f" % recover if recover is not None else "never",
        sum(during) / len(during) if during else float("nan"), fair))
    for line in wrk_out.splitlines():
        if "Requests/sec" in line or "99%" in line or "Non-2xx" in line or "Socket errors" in line:
            print("wrk:", line.strip())


if __name__ == "__main__":
    main()
