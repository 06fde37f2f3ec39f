//! tg-dev-gateway: the client-visible IAM surface of a TrustGraph API
//! gateway, on loopback, with the real mechanisms (PBKDF2 passwords, hashed
//! API keys, Ed25519 JWTs, the OSS role regime) and an optional durable
//! state file (SQLite).
//!
//! Where things are, from the top of the import graph down (each module
//! imports only modules below it; the wire types are `tg_iam_protocol`'s):
//! - `net`: connections, their cap and timeouts, the request log, and
//!   panic containment; `slots`: the places under the cap, and eviction;
//! - the HTTP front-end (`http`) and the WebSocket front-end (`ws`);
//! - [`dispatch`]: the one path from a request to an operation, used by
//!   both front-ends, and the only reader of the operation table;
//! - [`ops`]: the operation table (which function runs each
//!   [`tg_iam_protocol::Operation`]) and one function per operation, by
//!   resource (users, keys, workspaces, signing keys, sessions), each
//!   taking the protocol's typed request and returning its typed reply;
//! - [`authn`]: credentials (API keys, JWTs) to an [`Identity`];
//! - [`authz`]: the role table, and `admit` (a request against its
//!   operation's [`tg_iam_protocol::Access`]);
//! - [`gateway`]: the configuration and the state, read and changed in
//!   transactions, and what an operation is to it ([`gateway::Handler`]);
//! - [`audit`]: the audit log (its records are made by `dispatch`);
//! - [`store`]: the state file (SQLite), its lock, and the migration of a
//!   JSON state;
//! - [`state`]: the state in memory (indexed tables, with its records'
//!   wire form, and the first admin's seed) and its transactions;
//! - [`config`]: configuration, and every limit the gateway enforces;
//! - [`request`]: what every layer passes on about one request (its body,
//!   the caller's [`Identity`], the reply or the error);
//! - [`crypto`], [`jwt`], [`time`]: passwords and keys, JWTs, timestamps.
//!
//! Tests start it in-process: `Server::spawn(config, "127.0.0.1:0")`.

pub mod audit;
pub mod authn;
pub mod authz;
pub mod config;
pub mod crypto;
pub mod dispatch;
pub mod exec;
pub mod gateway;
mod http;
pub mod jwt;
mod net;
pub mod ops;
pub mod request;
mod slots;
pub mod state;
pub mod store;
mod ws;

#[cfg(test)]
mod tests;

pub use config::{BootstrapMode, Compat, Config, Limits, RefuseHook};
pub use gateway::Gateway;
pub use net::connection_cap;
pub use request::Identity;
pub use tg_iam_protocol::time;

use anyhow::Context as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serve `gw` on `listener` until `shutdown` completes, then let open
/// requests finish. Raises the descriptor limit and caps connections to
/// fit it ([`connection_cap`]). Returns the error that ended serving, if
/// anything but `shutdown` did.
pub async fn serve(
    listener: TcpListener,
    gw: Arc<Gateway>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cap = connection_cap(&gw.cfg.limits).map_err(std::io::Error::other)?;
    net::serve(listener, gw, cap, shutdown).await
}

/// A gateway running on its own thread and runtime; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Open the gateway and listen on `listen` (port 0 picks a free one).
    /// Every failure to start is returned: the configuration, the state
    /// file, the address (`cannot listen on ADDR: ...`), the limits.
    pub fn spawn(config: Config, listen: &str) -> anyhow::Result<Server> {
        let gateway = Gateway::open(config)?;
        let listener = std::net::TcpListener::bind(listen)
            .with_context(|| format!("cannot listen on {listen}"))?;
        Self::start(gateway, listener)
    }

    /// Like [`Server::spawn`], on a socket the caller has bound.
    pub fn spawn_on(config: Config, listener: std::net::TcpListener) -> anyhow::Result<Server> {
        Self::start(Gateway::open(config)?, listener)
    }

    fn start(gateway: Gateway, listener: std::net::TcpListener) -> anyhow::Result<Server> {
        let gateway = Arc::new(gateway);
        let cap = connection_cap(&gateway.cfg.limits)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the gateway's runtime")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = {
            let _in_runtime = rt.enter();
            TcpListener::from_std(listener).context("cannot use the listening socket")?
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let gw = gateway.clone();
        let thread = std::thread::Builder::new()
            .name("tg-dev-gateway".into())
            .spawn(move || {
                rt.block_on(net::serve(listener, gw, cap, async {
                    let _ = stopped.await;
                }))
            })
            .context("cannot start the gateway's thread")?;
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

    /// Whether it is still serving (`false` once serving failed).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stop serving (open requests may finish) and report why serving
    /// ended early, if it did.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> anyhow::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e.into()),
            Some(Err(_)) => anyhow::bail!("the gateway's serving thread panicked"),
        }
    }
}

impl Drop for Server {
    /// Stops it; a failure nobody collected with [`Server::stop`] is
    /// reported on stderr.
    fn drop(&mut self) {
        if let Err(e) = self.shut_down() {
            eprintln!("tg-dev-gateway: {e:#}");
        }
    }
}
