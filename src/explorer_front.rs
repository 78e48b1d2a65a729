//! A front for the stateright Explorer when the exploration behind it stopped at a
//! limit. stateright's page calls every property without a counterexample "holds"
//! once its own run is done, and its run stops at the same limit, so without this
//! the page would call undecided properties "holds". The front forwards every
//! request to the Explorer and changes only its script: where the page would say
//! "Safety holds", "Liveness holds" or "Example not found", it says
//! "Inconclusive", with the limit.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// What the page says instead of a verdict it cannot give.
fn inconclusive(limit: &str) -> String {
    format!(" Inconclusive, not decided before the limit ({limit}): ")
}

/// The verdicts of stateright 0.31's `ui/app.js` that a cut exploration cannot
/// give, as the script writes them, and the icon each gets instead.
const UNDECIDED: [(&str, &str); 6] = [
    ("'✅ Safety holds: '", "'❔"),
    ("'✅ Liveness holds: '", "'❔"),
    ("'⚠️ Example not found: '", "'❔"),
    ("['✅', ' Safety holds: ']", "['❔', '"),
    ("['✅', ' Liveness holds: ']", "['❔', '"),
    ("['⚠️', ' Example not found: ']", "['❔', '"),
];

/// The Explorer's script with every verdict it cannot give replaced by
/// "Inconclusive" and the limit.
pub fn patch_script(script: &str, limit: &str) -> String {
    let text = inconclusive(&limit.replace(['\'', '\\', '\n'], " "));
    UNDECIDED
        .iter()
        .fold(script.to_string(), |script, (verdict, icon)| {
            let closing = if verdict.starts_with('[') { "']" } else { "'" };
            script.replace(verdict, &format!("{icon}{text}{closing}"))
        })
}

/// Serves `listener` on threads of its own: each request goes to the Explorer on
/// `127.0.0.1:backend`, and its answer comes back, the script patched.
pub fn serve(listener: TcpListener, backend: u16, limit: String) {
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let limit = limit.clone();
            std::thread::spawn(move || {
                let _ = forward(client, backend, &limit);
            });
        }
    });
}

/// Forwards one request (as HTTP/1.0, so that the answer is one plain body) and
/// its answer; the connection then closes.
fn forward(mut client: TcpStream, backend: u16, limit: &str) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(60)))?;
    let (head, mut body) = read_head(&mut client)?;
    let length = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while body.len() < length {
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or_default();
    let mut parts = request.split(' ');
    let (method, path) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
    let mut upstream = format!("{method} {path} HTTP/1.0\r\n");
    for line in lines.filter(|l| !l.is_empty() && !is_header(l, "connection")) {
        upstream.push_str(line);
        upstream.push_str("\r\n");
    }
    upstream.push_str("Connection: close\r\n\r\n");
    let mut explorer = connect(backend)?;
    explorer.write_all(upstream.as_bytes())?;
    explorer.write_all(&body)?;
    let mut answer = Vec::new();
    explorer.read_to_end(&mut answer)?;
    let split = find(&answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
    let (answer_head, answer_body) = answer.split_at(split);
    let answer_head = String::from_utf8_lossy(answer_head);
    let answer_body = if path == "/app.js" {
        patch_script(&String::from_utf8_lossy(answer_body), limit).into_bytes()
    } else {
        answer_body.to_vec()
    };
    let mut head_out = String::new();
    for line in answer_head
        .split("\r\n")
        .filter(|l| !l.is_empty() && !is_header(l, "content-length") && !is_header(l, "connection"))
    {
        head_out.push_str(line);
        head_out.push_str("\r\n");
    }
    head_out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        answer_body.len()
    ));
    client.write_all(head_out.as_bytes())?;
    client.write_all(&answer_body)?;
    client.flush()
}

/// Connects to the Explorer, which may still be starting (for up to 30 s).
fn connect(backend: u16) -> io::Result<TcpStream> {
    let mut tries = 0;
    loop {
        match TcpStream::connect(("127.0.0.1", backend)) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused && tries < 600 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Reads up to the end of a request's head (64 KiB at most); returns the head
/// and what of the body came with it.
fn read_head(client: &mut TcpStream) -> io::Result<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(i) = find(&bytes, b"\r\n\r\n") {
            let body = bytes.split_off(i + 4);
            bytes.truncate(i);
            return Ok((String::from_utf8_lossy(&bytes).into_owned(), body));
        }
        if bytes.len() > 1 << 16 {
            return Err(io::Error::other("request head too long"));
        }
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("closed before the end of the head"));
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `line` is the header `name` (lower case).
fn is_header(line: &str, name: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
}

/// The value of the header `name` (lower case) in a head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n")
        .filter(|l| is_header(l, name))
        .find_map(|l| l.split_once(':').map(|(_, v)| v.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of stateright 0.31's script that give the verdicts: after the
    /// patch each says "Inconclusive" with the limit.
    #[test]
    fn the_script_says_inconclusive_instead_of_holds() {
        let script = "return '✅ Safety holds: ';\nreturn '⚠️ Example not found: ';\n\
                      return '✅ Liveness holds: ';\nreturn ['✅', ' Safety holds: '];\n\
                      return ['⚠️', ' Example not found: '];\nreturn ['✅', ' Liveness holds: '];\n\
                      return '⚠️ Counterexample found: ';";
        let patched = patch_script(script, "--max-states 2000");
        assert!(!patched.contains("holds") && !patched.contains("not found"));
        assert_eq!(
            patched
                .matches("Inconclusive, not decided before the limit (--max-states 2000)")
                .count(),
            6
        );
        assert!(patched.contains(
            "return ['❔', ' Inconclusive, not decided before the limit (--max-states 2000): '];"
        ));
        assert!(patched.contains("Counterexample found"));
    }
}
