//! tg-dev-gateway: the client-visible IAM surface of a TrustGraph API
//! gateway, on loopback, with the real mechanisms (PBKDF2 passwords, hashed
//! API keys, Ed25519 JWTs, the OSS role regime) and an optional durable
//! state file.
//!
//! Where things are, following the protocol:
//! - [`config`]: configuration, and every limit the gateway enforces;
//! - [`authn`]: credentials (API keys, JWTs) to an identity;
//! - [`authz`]: the role table, each operation's gate, and `admit`;
//! - [`ops`]: the operation table and one function per operation, by
//!   resource (users, keys, workspaces, signing keys, sessions);
//! - [`dispatch`]: the one path from a request to an operation, used by
//!   the HTTP front-end (`http`) and the WebSocket front-end (`ws`);
//! - [`gateway`] and [`state`]: the state and its durable file;
//! - [`crypto`], [`jwt`], [`time`]: passwords and keys, JWTs, timestamps.
//!
//! Tests start it in-process: `Server::spawn(config, "127.0.0.1:0")`.

pub mod authn;
pub mod authz;
pub mod config;
pub mod crypto;
pub mod dispatch;
pub mod gateway;
mod http;
pub mod jwt;
pub mod ops;
pub mod state;
mod ws;

pub use authn::Identity;
pub use config::{BootstrapMode, Compat, Config, Limits};
pub use gateway::Gateway;
pub use tg_iam_wire::time;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serve `gw` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    gw: Arc<Gateway>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, http::router(gw))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A gateway running on its own thread and runtime; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Open the gateway and listen on `listen` (port 0 picks a free one).
    pub fn spawn(config: Config, listen: &str) -> anyhow::Result<Server> {
        let gateway = Arc::new(Gateway::open(config)?);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        // Bind here, synchronously, so the caller may itself be async.
        let std_listener = std::net::TcpListener::bind(listen)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let gw = gateway.clone();
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let Ok(listener) = TcpListener::from_std(std_listener) else {
                    return;
                };
                let _ = serve(listener, gw, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        Ok(Server {
            addr,
            gateway,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
