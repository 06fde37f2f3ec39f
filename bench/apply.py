#!/usr/bin/env python3
"""Provisioning benchmark: 50 users with one API key each, timed four ways,
against tg-dev-gateway with real password hashing (PBKDF2-SHA256, 600,000
iterations, as iam-svc), and its section of BENCHMARKS.md.

    python3 bench/apply.py [--users N] [--out FILE]

1. A release build of the workspace (target/release).
2. The upstream Python tools, trustgraph-cli 2.11.1, in a throw-away venv
   under target/bench-venv (pip from PyPI: trustgraph-cli with --no-deps,
   plus requests and tabulate, all the IAM tools import). Shared with
   bench/record.py. If PyPI cannot be reached, the Python row is skipped
   and the report says so.
3. For each way, a fresh gateway (release, --compat 2.11, real hashing) on
   127.0.0.1:0, bootstrapped, with a workspace `bench`; then N users, each
   with one API key:
   - python serial: a shell-style loop of tg-create-user + tg-create-api-key
     (upstream, one process per call);
   - rust serial: the same loop with these tools;
   - tg-apply --jobs 4: one manifest;
   - tg-apply again (no-op): the same manifest on the provisioned gateway.
   - raw HTTP serial: the same 2N requests from this script over one
     keep-alive connection (what the gateway itself takes: no client).
4. The gateway's hashing: in the raw HTTP run, the create-user requests'
   time less the create-api-key requests' (the same cost but the hash).

Prints the figures and the ratios, and writes them between the
`bench/apply.py` markers of BENCHMARKS.md (created if missing; other
sections are left alone). Everything stays on 127.0.0.1. Slow by design:
real hashing (about 3 minutes on 2 cores).
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
VENV = os.path.join(ROOT, "target", "bench-venv")
UPSTREAM = "trustgraph-cli==2.11.1"
BEGIN = "<!-- bench/apply.py:begin (generated: python3 bench/apply.py) -->"
END = "<!-- bench/apply.py:end -->"
PASSWORD = "bench-password-0123456789"


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


class Gateway:
    """A fresh tg-dev-gateway with real hashing, bootstrapped."""

    def __init__(self, work):
        self.err = os.path.join(work, f"gateway-{time.monotonic_ns()}.err")
        self.proc = subprocess.Popen(
            [os.path.join(RELEASE, "tg-dev-gateway"), "--bootstrap-mode", "bootstrap",
             "--compat", "2.11", "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL, stderr=open(self.err, "w"))
        for _ in range(200):
            with open(self.err) as f:
                m = re.search(r"^listening on (\S+)", f.read(), re.M)
            if m:
                self.url = m.group(1)
                break
            time.sleep(0.05)
        else:
            sys.exit("tg-dev-gateway did not start")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("TRUSTGRAPH_") and "proxy" not in k.lower()}
        self.env["TRUSTGRAPH_URL"] = self.url
        self.env["TRUSTGRAPH_CONFIG"] = ""
        admin = run([os.path.join(RELEASE, "tg-bootstrap-iam")], self.env)
        self.env["TRUSTGRAPH_TOKEN"] = admin
        run([os.path.join(RELEASE, "tg-create-workspace"), "--workspace-id", "bench"], self.env)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def run(cmd, env, stdin=None):
    r = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def serial_loop(bin_dir, env, n):
    """One tg-create-user and one tg-create-api-key per user, in turn."""
    t = time.perf_counter()
    for i in range(n):
        uid = run([os.path.join(bin_dir, "tg-create-user"), "-w", "bench", "--username", f"u{i}",
                   "--password", PASSWORD, "--roles", "reader"], env)
        key = run([os.path.join(bin_dir, "tg-create-api-key"), "--user-id", uid, "--name", "ci"], env)
        assert key.startswith("tg_"), key
    return time.perf_counter() - t


def apply(env, manifest, secrets):
    t = time.perf_counter()
    cmd = [os.path.join(RELEASE, "tg-apply"), "-f", manifest, "--jobs", "4"]
    if secrets:
        cmd += ["--secrets-out", secrets]
    run(cmd, env)
    return time.perf_counter() - t


def raw_http(env, n):
    """The same requests with no client process: the gateway's own time."""
    u = urllib.parse.urlparse(env["TRUSTGRAPH_URL"])
    c = http.client.HTTPConnection(u.hostname, u.port)
    hdr = {"Authorization": f"Bearer {env['TRUSTGRAPH_TOKEN']}",
           "Content-Type": "application/json"}

    def iam(body):
        c.request("POST", "/api/v1/iam", json.dumps(body), hdr)
        r = c.getresponse()
        return json.loads(r.read())

    users = keys = 0.0
    for i in range(n):
        t = time.perf_counter()
        user = iam({"operation": "create-user", "workspace": "bench",
                    "user": {"username": f"u{i}", "password": PASSWORD, "roles": ["reader"]}})
        t2 = time.perf_counter()
        key = iam({"operation": "create-api-key",
                   "key": {"user_id": user["user"]["id"], "name": "ci"}})
        users += t2 - t
        keys += time.perf_counter() - t2
        assert key["api_key_plaintext"].startswith("tg_")
    return users, keys


def upstream_tools():
    """The venv's bin directory, or None with the reason."""
    if os.path.exists(os.path.join(VENV, "bin", "tg-create-user")):
        return os.path.join(VENV, "bin"), None
    log(f"venv: target/bench-venv with {UPSTREAM}")
    shutil.rmtree(VENV, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        pip = [os.path.join(VENV, "bin", "pip"), "install", "-q", "--disable-pip-version-check"]
        subprocess.run(pip + ["--no-deps", UPSTREAM], check=True, timeout=600)
        subprocess.run(pip + ["requests", "tabulate"], check=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(VENV, ignore_errors=True)
        return None, f"could not install {UPSTREAM} from PyPI ({e})"
    return os.path.join(VENV, "bin"), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    a = ap.parse_args()
    n = a.users
    log("cargo build --release --workspace")
    subprocess.run(["cargo", "build", "--release", "--workspace", "--quiet"], cwd=ROOT, check=True)
    py_bin, py_missing = upstream_tools()
    work = tempfile.mkdtemp(prefix="tg-bench-apply-")
    pw = os.path.join(work, "pw")
    with open(os.open(pw, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(PASSWORD + "\n")
    manifest = os.path.join(work, "m.toml")
    with open(manifest, "w") as f:
        f.write('[[workspaces]]\nid = "bench"\n\n')
        for i in range(n):
            f.write(f'[[users]]\nusername = "u{i}"\nworkspace = "bench"\n'
                    f'password = {{ file = "pw" }}\n\n')
        for i in range(n):
            f.write(f'[[api_keys]]\nuser = "u{i}"\nname = "ci"\n\n')

    rows = []
    try:
        if py_bin:
            gw = Gateway(work)
            log(f"python serial loop ({n} users)")
            rows.append(("upstream Python tools, serial loop", serial_loop(py_bin, gw.env, n)))
            gw.stop()
        gw = Gateway(work)
        log(f"rust serial loop ({n} users)")
        rows.append(("these tools, serial loop", serial_loop(RELEASE, gw.env, n)))
        gw.stop()
        gw = Gateway(work)
        log("tg-apply --jobs 4")
        rows.append(("tg-apply --jobs 4", apply(gw.env, manifest, os.path.join(work, "s1"))))
        log("tg-apply again (no-op)")
        rows.append(("tg-apply --jobs 4, second run (no-op)", apply(gw.env, manifest, None)))
        gw.stop()
        gw = Gateway(work)
        log("raw HTTP, serial, one connection")
        users_s, keys_s = raw_http(gw.env, n)
        rows.append(("raw HTTP from this script, serial (no client)", users_s + keys_s))
        gw.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # create-user and create-api-key cost the gateway the same but for the
    # password hash: the difference is the hashing.
    hash_s = max(users_s - keys_s, 0.0)

    t = dict(rows)
    rust = t["these tools, serial loop"]
    app = t["tg-apply --jobs 4"]
    raw = t["raw HTTP from this script, serial (no client)"]
    lines = [BEGIN, "",
             f"## Provisioning {n} users with one API key each (`bench/apply.py`)", "",
             f"Recorded {datetime.date.today().isoformat()} on {platform.machine()}, "
             f"{os.cpu_count()} CPUs, Linux {platform.release()}; release build; "
             "tg-dev-gateway `--compat 2.11` with real hashing (PBKDF2-SHA256, 600,000 "
             "iterations); a fresh gateway for each way. One run each (the hashing dominates).", "",
             "| Way | Wall time | Per user |", "|---|---:|---:|"]
    for name, secs in rows:
        lines.append(f"| {name} | {secs:.2f} s | {secs / n * 1000:.0f} ms |")
    lines.append(f"| of which the gateway's password hashing ({n} x PBKDF2 600,000) | "
                 f"{hash_s:.2f} s | {hash_s / n * 1000:.0f} ms |")
    lines += ["", "Ratios:", ""]
    if "upstream Python tools, serial loop" in t:
        py = t["upstream Python tools, serial loop"]
        lines.append(f"- Python loop / these tools' loop: **{py / rust:.2f}x**")
        lines.append(f"- Python loop / tg-apply --jobs 4: **{py / app:.2f}x**")
    else:
        lines.append(f"- Python loop: not measured: {py_missing}")
    lines.append(f"- these tools' loop / tg-apply --jobs 4: **{rust / app:.2f}x**")
    lines.append(f"- tg-apply no-op run: {t['tg-apply --jobs 4, second run (no-op)']:.2f} s "
                 f"({t['tg-apply --jobs 4, second run (no-op)'] / app * 100:.1f}% of the first)")
    lines += ["",
              "The server's share: the raw HTTP row is the gateway alone doing the same "
              f"{2 * n} requests serially; its hashing (the {n} create-user requests' time "
              f"less the {n} create-api-key requests', which cost the same but for the hash) "
              f"is {hash_s / raw * 100:.0f}% of it. "
              "What a serial loop takes beyond that row is the client's share "
              f"(these tools: {max(rust - raw, 0):.2f} s, "
              f"{max(rust - raw, 0) / (2 * n) * 1000:.1f} ms per call"
              + (f"; Python: {max(t['upstream Python tools, serial loop'] - raw, 0):.2f} s, "
                 f"{max(t['upstream Python tools, serial loop'] - raw, 0) / (2 * n) * 1000:.1f} ms per call"
                 if "upstream Python tools, serial loop" in t else "")
              + "). tg-apply gains by hashing on both cores at once (`--jobs 4`), "
              "so it can beat the serial raw-HTTP floor.", "", END]
    section = "\n".join(lines) + "\n"
    print(section)
    text = open(a.out).read() if os.path.exists(a.out) else "# Benchmarks\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(a.out, "w") as f:
        f.write(text)
    log(f"wrote {os.path.relpath(a.out, ROOT)}")


if __name__ == "__main__":
    main()
