#!/usr/bin/env bash
# Start-up and per-call cost of the tg-* tools against a local tg-dev-gateway.
#
#   bash bench/run.sh [RUNS]          # RUNS per figure, default 40
#
# Prints, per tool invocation: median and p90 wall time, peak RSS; the
# syscall count of one tg-whoami run and whether it touched a certificate
# store; instructions retired where `perf stat` works. With
# PY_TOOLS=/path/to/venv/bin (python3 -m venv v && v/bin/pip install
# trustgraph-cli==2.11.1) it runs the upstream Python tools too and prints
# the ratios. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-40}
cargo build --release --workspace --quiet
BIN=$PWD/target/release
WORK=$(mktemp -d)
trap 'kill $GW_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/tg-dev-gateway" --bootstrap-mode bootstrap --listen 127.0.0.1:0 --insecure-fast-hashing \
    2>"$WORK/gw.err" &
GW_PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$WORK/gw.err" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/^listening on //p' "$WORK/gw.err")
export TRUSTGRAPH_URL=$URL
export TRUSTGRAPH_TOKEN=$("$BIN/tg-bootstrap-iam" 2>/dev/null)
echo "gateway: $URL (release build, fast hashing)"
echo

python3 - "$RUNS" "$BIN" "${PY_TOOLS:-}" <<'PY'
import os, resource, statistics, subprocess, sys, time
runs, rust, py = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cases = [
    ("tg-whoami --help", ["tg-whoami", "--help"]),
    ("tg-whoami", ["tg-whoami"]),
    ("tg-list-users", ["tg-list-users"]),
    ("tg-list-workspaces", ["tg-list-workspaces"]),
]
def measure(path):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit(f"{path}: exit {r.returncode}")
    times.sort()
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + path, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()[-1]
    return statistics.median(times), times[int(len(times) * 0.9) - 1], int(out)
print(f"{'invocation':<22} {'impl':<7} {'median ms':>10} {'p90 ms':>8} {'max RSS KiB':>12}")
for name, argv in cases:
    r = measure([os.path.join(rust, argv[0])] + argv[1:])
    print(f"{name:<22} {'rust':<7} {r[0]:>10.2f} {r[1]:>8.2f} {r[2]:>12}")
    if py:
        p = measure([os.path.join(py, argv[0])] + argv[1:])
        print(f"{name:<22} {'python':<7} {p[0]:>10.2f} {p[1]:>8.2f} {p[2]:>12}")
        print(f"{'':<22} {'ratio':<7} {p[0] / r[0]:>9.1f}x {p[1] / r[1]:>7.1f}x {p[2] / r[2]:>11.1f}x")
PY

echo
python3 - "$URL" "$TRUSTGRAPH_TOKEN" <<'PY'
# tg-dev-gateway itself: sequential requests over one keep-alive connection.
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port)
hdr = {"Authorization": f"Bearer {sys.argv[2]}", "Content-Type": "application/json"}
for op, n in (("whoami", 2000), ("list-users", 2000)):
    body = json.dumps({"operation": op})
    t = time.perf_counter()
    for _ in range(n):
        c.request("POST", "/api/v1/iam", body, hdr)
        r = c.getresponse(); r.read()
        assert r.status == 200
    dt = time.perf_counter() - t
    print(f"tg-dev-gateway {op}: {n / dt:,.0f} requests/s sequential ({dt / n * 1e6:.0f} us each)")
PY

echo
if command -v strace >/dev/null; then
    strace -f -c -o "$WORK/strace.txt" "$BIN/tg-whoami" >/dev/null
    echo "tg-whoami syscalls (strace -c): $(awk '/total/ {print $4}' "$WORK/strace.txt")"
    strace -f -e trace=openat,open -o "$WORK/open.txt" "$BIN/tg-whoami" >/dev/null
    echo "files opened: $(grep -c 'open' "$WORK/open.txt"); certificate-store opens for an http:// URL: $(grep -ciE 'ssl|cert|pki' "$WORK/open.txt" || true)"
fi
if command -v perf >/dev/null && perf stat -e instructions true 2>/dev/null >/dev/null; then
    perf stat -x, -e instructions,task-clock -o "$WORK/perf.txt" "$BIN/tg-whoami" >/dev/null
    awk -F, '/instructions/ {printf "tg-whoami instructions: %s\n", $1} /task-clock/ {printf "tg-whoami task-clock: %s ms\n", $1}' "$WORK/perf.txt"
else
    echo "perf stat: not supported on this machine"
fi
