//! Profiles, saved sessions, token files and the one precedence rule,
//! with tg-config and tg-logout, against scripted servers and
//! tg-dev-gateway. Every run gets its own config directory through
//! `TRUSTGRAPH_CONFIG`.

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tg_dev_gateway::{crypto, BootstrapMode, Config as GwConfig, Server};

const WS_OK: &str = r#"{"workspaces": []}"#;

/// A private config directory for one test.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("tg-profiles-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn config(&self) -> PathBuf {
        self.0.join("config.toml")
    }
    fn credentials(&self) -> PathBuf {
        self.0.join("credentials.toml")
    }
    fn write(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }
    /// `tool` with this directory's config.
    fn tg(&self, tool: &str) -> TestCommand {
        tg(tool).env("TRUSTGRAPH_CONFIG", self.config())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A compact JWT with these claims (unsigned: only its shape and `exp`
/// matter to the client).
fn jwt(exp: i64) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b.encode(r#"{"alg":"EdDSA","typ":"JWT"}"#),
        b.encode(format!(
            r#"{{"sub":"u1","default_workspace":"default","exp":{exp}}}"#
        ))
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn session_file(url: &str, token: &str) -> String {
    format!("[sessions.default]\njwt = \"{token}\"\nexpires = \"\"\nurl = \"{url}\"\n")
}

#[test]
fn one_precedence_for_every_setting_flag_env_profile_default() {
    let d = Dir::new("precedence");
    let flag = Mock::always(json(200, WS_OK));
    let env = Mock::always(json(200, WS_OK));
    let prof = Mock::always(json(200, WS_OK));
    let tok = d.write("prof.token", "tg_fromProfileTokenFile0123456789ab\n", 0o600);
    let flagtok = d.write("flag.token", "tg_fromFlagTokenFile0123456789abcde\n", 0o600);
    std::fs::write(
        d.config(),
        format!(
            "[profiles.default]\nurl = \"{}\"\nworkspace = \"pws\"\ntoken_file = \"{}\"\ntimeout = 7\n",
            prof.url(),
            tok.display()
        ),
    )
    .unwrap();
    // URL and token: flag > env > profile.
    let seen = |m: &Mock| {
        m.requests()
            .last()
            .map(|r| r.header("authorization").unwrap_or("").to_string())
    };
    d.tg("tg-list-workspaces")
        .url(&flag.url())
        .token("tg_flagFLAGflag")
        .env("TRUSTGRAPH_URL", env.url())
        .env("TRUSTGRAPH_TOKEN", "tg_envENVenv")
        .run();
    assert_eq!(seen(&flag).as_deref(), Some("Bearer tg_flagFLAGflag"));
    d.tg("tg-list-workspaces")
        .env("TRUSTGRAPH_URL", env.url())
        .env("TRUSTGRAPH_TOKEN", "tg_envENVenv")
        .run();
    assert_eq!(seen(&env).as_deref(), Some("Bearer tg_envENVenv"));
    d.tg("tg-list-workspaces").run();
    assert_eq!(
        seen(&prof).as_deref(),
        Some("Bearer tg_fromProfileTokenFile0123456789ab")
    );
    // --token-file is the flag level, above the variable.
    let ff = flagtok.display().to_string();
    d.tg("tg-list-workspaces")
        .args(["--token-file", &ff])
        .env("TRUSTGRAPH_TOKEN", "tg_envENVenv")
        .run();
    assert_eq!(
        seen(&prof).as_deref(),
        Some("Bearer tg_fromFlagTokenFile0123456789abcde")
    );
    let r = d
        .tg("tg-list-workspaces")
        .token("tg_x")
        .args(["--token-file", &ff])
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    // Workspace: flag > env > profile.
    let ws = |args: &[&str], env: &[(&str, &str)]| {
        d.tg("tg-revoke-api-key")
            .args(["--key-id", "k"])
            .args(args)
            .envs(env.iter().copied())
            .run();
        prof.requests().last().unwrap().json()["workspace"].clone()
    };
    assert_eq!(ws(&["-w", "f"], &[("TRUSTGRAPH_WORKSPACE", "e")]), "f");
    assert_eq!(ws(&[], &[("TRUSTGRAPH_WORKSPACE", "e")]), "e");
    assert_eq!(ws(&[], &[]), "pws");
    assert_eq!(
        ws(&[], &[("TRUSTGRAPH_WORKSPACE", "")]),
        serde_json::Value::Null,
        "empty stops the lookup"
    );
    // tg-config names every source.
    let r = d
        .tg("tg-config")
        .args(["--timeout", "3"])
        .env("TRUSTGRAPH_URL", env.url())
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[1], "profile   = default (default)");
    assert_eq!(
        lines[2],
        format!("url       = {} (from TRUSTGRAPH_URL)", env.url())
    );
    // The profile's token file is for the profile's url, not this one.
    assert_eq!(lines[3], "token     = none (not set)");
    assert!(
        r.stderr.contains(&format!(
            "tg-config: note: the token file of profile default is for {}, not {}: not sent",
            prof.url(),
            env.url()
        )),
        "{}",
        r.stderr
    );
    let r = d.tg("tg-config").run();
    assert_eq!(
        r.stdout.lines().nth(3),
        Some("token     = API key tg_from… (from profile default's token file)")
    );
    assert_eq!(lines[4], "workspace = pws (from profile default)");
    assert_eq!(lines[6], "timeout   = 3 s (from --timeout)");
    assert!(
        !r.stdout.contains("ProfileTokenFile0123"),
        "never the whole token"
    );
    let r = d.tg("tg-config").args(["-o", "json"]).run();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["timeout"]["value"], 7.0);
    assert_eq!(v["timeout"]["source"], "from profile default");
    assert_eq!(v["token"]["value"]["prefix"], "tg_from");
}

#[test]
fn profiles_are_selected_by_flag_variable_or_default_and_unknown_ones_are_refused() {
    let d = Dir::new("select");
    let a = Mock::always(json(200, WS_OK));
    let b = Mock::always(json(200, WS_OK));
    std::fs::write(
        d.config(),
        format!(
            "default_profile = \"a\"\n[profiles.a]\nurl = \"{}\"\n[profiles.b]\nurl = \"{}\"\n",
            a.url(),
            b.url()
        ),
    )
    .unwrap();
    d.tg("tg-list-workspaces").token(ADMIN).run();
    assert_eq!((a.requests().len(), b.requests().len()), (1, 0));
    d.tg("tg-list-workspaces")
        .token(ADMIN)
        .env("TRUSTGRAPH_PROFILE", "b")
        .run();
    assert_eq!((a.requests().len(), b.requests().len()), (1, 1));
    d.tg("tg-list-workspaces")
        .token(ADMIN)
        .args(["--profile", "a"])
        .env("TRUSTGRAPH_PROFILE", "b")
        .run();
    assert_eq!((a.requests().len(), b.requests().len()), (2, 1));
    let r = d
        .tg("tg-list-workspaces")
        .token(ADMIN)
        .args(["--profile", "c"])
        .run();
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "tg-list-workspaces: error: unknown profile \"c\" (from --profile)\nhint: the profiles in {} are: a, b\n",
            d.config().display()
        )
    );
    assert_eq!(a.requests().len() + b.requests().len(), 3, "nothing sent");
}

#[test]
fn a_corrupt_config_names_the_file_and_the_line() {
    let d = Dir::new("corrupt");
    std::fs::write(
        d.config(),
        "[profiles.a]\nurl = \"http://x/\"\ntimeout = \"soon\"\n",
    )
    .unwrap();
    let r = d.tg("tg-whoami").token(ADMIN).run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(&format!(
            "tg-whoami: error: config file {}, line 3: ",
            d.config().display()
        )),
        "{}",
        r.stderr
    );
    std::fs::write(d.config(), "default_profile = \n").unwrap();
    let r = d.tg("tg-whoami").token(ADMIN).run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(", line 1: "), "{}", r.stderr);
}

#[test]
fn tg_config_set_keeps_comments_and_use_switches_profiles() {
    let d = Dir::new("edit");
    std::fs::write(
        d.config(),
        "# my gateways\n[profiles.prod] # the real one\nurl = \"https://prod.example/\"\nfuture_key = 1\n",
    )
    .unwrap();
    let r = d
        .tg("tg-config")
        .args(["set", "--profile", "dev", "url", "http://localhost:8888/"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = d
        .tg("tg-config")
        .args(["--profile", "prod", "set", "timeout", "12"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("profile prod: timeout set ({})\n", d.config().display())
    );
    let r = d.tg("tg-config").args(["use", "dev"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(d.config()).unwrap();
    for kept in [
        "# my gateways",
        "# the real one",
        "future_key = 1",
        "timeout = 12",
        "default_profile = \"dev\"",
    ] {
        assert!(text.contains(kept), "{kept} in {text}");
    }
    let r = d.tg("tg-config").run();
    assert!(
        r.stdout
            .contains("profile   = dev (from default_profile in the config file)"),
        "{}",
        r.stdout
    );
    let r = d
        .tg("tg-config")
        .args(["unset", "--profile", "prod", "timeout"])
        .run();
    assert_eq!(r.code, 0);
    assert!(!std::fs::read_to_string(d.config())
        .unwrap()
        .contains("timeout"));
    for bad in [
        vec!["set", "colour", "x"],
        vec!["set", "timeout", "soon"],
        vec!["use", "nope"],
    ] {
        let r = d.tg("tg-config").args(&bad).run();
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
    }
}

fn gateway() -> Server {
    let mut c = GwConfig::new(BootstrapMode::Bootstrap);
    c.iterations = crypto::FAST_ITERATIONS;
    Server::spawn(c, "127.0.0.1:0").unwrap()
}

/// Bootstrap `gw` and create alice (password `alice-Passw0rd`).
fn alice(gw: &Server) {
    let r = tg("tg-bootstrap-iam").url(&gw.url()).run();
    let admin = r.stdout.trim().to_string();
    let r = tg("tg-create-user")
        .url(&gw.url())
        .token(&admin)
        .args(["-w", "default", "--username", "alice", "--password-stdin"])
        .stdin("alice-Passw0rd\n")
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_saved_session_is_private_used_and_removed_by_logout() {
    let gw = gateway();
    alice(&gw);
    let d = Dir::new("session");
    let url = gw.url();
    let login = |d: &Dir| {
        d.tg("tg-login")
            .url(&url)
            .args(["--save", "--username", "alice", "--password-stdin"])
            .stdin("alice-Passw0rd\n")
            .run()
    };
    let r = login(&d);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "", "--save keeps the JWT off stdout");
    assert!(
        r.stderr.contains(&format!(
            "Session saved for profile default in {}",
            d.credentials().display()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(mode(&d.credentials()), 0o600);
    // Rewritten: still 0600, no temporary file left.
    let r = login(&d);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&d.credentials()), 0o600);
    assert_eq!(std::fs::read_dir(&d.0).unwrap().count(), 1);
    // Used when no token is given, and named as the source.
    let r = d.tg("tg-whoami").url(&url).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("alice"));
    let r = d.tg("tg-config").url(&url).run();
    assert!(
        r.stdout
            .contains("(from the session saved for profile default)"),
        "{}",
        r.stdout
    );
    // Never sent to another gateway.
    let other = Mock::always(json(401, r#"{"error": "auth failure"}"#));
    let r = d.tg("tg-whoami").url(&other.url()).run();
    assert_eq!(r.code, 3);
    assert_eq!(other.requests()[0].header("authorization"), None);
    assert!(r.stderr.contains("not sent"), "{}", r.stderr);
    // A loose credentials file is refused, naming chmod 600.
    std::fs::set_permissions(d.credentials(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = d.tg("tg-whoami").url(&url).run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("hint: it holds a secret: run chmod 600"),
        "{}",
        r.stderr
    );
    std::fs::set_permissions(d.credentials(), std::fs::Permissions::from_mode(0o600)).unwrap();
    // tg-logout removes it, and says so; a second time there is nothing.
    let r = d.tg("tg-logout").run();
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Removed the session of profile default\n")
    );
    let r = d.tg("tg-logout").run();
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "No saved session for profile default.\n")
    );
    let r = d.tg("tg-whoami").url(&url).run();
    assert_eq!(r.code, 3, "no session: no token");
}

#[test]
fn logout_all_removes_every_profile() {
    let d = Dir::new("logout-all");
    std::fs::write(d.config(), "[profiles.a]\n[profiles.b]\n").unwrap();
    d.write(
        "credentials.toml",
        "[sessions.a]\njwt = \"x.y.z\"\nurl = \"http://a/\"\n[sessions.b]\njwt = \"x.y.z\"\nurl = \"http://b/\"\n",
        0o600,
    );
    let r = d.tg("tg-logout").args(["--profile", "b"]).run();
    assert_eq!(r.stdout, "Removed the session of profile b\n");
    d.write(
        "credentials.toml",
        "[sessions.a]\njwt = \"x.y.z\"\nurl = \"http://a/\"\n[sessions.b]\njwt = \"x.y.z\"\nurl = \"http://b/\"\n",
        0o600,
    );
    let r = d.tg("tg-logout").args(["--all"]).run();
    assert_eq!(
        r.stdout,
        "Removed the session of profile a\nRemoved the session of profile b\n"
    );
    assert_eq!(mode(&d.credentials()), 0o600);
}

#[test]
fn an_expired_session_is_not_sent_and_one_about_to_expire_warns() {
    let d = Dir::new("expiry");
    let m = Mock::always(json(200, WS_OK));
    let url = m.url();
    let expired = jwt(now() - 120);
    d.write("credentials.toml", &session_file(&url, &expired), 0o600);
    let r = d.tg("tg-list-workspaces").url(&url).run();
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .starts_with("tg-list-workspaces: error: session for profile default expired at "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("; run tg-login --save"));
    assert!(m.requests().is_empty(), "not sent");
    assert!(!r.stderr.contains(&expired[40..]), "the JWT is not shown");

    let soon = jwt(now() + 120);
    d.write("credentials.toml", &session_file(&url, &soon), 0o600);
    let r = d.tg("tg-list-workspaces").url(&url).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(
            "tg-list-workspaces: warning: the session for profile default expires in "
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        m.requests()[0].header("authorization"),
        Some(format!("Bearer {soon}").as_str())
    );
    let later = jwt(now() + 3600);
    d.write("credentials.toml", &session_file(&url, &later), 0o600);
    let r = d.tg("tg-list-workspaces").url(&url).run();
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

#[test]
fn loose_token_files_are_refused() {
    let d = Dir::new("loose");
    let m = Mock::always(json(200, WS_OK));
    let t = d.write("t.token", "tg_abcdefghijklmnopqrstuvwxyz012345\n", 0o640);
    let tf = t.display().to_string();
    let r = d
        .tg("tg-list-workspaces")
        .url(&m.url())
        .args(["--token-file", &tf])
        .run();
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!("tg-list-workspaces: error: token file {tf} is accessible by group or others (mode 640): refusing to use it\nhint: it holds a secret: run chmod 600 {tf}\n")
    );
    std::fs::write(
        d.config(),
        format!(
            "[profiles.default]\nurl = \"{}\"\ntoken_file = \"{tf}\"\n",
            m.url()
        ),
    )
    .unwrap();
    let r = d.tg("tg-list-workspaces").url(&m.url()).run();
    assert_eq!(r.code, 2);
    assert!(m.requests().is_empty());
    std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = d.tg("tg-list-workspaces").url(&m.url()).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn concurrent_edits_are_all_kept_and_symlinks_are_written_through() {
    // Ten tg-config set at once: each read-modify-write holds the lock,
    // so every profile survives (without it, 1 to 3 did).
    let d = Dir::new("race");
    let children: Vec<_> = (0..10)
        .map(|n| {
            d.tg("tg-config")
                .args([
                    "set",
                    "--profile",
                    &format!("p{n}"),
                    "url",
                    &format!("http://h{n}.example/"),
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(d.config()).unwrap();
    for n in 0..10 {
        assert!(
            text.contains(&format!("[profiles.p{n}]")),
            "p{n} lost:\n{text}"
        );
    }
    // Nothing but the config file is left in the directory.
    assert_eq!(std::fs::read_dir(&d.0).unwrap().count(), 1);

    // A config file that is a symbolic link (a dotfiles setup): edited
    // through the link, which stays a link.
    let dots = Dir::new("dotfiles");
    let target = dots.write("trustgraph.toml", "# mine\n", 0o600);
    let d = Dir::new("linked");
    std::os::unix::fs::symlink(&target, d.config()).unwrap();
    let r = d
        .tg("tg-config")
        .args(["set", "url", "http://linked.example/"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(d.config().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("# mine\n"), "{text}");
    assert!(text.contains("url = \"http://linked.example/\""), "{text}");
}

#[test]
fn a_config_file_that_cannot_be_written_is_a_local_failure() {
    // The config file links to a directory that does not exist: it reads
    // as absent, and cannot be written (exit 9, not a usage error).
    let d = Dir::new("unwritable");
    std::os::unix::fs::symlink(d.0.join("gone/config.toml"), d.config()).unwrap();
    let r = d
        .tg("tg-config")
        .args(["set", "--profile", "dev", "url", "http://localhost:8888/"])
        .run();
    assert_eq!(r.code, 9, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "tg-config: error: cannot write config file {}: it is a symbolic link whose target cannot be resolved: No such file or directory (os error 2)\n",
            d.config().display()
        )
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn logout_all_removes_only_a_credentials_file_of_its_own() {
    // Ours, but too open to be read as a secret: removed whole.
    let d = Dir::new("logout-open");
    d.write("credentials.toml", "[sessions]\n", 0o644);
    let r = d.tg("tg-logout").args(["--all"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("Removed {}\n", d.credentials().display()));
    assert!(r.stderr.contains("removed it whole"), "{}", r.stderr);
    assert!(!d.credentials().exists());
    // Not ours (another program's file of that name, or not TOML at
    // all): refused, exit 2, left as it was.
    for (text, perm) in [
        ("[other_app]\napi_key = \"keep-me\"\n", 0o644),
        ("garbage = = =\n", 0o600),
        ("[sessions.p]\njwt = 1\n", 0o644),
    ] {
        let d = Dir::new("logout-foreign");
        d.write("credentials.toml", text, perm);
        let r = d.tg("tg-logout").args(["--all"]).run();
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.starts_with(&format!(
                "tg-logout: error: {} is not a credentials file of these tools",
                d.credentials().display()
            )),
            "{text}: {}",
            r.stderr
        );
        assert_eq!(std::fs::read_to_string(d.credentials()).unwrap(), text);
    }
}

#[test]
fn a_profile_token_file_goes_only_to_the_profile_url() {
    let d = Dir::new("token-file-url");
    let home = Mock::always(json(200, WS_OK));
    let other = Mock::always(json(200, WS_OK));
    let tok = d.write("p.token", "tg_profileTokenFile0123456789abcdef\n", 0o600);
    std::fs::write(
        d.config(),
        format!(
            "[profiles.default]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
            home.url(),
            tok.display()
        ),
    )
    .unwrap();
    let auth = |m: &Mock| {
        m.requests()
            .last()
            .map(|r| r.header("authorization").unwrap_or("").to_string())
    };
    let r = d.tg("tg-list-workspaces").run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        auth(&home).as_deref(),
        Some("Bearer tg_profileTokenFile0123456789abcdef")
    );
    // Another URL wins precedence: the profile's token file stays home.
    for (args, env) in [
        (vec!["-u".to_string(), other.url()], vec![]),
        (vec![], vec![("TRUSTGRAPH_URL", other.url())]),
    ] {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let e: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = d
            .tg("tg-list-workspaces")
            .args(&a)
            .envs(e.iter().copied())
            .run();
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(auth(&other).as_deref(), Some(""), "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "tg-list-workspaces: note: the token file of profile default is for {}, not {}: not sent",
                home.url(),
                other.url()
            )),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn tg_config_use_of_an_unknown_profile_does_not_blame_the_profile_flag() {
    let d = Dir::new("use-unknown");
    d.write(
        "config.toml",
        "[profiles.staging]\nurl = \"http://s/\"\n",
        0o600,
    );
    let r = d.tg("tg-config").args(["use", "nope"]).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "tg-config: error: unknown profile \"nope\"\nhint: the profiles in {} are: staging\n",
            d.config().display()
        )
    );
    assert!(!r.stderr.contains("--profile"), "{}", r.stderr);
    let r = d.tg("tg-config").args(["use", "staging"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(d.config()).unwrap();
    assert!(
        text.starts_with("default_profile = \"staging\"\n"),
        "{text}"
    );
}

#[test]
fn tg_config_list_shows_every_profile_its_session_and_the_default() {
    let d = Dir::new("list");
    // No config file at all: the default profile, undefined, is listed.
    let r = d.tg("tg-config").args(["list"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "+---------+---------+-----+-----------+---------+\n\
         | profile | default | url | workspace | session |\n\
         +---------+---------+-----+-----------+---------+\n\
         | default | *       | -   | -         | none    |\n\
         +---------+---------+-----+-----------+---------+\n"
    );
    d.write(
        "config.toml",
        "default_profile = \"prod\"\n[profiles.prod]\nurl = \"https://iam.example.com/\"\nworkspace = \"acme\"\n[profiles.staging]\nurl = \"https://s.example.com/\"\n",
        0o600,
    );
    let live = jwt(now() + 3000);
    let dead = jwt(now() - 7200);
    d.write(
        "credentials.toml",
        &format!(
            "[sessions.prod]\njwt = \"{live}\"\nexpires = \"\"\nurl = \"https://iam.example.com/\"\n\
             [sessions.old]\njwt = \"{dead}\"\nexpires = \"\"\nurl = \"https://old.example.com/\"\n"
        ),
        0o600,
    );
    let r = d.tg("tg-config").args(["list"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<Vec<String>> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("| "))
        .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[1] == name)
            .unwrap_or_else(|| panic!("no row {name}: {}", r.stdout))
            .clone()
    };
    // old (a session only), prod (the default), staging; sorted by name.
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["old", "prod", "staging"], "{}", r.stdout);
    let prod = row("prod");
    assert_eq!(&prod[2..5], ["*", "https://iam.example.com/", "acme"]);
    assert!(prod[5].starts_with("saved, expires "), "{prod:?}");
    assert!(
        prod[5].ends_with(" (in 49 min)") || prod[5].ends_with(" (in 50 min)"),
        "{prod:?}"
    );
    let staging = row("staging");
    assert_eq!(&staging[2..6], ["", "https://s.example.com/", "-", "none"]);
    let old = row("old");
    assert_eq!(&old[2..5], ["", "-", "-"]);
    assert!(
        old[5].starts_with("expired ") && old[5].ends_with(" (2 h ago)"),
        "{old:?}"
    );
    // Never a JWT.
    assert!(!r.stdout.contains(&live) && !r.stdout.contains(&dead));

    // JSON (after the subcommand too), with the selected profile.
    let r = d
        .tg("tg-config")
        .args(["list", "-o", "json"])
        .env("TRUSTGRAPH_PROFILE", "staging")
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let by = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by("prod")["default"], true);
    assert_eq!(by("prod")["selected"], false);
    assert_eq!(by("staging")["selected"], true);
    assert_eq!(by("prod")["session"]["expired"], false);
    assert_eq!(by("old")["session"]["expired"], true);
    assert_eq!(by("staging")["session"], serde_json::Value::Null);
    assert!(!r.stdout.contains(&live));
}

#[test]
fn tg_config_current_prints_the_selected_profile_without_the_network() {
    let d = Dir::new("current");
    let r = d.tg("tg-config").args(["current"]).run();
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "default\n"),
        "{}",
        r.stderr
    );
    d.write(
        "config.toml",
        "default_profile = \"prod\"\n[profiles.prod]\nurl = \"http://127.0.0.1:9/\"\n[profiles.dev]\n",
        0o600,
    );
    // The profile's gateway (port 9, discard) is never contacted.
    let r = d.tg("tg-config").args(["current"]).run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "prod\n", "")
    );
    let r = d
        .tg("tg-config")
        .args(["current"])
        .env("TRUSTGRAPH_PROFILE", "dev")
        .run();
    assert_eq!(r.stdout, "dev\n");
    let r = d
        .tg("tg-config")
        .args(["--profile", "prod", "current"])
        .run();
    assert_eq!(r.stdout, "prod\n");
    let r = d
        .tg("tg-config")
        .args(["current"])
        .env("TRUSTGRAPH_PROFILE", "nope")
        .run();
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    let r = d.tg("tg-config").args(["--profile", "", "current"]).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("tg-config: error: no profile selected"),
        "{}",
        r.stderr
    );
}
