//! `explore` serves the stateright Explorer; the deep link of a counterexample
//! opens exactly its violating state.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::engine::Limits;
use convex_auth_model::model;

/// Kills the Explorer when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.") && head[..12].ends_with("200"),
        "{path}: {head}"
    );
    body.to_string()
}

#[test]
fn the_deep_link_opens_the_violating_state() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = repo.join("checks/issue-259-authkit-expiry.toml");
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
            .args([
                "explore",
                file.to_str().unwrap(),
                "--port",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the Explorer did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let check = CheckFile::load(&file).unwrap();
    let result = check::run(&check, Limits::default());
    let unauth = result
        .properties
        .iter()
        .find(|p| p.slug == "unauth-q")
        .unwrap();
    let path = unauth.path.as_ref().unwrap();
    let m = model::build(&check.scenario);
    let violating = path.replay(&m).unwrap().pop().unwrap().0;
    let def = convex_auth_model::properties::by_slug("unauth-q").unwrap();
    assert!(!(def.holds)(m.scenario(), &model::View::of(&violating)));

    // The Explorer shows a state as the successor of its predecessor: ask for the
    // predecessor's successors and take the one reached by the link's last action.
    let encoded = path.encode();
    let (prefix, last) = encoded.rsplit_once('/').unwrap();
    let last: u64 = last.parse().unwrap();
    let body = get(port, &format!("/.states/{prefix}"));
    let steps: serde_json::Value = serde_json::from_str(&body).unwrap();
    let step = steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["actionIndex"] == last)
        .expect("the link's last action is offered");
    assert_eq!(step["state"].as_str().unwrap(), format!("{violating:#?}"));
    assert!(step["state"].as_str().unwrap().contains("last run as none"));

    let status: serde_json::Value = serde_json::from_str(&get(port, "/.status")).unwrap();
    assert_eq!(status["model"], "convex_auth_model::model::AuthModel");
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .args([
            "explore",
            "checks/happy-path.toml",
            "--port",
            &port.to_string(),
        ])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot listen"));
}
