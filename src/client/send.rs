//! Sending one request: the body as upstream sends it, same-origin
//! redirects only, one retry for reads, a bounded reply, and the `-v`
//! trace of every hop.

use super::classify::{decode_reply, server_text};
use super::list::{decode_list_reply, ListReply};
use super::reply::Reply;
use super::{Cap, Client, Retry, MAX_REDIRECTS};
use crate::error::{Error, Result};
use crate::output::note;
use crate::{redact, wire};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The longest body shown by the `-v` trace, in characters.
const TRACE_CHARS: usize = 4096;
/// Replies up to this size are parsed whole for the `-v` trace; of a
/// larger one, only the beginning that the trace shows becomes a tree.
const TRACE_WHOLE_BYTES: usize = 1024 * 1024;

/// Pause before the one retry of a read, for a gateway that is restarting.
const RETRY_DELAY: Duration = Duration::from_millis(250);

/// What came back for one hop.
struct Answer {
    status: u16,
    location: Option<String>,
    body: Vec<u8>,
}

impl Client {
    /// `POST /api/v1/iam` with the bearer token.
    pub async fn iam(&self, body: Value, retry: Retry) -> Result<Reply> {
        self.post(tg_iam_protocol::paths::IAM, &body, true, retry)
            .await
    }

    /// `POST /api/v1/iam` of a list operation: the reply with the list at
    /// `key` kept as text, to be read record by record
    /// ([`ListReply::spans`]).
    /// At most `max` records are read.
    pub async fn iam_list(
        &self,
        body: Value,
        retry: Retry,
        key: &str,
        max: usize,
    ) -> Result<ListReply> {
        let cap = self.cap_for(&body);
        let answer = self
            .fetch(tg_iam_protocol::paths::IAM, &body, true, retry, cap)
            .await?;
        decode_list_reply(
            answer.status,
            answer.body,
            key,
            max,
            self.token_source(),
            &self.shown,
        )
    }

    /// POST `body` to `path`; `auth` sends the bearer token when there is one.
    pub async fn post(&self, path: &str, body: &Value, auth: bool, retry: Retry) -> Result<Reply> {
        let cap = if path == tg_iam_protocol::paths::IAM {
            self.cap_for(body)
        } else {
            Cap::RECORD
        };
        let answer = self.fetch(path, body, auth, retry, cap).await?;
        decode_reply(
            answer.status,
            &answer.body,
            self.token_source(),
            &self.shown,
        )
    }

    /// POST `body` to `path` (following same-origin redirects, with the
    /// `-v` trace of every hop): the final answer, its body held to `cap`
    /// when it is a success.
    async fn fetch(
        &self,
        path: &str,
        body: &Value,
        auth: bool,
        retry: Retry,
        cap: Cap,
    ) -> Result<Answer> {
        redact::register_json(body);
        let text = wire::to_python_json(body);
        let bearer = if auth { self.token.as_ref() } else { None };
        if let Some(t) = bearer {
            // A client built with `Expired::Keep` still never sends one.
            super::check_token_not_expired(t)?;
        }
        let carries_secret = bearer.is_some() || redact::has_secret(body);
        if carries_secret {
            self.warn_plain_credential();
        }
        let mut url = format!("{}{}", self.base, path);
        if self.verbose {
            note(&format!("> POST {url}"));
            if let Some(p) = &self.proxy {
                note(&format!("> via proxy {} (from {})", p.shown, p.var));
            }
            if bearer.is_some() {
                note(&format!("> Authorization: Bearer {}", redact::MASK));
            }
            note(&format!(
                "> {}",
                redact::scrub_clip(&redact::redact_json(body).to_string(), TRACE_CHARS)
            ));
        }
        let mut hops = 0;
        // --timeout bounds the whole exchange, not each hop of it.
        let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(self.timeout);
        loop {
            let started = Instant::now();
            let exchange = self.exchange(&url, &text, bearer.map(|t| t.value.as_str()), retry, cap);
            let answer = tokio::time::timeout_at(deadline, exchange)
                .await
                .map_err(|_| self.default_url_hint(self.timed_out(), false))??;
            if self.verbose {
                let reason = reqwest::StatusCode::from_u16(answer.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                note(&format!(
                    "< HTTP {} {reason} ({} ms)",
                    answer.status,
                    started.elapsed().as_millis()
                ));
            }
            if (300..400).contains(&answer.status) {
                if let Some(l) = &answer.location {
                    redact::register_url_password(l);
                    if self.verbose {
                        note(&format!("< Location: {}", server_text(l.as_bytes())));
                    }
                }
                url = self.follow(&url, answer.status, answer.location.as_deref(), hops)?;
                hops += 1;
                if self.verbose {
                    note(&format!("> following the same-origin redirect: POST {url}"));
                }
                continue;
            }
            if self.verbose {
                trace_reply(&answer.body);
            }
            return Ok(answer);
        }
    }

    /// The URL a redirect from `from` leads to, when it may be followed:
    /// a 307 or 308 (which keep the method and body) to the same origin.
    /// Anything else is refused, so no body or token reaches another host.
    fn follow(
        &self,
        from: &str,
        status: u16,
        location: Option<&str>,
        hops: usize,
    ) -> Result<String> {
        let loc = location.ok_or_else(|| {
            Error::protocol(format!(
                "unexpected response from the gateway: HTTP {status} redirect without a Location"
            ))
        })?;
        let next = url::Url::parse(from).and_then(|f| f.join(loc)).map_err(|_| {
            Error::protocol(format!(
                "unexpected response from the gateway: HTTP {status} redirect to an invalid Location \"{}\"",
                server_text(loc.as_bytes())
            ))
        })?;
        let same_origin = url::Url::parse(from).is_ok_and(|f| f.origin() == next.origin());
        let userinfo = !next.username().is_empty() || next.password().is_some();
        if !same_origin || userinfo || !matches!(status, 307 | 308) {
            let why = if userinfo {
                "its Location carries a user name or password, which would be sent as a second credential"
            } else if same_origin {
                "a redirect that would turn the POST into a GET"
            } else {
                "the IAM API has no redirects, and following one to another origin could hand the credentials to another host"
            };
            return Err(Error::protocol(format!(
                "refused to follow the gateway's HTTP {status} redirect to {}: {why}",
                server_text(next.as_str().as_bytes())
            ))
            .with_hint("if the gateway really moved, pass its new base URL with -u/--api-url"));
        }
        if hops >= MAX_REDIRECTS {
            return Err(Error::protocol(format!(
                "too many redirects (more than {MAX_REDIRECTS}): the gateway redirects in a loop, last to {}",
                server_text(next.as_str().as_bytes())
            )));
        }
        Ok(next.to_string())
    }

    /// One HTTP exchange, with the one retry a read gets on a connection
    /// error, and the reply read up to `cap` (a success) or
    /// [`Cap::RECORD`] (anything else: an error page has no reason to be
    /// large).
    async fn exchange(
        &self,
        url: &str,
        text: &str,
        bearer: Option<&str>,
        retry: Retry,
        cap: Cap,
    ) -> Result<Answer> {
        let mut attempt = 0;
        let mut resp = loop {
            let mut req = self
                .http
                .post(url)
                .header("Content-Type", "application/json")
                .body(text.to_string());
            if let Some(t) = bearer {
                req = req.bearer_auth(t);
            }
            match req.send().await {
                Ok(r) => break r,
                Err(e) if retry == Retry::OnceOnConnectError && attempt == 0 && e.is_connect() => {
                    attempt += 1;
                    if self.verbose {
                        note(&format!(
                            "< connection failed ({}); retrying once",
                            super::classify::innermost(&e)
                        ));
                    }
                    tokio::time::sleep(RETRY_DELAY).await;
                }
                Err(e) => return Err(self.transport_error(&e)),
            }
        };
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let cap = if status == 200 { cap } else { Cap::RECORD };
        let too_big = || cap.exceeded(&format!("the reply from the gateway (HTTP {status})"));
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > cap.bytes as u64) {
            return Err(too_big());
        }
        // A declared length is room made once (it is within the cap);
        // else the buffer grows as the body comes.
        let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap.bytes {
                        return Err(too_big());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(self.transport_error(&e)),
            }
        }
        Ok(Answer {
            status,
            location,
            body,
        })
    }
}

/// The `-v` trace of a reply body: secret keys masked, registered secrets
/// scrubbed, cut to [`TRACE_CHARS`]. A large reply (a list of many
/// records) is not parsed into a tree: its secrets are registered in one
/// pass over the text, and only its beginning, enough for the trace,
/// becomes a tree.
fn trace_reply(body: &[u8]) {
    let shown = if body.len() <= TRACE_WHOLE_BYTES {
        serde_json::from_slice::<Value>(body)
            .ok()
            .inspect(redact::register_json)
    } else {
        std::str::from_utf8(body).ok().and_then(|text| {
            redact::register_json_text(text);
            super::list::beginning(text, redact::clip_window(TRACE_CHARS))
        })
    };
    match shown {
        Some(v) => note(&format!(
            "< {}",
            redact::scrub_clip(&redact::redact_json(&v).to_string(), TRACE_CHARS)
        )),
        None => note(&format!("< {}", server_text(body))),
    }
}
