//! The Explorer as a person sees it, rendered by headless Chromium (as
//! scripts/explorer-screenshot.sh does): after "Run to completion", the #259
//! page shows the CLI's STUCK counterexample and, in the state box, what the app
//! observes. Skipped, with the reason printed, where no Chromium is installed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            let path = String::from_utf8(out.stdout).ok()?;
            (out.status.success() && !path.trim().is_empty()).then(|| PathBuf::from(path.trim()))
        })
}

fn request(port: u16, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.contains(" 200").then(|| body.to_string())
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(60), "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_rendered_explorer_shows_the_violation_and_the_readable_state() {
    let Some(browser) = chromium() else {
        println!("skipped: no Chromium on PATH (apt-get install chromium to run this test)");
        return;
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .args([
            "explore",
            "checks/workos-0.0.3-authkit-expiry.toml",
            "--port",
            "0",
        ])
        .current_dir(&repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let server = Server(child);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "explore ended: {lines:?}"
        );
        let done = line.starts_with("(Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let link = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("STUCK stuck: "))
        .expect("a STUCK deep link")
        .to_string();
    let port: u16 = link
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    wait_for("the Explorer answers", || {
        request(port, "GET", "/.status").is_some()
    });
    request(port, "POST", "/.runtocompletion").expect("run to completion");
    wait_for("the Explorer's run completes", || {
        request(port, "GET", "/.status").is_some_and(|s| s.contains("\"done\":true"))
    });

    let profile = std::env::temp_dir().join(format!("explorer-browser-{}", std::process::id()));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=8000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(&link)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    drop(server);
    let dom = String::from_utf8_lossy(&out.stdout);
    // The property list: STUCK served as "never doomed", with a counterexample.
    let stuck_line = dom
        .lines()
        .find(|l| l.contains("stuck (STUCK): never in a state from which"))
        .unwrap_or_else(|| panic!("no STUCK property in the page:\n{dom}"));
    let before = &dom[..dom.find(stuck_line).unwrap()];
    let summary = before.rsplit("<li>").next().unwrap_or_default();
    assert!(
        summary.contains("Counterexample found"),
        "STUCK is not shown violated: {summary}{stuck_line}"
    );
    assert!(
        !dom.contains("Liveness holds"),
        "no liveness shown as holding"
    );
    // The state box, without "Complete State?": the readable summary of the
    // violating state: the app still says authenticated, but the client has
    // stopped refreshing (notRefetching) and the connection's token will expire.
    for needle in [
        "useConvexAuth()",
        "{isLoading:false, isAuthenticated:true",
        "AuthenticationManager  notRefetching",
        "server identity",
        "IdP",
    ] {
        assert!(dom.contains(needle), "the page lacks {needle:?}");
    }
}
