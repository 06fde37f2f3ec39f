//! Which proxy, if any, a request goes through: the convention of Go's
//! `net/http.ProxyFromEnvironment` (`golang.org/x/net/http/httpproxy`),
//! plus `ALL_PROXY` as curl and reqwest read it.
//!
//! * A loopback gateway is never proxied: a proxy would receive the
//!   bearer token for a server that is on this very machine.
//! * `HTTPS_PROXY`/`https_proxy` for `https://`, `HTTP_PROXY`/`http_proxy`
//!   for `http://`, then `ALL_PROXY`/`all_proxy`; empty values are unset.
//! * `NO_PROXY`/`no_proxy`: comma-separated; `*` matches everything; an IP
//!   or CIDR range matches addresses; `example.com` matches it and its
//!   subdomains, `.example.com` and `*.example.com` only subdomains; an
//!   entry with `:port` matches only that port.
//!
//! The matching is written here rather than left to reqwest so that a
//! failure can name the proxy that was used (reqwest does not say).
//!
//! hyper-util's `client::proxy::Matcher` (0.1.21, which reqwest uses) was
//! weighed and does not fit: it follows curl, not Go, and would change what
//! users' `NO_PROXY` means here. It has no `:port` entries
//! (`api.example.com:8443` would never match), no `*.example.com`, and its
//! `.example.com` also matches `example.com` itself; a bracketed IPv6 entry
//! (`[::2]`, `[::2]:443`) is taken for a domain name and never matches an
//! address; an empty `HTTP_PROXY` hides `http_proxy` instead of counting
//! as unset; and it drops an unusable proxy URL silently, where this
//! refuses it naming the variable. The loopback rule above is ours either
//! way.

use crate::error::{Error, Result};
use crate::redact;
use std::net::IpAddr;

/// The proxy a run's requests go through.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub url: url::Url,
    /// The proxy URL as shown in messages (any password masked).
    pub shown: String,
    /// The variable it came from (`HTTPS_PROXY`).
    pub var: &'static str,
}

fn env(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| {
        std::env::var(n)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*n, v.trim().to_string()))
    })
}

/// The proxy for requests to `target`, or `None` for a direct connection.
pub fn choose(target: &url::Url, loopback: bool) -> Result<Option<Proxy>> {
    if loopback {
        return Ok(None);
    }
    let vars: &[&'static str] = if target.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    let Some((var, value)) = env(vars) else {
        return Ok(None);
    };
    if let Some((_, no_proxy)) = env(&["NO_PROXY", "no_proxy"]) {
        if bypass(&no_proxy, target) {
            return Ok(None);
        }
    }
    redact::register_url_password(&value);
    // `host:port` without a scheme means http://host:port.
    let url = if value.contains("://") {
        url::Url::parse(&value).ok().filter(|u| u.has_host())
    } else {
        url::Url::parse(&format!("http://{value}")).ok()
    }
    .ok_or_else(|| {
        Error::usage(format!(
            "{var} is not a valid proxy URL: \"{}\"",
            redact::shown_url(&value)
        ))
    })?;
    if let Some(pw) = url.password() {
        redact::register(pw);
    }
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some(redact::MASK));
    }
    Ok(Some(Proxy {
        url,
        shown: shown.to_string(),
        var,
    }))
}

/// True when `no_proxy` says `target` is reached directly.
pub fn bypass(no_proxy: &str, target: &url::Url) -> bool {
    let Some(host) = target.host_str() else {
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let port = target.port_or_known_default();
    let ip: Option<IpAddr> = host.parse().ok();
    no_proxy
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some(ip) = ip {
                if let Some((net, bits)) = entry.split_once('/') {
                    return match (net.parse::<IpAddr>(), bits.parse::<u32>()) {
                        (Ok(net), Ok(bits)) => in_cidr(ip, net, bits),
                        _ => false,
                    };
                }
                // `[v6]:port`, `[v6]`, or a bare address.
                let (bare, want_port) =
                    match entry.strip_prefix('[').and_then(|e| e.split_once(']')) {
                        Some((addr, "")) => (addr, None),
                        Some((addr, rest)) => match rest.strip_prefix(':').map(str::parse::<u16>) {
                            Some(Ok(p)) => (addr, Some(p)),
                            _ => return false,
                        },
                        None => (entry.as_str(), None),
                    };
                if bare.parse::<IpAddr>().ok() == Some(ip) {
                    return want_port.is_none_or(|p| Some(p) == port);
                }
            }
            // host[:port]
            let (name, want_port) = match entry.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => match p.parse::<u16>() {
                    Ok(p) => (h, Some(p)),
                    Err(_) => return false,
                },
                _ => (entry.as_str(), None),
            };
            if want_port.is_some_and(|p| Some(p) != port) {
                return false;
            }
            let name = name.strip_prefix('*').unwrap_or(name);
            let name = name.trim_end_matches('.');
            match name.strip_prefix('.') {
                Some(suffix) => host.ends_with(&format!(".{suffix}")),
                None => host == name || host.ends_with(&format!(".{name}")),
            }
        })
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn no_proxy_matching() {
        let t = u("https://api.example.com:8443/");
        for (np, want) in [
            ("*", true),
            ("example.com", true),
            (".example.com", true),
            ("*.example.com", true),
            ("api.example.com", true),
            ("api.example.com:8443", true),
            ("api.example.com:443", false),
            ("xample.com", false),
            ("other.org, example.com", true),
            ("10.0.0.0/8", false),
            ("", false),
        ] {
            assert_eq!(bypass(np, &t), want, "{np}");
        }
        assert!(bypass(".example.com", &u("http://a.b.example.com/")));
        assert!(!bypass(".example.com", &u("http://example.com/")));
        assert!(bypass("10.0.0.0/8", &u("http://10.1.2.3/")));
        assert!(!bypass("10.0.0.0/8", &u("http://11.1.2.3/")));
        assert!(bypass("10.1.2.3", &u("http://10.1.2.3:99/")));
        assert!(bypass("fd00::/8", &u("http://[fd00::1]/")));
        assert!(bypass("[::2]", &u("http://[::2]/")));
        assert!(!bypass("10.0.0.0/99", &u("http://10.1.2.3/")));
    }
}
