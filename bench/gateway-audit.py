#!/usr/bin/env python3
"""What the audit log and the request log cost tg-dev-gateway per request.

    python3 bench/gateway-audit.py [--bin PATH] [--requests N] [--rounds R]

Starts the gateway (default target/release/tg-dev-gateway, else
target/debug) on 127.0.0.1:0 with --insecure-fast-hashing, once per
configuration: nothing, --audit-log FILE, --audit-log FILE --log info
(stderr to /dev/null). In each, bootstraps and sends N `whoami` requests
with the admin's API key over one keep-alive connection, R rounds, and
prints the median time per request of the best round and the difference
from the first configuration. Everything stays on 127.0.0.1; stdlib only.
Nothing here is a test: it prints figures for a person to read.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(binary, extra, stderr):
    p = subprocess.Popen(
        [binary, "--bootstrap-mode", "bootstrap", "--listen", "127.0.0.1:0",
         "--insecure-fast-hashing"] + extra,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, env={k: v for k, v in os.environ.items()
                                     if not k.startswith("IAM_")})
    while True:
        line = p.stderr.readline().decode()
        if not line:
            raise SystemExit(f"gateway exited: {p.wait()}")
        if line.startswith("listening on http://"):
            addr = line.strip()[len("listening on http://"):].rstrip("/")
            break
    # Keep draining stderr (the request log) so the gateway never blocks.
    drain = subprocess.Popen(["cat"], stdin=p.stderr, stdout=stderr)
    host, port = addr.rsplit(":", 1)
    return p, drain, host, int(port)


def run(binary, extra, n, rounds):
    with tempfile.TemporaryDirectory() as d, open(os.devnull, "wb") as null:
        extra = [a.replace("{dir}", d) for a in extra]
        p, drain, host, port = start(binary, extra, null)
        try:
            c = http.client.HTTPConnection(host, port)
            c.request("POST", "/api/v1/auth/bootstrap", "{}")
            key = json.loads(c.getresponse().read())["bootstrap_admin_api_key"]
            body = json.dumps({"operation": "whoami"})
            head = {"Authorization": f"Bearer {key}",
                    "Content-Type": "application/json"}
            best = None
            for _ in range(rounds):
                times = []
                for _ in range(n):
                    t = time.perf_counter()
                    c.request("POST", "/api/v1/iam", body, head)
                    r = c.getresponse()
                    r.read()
                    times.append(time.perf_counter() - t)
                    assert r.status == 200
                m = statistics.median(times)
                best = m if best is None else min(best, m)
            audit = os.path.join(d, "audit.log")
            lines = sum(1 for _ in open(audit)) if os.path.exists(audit) else 0
            return best, lines
        finally:
            p.terminate()
            p.wait()
            drain.wait()


def main():
    ap = argparse.ArgumentParser()
    default = os.path.join(ROOT, "target/release/tg-dev-gateway")
    if not os.path.exists(default):
        default = os.path.join(ROOT, "target/debug/tg-dev-gateway")
    ap.add_argument("--bin", default=default)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    configs = [
        ("no log", []),
        ("--audit-log FILE", ["--audit-log", "{dir}/audit.log"]),
        ("--audit-log FILE --log info", ["--audit-log", "{dir}/audit.log",
                                         "--log", "info"]),
    ]
    print(f"{a.bin}: {a.requests} whoami requests x {a.rounds} rounds, "
          "median per request of the best round")
    base = None
    for name, extra in configs:
        m, lines = run(a.bin, extra, a.requests, a.rounds)
        base = m if base is None else base
        print(f"  {name:30} {m * 1e6:8.1f} us  ({(m - base) * 1e6:+.1f} us;"
              f" {lines} audit records)")


if __name__ == "__main__":
    main()
