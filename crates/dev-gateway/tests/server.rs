//! `Server`, the in-process gateway: its failures reach the caller, and
//! release builds keep the unwinding that contains a panicking handler.

use std::io::{Read, Write};
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};
use tg_dev_gateway::{crypto, BootstrapMode, Config, Server};

mod support;

fn cfg() -> Config {
    let mut c = Config::new(BootstrapMode::Bootstrap);
    c.iterations = crypto::FAST_ITERATIONS;
    c
}

#[test]
fn an_address_that_cannot_be_bound_is_an_error_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for listen in [addr.as_str(), "not-an-address"] {
        let e = format!("{:#}", Server::spawn(cfg(), listen).err().expect("refused"));
        assert!(
            e.starts_with(&format!("cannot listen on {listen}: ")),
            "{e}"
        );
    }
}

#[test]
fn a_failure_of_the_serving_loop_reaches_the_caller() {
    // A healthy server stops cleanly.
    let server = Server::spawn(cfg(), "127.0.0.1:0").unwrap();
    let r = support::request(
        server.addr,
        "POST",
        "/api/v1/auth/bootstrap-status",
        &[],
        b"{}",
    );
    assert_eq!(r.status, 200);
    server.stop().expect("a clean stop");

    // One whose listening socket breaks under it reports why.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fd = listener.as_raw_fd();
    let server = Server::spawn_on(cfg(), listener).unwrap();
    let r = support::request(
        server.addr,
        "POST",
        "/api/v1/auth/bootstrap-status",
        &[],
        b"{}",
    );
    assert_eq!(r.status, 200);
    // SAFETY: `fd` is the server's listening socket, still open; shutting
    // it down makes its next accept fail with EINVAL.
    assert_eq!(unsafe { libc::shutdown(fd, libc::SHUT_RDWR) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.is_running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!server.is_running(), "the serving loop ended");
    let e = format!("{:#}", server.stop().expect_err("the failure"));
    assert!(e.starts_with("cannot accept connections"), "{e}");
}

/// `panic = "abort"` would turn a panic in any handler into the end of the
/// process, before the handler's guard could answer 500. The release
/// profile (and `dist`, which inherits it) must unwind.
#[test]
fn release_builds_unwind() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    let mut section = String::new();
    let mut release_panic = None;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_string();
        } else if let Some(v) = line
            .strip_prefix("panic")
            .and_then(|r| r.trim_start().strip_prefix('='))
        {
            let v = v.trim().trim_matches('"').to_string();
            assert_ne!(v, "abort", "{section} sets panic = \"abort\"");
            if section == "[profile.release]" {
                release_panic = Some(v);
            }
        }
    }
    assert_eq!(release_panic.as_deref(), Some("unwind"));
    let own = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    assert!(
        !own.contains("[profile"),
        "profiles live in the workspace root"
    );
}

/// Stopping does not wait for connections on which nothing was sent, nor
/// for open sockets (a request under way gets a few seconds).
#[test]
fn open_connections_do_not_hold_up_a_stop() {
    let server = Server::spawn(cfg(), "127.0.0.1:0").unwrap();
    let _silent = std::net::TcpStream::connect(server.addr).unwrap();
    let mut socket = std::net::TcpStream::connect(server.addr).unwrap();
    socket
        .write_all(b"GET /api/v1/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    socket.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
    server.stop().unwrap();
}
