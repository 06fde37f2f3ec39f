#!/usr/bin/env python3
"""Scale: the list tools, tg-apply and tg-dev-gateway at 1k, 10k and 100k records.

    python3 bench/scale.py [--runs N] [--sizes 1000,10000,100000] [--out FILE]
                           [--no-python] [--no-gateway] [--no-apply]
                           [--gateway-users N] [--bin DIR]

What it does (about 15 minutes on 2 cores, most of it the Python tool at
100,000 users):

1. `cargo build --release` of the workspace (incremental, not timed).
2. A scripted gateway in this process, on 127.0.0.1:0, that answers like a
   2.11.1 gateway (the reply shapes of ../shared/fixtures/trustgraph-2.11.1,
   written as aiohttp writes them: Python's json.dumps) with N users, N/10
   workspaces, and N API keys held by one user. Every reply is built before
   the timing starts, so the server costs the same for both implementations.
3. For tg-list-users, tg-list-workspaces and tg-list-api-keys: N runs of
   each implementation (upstream trustgraph-cli 2.11.1 in a throw-away venv,
   bench/apply.py's; and ours, as a table and with -o json), alternated run
   by run; median wall time (spawn to wait, stdout read through a pipe) and
   peak RSS (GNU time's %M around the process). The ratios are ours over
   Python's, and ours per record at N over ours per record at 1,000.
4. tg-apply --dry-run against the scripted gateway: reading N existing
   users and planning a manifest of the same N users (all in sync), and a
   manifest of 60,000 users in 60,000 workspaces (validation and planning).
5. tg-dev-gateway --state: its start-up with 100,000 users (or
   --gateway-users) in the state, and the cost of one write
   (create-workspace, no password hash) at 1 user and at 100,000 users, as
   the median of 50 writes over one keep-alive connection. The 100,000
   users are written into the state file of a bootstrapped gateway, while
   it is stopped (creating them through the API would take hours of
   password hashing): into its SQLite tables with Python's sqlite3 module,
   or, for a gateway whose store is the older JSON file, into that file.
   With SQLite, the same state is also written as a JSON state file and a
   gateway started on it, to time the migration.

Everything stays on 127.0.0.1. Nothing here is a test: it prints figures
and, with --out, writes a section of BENCHMARKS.md between markers. Needs
python3 (stdlib only), cargo and GNU time (/usr/bin/time).
"""

import argparse
import datetime
import http.client
import http.server
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apply as upstream  # noqa: E402  (the venv of the upstream tools)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
BEGIN = "<!-- bench/scale.py:begin"
END = "<!-- bench/scale.py:end -->"
ADMIN_ID = "00447673-fc19-4db0-bfd9-478fd35ba13a"
TOKEN = "tg_benchscalebenchscalebenchscale00"
CREATED = "2026-11-22T07:00:23.926000+00:00"


def log(msg):
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def uid(i):
    return f"{i:08x}-4ad2-4cc0-be3e-1af41c0c{i % 65536:04x}"


def user(i):
    return {"id": uid(i), "default_workspace": f"ws{i % 1000}", "username": f"user{i}",
            "name": f"User {i}", "email": f"user{i}@example.com",
            "roles": ["reader"] if i % 7 else ["reader", "writer"], "enabled": i % 11 != 0,
            "must_change_password": i % 3 == 0, "created": CREATED}


def admin():
    return {"id": ADMIN_ID, "default_workspace": "default", "username": "admin",
            "name": "Administrator", "email": "", "roles": ["admin"], "enabled": True,
            "must_change_password": False, "created": CREATED}


def workspace(i):
    return {"id": f"ws{i}", "name": f"Workspace {i}", "enabled": True, "created": CREATED}


def key(i):
    return {"id": uid(i), "user_id": ADMIN_ID, "name": f"key{i}", "prefix": f"tg_{i % 10000:04d}",
            "expires": "" if i % 2 else "2099-01-01T00:00:00+00:00", "created": CREATED,
            "last_used": ""}


def body(d):
    # aiohttp's json_response: json.dumps with its default separators.
    return json.dumps(d).encode()


class Scripted:
    """A 2.11.1-shaped gateway serving fixed replies."""

    def __init__(self, n):
        users = [admin()] + [user(i) for i in range(1, n)]
        self.replies = {
            "whoami": body({"user": admin(), "bootstrap_available": False}),
            "list-users": body({"users": users, "bootstrap_available": False}),
            "list-workspaces": body({"workspaces": [{"id": "default", "name": "Default",
                                                     "enabled": True, "created": CREATED}]
                                     + [workspace(i) for i in range(max(n // 10, 1000))],
                                     "bootstrap_available": False}),
            "list-api-keys": body({"api_keys": [key(i) for i in range(n)],
                                   "bootstrap_available": False}),
        }
        self.empty_keys = body({"bootstrap_available": False})
        self.sizes = {op: len(b) for op, b in self.replies.items()}
        replies, empty = self.replies, self.empty_keys

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                req = json.loads(self.rfile.read(n) or b"{}")
                op = req.get("operation", "")
                out = replies.get(op, body({"bootstrap_available": False}))
                if op == "list-api-keys" and req.get("user_id") not in (None, ADMIN_ID):
                    out = empty
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def clean_env(url):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRUSTGRAPH_") and "proxy" not in k.lower()}
    env.update(TRUSTGRAPH_URL=url, TRUSTGRAPH_TOKEN=TOKEN, TRUSTGRAPH_CONFIG="")
    return env


def measure(argv, env, work):
    """Wall seconds and peak RSS (KiB) of one run; stdout's size checked."""
    out = os.path.join(work, "rss")
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out, *argv], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.decode(errors='replace')[-400:]}")
    with open(out) as f:
        rss = int(f.read().split()[-1])
    return wall, rss, r.stdout


def lines_of(stdout):
    return stdout.count(b"\n")


LIST_TOOLS = [
    ("tg-list-users", []),
    ("tg-list-workspaces", []),
    ("tg-list-api-keys", ["--user-id", ADMIN_ID]),
]


def bench_lists(sizes, runs, py_bin, work):
    rows = []
    for n in sizes:
        srv = Scripted(n)
        env = clean_env(srv.url)
        log(f"N={n}: replies {', '.join(f'{k} {v / 1e6:.1f} MB' for k, v in srv.sizes.items())}")
        for tool, args in LIST_TOOLS:
            ways = [("ours", [os.path.join(RELEASE, tool), *args]),
                    ("ours -o json", [os.path.join(RELEASE, tool), *args, "-o", "json"])]
            if py_bin:
                ways.append(("python", [os.path.join(py_bin, tool), *args]))
            got = {w: ([], []) for w, _ in ways}
            outs = {}
            for _ in range(runs):
                for w, argv in ways:
                    wall, rss, out = measure(argv, env, work)
                    got[w][0].append(wall)
                    got[w][1].append(rss)
                    outs[w] = out
            for w, _ in ways:
                walls, rsss = got[w]
                rows.append({"n": n, "tool": tool, "way": w, "wall": statistics.median(walls),
                             "rss": statistics.median(rsss), "lines": lines_of(outs[w])})
                log(f"  {tool:20} {w:13} {rows[-1]['wall']:7.3f} s {rows[-1]['rss'] / 1024:7.1f} MiB"
                    f" ({rows[-1]['lines']} lines)")
        srv.stop()
    return rows


def bench_apply(n, work):
    """tg-apply --dry-run: N users in sync, and 60k users x 60k workspaces."""
    out = []
    srv = Scripted(n)
    env = clean_env(srv.url)
    m = os.path.join(work, "sync.json")
    with open(m, "w") as f:
        json.dump({"users": [{"username": u["username"], "workspace": u["default_workspace"]}
                             for u in [user(i) for i in range(1, n)]]}, f)
    wall, rss, _ = measure([os.path.join(RELEASE, "tg-apply"), "-f", m, "--dry-run"], env, work)
    out.append((f"read {n:,} users, plan {n - 1:,} in sync", wall, rss))
    log(f"  tg-apply in sync: {wall:.2f} s, {rss / 1024:.0f} MiB")
    # Disabling every workspace but the caller's: each disables its
    # members, so the model of the plan's end state must not cost
    # workspaces x users.
    nws = max(n // 10, 1000)
    m = os.path.join(work, "disable.json")
    with open(m, "w") as f:
        json.dump({"workspaces": [{"id": f"ws{i}", "enabled": False} for i in range(nws)]}, f)
    wall, rss, _ = measure([os.path.join(RELEASE, "tg-apply"), "-f", m, "--dry-run"], env, work)
    out.append((f"read {n:,} users, plan disabling {nws:,} workspaces", wall, rss))
    log(f"  tg-apply disable {nws} workspaces: {wall:.2f} s, {rss / 1024:.0f} MiB")
    srv.stop()
    srv = Scripted(1)
    env = clean_env(srv.url)
    big = 60_000
    m = os.path.join(work, "big.json")
    with open(m, "w") as f:
        json.dump({"workspaces": [{"id": f"w{i}"} for i in range(big)],
                   "users": [{"username": f"new{i}", "workspace": f"w{i}"} for i in range(big)]}, f)
    wall, rss, _ = measure([os.path.join(RELEASE, "tg-apply"), "-f", m, "--dry-run"], env, work)
    out.append((f"validate and plan {big:,} users in {big:,} workspaces", wall, rss))
    log(f"  tg-apply 60k x 60k: {wall:.2f} s, {rss / 1024:.0f} MiB")
    srv.stop()
    return out


class Gw:
    def __init__(self, state, work):
        self.err = os.path.join(work, f"gw-{time.monotonic_ns()}.err")
        t = time.perf_counter()
        self.proc = subprocess.Popen(
            [os.path.join(RELEASE, "tg-dev-gateway"), "--bootstrap-mode", "bootstrap",
             "--listen", "127.0.0.1:0", "--state", state, "--insecure-fast-hashing"],
            stdout=subprocess.DEVNULL, stderr=open(self.err, "w"))
        while True:
            with open(self.err) as f:
                text = f.read()
            m = re.search(r"^listening on http://(\S+)/", text, re.M)
            if m:
                break
            if self.proc.poll() is not None or time.perf_counter() - t > 300:
                sys.exit(f"tg-dev-gateway did not start: {text[-400:]}")
            time.sleep(0.005)
        self.startup = time.perf_counter() - t
        self.stderr = text
        self.host, self.port = m.group(1).rsplit(":", 1)

    def call(self, conn, token, req):
        conn.request("POST", "/api/v1/iam", body=json.dumps(req),
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit(f"{req['operation']}: HTTP {r.status}: {data[:200]!r}")
        return json.loads(data)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def write_cost(gw, token, tag, k=50):
    conn = http.client.HTTPConnection(gw.host, int(gw.port))
    ts = []
    for i in range(k):
        t = time.perf_counter()
        gw.call(conn, token, {"operation": "create-workspace",
                              "workspace_record": {"id": f"{tag}{i}", "name": f"{tag} {i}",
                                                   "enabled": True}})
        ts.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(ts)


def bootstrap(gw):
    conn = http.client.HTTPConnection(gw.host, int(gw.port))
    conn.request("POST", "/api/v1/auth/bootstrap", body="{}",
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    boot = json.loads(r.read())
    conn.close()
    token = boot.get("bootstrap_admin_api_key")
    if not token:
        sys.exit(f"bootstrap: {boot}")
    return token


def seed_json(state, n):
    """n users in a JSON state file (the JSON store's format): copies of the
    first user, as bootstrap made it, with other ids and names."""
    with open(state) as f:
        st = json.load(f)
    proto = dict(st["users"][0])
    for i in range(1, n):
        u = dict(proto)
        u.update(id=uid(i), username=f"user{i}", name=f"User {i}", email="",
                 roles=["reader"], workspace="default")
        st["users"].append(u)
    write_private(state, st)


def write_private(path, st):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(st, f)


def seed_sqlite(state, n):
    """n users in a SQLite state (the gateway stopped): copies of the first
    user's row, as bootstrap made it, with other ids and names, in one
    transaction with Python's sqlite3 module (the table layout is
    crates/dev-gateway/src/store.rs's SCHEMA)."""
    import sqlite3
    con = sqlite3.connect(state)
    cols = [r[1] for r in con.execute("PRAGMA table_info(users)") if r[1] != "seq"]
    proto = dict(zip(cols, con.execute(
        f"SELECT {', '.join(cols)} FROM users ORDER BY seq LIMIT 1").fetchone()))
    rows = []
    for i in range(1, n):
        u = dict(proto)
        u.update(id=uid(i), username=f"user{i}", name=f"User {i}", email="",
                 roles='["reader"]', workspace="default")
        rows.append(tuple(u[c] for c in cols))
    with con:
        con.executemany(f"INSERT INTO users ({', '.join(cols)}) "
                        f"VALUES ({', '.join('?' * len(cols))})", rows)
    con.close()


def sqlite_as_json(state):
    """The SQLite state as the JSON store wrote it (to time a migration)."""
    import sqlite3
    con = sqlite3.connect(state)
    con.row_factory = sqlite3.Row

    def rows(table, fix):
        out = []
        for r in con.execute(f"SELECT * FROM {table} ORDER BY seq"):
            d = dict(r)
            del d["seq"]
            fix(d)
            out.append(d)
        return out

    def flags(d):
        for k in ("enabled", "must_change_password"):
            if k in d:
                d[k] = bool(d[k])
        if d.get("not_before", 0) is None:
            del d["not_before"]
        if "roles" in d:
            d["roles"] = json.loads(d["roles"])

    st = {"users": rows("users", flags), "workspaces": rows("workspaces", flags),
          "api_keys": rows("api_keys", lambda d: None),
          "signing_keys": rows("signing_keys", lambda d: None)}
    con.close()
    return st


def bench_gateway(n, work):
    state = os.path.join(work, "state")
    gw = Gw(state, work)
    token = bootstrap(gw)
    one = write_cost(gw, token, "a")
    log(f"  gateway write at 1 user: {one * 1000:.2f} ms")
    gw.stop()
    with open(state, "rb") as f:
        sqlite = f.read(16) == b"SQLite format 3\0"
    if sqlite:
        seed_sqlite(state, n)
    else:
        seed_json(state, n)
    gw = Gw(state, work)
    first = gw.startup
    migrated = "migrat" in gw.stderr.lower()
    big = write_cost(gw, token, "b")
    log(f"  gateway start with {n:,} users: {first:.2f} s; write: {big * 1000:.2f} ms")
    gw.stop()
    gw = Gw(state, work)
    second = gw.startup
    gw.stop()
    out = {"store": "SQLite" if sqlite else "JSON", "write_1": one, "write_n": big,
           "start_first": first, "start_second": second, "migrated": migrated}
    if sqlite:
        # The same state as a JSON file: its migration at start, timed.
        js = os.path.join(work, "state-json")
        write_private(js, sqlite_as_json(state))
        gw = Gw(js, work)
        out["start_migrating"] = gw.startup
        if "migrated to SQLite" not in gw.stderr:
            sys.exit(f"no migration note: {gw.stderr[-400:]}")
        gw.stop()
        gw = Gw(js, work)
        out["start_migrated"] = gw.startup
        gw.stop()
        log(f"  gateway start migrating {n:,} users from JSON: {out['start_migrating']:.2f} s, "
            f"then {out['start_migrated']:.2f} s")
    return out


def fmt_s(s):
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def report(rows, apply_rows, gw, n_gw, args, py_missing):
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    out = [BEGIN + " (python3 bench/scale.py --out BENCHMARKS.md) -->", "",
           "## Scale: 1k to 100k records (`bench/scale.py`)", "",
           f"Recorded {datetime.date.today().isoformat()} at commit `{commit}` on "
           f"{platform.machine()}, {os.cpu_count()} CPUs; release build; median of "
           f"{args.runs} alternated runs against a scripted 2.11.1-shaped gateway "
           "(N users, max(N/10, 1000) workspaces, N keys of one user). Wall time is "
           "spawn to exit with stdout read through a pipe; RSS is GNU time's %M.", ""]
    if py_missing:
        out += [f"Python tools not measured: {py_missing}.", ""]
    out += ["| N | tool | ours (table) | ours (-o json) | Python | time ratio | RSS ratio |",
            "|---|---|---|---|---|---|---|"]
    by = {(r["n"], r["tool"], r["way"]): r for r in rows}
    for n in args.sizes:
        for tool, _ in LIST_TOOLS:
            o, j, p = by.get((n, tool, "ours")), by.get((n, tool, "ours -o json")), \
                by.get((n, tool, "python"))
            cell = lambda r: f"{fmt_s(r['wall'])}, {r['rss'] / 1024:.0f} MiB" if r else "–"  # noqa
            tr = f"{max(o['wall'], j['wall']) / p['wall']:.2f}×" if p else "–"
            rr = f"{max(o['rss'], j['rss']) / p['rss']:.2f}×" if p else "–"
            out.append(f"| {n:,} | `{tool}` | {cell(o)} | {cell(j)} | {cell(p)} | {tr} | {rr} |")
    lo, hi = min(args.sizes), max(args.sizes)
    out += ["", "The ratios take the slower and larger of our two outputs. Cost per record "
            f"(ours, table) at {hi:,} over at {lo:,}:"]
    for tool, _ in LIST_TOOLS:
        a, b = by.get((lo, tool, "ours")), by.get((hi, tool, "ours"))
        if a and b:
            out.append(f"- `{tool}`: {(b['wall'] / hi) / (a['wall'] / lo):.2f}×")
    if apply_rows:
        out += ["", "| tg-apply --dry-run | wall | peak RSS |", "|---|---|---|"]
        out += [f"| {w} | {fmt_s(s)} | {r / 1024:.0f} MiB |" for w, s, r in apply_rows]
    if gw:
        out += ["", f"tg-dev-gateway `--state` ({gw['store']} store), one create-workspace "
                f"(median of 50): {gw['write_1'] * 1000:.2f} ms at 1 user, "
                f"{gw['write_n'] * 1000:.2f} ms at {n_gw:,} users "
                f"({gw['write_n'] / gw['write_1']:.2f}×). Start-up with {n_gw:,} users: "
                f"{fmt_s(gw['start_first'])} the first time"
                f"{' (migrating the JSON state)' if gw['migrated'] else ''}, "
                f"{fmt_s(gw['start_second'])} the second."]
        if "start_migrating" in gw:
            out[-1] += (f" The same {n_gw:,} users as a JSON state file: "
                        f"{fmt_s(gw['start_migrating'])} to start migrating it, "
                        f"{fmt_s(gw['start_migrated'])} to start after.")
    out += ["", END]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--out")
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--no-gateway", action="store_true")
    ap.add_argument("--no-apply", action="store_true")
    ap.add_argument("--gateway-users", type=int,
                    help="users in the gateway's state (default: the largest of --sizes)")
    ap.add_argument("--bin", help="the tools' directory (default: a release build, built first)")
    args = ap.parse_args()
    global RELEASE
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.bin:
        RELEASE = os.path.abspath(args.bin)
    else:
        log("cargo build --release --workspace")
        subprocess.run(["cargo", "build", "--release", "--workspace", "--quiet"], cwd=ROOT,
                       check=True)
    py_bin, py_missing = (None, "--no-python") if args.no_python else upstream.upstream_tools()
    work = tempfile.mkdtemp(prefix="tg-bench-scale-")
    try:
        rows = bench_lists(args.sizes, args.runs, py_bin, work)
        apply_rows = [] if args.no_apply else bench_apply(max(args.sizes), work)
        n_gw = args.gateway_users or max(args.sizes)
        gw = None if args.no_gateway else bench_gateway(n_gw, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(rows, apply_rows, gw, n_gw, args, py_missing)
    print(text)
    if args.out:
        with open(args.out) as f:
            md = f.read()
        if BEGIN in md:
            md = md[:md.index(BEGIN)] + text + md[md.index(END) + len(END):]
        else:
            md = md.rstrip("\n") + "\n\n" + text + "\n"
        with open(args.out, "w") as f:
            f.write(md)
        log(f"wrote {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
