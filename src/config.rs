//! Where the gateway URL, the token and the workspace come from.
//!
//! The one place that decides: flag, then environment, then default.
//! An empty value (flag or environment) counts as unset, as upstream.

use std::fmt;

/// The base URL used when neither `-u/--api-url` nor `TRUSTGRAPH_URL` is set.
pub const DEFAULT_URL: &str = "http://localhost:8088/";
/// The port that TrustGraph gateways use since August 2026 (#1078).
pub const NEWER_DEFAULT_URL: &str = "http://localhost:8888/";

pub const ENV_URL: &str = "TRUSTGRAPH_URL";
pub const ENV_TOKEN: &str = "TRUSTGRAPH_TOKEN";
pub const ENV_WORKSPACE: &str = "TRUSTGRAPH_WORKSPACE";

/// Where a setting came from, so errors can say which one was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    Default,
    None,
}

impl Source {
    /// Describes a token's origin for error messages.
    pub fn describe_token(self) -> &'static str {
        match self {
            Source::Flag => "the token given with -t/--token",
            Source::Env => "the token from TRUSTGRAPH_TOKEN",
            Source::Default | Source::None => {
                "no token (neither -t/--token nor TRUSTGRAPH_TOKEN was set)"
            }
        }
    }
}

/// A value and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub source: Source,
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Setting({:?})", self.source)
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn flag_or_env(flag: Option<&str>, env: &str) -> Option<Setting> {
    if let Some(v) = flag {
        // An explicitly empty flag means "none", even if the env var is set.
        return (!v.is_empty()).then(|| Setting {
            value: v.to_string(),
            source: Source::Flag,
        });
    }
    env_nonempty(env).map(|value| Setting {
        value,
        source: Source::Env,
    })
}

/// Gateway base URL: `-u` > `TRUSTGRAPH_URL` > [`DEFAULT_URL`].
pub fn resolve_url(flag: Option<&str>) -> Setting {
    let flag = flag.map(str::trim).filter(|v| !v.is_empty());
    flag_or_env(flag, ENV_URL).unwrap_or_else(|| Setting {
        value: DEFAULT_URL.to_string(),
        source: Source::Default,
    })
}

/// Bearer token: `-t` > `TRUSTGRAPH_TOKEN` > none. Whitespace is trimmed,
/// as the gateway does.
pub fn resolve_token(flag: Option<&str>) -> Option<Setting> {
    flag_or_env(flag, ENV_TOKEN)
        .map(|s| Setting {
            value: s.value.trim().to_string(),
            source: s.source,
        })
        .filter(|s| !s.value.is_empty())
}

/// Workspace: `-w` > `TRUSTGRAPH_WORKSPACE` > none (not sent).
pub fn resolve_workspace(flag: Option<&str>) -> Option<String> {
    flag_or_env(flag, ENV_WORKSPACE).map(|s| s.value)
}
