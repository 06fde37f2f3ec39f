#!/usr/bin/env python3
"""Measure the tools and write BENCHMARKS.md.

    python3 bench/record.py [--runs N] [--baseline] [--out FILE]

What it does, in order (about 20 minutes on 2 cores; 30 with --baseline):

1. A clean release build of the workspace into target/bench (timed), and a
   clean `dist` build of the tools (timed). With --baseline, also a clean
   release build with the previous release profile (thin LTO, 4 codegen
   units, panic=abort) into target/bench-baseline, so that its build time
   and run time sit beside the new ones.
2. The size of every binary in release and dist, of `cargo install`'s set,
   and of the multicall install (tg-iam plus `install-links`).
3. tg-dev-gateway (release, --insecure-fast-hashing, --compat 2.11) on
   127.0.0.1:0, and the upstream Python tools, trustgraph-cli 2.11.1, in a
   throw-away venv under target/bench-venv (pip from PyPI: trustgraph-cli
   with --no-deps, plus requests and tabulate, all the IAM tools import).
4. For tg-whoami, tg-list-users, tg-create-api-key, tg-list-api-keys,
   tg-login and `tg-whoami --help`: N runs (default 40) of each
   implementation, alternated run by run on the same gateway, after two
   warm-up runs each; wall time (fork to wait) and peak RSS (wait4's
   ru_maxrss) of every run; median, min and max; ratios of medians.
5. strace: the syscall count and the files opened by one tg-whoami over
   http:// and over https:// (through a TLS proxy with the test CA of
   tests/fixtures/tls, passed with --ca-cert).

Everything stays on 127.0.0.1. Nothing here is a test: it prints figures
for a person to read. Needs python3 (stdlib only), cargo, strace.
"""

import argparse
import datetime
import os
import platform
import random
import re
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time


# The markers of bench/apply.py's section of BENCHMARKS.md.
APPLY_BEGIN = "<!-- bench/apply.py:begin"
APPLY_END = "<!-- bench/apply.py:end -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target", "bench")
BASELINE_TARGET = os.path.join(ROOT, "target", "bench-baseline")
VENV = os.path.join(ROOT, "target", "bench-venv")
UPSTREAM = "trustgraph-cli==2.11.1"
TLS = os.path.join(ROOT, "tests", "fixtures", "tls")

# The previous release profile, as environment overrides of the current one.
BASELINE_ENV = {
    "CARGO_PROFILE_RELEASE_LTO": "thin",
    "CARGO_PROFILE_RELEASE_CODEGEN_UNITS": "4",
    "CARGO_PROFILE_RELEASE_STRIP": "debuginfo",
    "CARGO_PROFILE_RELEASE_PANIC": "abort",
}


def rel(p):
    return os.path.relpath(p, ROOT)


def show(path, links):
    """A command's program, as the report shows it."""
    if path.startswith(links + os.sep):
        return "DIR/" + os.path.basename(path)
    return rel(path)


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def tool_names(release):
    """The registry's tools, as the multicall binary lists them."""
    return sh([os.path.join(release, "tg-iam"), "--list"]).split()


# ------------------------------------------------------------------ machine


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory": mem,
        "kernel": platform.release(),
        "rustc": sh(["rustc", "-V"]).strip(),
        "cargo": sh(["cargo", "-V"]).strip(),
        "python": platform.python_version(),
        "strace": sh(["strace", "-V"]).splitlines()[0] if shutil.which("strace") else "none",
        "commit": sh(["git", "-C", ROOT, "describe", "--always", "--dirty"]).strip(),
    }


def others_compiling():
    """rustc processes that are not ours (another worker's build)."""
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "rustc":
                        n += 1
            except OSError:
                pass
    return n


# ------------------------------------------------------------------- builds


def timed_build(what, args, target, extra_env=None):
    """A clean build: `target` removed first. Wall and CPU time."""
    shutil.rmtree(target, ignore_errors=True)
    env = dict(os.environ, CARGO_TARGET_DIR=target, CARGO_TERM_COLOR="never")
    env.update(extra_env or {})
    cmd = ["cargo", "build", *args, "--locked"]
    shown = " ".join(f"{k}={v}" for k, v in (extra_env or {}).items())
    shown = (shown + " " if shown else "") + f"CARGO_TARGET_DIR={rel(target)} " + " ".join(cmd)
    load, others = os.getloadavg()[0], others_compiling()
    log(f"{what}: {shown}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{what} failed:\n{r.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    others_after = others_compiling()
    load_after = os.getloadavg()[0]
    log(f"{what}: {wall:.0f} s wall, {cpu:.0f} s CPU")
    return {
        "what": what,
        "command": shown,
        "wall": wall,
        "cpu": cpu,
        "load": load,
        "load_after": load_after,
        "others": max(others, others_after),
    }


def mmss(s):
    return f"{int(s // 60)} min {s % 60:04.1f} s"


def mib(n):
    return f"{n / 1048576:.2f} MiB"


# ----------------------------------------------------------------- gateway


class Gateway:
    def __init__(self, binary, workdir):
        self.err = os.path.join(workdir, "gateway.err")
        self.proc = subprocess.Popen(
            [binary, "--bootstrap-mode", "bootstrap", "--compat", "2.11",
             "--listen", "127.0.0.1:0", "--insecure-fast-hashing"],
            stdout=subprocess.DEVNULL, stderr=open(self.err, "w"))
        self.command = (f"{rel(binary)} --bootstrap-mode bootstrap --compat 2.11 "
                        "--listen 127.0.0.1:0 --insecure-fast-hashing")
        for _ in range(200):
            with open(self.err) as f:
                m = re.search(r"^listening on (\S+)", f.read(), re.M)
            if m:
                self.url = m.group(1)
                return
            time.sleep(0.05)
        sys.exit("tg-dev-gateway did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class TlsProxy:
    """TLS on 127.0.0.1:0 in front of the gateway, with the test certificate."""

    def __init__(self, upstream_port):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(TLS, "server.pem"), os.path.join(TLS, "server.key"))
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.ctx, self.upstream = ctx, upstream_port
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.one, args=(conn,), daemon=True).start()

    def one(self, conn):
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
            up = socket.create_connection(("127.0.0.1", self.upstream))
        except (OSError, ssl.SSLError):
            conn.close()
            return

        def pump(a, b):
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(up, tls), daemon=True).start()
        pump(tls, up)


def run_ok(argv, env, stdin=None):
    r = subprocess.run(argv, env=env, capture_output=True, text=True, input=stdin)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {r.returncode}\n{r.stderr}")
    return r.stdout.strip()


# ------------------------------------------------------------------ timing


def one_run(argv, env):
    """Wall time (ms) of one run, from spawn to wait."""
    t = time.perf_counter()
    # stdout is a pipe, as in `$(tool)`: the tools that print a one-time
    # secret refuse /dev/null.
    r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - t) * 1000
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {r.returncode}")
    return wall


def rss_run(argv, env, work):
    """Peak RSS (KiB) of one run, as GNU time reports it. (Python spawns
    with vfork, whose children inherit the parent's peak in ru_maxrss; GNU
    time forks a small process instead.)"""
    out = os.path.join(work, "rss")
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out, *argv], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {r.returncode}")
    with open(out) as f:
        return int(f.read().split()[-1])


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


# ------------------------------------------------------------------ strace


# System certificate stores (and certifi's bundle, which requests uses).
CERT_STORE = re.compile(r"^/etc/ssl/|^/usr/lib/ssl/|^/etc/pki/|^/usr/share/ca-certificates/"
                        r"|certifi/cacert\.pem$")


# -------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--baseline", action="store_true",
                    help="also build and time the previous release profile")
    ap.add_argument("--reuse", action="store_true",
                    help="no clean builds: reuse target/bench* (brought up to date by cargo)"
                    " and leave build times out")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = ap.parse_args()
    for need in ("cargo", "strace"):
        if not shutil.which(need):
            sys.exit(f"{need} is not on PATH (strace: apt-get install strace)")

    started = datetime.datetime.now(datetime.timezone.utc)
    mach = machine()
    work = tempfile.mkdtemp(prefix="tg-bench-")

    # 1. Builds.
    plan = [("clean release build, workspace", ["--release", "--workspace"], TARGET, None),
            ("clean dist build, tools", ["--profile", "dist", "-p", "tg-iam"], TARGET + "-dist",
             None)]
    if args.baseline:
        plan.append(("clean release build, workspace, previous profile",
                     ["--release", "--workspace"], BASELINE_TARGET, BASELINE_ENV))
    builds = []
    for what, cargs, target, extra in plan:
        if args.reuse:
            env = dict(os.environ, CARGO_TARGET_DIR=target, **(extra or {}))
            subprocess.run(["cargo", "build", *cargs, "--locked"], cwd=ROOT, env=env, check=True)
        else:
            builds.append(timed_build(what, cargs, target, extra))
    release = os.path.join(TARGET, "release")
    dist = os.path.join(TARGET + "-dist", "dist")
    tools = tool_names(release)

    # 2. Sizes.
    sizes = []
    for b in ["tg-iam", *tools]:
        sizes.append((b, os.path.getsize(os.path.join(release, b)),
                      os.path.getsize(os.path.join(dist, b))))
    gw_size = os.path.getsize(os.path.join(release, "tg-dev-gateway"))
    installs = {}
    for profile, d in (("release", release), ("dist", dist)):
        for hard in (False, True):
            inst = os.path.join(work, f"install-{profile}-{'hard' if hard else 'sym'}")
            os.mkdir(inst)
            shutil.copy2(os.path.join(d, "tg-iam"), os.path.join(inst, "tg-iam"))
            cmd = [os.path.join(inst, "tg-iam"), "install-links", inst] + (["--hard"] if hard else [])
            subprocess.run(cmd, check=True, capture_output=True)
            du = int(sh(["du", "-s", "-B1", inst]).split()[0])
            apparent = int(sh(["du", "-s", "-B1", "--apparent-size", inst]).split()[0])
            installs[(profile, hard)] = (du, apparent, len(os.listdir(inst)) - 1)

    # 3. Gateway and the upstream tools.
    gw = Gateway(os.path.join(release, "tg-dev-gateway"), work)
    try:
        if not os.path.exists(os.path.join(VENV, "bin", "tg-whoami")):
            log(f"venv: {rel(VENV)} with {UPSTREAM}")
            shutil.rmtree(VENV, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
            pip = [os.path.join(VENV, "bin", "pip"), "install", "-q", "--disable-pip-version-check"]
            subprocess.run(pip + ["--no-deps", UPSTREAM], check=True)
            subprocess.run(pip + ["requests", "tabulate"], check=True)
        py_bin = os.path.join(VENV, "bin")
        # No TRUSTGRAPH_* or proxy variables from the caller; no
        # SSL_CERT_FILE / SSL_CERT_DIR either, so that the certificate store
        # is found as on a stock system.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TRUSTGRAPH_") and "proxy" not in k.lower()
               and k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
        env["TRUSTGRAPH_URL"] = gw.url
        admin = run_ok([os.path.join(release, "tg-bootstrap-iam")], env)
        env["TRUSTGRAPH_TOKEN"] = admin
        mk = lambda *a: run_ok([os.path.join(release, "tg-create-user"), "-w", "default", *a], env)
        for i in range(5):
            mk("--username", f"user{i}", "--password", f"pw-{i}", "--roles", "reader")
        keys_user = mk("--username", "keys", "--password", "pw-k", "--roles", "writer")
        new_keys_user = mk("--username", "newkeys", "--password", "pw-n", "--roles", "writer")
        mk("--username", "bench", "--password", "bench-pw", "--roles", "writer")
        for i in range(3):
            run_ok([os.path.join(release, "tg-create-api-key"), "--user-id", keys_user,
                    "--name", f"k{i}"], env)

        links = os.path.join(work, "install-release-sym")
        impls = [("release", lambda t: os.path.join(release, t)),
                 ("multicall", lambda t: os.path.join(links, t)),
                 ("dist", lambda t: os.path.join(dist, t))]
        if args.baseline:
            impls.append(("previous", lambda t: os.path.join(BASELINE_TARGET, "release", t)))
        impls.append(("python", lambda t: os.path.join(py_bin, t)))
        cases = [
            ("whoami", ["tg-whoami"]),
            ("list-users", ["tg-list-users"]),
            ("create-api-key", ["tg-create-api-key", "--user-id", new_keys_user, "--name", "bench"]),
            ("list-api-keys", ["tg-list-api-keys", "--user-id", keys_user]),
            ("login", ["tg-login", "--username", "bench", "--password", "bench-pw"]),
            ("--help", ["tg-whoami", "--help"]),
        ]
        timing = []
        rss_runs = max(5, args.runs // 4)
        rss_floor = stats([rss_run(["true"], env, work) for _ in range(rss_runs)])
        for case, argv in cases:
            log(f"timing {case}: {args.runs} runs x {len(impls)} implementations, alternated")
            walls = {name: [] for name, _ in impls}
            rsss = {name: [] for name, _ in impls}
            order = random.Random(case)
            for i in range(args.runs + 2):
                # Each round in a new (seeded) random order: a run right
                # after a Python one is slower (the caches are cold), so no
                # implementation may always come next.
                round_ = list(impls)
                order.shuffle(round_)
                for name, path in round_:
                    wall = one_run([path(argv[0]), *argv[1:]], env)
                    if i >= 2:
                        walls[name].append(wall)
            for i in range(rss_runs):
                for name, path in impls:
                    rsss[name].append(rss_run([path(argv[0]), *argv[1:]], env, work))
            for name, path in impls:
                timing.append((case, name, [path(argv[0]), *argv[1:]], stats(walls[name]),
                               stats(rsss[name])))

        # 5. strace.
        proxy = TlsProxy(int(gw.url.rsplit(":", 1)[1].strip("/")))
        https = f"https://127.0.0.1:{proxy.port}/"
        ca = os.path.join(TLS, "ca.pem")
        traces = [
            ("release tg-whoami, http://", [os.path.join(release, "tg-whoami")]),
            ("release tg-whoami, https:// (--ca-cert)",
             [os.path.join(release, "tg-whoami"), "-u", https, "--ca-cert", ca]),
            ("release tg-whoami, https:// (system roots, fails: test CA)",
             [os.path.join(release, "tg-whoami"), "-u", https]),
            ("python tg-whoami, http://", [os.path.join(py_bin, "tg-whoami")]),
        ]
        straced = []
        for i, (what, argv) in enumerate(traces):
            # The run against system roots fails (exit 5): the test CA is
            # not among them; it still shows what is read.
            total, files = strace(argv, env, work, f"t{i}", check="fails" not in what)
            straced.append((what, argv, total, files))
    finally:
        gw.stop()

    write(args, started, mach, builds, sizes, gw_size, installs, timing, straced, gw, tools,
          rss_floor, rss_runs, links)
    shutil.rmtree(work, ignore_errors=True)
    log(f"wrote {rel(args.out)}")


def parse_strace(counts, opens):
    total = None
    with open(counts) as f:
        for line in f:
            w = line.split()
            if w and w[-1] == "total":
                # % time, seconds, usecs/call, calls, [errors,] "total"
                total = int(w[3])
    files = []
    with open(opens) as f:
        for line in f:
            m = re.search(r'open(?:at2?)?\((?:[^,"]+, )?"([^"]*)".*\) = (-?\d+)(?: (\w+))?', line)
            if m:
                files.append((m.group(1), "" if int(m.group(2)) >= 0 else (m.group(3) or "error")))
    return total, files


def strace(argv, env, work, name, check=True):
    """One run counted (`strace -c`), one run with its opens traced."""
    counts = os.path.join(work, f"{name}.count")
    opens = os.path.join(work, f"{name}.open")
    for cmd in (["strace", "-f", "-c", "-o", counts, *argv],
                ["strace", "-f", "-e", "trace=open,openat,openat2", "-o", opens, *argv]):
        subprocess.run(cmd, env=env, check=check, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    return parse_strace(counts, opens)


# ------------------------------------------------------------------- report


def write(args, started, mach, builds, sizes, gw_size, installs, timing, straced, gw, tools,
          rss_floor, rss_runs, links):
    L = []
    p = L.append
    p("# Benchmarks")
    p("")
    flags = (" --baseline" if args.baseline else "") + (" --reuse" if args.reuse else "")
    p(f"Written by `python3 bench/record.py{flags} --runs {args.runs}` (run it again to refresh this file; see its header for"
      " what it does). Every figure comes with the command that produced it.")
    p("")
    p(f"* Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; code: commit {mach.get('commit', '?')}")
    p(f"* Machine: {mach['cores']} cores, {mach['cpu']}, {mach['memory']}, Linux {mach['kernel']}")
    p(f"* Toolchain: {mach['rustc']}; {mach['cargo']}; Python {mach['python']}; {mach['strace']}")
    p("* The machine is shared: another worker may have been compiling at the same time."
      " The build table gives the 1-minute load average before and after each build (this"
      " build alone keeps it near 2) and the largest number of rustc processes seen at its"
      " start or end that were not this build's; CPU time well below twice the wall time"
      " means the build waited for the CPU or for a single crate.")
    p("")

    p("## Build time")
    p("")
    if not builds:
        p("Not measured in this run (`--reuse`).")
    else:
        p("Clean builds (target directory removed first; crates already downloaded).")
        p("")
        p("| Build | Command | Wall | CPU (user+sys) | Load before / after | Other rustc |")
        p("|---|---|---|---|---|---|")
    for b in builds:
        p(f"| {b['what']} | `{b['command']}` | {mmss(b['wall'])} | {mmss(b['cpu'])} "
          f"| {b['load']:.2f} / {b['load_after']:.2f} | {b['others']} |")
    p("")

    p("## Sizes")
    p("")
    p(f"Size of each binary (`stat`), release (`{rel(TARGET)}/release`) and dist "
      f"(`{rel(TARGET)}-dist/dist`).")
    p("")
    p("| Binary | release | dist |")
    p("|---|---|---|")
    for name, r, d in sizes:
        p(f"| `{name}` | {mib(r)} | {mib(d)} |")
    thin_r = sum(r for n, r, _ in sizes if n != "tg-iam")
    thin_d = sum(d for n, _, d in sizes if n != "tg-iam")
    all_r = sum(r for _, r, _ in sizes)
    all_d = sum(d for _, _, d in sizes)
    p(f"| the {len(tools)} thin binaries | {mib(thin_r)} | {mib(thin_d)} |")
    p(f"| `cargo install --path .` (thin binaries and `tg-iam`) | {mib(all_r)} | {mib(all_d)} |")
    p(f"| `tg-dev-gateway` | {mib(gw_size)} | – |")
    p("")
    p("The multicall install: `tg-iam` copied into an empty directory DIR, then"
      " `DIR/tg-iam install-links DIR [--hard]`; `du -s -B1 DIR` (disk usage) and"
      " `du -s -B1 --apparent-size DIR` (du counts a hard-linked file once).")
    p("")
    p("| Install | Links | Disk usage (du) | Apparent size |")
    p("|---|---|---|---|")
    for (profile, hard), (du, apparent, n) in installs.items():
        kind = "hard" if hard else "symbolic"
        p(f"| {profile} `tg-iam` + {n} {kind} links | {n} | {mib(du)} | {mib(apparent)} |")
    p("")

    p("## Per-call wall time and peak RSS")
    p("")
    p(f"Against `{gw.command}` (URL `{gw.url}`), with `TRUSTGRAPH_URL` set to it and"
      " `TRUSTGRAPH_TOKEN` to the bootstrap admin's API key. Each row: "
      f"{args.runs} runs after 2 warm-up runs, the implementations alternated run by run"
      " (each round in a random order); wall time from spawn to exit (Python"
      f" `subprocess.run`); peak RSS from {rss_runs} more runs each under"
      " `/usr/bin/time -f %M` (GNU time; `/usr/bin/time -f %M true` gives"
      f" {rss_floor[0] / 1024:.1f} MiB, the floor of this method). `release`: the thin binary;"
      " `multicall`: DIR/TOOL, a symbolic link to release `tg-iam` made by"
      " `tg-iam install-links DIR`; `dist`: the thin binary built with the dist profile;"
      + (" `previous`: the thin binary built with the previous release profile;" if args.baseline else "")
      + " `python`: the upstream trustgraph-cli 2.11.1 tool. Ratio: this row's median over"
      " release's.")
    p("")
    p("| Case | Implementation | Command | Median ms | Min ms | Max ms | Ratio of medians | Peak RSS MiB, median (min–max) |")
    p("|---|---|---|---|---|---|---|---|")
    base = {}
    for case, name, argv, (med, lo, hi), (rmed, rlo, rhi) in timing:
        if name == "release":
            base[case] = med
        shown = " ".join([show(argv[0], links)] + argv[1:])
        p(f"| {case} | {name} | `{shown}` | {med:.2f} | {lo:.2f} | {hi:.2f} | "
          f"{med / base[case]:.2f} | {rmed / 1024:.1f} ({rlo / 1024:.1f}–{rhi / 1024:.1f}) |")
    p("")

    p("## Syscalls and files opened by one tg-whoami")
    p("")
    p("`strace -f -c -o FILE COMMAND` (the `total` calls) and"
      " `strace -f -e trace=open,openat,openat2 -o FILE COMMAND`, same environment as above."
      " https:// goes through a TLS proxy on 127.0.0.1 (Python `ssl`, the certificate in"
      " `tests/fixtures/tls`) to the same gateway.")
    p("")
    p("| Run | Command | Syscalls | Files opened | Of which certificate-store files |")
    p("|---|---|---|---|---|")
    for what, argv, total, files in straced:
        shown = " ".join([show(argv[0], links)] + [rel(a) if a.startswith(ROOT) else a for a in argv[1:]])
        certs = [f for f, _ in files if CERT_STORE.search(f)]
        p(f"| {what} | `{shown}` | {total} | {len(files)} | {len(certs)} |")
    p("")
    for what, argv, total, files in straced:
        if what.startswith("python"):
            continue
        p(f"Files opened, {what}:")
        p("")
        store = [f for f, _ in files if f.startswith("/etc/ssl/certs/")]
        for f, err in files:
            if f not in store:
                p(f"* `{rel(f) if f.startswith(ROOT) else f}`" + (f" ({err})" if err else ""))
        if store:
            p(f"* and {len(store)} files in `/etc/ssl/certs/` (the system store)")
        p("")
    # bench/apply.py's section (between its markers) is its own: kept.
    kept = ""
    try:
        old = open(args.out).read()
        b, e = old.find(APPLY_BEGIN), old.find(APPLY_END)
        if 0 <= b < e:
            kept = "\n" + old[b:e + len(APPLY_END)] + "\n"
    except OSError:
        pass
    with open(args.out, "w") as f:
        f.write("\n".join(L).rstrip() + "\n" + kept)


if __name__ == "__main__":
    main()
