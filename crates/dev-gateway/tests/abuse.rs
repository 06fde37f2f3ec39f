//! The gateway survives abuse: slow clients that trickle their headers,
//! floods of large unauthenticated bodies, idle connections, and a request
//! that crashes a handler.

mod support;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::*;

/// The binary, on 127.0.0.1:0, with a descriptor limit of `nofile` (soft
/// and hard) when given; its address.
fn start(args: &[&str], nofile: Option<u64>) -> (Child, SocketAddr) {
    let mut cmd = bin();
    cmd.args(["--bootstrap-mode", "bootstrap", "--listen", "127.0.0.1:0"])
        .arg("--insecure-fast-hashing")
        .args(args);
    if let Some(n) = nofile {
        let lim = libc::rlimit {
            rlim_cur: n,
            rlim_max: n,
        };
        // SAFETY: setrlimit is async-signal-safe; it only touches the child.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut started = start_binary(cmd);
    // Keep draining stderr so the gateway never blocks on it.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut started.stderr, &mut std::io::sink());
    });
    (started.child, started.addr)
}

fn status_of(addr: SocketAddr) -> Option<u16> {
    try_request(addr, "POST", "/api/v1/auth/bootstrap-status", &[], b"{}").map(|r| r.status)
}

/// One slowloris connection, again and again until `stop`: a request head
/// that never ends, one header line at a time.
fn slowloris(addr: SocketAddr, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = TcpStream::connect(addr) else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
        if s.write_all(b"POST /api/v1/iam HTTP/1.1\r\nHost: x\r\n")
            .is_err()
        {
            continue;
        }
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            if s.write_all(b"X-Slow: 1\r\n").is_err() {
                break;
            }
        }
    }
}

/// 300 slowloris connections against a gateway whose descriptor limit is
/// 256, with the default timeouts: ordinary requests are still answered.
#[test]
fn a_slowloris_client_cannot_starve_a_normal_client() {
    let (mut child, addr) = start(&[], Some(256));
    assert_eq!(status_of(addr), Some(200));
    let stop = Arc::new(AtomicBool::new(false));
    let attackers: Vec<_> = (0..300)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || slowloris(addr, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    // Each ordinary request is answered, within a few header timeouts.
    let t = Instant::now();
    let answers: Vec<Option<u16>> = (0..3).map(|_| status_of(addr)).collect();
    let took = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        let _ = a.join();
    }
    let _ = child.kill();
    let _ = child.wait();
    eprintln!("three requests under a 300-connection slowloris: {took:?}");
    assert_eq!(answers, [Some(200); 3], "after {took:?}");
}

/// CPU time `pid` has used, user and system: clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces): utime is the
    // 12th, stime the 13th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    f[11] + f[12]
}

/// 300 clients that each send one header line and then nothing, against a
/// gateway with the default settings and a descriptor limit of 256 (so a
/// connection cap of 224): a normal request is still answered at once, by
/// evicting the connection that has waited longest for its head. And the
/// gateway does not spin meanwhile.
#[test]
fn three_hundred_trickling_clients_do_not_lock_out_a_normal_one() {
    let (mut child, addr) = start(&[], Some(256));
    let pid = child.id();
    assert_eq!(status_of(addr), Some(200));
    let mut held = Vec::new();
    for _ in 0..300 {
        let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
            continue;
        };
        let _ = s.write_all(b"POST /api/v1/iam HTTP/1.1\r\nHost: x\r\n");
        held.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    let ticks = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(2));
    let idle_ticks = cpu_ticks(pid) - ticks;
    let t = Instant::now();
    let answer = try_request(addr, "POST", "/api/v1/auth/bootstrap-status", &[], b"{}");
    let took = t.elapsed();
    let second = status_of(addr);
    let _ = child.kill();
    let _ = child.wait();
    drop(held);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    eprintln!(
        "a request after 300 trickling clients: {took:?}; gateway CPU over 2 s idle under them: {} ms",
        idle_ticks * 1000 / hz
    );
    assert_eq!(answer.map(|r| r.status), Some(200), "after {took:?}");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    assert_eq!(second, Some(200));
    assert!(
        idle_ticks * 1000 / hz < 500,
        "the gateway used {} ms of CPU in 2 s while nothing happened",
        idle_ticks * 1000 / hz
    );
}

/// Clients that stall past their head (150 in their body, 150 WebSockets
/// that never authenticate), against a descriptor limit of 256: a normal
/// request is answered at once, and a WebSocket that has authenticated
/// keeps its place throughout.
#[test]
fn stalled_bodies_and_sockets_make_room_but_an_authenticated_socket_stays() {
    use tokio_tungstenite::tungstenite::{connect, Message};
    let (mut child, addr) = start(&[], Some(256));
    let admin = post_json(addr, "/api/v1/auth/bootstrap", None, "{}").json()
        ["bootstrap_admin_api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut ws, _) = connect(format!("ws://{addr}/api/v1/socket")).unwrap();
    let mut say = |v: serde_json::Value| {
        ws.send(Message::Text(v.to_string().into())).unwrap();
        ws.read().unwrap().into_text().unwrap().to_string()
    };
    assert!(say(serde_json::json!({"type": "auth", "token": admin})).contains("auth-ok"));
    let stalls: [&[u8]; 2] = [
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        b"GET /api/v1/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ];
    let mut held = Vec::new();
    for i in 0..300 {
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            let _ = s.write_all(stalls[i % 2]);
            held.push(s);
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    let answer = try_request(addr, "POST", "/api/v1/auth/bootstrap-status", &[], b"{}");
    let took = t.elapsed();
    let whoami =
        serde_json::json!({"id": "1", "service": "iam", "request": {"operation": "whoami"}});
    let still = say(whoami);
    let _ = child.kill();
    let _ = child.wait();
    drop(held);
    assert_eq!(answer.map(|r| r.status), Some(200), "after {took:?}");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    assert!(still.contains("\"username\": \"admin\""), "{still}");
}

/// Resident memory of `pid`: (current, peak) in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `n` clients at once each start a 1 MiB body without a credential, wait
/// for one another, then finish it. The statuses they got.
fn flood(addr: SocketAddr, n: usize, path: &'static str) -> Vec<u16> {
    const BODY: usize = 1 << 20;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).ok();
                if let Some(s) = s.as_mut() {
                    let _ = s.set_write_timeout(Some(Duration::from_secs(20)));
                    let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                    let head = format!(
                        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        BODY - 100
                    );
                    let body = vec![b'x'; BODY - 101];
                    if s.write_all(head.as_bytes()).is_err() || s.write_all(&body).is_err() {
                        // Refused before the body was read: fine.
                    }
                }
                barrier.wait();
                let s = s.as_mut()?;
                let _ = s.write_all(b"x");
                let mut raw = Vec::new();
                let _ = s.read_to_end(&mut raw);
                let text = String::from_utf8_lossy(&raw).into_owned();
                text.split_whitespace().nth(1)?.parse::<u16>().ok()
            })
        })
        .collect();
    threads
        .into_iter()
        .filter_map(|t| t.join().unwrap())
        .collect()
}

/// 300 unauthenticated 1 MiB bodies at once do not make the gateway hold
/// 300 MiB: they are refused before they are read.
#[test]
fn many_unauthenticated_large_bodies_do_not_grow_memory() {
    let (mut child, addr) = start(&[], None);
    let pid = child.id();
    for _ in 0..20 {
        assert_eq!(status_of(addr), Some(200));
    }
    // Forget the start-up peak (Linux >= 4.0), so the peak measures the flood.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let (before, peak_before) = rss_kib(pid);
    let mut statuses = flood(addr, 300, "/api/v1/iam");
    statuses.extend(flood(addr, 100, "/api/v1/auth/login"));
    statuses.extend(flood(addr, 100, "/api/v1/auth/change-password"));
    let (after, peak) = rss_kib(pid);
    assert_eq!(status_of(addr), Some(200), "still serving");
    let _ = child.kill();
    let _ = child.wait();
    let grown_mib = peak.saturating_sub(peak_before.min(before)) / 1024;
    eprintln!(
        "RSS before {before} KiB (peak {peak_before}), after {after} KiB, peak during the flood {peak} KiB: +{grown_mib} MiB for 500 x 1 MiB"
    );
    assert!(
        statuses.len() > 250 && statuses.iter().all(|s| *s == 413 || *s == 401),
        "refused: {statuses:?}"
    );
    assert!(
        grown_mib < 64,
        "peak resident memory grew by {grown_mib} MiB under 500 unauthenticated 1 MiB bodies"
    );
}

/// A connection that sends nothing, or stops halfway through its head, is
/// closed after the header-read timeout; a body that does not come gets
/// 408 after the body-read timeout; a WebSocket on which nothing moves is
/// closed after the idle timeout.
#[test]
fn idle_and_half_sent_connections_are_closed() {
    let gw = Gw::with(|c| {
        c.limits.header_read_timeout = Duration::from_secs(1);
        c.limits.body_read_timeout = Duration::from_secs(1);
        c.limits.idle_timeout = Duration::from_secs(3);
    });
    let closed_within = |prefix: &[u8]| {
        let mut s = TcpStream::connect(gw.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(prefix).unwrap();
        let t = Instant::now();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let took = t.elapsed();
        assert!(took < Duration::from_secs(20), "{took:?}");
        String::from_utf8_lossy(&buf).into_owned()
    };
    assert_eq!(closed_within(b""), "");
    assert_eq!(
        closed_within(b"POST /api/v1/iam HTTP/1.1\r\nHost: x\r\n"),
        ""
    );
    let reply = closed_within(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
    );
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    let reply = closed_within(
        b"GET /api/v1/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 101"), "{reply}");
}

/// POST `body` in 4 KiB chunks (no Content-Length): the status.
fn chunked(addr: SocketAddr, token: Option<&str>, body: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /api/v1/iam HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Transfer-Encoding: chunked\r\n\r\n"
    );
    let _ = s.write_all(head.as_bytes());
    for c in body.chunks(4096) {
        let _ = s.write_all(format!("{:x}\r\n", c.len()).as_bytes());
        let _ = s.write_all(c);
        let _ = s.write_all(b"\r\n");
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw)
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A body without `Content-Length` is cut off at the limit that applies:
/// 16 KiB without a valid credential, 1 MiB with one.
#[test]
fn an_unannounced_body_is_cut_off_at_its_limit() {
    let gw = Gw::start(tg_dev_gateway::Compat::Design);
    let admin = gw.bootstrap();
    let body = format!(
        r#"{{"operation": "whoami", "pad": "{}"}}"#,
        "x".repeat(64 << 10)
    );
    assert_eq!(chunked(gw.addr(), None, body.as_bytes()), Some(413));
    assert_eq!(
        chunked(gw.addr(), Some("tg_wrong"), body.as_bytes()),
        Some(413)
    );
    assert_eq!(chunked(gw.addr(), Some(&admin), body.as_bytes()), Some(200));
    let small = r#"{"operation": "bootstrap-status"}"#;
    assert_eq!(chunked(gw.addr(), None, small.as_bytes()), Some(200));
}
