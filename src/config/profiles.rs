//! The config file: named profiles and the default one, in TOML.
//!
//! ```toml
//! default_profile = "prod"
//!
//! [profiles.prod]
//! url = "https://trustgraph.example.com/"
//! workspace = "acme"
//! token_file = "~/.config/trustgraph/prod.token"   # 0600
//! ca_cert = "/etc/ssl/private-ca.pem"
//! timeout = 10
//! ```
//!
//! Unknown keys are kept (and left alone by `tg-config set`); a key with
//! the wrong type, or a file that is not TOML, is an error naming the
//! file and the line.

use super::files;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfigFile {
    /// The profile used when neither `--profile` nor `TRUSTGRAPH_PROFILE`
    /// names one.
    pub default_profile: Option<String>,
    /// The profiles, by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile's settings; every key is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Profile {
    /// Gateway base URL.
    pub url: Option<String>,
    /// Workspace sent with `-w`'s meaning.
    pub workspace: Option<String>,
    /// A file holding the token (first line); must be 0600.
    pub token_file: Option<PathBuf>,
    /// A PEM file of CA certificates to trust.
    pub ca_cert: Option<PathBuf>,
    /// Request timeout in seconds.
    pub timeout: Option<f64>,
}

/// The longest timeout a profile or flag may set, in seconds.
pub const MAX_TIMEOUT: f64 = 86_400.0;

impl ConfigFile {
    /// Read and check the file at `path`; an empty config when it does not
    /// exist.
    pub fn load(path: &Path) -> Result<ConfigFile> {
        let Some(text) = files::read_text(path, "config file")? else {
            return Ok(ConfigFile::default());
        };
        Self::parse(&text, path)
    }

    /// Parse `text` (read from `path`, for messages).
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let msg = e.message().trim().replace('\n', " ");
            Error::usage(match line {
                Some(l) => format!("config file {}, line {l}: {msg}", path.display()),
                None => format!("config file {}: {msg}", path.display()),
            })
            .with_hint("fix or remove the file; tg-config shows what it resolves to")
        })?;
        for (name, p) in &file.profiles {
            if let Some(t) = p.timeout {
                if !(t.is_finite() && t > 0.0 && t <= MAX_TIMEOUT) {
                    let line = line_of(text, &format!("[profiles.{name}]"));
                    return Err(Error::usage(format!(
                        "config file {}{}: profile {name}: timeout must be a number of seconds greater than 0 and at most {MAX_TIMEOUT}, not {t}",
                        path.display(),
                        line.map(|l| format!(", line {l}")).unwrap_or_default()
                    )));
                }
            }
        }
        Ok(file)
    }
}

/// The 1-based line on which `needle` first appears.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|i| text[..i].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles_and_keeps_unknown_keys_harmless() {
        let f = ConfigFile::parse(
            "default_profile = \"prod\"\ncolour = true\n[profiles.prod]\nurl = \"https://x/\"\ntimeout = 10\nfuture = 1\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(f.default_profile.as_deref(), Some("prod"));
        assert_eq!(f.profiles["prod"].timeout, Some(10.0));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = ConfigFile::parse(
            "[profiles.a]\nurl = \"x\"\ntimeout = \"soon\"\n",
            Path::new("/c.toml"),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("config file /c.toml, line 3: "),
            "{}",
            e.message
        );
        let e = ConfigFile::parse("a = [\n", Path::new("/c.toml")).unwrap_err();
        assert!(
            e.message.starts_with("config file /c.toml, line "),
            "{}",
            e.message
        );
        let e =
            ConfigFile::parse("\n[profiles.a]\ntimeout = -1\n", Path::new("/c.toml")).unwrap_err();
        assert!(
            e.message
                .starts_with("config file /c.toml, line 2: profile a: timeout"),
            "{}",
            e.message
        );
    }
}
