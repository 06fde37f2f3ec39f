//! Where every setting comes from: the one place that decides, for every
//! tool and every setting.
//!
//! **Precedence.** The flag, then its environment variable, then the
//! selected profile of the config file, then the built-in default:
//!
//! | setting | flag | variable | profile key | default |
//! |---|---|---|---|---|
//! | gateway URL | `-u/--api-url` | `TRUSTGRAPH_URL` | `url` | `http://localhost:8888/` |
//! | token | `-t/--token`, `--token-file` | `TRUSTGRAPH_TOKEN` | `token_file`, then the session saved by `tg-login --save` | none |
//! | workspace | `-w/--workspace` | `TRUSTGRAPH_WORKSPACE` | `workspace` | none |
//! | CA certificate | `--ca-cert` | – | `ca_cert` | the system's roots |
//! | timeout | `--timeout` | – | `timeout` | 30 s |
//! | profile | `--profile` | `TRUSTGRAPH_PROFILE` | the file's `default_profile` | `default` |
//!
//! **Empty values.** A flag or variable that is set but empty counts as
//! set: it stops the lookup and means "none". `-t ''` or
//! `TRUSTGRAPH_TOKEN=` sends no token, `-w ''` or `TRUSTGRAPH_WORKSPACE=`
//! sends no workspace, `-u ''` or `TRUSTGRAPH_URL=` uses the built-in
//! default URL, `--profile ''` selects no profile. (This is what the
//! upstream tools do with an empty token or workspace.)
//!
//! **Encoding.** A variable this suite reads that is set to something
//! that is not UTF-8 is a usage error naming it, never silently unset.
//!
//! The config file is read once per run, in [`init`], before the tool
//! runs; a broken one is an error naming the file and the line.

pub mod edit;
pub mod files;
mod profiles;
pub mod session;

pub use profiles::{ConfigFile, Profile};

use crate::error::{Error, Kind, Result};
use crate::{jwt, time};
use clap::parser::ValueSource;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The base URL used when no flag, variable or profile gives one: the
/// upstream tools' default since August 2026 (#1078).
pub const DEFAULT_URL: &str = "http://localhost:8888/";
/// The default of gateways older than August 2026 (#1078).
pub const OLDER_DEFAULT_URL: &str = "http://localhost:8088/";
/// Read by debug builds only (what `cargo test` runs): the URL that
/// stands for [`DEFAULT_URL`], so that no test depends on what listens on
/// port 8888 of the machine. Release builds never read it.
pub const ENV_TEST_DEFAULT_URL: &str = "TG_IAM_TEST_DEFAULT_URL";
/// The request timeout used when no flag or profile gives one.
pub const DEFAULT_TIMEOUT: f64 = 30.0;
/// The profile used when none is named anywhere.
pub const DEFAULT_PROFILE: &str = "default";
/// A saved session this close to its expiry gets a warning.
pub const SESSION_WARN_SECS: i64 = 300;

pub const ENV_URL: &str = "TRUSTGRAPH_URL";
pub const ENV_TOKEN: &str = "TRUSTGRAPH_TOKEN";
pub const ENV_WORKSPACE: &str = "TRUSTGRAPH_WORKSPACE";
pub const ENV_PROFILE: &str = "TRUSTGRAPH_PROFILE";
pub const ENV_CONFIG: &str = "TRUSTGRAPH_CONFIG";
/// The cap on a list reply (`tg-list-users`, …), in bytes.
pub const ENV_MAX_LIST_BYTES: &str = "TRUSTGRAPH_MAX_LIST_BYTES";
/// The cap on a tg-apply manifest, in bytes.
pub const ENV_MAX_MANIFEST_BYTES: &str = "TRUSTGRAPH_MAX_MANIFEST_BYTES";

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

/// Where a setting came from, so that messages can say which one was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// Its environment variable.
    Env,
    /// A key of the named profile.
    Profile(String),
    /// `--token-file FILE`.
    TokenFile(PathBuf),
    /// The named profile's `token_file`.
    ProfileTokenFile(String, PathBuf),
    /// The session `tg-login --save` stored for the named profile.
    Session(String),
    /// An API key this run minted, and then authenticated with
    /// (tg-rotate-api-key, once it has rotated the key in use).
    Minted,
    /// The built-in default.
    Default,
    /// Nowhere: the setting is unset.
    None,
}

impl Source {
    /// Describes a token's origin for error messages.
    pub fn describe_token(&self) -> String {
        match self {
            Source::Flag => "the token given with -t/--token".into(),
            Source::Env => "the token from TRUSTGRAPH_TOKEN".into(),
            Source::TokenFile(p) => format!("the token in --token-file {}", p.display()),
            Source::ProfileTokenFile(name, p) => {
                format!("the token in profile {name}'s token file {}", p.display())
            }
            Source::Session(name) => format!("the session saved for profile {name}"),
            Source::Profile(name) => format!("the token of profile {name}"),
            Source::Minted => "the API key this run minted".into(),
            Source::Default | Source::None => {
                "no token (none given with -t/--token, --token-file, TRUSTGRAPH_TOKEN, the profile or a saved session)".into()
            }
        }
    }

    /// `from TRUSTGRAPH_URL`, `from profile prod`, `default`: for
    /// `tg-config`. `flag` and `var` name the setting's flag and variable.
    pub fn describe(&self, flag: &str, var: Option<&str>) -> String {
        match self {
            Source::Flag => format!("from {flag}"),
            Source::Env => format!("from {}", var.unwrap_or("the environment")),
            Source::Profile(n) => format!("from profile {n}"),
            Source::TokenFile(p) => format!("from --token-file {}", p.display()),
            Source::ProfileTokenFile(n, _) => format!("from profile {n}'s token file"),
            Source::Session(n) => format!("from the session saved for profile {n}"),
            Source::Minted => "minted by this run".into(),
            Source::Default => "default".into(),
            Source::None => "not set".into(),
        }
    }
}

/// What to do about an expired JWT from `source`: one hint for every tool
/// (tg-whoami and tg-auth-status say the same of an expired session).
pub fn relogin_hint(source: &Source) -> String {
    match source {
        Source::Session(name) => {
            format!("log in again: tg-login --save --profile {name} --username NAME")
        }
        _ => "log in again: export TRUSTGRAPH_TOKEN=$(tg-login --username NAME)".into(),
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

/// A size cap from environment variable `var`: `None` when it is unset
/// or empty, else bytes, written as a whole number with an optional
/// binary unit (`268435456`, `512MiB`, `1 GiB`, `64K`; `K`, `M`, `G`
/// mean KiB, MiB, GiB). Anything else, or zero, is a usage error naming
/// the variable.
pub fn size_var(var: &str) -> Result<Option<usize>> {
    let Ok(raw) = std::env::var(var) else {
        return Ok(None);
    };
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_size(text).map(Some).ok_or_else(|| {
        Error::usage(format!(
            "{var}={raw:?} is not a size: give bytes, or a number with KiB, MiB or GiB"
        ))
        .with_hint(format!("for example {var}=512MiB"))
    })
}

/// `512MiB` as bytes (see [`size_var`]); `None` for anything else, zero
/// and sizes that do not fit a `usize` included.
pub fn parse_size(text: &str) -> Option<usize> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (n, unit) = text.split_at(digits);
    let n: usize = n.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return None,
    };
    n.checked_mul(1usize << shift).filter(|&b| b > 0)
}

/// The selected profile.
#[derive(Debug, Clone, Default)]
pub struct Selected {
    /// Its name (`default` when none was named anywhere).
    pub name: String,
    /// Where the name came from.
    pub source: Option<Source>,
    /// Its keys (empty when the file does not define it).
    pub profile: Profile,
}

/// What one run knows before resolving anything: which of a flag or its
/// variable gave each value, the config file and the selected profile.
#[derive(Debug, Default)]
pub struct Context {
    sources: HashMap<String, ValueSource>,
    /// The config file's path, when there is one to look at.
    pub config_path: Option<PathBuf>,
    /// Where that path came from (`TRUSTGRAPH_CONFIG` or the default).
    pub config_path_source: Option<Source>,
    /// The parsed file (empty when there is none).
    pub file: ConfigFile,
    /// The selected profile; `None` after `--profile ''`.
    pub selected: Option<Selected>,
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

/// The run's context; an empty one (no config file, no profile) until
/// [`init`] has run.
pub fn context() -> &'static Context {
    CONTEXT.get_or_init(Context::default)
}

/// Set the run's context up from the parsed command line: record value
/// sources, read the config file and select the profile. Called once per
/// run by [`crate::run`], before the tool runs.
/// `new_profile_ok`: an explicitly named profile the file does not define
/// is selected empty instead of being an error (`tg-config set`).
pub fn init(m: &clap::ArgMatches, new_profile_ok: bool) -> Result<()> {
    let sources: HashMap<String, ValueSource> = m
        .ids()
        .filter_map(|id| m.value_source(id.as_str()).map(|s| (id.to_string(), s)))
        .collect();
    let profile_flag = m
        .try_get_one::<String>("profile")
        .ok()
        .flatten()
        .map(|s| (s.clone(), sources.get("profile").copied()));
    let ctx = load(sources, profile_flag, new_profile_ok)?;
    let _ = CONTEXT.set(ctx);
    Ok(())
}

/// The config file's path: `TRUSTGRAPH_CONFIG`, else
/// `$XDG_CONFIG_HOME/trustgraph/config.toml`, else
/// `~/.config/trustgraph/config.toml`. `None` when `TRUSTGRAPH_CONFIG` is
/// set but empty, or no home directory is known.
pub fn config_path() -> Option<(PathBuf, Source)> {
    match std::env::var(ENV_CONFIG) {
        Ok(p) if p.is_empty() => None,
        Ok(p) => Some((PathBuf::from(p), Source::Env)),
        Err(_) => {
            use etcetera::BaseStrategy;
            let base = etcetera::choose_base_strategy().ok()?;
            Some((
                base.config_dir().join("trustgraph").join("config.toml"),
                Source::Default,
            ))
        }
    }
}

/// The credentials file: `credentials.toml` beside the config file.
pub fn credentials_path() -> Option<PathBuf> {
    let ctx = context();
    ctx.config_path
        .as_ref()
        .map(|p| p.with_file_name("credentials.toml"))
}

fn load(
    sources: HashMap<String, ValueSource>,
    profile_flag: Option<(String, Option<ValueSource>)>,
    new_profile_ok: bool,
) -> Result<Context> {
    let (config_path, config_path_source) = match config_path() {
        Some((p, s)) => (Some(p), Some(s)),
        None => (None, None),
    };
    let file = match &config_path {
        Some(p) => ConfigFile::load(p)?,
        None => ConfigFile::default(),
    };
    let named = match profile_flag {
        Some((name, src)) => Some((
            name,
            match src {
                Some(ValueSource::EnvVariable) => Source::Env,
                _ => Source::Flag,
            },
        )),
        None => file
            .default_profile
            .clone()
            .map(|n| (n, Source::Profile("default_profile".into()))),
    };
    let selected = match named {
        Some((name, _)) if name.is_empty() => None,
        Some((name, source)) => {
            let profile = match file.profiles.get(&name) {
                Some(p) => p.clone(),
                None if new_profile_ok => Profile::default(),
                None => {
                    return Err(unknown_profile(
                        &name,
                        &source,
                        &file,
                        config_path.as_deref(),
                    ))
                }
            };
            Some(Selected {
                name,
                source: Some(source),
                profile,
            })
        }
        None => Some(Selected {
            name: DEFAULT_PROFILE.into(),
            source: None,
            profile: file
                .profiles
                .get(DEFAULT_PROFILE)
                .cloned()
                .unwrap_or_default(),
        }),
    };
    Ok(Context {
        sources,
        config_path,
        config_path_source,
        file,
        selected,
    })
}

fn unknown_profile(name: &str, source: &Source, file: &ConfigFile, path: Option<&Path>) -> Error {
    let from = match source {
        Source::Flag => "--profile".to_string(),
        Source::Env => ENV_PROFILE.to_string(),
        _ => "default_profile in the config file".to_string(),
    };
    let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
    let where_ = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the config file".into());
    Error::usage(format!("unknown profile {name:?} (from {from})")).with_hint(if known.is_empty() {
        format!("{where_} defines no profiles; add one with tg-config set --profile {name} url URL")
    } else {
        format!("the profiles in {where_} are: {}", known.join(", "))
    })
}

impl Context {
    fn source_of(&self, id: &str) -> Source {
        match self.sources.get(id) {
            Some(ValueSource::EnvVariable) => Source::Env,
            _ => Source::Flag,
        }
    }

    /// The value clap found for `id`, with the empty-value rule applied:
    /// `Some(None)` for an empty value (stop, none), `None` when neither
    /// the flag nor its variable is set.
    fn given(&self, id: &str, value: Option<&str>) -> Option<Option<Setting>> {
        value.map(|v| {
            (!v.is_empty()).then(|| Setting {
                value: v.to_string(),
                source: self.source_of(id),
            })
        })
    }

    fn profile(&self) -> Option<&Selected> {
        self.selected.as_ref()
    }

    /// A profile key as a setting.
    fn profile_setting(&self, get: impl Fn(&Profile) -> Option<String>) -> Option<Setting> {
        let s = self.profile()?;
        get(&s.profile)
            .filter(|v| !v.is_empty())
            .map(|value| Setting {
                value,
                source: Source::Profile(s.name.clone()),
            })
    }

    /// A path from the config file: `~/` is the home directory, and a
    /// relative path is relative to the config file's directory.
    pub fn config_relative(&self, p: &Path) -> PathBuf {
        if let Ok(rest) = p.strip_prefix("~") {
            if let Ok(home) = etcetera::home_dir() {
                return home.join(rest);
            }
        }
        match self.config_path.as_ref().and_then(|c| c.parent()) {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }
}

/// The base URL used when none is given: [`DEFAULT_URL`] (in a debug
/// build, [`ENV_TEST_DEFAULT_URL`] when it is set and not empty).
pub fn default_url() -> String {
    #[cfg(debug_assertions)]
    if let Some(u) = std::env::var_os(ENV_TEST_DEFAULT_URL)
        .and_then(|v| v.into_string().ok())
        .filter(|u| !u.is_empty())
    {
        return u;
    }
    DEFAULT_URL.to_string()
}

/// Gateway base URL: `-u` > `TRUSTGRAPH_URL` > profile `url` >
/// [`default_url`]. Surrounding whitespace is dropped.
pub fn resolve_url(flag: Option<&str>) -> Setting {
    let ctx = context();
    let default = || Setting {
        value: default_url(),
        source: Source::Default,
    };
    match ctx.given("api_url", flag.map(str::trim)) {
        Some(s) => s.unwrap_or_else(default),
        None => ctx
            .profile_setting(|p| p.url.as_deref().map(|u| u.trim().to_string()))
            .unwrap_or_else(default),
    }
}

/// Workspace: `-w` > `TRUSTGRAPH_WORKSPACE` > profile `workspace` > none
/// (not sent).
pub fn resolve_workspace(flag: Option<&str>) -> Option<String> {
    resolve_workspace_setting(flag).map(|s| s.value)
}

/// [`resolve_workspace`] with where it came from.
pub fn resolve_workspace_setting(flag: Option<&str>) -> Option<Setting> {
    let ctx = context();
    match ctx.given("workspace", flag) {
        Some(s) => s,
        None => ctx.profile_setting(|p| p.workspace.clone()),
    }
}

/// Request timeout in seconds: `--timeout` > profile `timeout` >
/// [`DEFAULT_TIMEOUT`].
pub fn resolve_timeout(flag: Option<f64>) -> (f64, Source) {
    if let Some(t) = flag {
        return (t, Source::Flag);
    }
    let ctx = context();
    match ctx
        .profile()
        .and_then(|s| s.profile.timeout.map(|t| (t, s)))
    {
        Some((t, s)) => (t, Source::Profile(s.name.clone())),
        None => (DEFAULT_TIMEOUT, Source::Default),
    }
}

/// CA certificate file: `--ca-cert` > profile `ca_cert` > none.
pub fn resolve_ca_cert(flag: Option<&Path>) -> Option<(PathBuf, Source)> {
    if let Some(p) = flag {
        return Some((p.to_path_buf(), Source::Flag));
    }
    let ctx = context();
    let s = ctx.profile()?;
    let p = s.profile.ca_cert.as_ref()?;
    Some((ctx.config_relative(p), Source::Profile(s.name.clone())))
}

/// The bearer token: `-t` > `--token-file` > `TRUSTGRAPH_TOKEN` > the
/// profile's `token_file` (only for the profile's own `url`) > the session
/// saved for the profile (only for the gateway it was issued by) > none;
/// `url` is the URL the request goes to. Surrounding whitespace is
/// dropped, as the gateway does. A saved session that has expired is an
/// error (exit 3); one about to expire gets a warning from `tool`.
pub fn resolve_token(
    tool: &str,
    flag: Option<&str>,
    token_file: Option<&Path>,
    url: &str,
) -> Result<Option<Setting>> {
    resolve_token_keeping(tool, flag, token_file, url, false)
}

/// [`resolve_token`]; with `keep_expired`, an expired saved session is
/// returned (without the error or the warning) so that the caller can
/// report it: `tg-auth-status`.
pub fn resolve_token_keeping(
    tool: &str,
    flag: Option<&str>,
    token_file: Option<&Path>,
    url: &str,
    keep_expired: bool,
) -> Result<Option<Setting>> {
    let ctx = context();
    let flag_is_cli = ctx.sources.get("token") == Some(&ValueSource::CommandLine);
    if flag_is_cli && token_file.is_some() {
        return Err(Error::usage(
            "-t/--token and --token-file both given: use one",
        ));
    }
    let trimmed = |s: Setting| Setting {
        value: s.value.trim().to_string(),
        source: s.source,
    };
    if let Some(path) = token_file {
        return read_token_file(path, Source::TokenFile(path.to_path_buf())).map(Some);
    }
    if let Some(given) = ctx.given("token", flag) {
        return Ok(given.map(trimmed).filter(|s| !s.value.is_empty()));
    }
    let Some(sel) = ctx.profile() else {
        return Ok(None);
    };
    if let Some(p) = &sel.profile.token_file {
        // The token file belongs to the profile's gateway (its `url`, or
        // the default URL when it names none), as a saved session belongs
        // to the gateway that issued it: another URL that wins precedence
        // (a flag, TRUSTGRAPH_URL) does not get it.
        let home = sel
            .profile
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_URL);
        if session::same_gateway(home, url) {
            let path = ctx.config_relative(p);
            let src = Source::ProfileTokenFile(sel.name.clone(), path.clone());
            return read_token_file(&path, src).map(Some);
        }
        crate::output::note(&format!(
            "{tool}: note: the token file of profile {} is for {home}, not {url}: not sent",
            sel.name
        ));
    }
    let Some(cred) = credentials_path() else {
        return Ok(None);
    };
    let Some(saved) = session::load(&cred)?.remove(&sel.name) else {
        return Ok(None);
    };
    if !session::same_gateway(&saved.url, url) {
        crate::output::note(&format!(
            "{tool}: note: the session saved for profile {} is for {}, not {}: not sent",
            sel.name, saved.url, url
        ));
        return Ok(None);
    }
    let exp = jwt::jwt_expiry(&saved.jwt).filter(|_| !keep_expired);
    let now = time::now();
    if let Some(exp) = exp {
        if exp < now {
            return Err(Error::new(
                Kind::Auth,
                format!(
                    "session for profile {} expired at {}; run tg-login --save",
                    sel.name,
                    time::format_utc(exp)
                ),
            )
            .with_hint(relogin_hint(&Source::Session(sel.name.clone()))));
        }
        if exp.saturating_sub(now) <= SESSION_WARN_SECS {
            crate::output::note(&format!(
                "{tool}: warning: the session for profile {} expires in {} (at {}); run tg-login --save to renew it",
                sel.name,
                crate::time::describe_duration(exp.saturating_sub(now)),
                time::format_utc(exp)
            ));
        }
    }
    Ok(Some(Setting {
        value: saved.jwt.trim().to_string(),
        source: Source::Session(sel.name.clone()),
    }))
}

/// The token in a token file: its first line, trimmed. The file must be
/// private (0600, as ssh wants a key).
fn read_token_file(path: &Path, source: Source) -> Result<Setting> {
    let text = files::read_secret(path, "token file")?
        .ok_or_else(|| Error::usage(format!("token file {} does not exist", path.display())))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(Error::usage(format!(
            "token file {} is empty",
            path.display()
        )));
    }
    crate::redact::register(&token);
    Ok(Setting {
        value: token,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_none_and_stops_the_lookup() {
        assert_eq!(resolve_url(Some("")).value, default_url());
        assert_eq!(resolve_url(Some("  ")).source, Source::Default);
        assert_eq!(resolve_url(None).value, default_url());
        assert_eq!(resolve_url(Some(" http://x/ ")).value, "http://x/");
        assert_eq!(resolve_workspace(Some("")), None);
        assert_eq!(resolve_workspace(Some("w")).as_deref(), Some("w"));
        assert_eq!(resolve_timeout(None), (DEFAULT_TIMEOUT, Source::Default));
    }

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("268435456"), Some(256 << 20));
        assert_eq!(parse_size("512MiB"), Some(512 << 20));
        assert_eq!(parse_size("1 GiB"), Some(1 << 30));
        assert_eq!(parse_size("64k"), Some(64 << 10));
        for bad in [
            "",
            "0",
            "0MiB",
            "-1",
            "1.5MiB",
            "12 MB",
            "MiB",
            "1e9",
            "99999999999999999999G",
        ] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
