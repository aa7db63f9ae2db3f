//! The release binary under a client that invents things (docs/SECURITY.md, finding 1): a
//! server nobody authenticates to must not grow with what such a client sends. Thousands of
//! requests with distinct, long, made-up methods once added a `/metrics` series each (200
//! of them grew the server by 34 MB); now they all count as `other`.

#[path = "common/process.rs"]
mod process;

use process::Server;
use std::io::{Read, Write};
use std::net::TcpStream;

const INVENTED_METHODS: usize = 3000;
const METHOD_LEN: usize = 4000;
/// The growth allowed from a warmed-up server to after the invented methods, in KiB: the
/// allocator's own slack, far below the ~500 MB the unbounded series took.
const RSS_GROWTH_BOUND_KIB: u64 = 16 * 1024;

#[test]
fn invented_methods_leave_metrics_and_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let root = server.base.trim_end_matches("/api/v1").to_owned();
    let addr = root.trim_start_matches("http://").to_owned();
    let send = |method: &str, path: &str| -> String {
        let mut stream = TcpStream::connect(&addr).unwrap();
        let head = format!("{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    for _ in 0..200 {
        send("GET", "/healthz");
    }
    let before = rss_kib(server.pid());
    for i in 0..INVENTED_METHODS {
        let method = format!("M{i:05}{}", "X".repeat(METHOD_LEN));
        let answer = send(&method, if i % 2 == 0 { "/healthz" } else { "/nowhere" });
        assert!(
            answer.starts_with("HTTP/1.1 4"),
            "{}",
            &answer[..answer.len().min(200)]
        );
    }
    let after = rss_kib(server.pid());
    let metrics = send("GET", "/metrics");
    let series = metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .count();
    assert!(
        !metrics.contains("M00001X"),
        "an invented method became a label"
    );
    assert!(series <= 20, "{series} request series:\n{metrics}");
    assert!(
        metrics.len() < 64 * 1024,
        "/metrics is {} bytes",
        metrics.len()
    );
    assert!(
        after.saturating_sub(before) < RSS_GROWTH_BOUND_KIB,
        "the server grew from {before} KiB to {after} KiB"
    );
    server.terminate();
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}
