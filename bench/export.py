#!/usr/bin/env python3
"""tg-export-iam at scale: N users with one API key each, exported in each
format, then read back by tg-apply --check --prune.

    python3 bench/export.py [--users N] [--jobs J] [--bin DIR]

1. A tg-dev-gateway (release, --state in a throw-away SQLite file, fast
   hashing) on 127.0.0.1:0 is bootstrapped and stopped; N-1 users are
   written into its state as bench/scale.py writes them, each with one API
   key (every other one with an expiry in 2099), and it is started again.
2. `tg-export-iam --format F -j J` for yaml, toml and json: wall time and
   peak RSS (/usr/bin/time), the output's size, and that two runs give
   the same bytes.
3. `tg-apply -f FILE --check --prune` on each export: wall time, peak RSS,
   and exit 0 (nothing to do).

Prints the figures; writes nothing else. The tools must be built first:
`cargo build --release -p tg-iam -p tg-dev-gateway --bin tg-export-iam
--bin tg-apply --bin tg-dev-gateway`.
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402


def seed_keys(state, n):
    """One API key for each seeded user (`scale.uid(i)`), in one
    transaction; the admin keeps its bootstrap key."""
    con = sqlite3.connect(state)
    rows = []
    for i in range(1, n):
        expires = "2099-01-31T00:00:00+00:00" if i % 2 else ""
        rows.append((f"{i:08x}-0000-4000-8000-00000000{i % 65536:04x}", scale.uid(i),
                     f"key {i}", "tg_Benc", expires, scale.CREATED, f"benchhash{i:08x}"))
    with con:
        con.executemany("INSERT INTO api_keys (id, user_id, name, prefix, expires, created, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()


def measure(argv, env, stdin=None):
    """Wall seconds, peak RSS (MiB), exit code, stdout, stderr."""
    with tempfile.NamedTemporaryFile() as rss:
        t = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *argv], env=env,
                           stdin=stdin or subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        wall = time.perf_counter() - t
        kib = int(open(rss.name).read().split()[-1])
    return wall, kib / 1024, r.returncode, r.stdout, r.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--bin", default=scale.RELEASE)
    a = ap.parse_args()
    scale.RELEASE = a.bin
    work = tempfile.mkdtemp(prefix="tg-export-bench-")
    state = os.path.join(work, "state.sqlite")
    gw = scale.Gw(state, work)
    token = scale.bootstrap(gw)
    gw.stop()
    scale.seed_sqlite(state, a.users)
    seed_keys(state, a.users)
    gw = scale.Gw(state, work)
    url = f"http://{gw.host}:{gw.port}/"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRUSTGRAPH_") and "proxy" not in k.lower()}
    env.update(TRUSTGRAPH_URL=url, TRUSTGRAPH_TOKEN=token, TRUSTGRAPH_CONFIG="")
    print(f"{a.users} users, one API key each; gateway started in {gw.startup:.2f} s")
    try:
        for fmt in ["yaml", "toml", "json"]:
            argv = [os.path.join(a.bin, "tg-export-iam"), "--format", fmt, "-j", str(a.jobs)]
            wall, mib, code, out, err = measure(argv, env)
            if code != 0:
                sys.exit(f"tg-export-iam --format {fmt}: exit {code}: {err[-400:]}")
            again = measure(argv, env)[3]
            path = os.path.join(work, f"iam.{fmt}")
            with open(path, "wb") as f:
                f.write(out)
            print(f"tg-export-iam --format {fmt}: {wall:.2f} s, {mib:.0f} MiB peak RSS, "
                  f"{len(out) / 2**20:.1f} MiB out, same bytes twice: {again == out}; "
                  f"{err.strip().splitlines()[-1]}")
            wall, mib, code, _, err = measure(
                [os.path.join(a.bin, "tg-apply"), "-f", path, "--check", "--prune"], env)
            last = err.strip().splitlines()[-1] if err.strip() else ""
            print(f"  tg-apply -f iam.{fmt} --check --prune: exit {code}, {wall:.2f} s, "
                  f"{mib:.0f} MiB peak RSS; {last}")
    finally:
        gw.stop()


if __name__ == "__main__":
    main()
