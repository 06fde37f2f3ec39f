//! Where the gateway URL, the token and the workspace come from.
//!
//! The one place that decides, for every tool and every setting:
//! the flag, then its environment variable (both read by clap, which
//! records which of the two gave the value), then the built-in default.
//!
//! **Empty values.** A flag or variable that is set but empty counts as
//! set: it stops the lookup and means "none". `-t ''` or
//! `TRUSTGRAPH_TOKEN=` sends no token, `-w ''` or `TRUSTGRAPH_WORKSPACE=`
//! sends no workspace, and `-u ''` or `TRUSTGRAPH_URL=` uses the built-in
//! default URL. (This is what the upstream tools do with an empty token
//! or workspace.)
//!
//! **Encoding.** A variable this suite reads that is set to something
//! that is not UTF-8 is a usage error naming it, never silently unset.

use crate::error::{Error, Result};
use clap::parser::ValueSource;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// The base URL used when neither `-u/--api-url` nor `TRUSTGRAPH_URL` is set.
pub const DEFAULT_URL: &str = "http://localhost:8088/";
/// The port that TrustGraph gateways use since August 2026 (#1078).
pub const NEWER_DEFAULT_URL: &str = "http://localhost:8888/";

pub const ENV_URL: &str = "TRUSTGRAPH_URL";
pub const ENV_TOKEN: &str = "TRUSTGRAPH_TOKEN";
pub const ENV_WORKSPACE: &str = "TRUSTGRAPH_WORKSPACE";

/// The proxy variables (read by the HTTP client, see `client::proxy`).
pub const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

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
                "no token (-t/--token and TRUSTGRAPH_TOKEN are unset or empty)"
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
        // The value may be a secret: never printed.
        write!(f, "Setting({:?})", self.source)
    }
}

/// Refuse any variable this suite reads (`TRUSTGRAPH_*`, the proxy
/// variables) whose value is not UTF-8. The value is not shown.
pub fn check_env() -> Result<()> {
    for (k, v) in std::env::vars_os() {
        let Some(k) = k.to_str() else { continue };
        if (k.starts_with("TRUSTGRAPH_") || PROXY_VARS.contains(&k)) && v.to_str().is_none() {
            return Err(
                Error::usage(format!("environment variable {k} is not valid UTF-8"))
                    .with_hint(format!("unset {k} or set it to plain text")),
            );
        }
    }
    Ok(())
}

static SOURCES: OnceLock<HashMap<String, ValueSource>> = OnceLock::new();

/// Record which of the flag or its variable gave each value, from the
/// parsed command line. Called once per run, before resolution.
pub fn record_sources(m: &clap::ArgMatches) {
    let map = m
        .ids()
        .filter_map(|id| m.value_source(id.as_str()).map(|s| (id.to_string(), s)))
        .collect();
    let _ = SOURCES.set(map);
}

fn source_of(id: &str) -> Source {
    match SOURCES.get().and_then(|m| m.get(id)) {
        Some(ValueSource::EnvVariable) => Source::Env,
        _ => Source::Flag,
    }
}

/// Apply the empty-value rule to the value clap found for `id`.
fn given(id: &str, value: Option<&str>) -> Option<Option<Setting>> {
    value.map(|v| {
        (!v.is_empty()).then(|| Setting {
            value: v.to_string(),
            source: source_of(id),
        })
    })
}

/// Gateway base URL: `-u` > `TRUSTGRAPH_URL` > [`DEFAULT_URL`]. Surrounding
/// whitespace is dropped.
pub fn resolve_url(flag: Option<&str>) -> Setting {
    given("api_url", flag.map(str::trim))
        .flatten()
        .unwrap_or_else(|| Setting {
            value: DEFAULT_URL.to_string(),
            source: Source::Default,
        })
}

/// Bearer token: `-t` > `TRUSTGRAPH_TOKEN` > none. Surrounding whitespace
/// is dropped, as the gateway does.
pub fn resolve_token(flag: Option<&str>) -> Option<Setting> {
    given("token", flag.map(str::trim)).flatten()
}

/// Workspace: `-w` > `TRUSTGRAPH_WORKSPACE` > none (not sent).
pub fn resolve_workspace(flag: Option<&str>) -> Option<String> {
    given("workspace", flag).flatten().map(|s| s.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_none_and_stops_the_lookup() {
        assert_eq!(resolve_url(Some("")).value, DEFAULT_URL);
        assert_eq!(resolve_url(Some("  ")).source, Source::Default);
        assert_eq!(resolve_url(None).value, DEFAULT_URL);
        assert_eq!(resolve_url(Some(" http://x/ ")).value, "http://x/");
        assert_eq!(resolve_token(Some("")), None);
        assert_eq!(resolve_token(Some(" tg_x ")).unwrap().value, "tg_x");
        assert_eq!(resolve_workspace(Some("")), None);
        assert_eq!(resolve_workspace(Some("w")).as_deref(), Some("w"));
    }
}
