//! The list tools' shell formats, against tg-dev-gateway on 127.0.0.1:0:
//! `-o csv` (RFC 4180: a header row, CRLF line ends, a field with a comma
//! or a quote quoted, quotes doubled; the same records as `-o json`) and
//! `-o ids` (one id per line), for every list tool, with names holding a
//! comma and a quote.

mod common;
use common::tg;
use serde_json::Value;
use tg_dev_gateway::{crypto, BootstrapMode, Config, Server};

/// A name with a comma and quotes: CSV must quote it and double them.
const NAME: &str = "Doe, \"JD\" Jane";
const NAME_CSV: &str = "\"Doe, \"\"JD\"\" Jane\"";

struct Gw {
    _server: Server,
    url: String,
    admin: String,
}

impl Gw {
    fn start() -> Gw {
        let mut c = Config::new(BootstrapMode::Bootstrap);
        c.iterations = crypto::FAST_ITERATIONS;
        let server = Server::spawn(c, "127.0.0.1:0").expect("gateway starts");
        let url = server.url();
        let r = tg("tg-bootstrap-iam").url(&url).run();
        assert_eq!(r.code, 0, "{}", r.stderr);
        Gw {
            _server: server,
            url,
            admin: r.stdout.trim().to_string(),
        }
    }

    fn ok(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> String {
        let r = tg(tool)
            .args(args)
            .env("TRUSTGRAPH_URL", &self.url)
            .env("TRUSTGRAPH_TOKEN", &self.admin)
            .maybe_stdin(stdin)
            .run();
        assert_eq!(r.code, 0, "{tool} {args:?}: {}", r.stderr);
        r.stdout
    }

    /// `tool args` as JSON, CSV and ids.
    fn formats(&self, tool: &str, args: &[&str]) -> (Vec<Value>, String, String) {
        let with = |o: &str| {
            let mut a = args.to_vec();
            a.extend(["-o", o]);
            self.ok(tool, &a, None)
        };
        let json: Value = serde_json::from_str(&with("json")).unwrap();
        (json.as_array().unwrap().clone(), with("csv"), with("ids"))
    }
}

/// The CSV's records, parsed as RFC 4180 (every record ends in CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    assert!(text.ends_with("\r\n"), "records end with CRLF: {text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "every line end is CRLF: {text:?}"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_string()
}

/// ids: exactly the records' ids, one per line, in order.
fn check_ids(ids: &str, records: &[Value]) {
    let want: String = records
        .iter()
        .map(|r| format!("{}\n", s(r, "id")))
        .collect();
    assert_eq!(ids, want);
}

#[test]
fn every_list_tool_writes_csv_and_ids() {
    let gw = Gw::start();
    gw.ok(
        "tg-create-workspace",
        &["--workspace-id", "acme", "--name", NAME],
        None,
    );
    let user = gw
        .ok(
            "tg-create-user",
            &[
                "-w",
                "acme",
                "--username",
                "jane",
                "--name",
                NAME,
                "--roles",
                "reader",
                "writer",
                "--password-stdin",
            ],
            Some("a long passphrase\n"),
        )
        .trim()
        .to_string();
    gw.ok(
        "tg-create-api-key",
        &["--user-id", &user, "--name", NAME],
        None,
    );

    // tg-list-workspaces
    let (json, csv, ids) = gw.formats("tg-list-workspaces", &[]);
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], ["id", "name", "enabled", "created"]);
    assert_eq!(rows.len(), json.len() + 1);
    for (row, rec) in rows[1..].iter().zip(&json) {
        assert_eq!(
            row,
            &[
                s(rec, "id"),
                s(rec, "name"),
                if rec["enabled"] == true { "yes" } else { "no" }.to_string(),
                s(rec, "created")
            ]
        );
    }
    assert!(csv.contains(&format!("\r\nacme,{NAME_CSV},yes,")), "{csv}");
    check_ids(&ids, &json);
    assert!(ids.lines().any(|l| l == "acme"), "{ids}");

    // tg-list-my-workspaces
    let (json, csv, ids) = gw.formats("tg-list-my-workspaces", &[]);
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], ["id", "name", "enabled", "created"]);
    assert_eq!(rows.len(), json.len() + 1);
    assert!(!json.is_empty());
    check_ids(&ids, &json);

    // tg-list-users
    let (json, csv, ids) = gw.formats("tg-list-users", &["-w", "acme"]);
    let rows = parse_csv(&csv);
    assert_eq!(
        rows,
        [
            vec!["id", "username", "name", "roles", "enabled", "change-pw"],
            vec![&user, "jane", NAME, "reader, writer", "yes", "no"],
        ]
    );
    assert!(
        csv.contains(&format!(
            "{user},jane,{NAME_CSV},\"reader, writer\",yes,no\r\n"
        )),
        "{csv}"
    );
    check_ids(&ids, &json);
    assert_eq!(ids, format!("{user}\n"));

    // tg-list-api-keys: fields the table fills with "—" and "never" are
    // empty.
    let (json, csv, ids) = gw.formats("tg-list-api-keys", &["--user-id", &user]);
    let rows = parse_csv(&csv);
    assert_eq!(
        rows[0],
        ["id", "name", "prefix", "created", "last used", "expires"]
    );
    assert_eq!(rows.len(), 2);
    let k = &json[0];
    assert_eq!(
        rows[1],
        [
            s(k, "id"),
            NAME.into(),
            s(k, "prefix"),
            s(k, "created"),
            String::new(),
            String::new()
        ]
    );
    check_ids(&ids, &json);
    let table = gw.ok("tg-list-api-keys", &["--user-id", &user], None);
    assert!(table.contains("never"), "{table}");

    // An empty list: the header alone, and no ids.
    gw.ok("tg-revoke-api-key", &["--key-id", ids.trim()], None);
    let (json, csv, ids) = gw.formats("tg-list-api-keys", &["--user-id", &user]);
    assert!(json.is_empty());
    assert_eq!(csv, "id,name,prefix,created,last used,expires\r\n");
    assert_eq!(ids, "");
}

#[test]
fn csv_and_ids_drop_terminal_controls_from_server_text() {
    let gw = Gw::start();
    gw.ok(
        "tg-create-workspace",
        &[
            "--workspace-id",
            "evil",
            "--name",
            "a\u{1b}[31mred\u{202e}b\nc",
        ],
        None,
    );
    let csv = gw.ok("tg-list-workspaces", &["-o", "csv"], None);
    assert!(csv.contains("\r\nevil,a[31mredbc,yes,"), "{csv:?}");
    assert!(!csv.contains('\u{1b}') && !csv.contains('\u{202e}'));
}

#[test]
fn other_tools_do_not_take_the_list_formats() {
    let r = tg("tg-whoami").args(["-o", "csv"]).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("[possible values: table, json]"),
        "{}",
        r.stderr
    );
    let r = tg("tg-list-users").args(["-o", "yaml"]).run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("[possible values: table, json, csv, ids]"),
        "{}",
        r.stderr
    );
}
