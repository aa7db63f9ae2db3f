//! The review app in a real browser: starts `switchyard serve --demo` on a random port and
//! runs the specs in `e2e/` (playwright-core driving headless Chromium) against it, one after
//! the other: `review.spec.mjs` (sign in, filter, review a call, dial, a CSV campaign) and
//! `console.spec.mjs` (dashboard, settings, live calls, the review queue, keys). Each checks
//! its steps through the API and runs axe-core on every page; screenshots go under
//! `target/tmp/e2e-artifacts/`.
//!
//! Gated like the PostgreSQL tests: it runs when `SWITCHYARD_TEST_BROWSER` names the
//! Chromium binary (`.ci/run` sets it, after `npm ci` in `e2e/`), and then fails, never
//! skips, if the browser, Node.js or the npm packages are missing.

#[path = "common/process.rs"]
mod process;

use process::Server;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BROWSER_VAR: &str = "SWITCHYARD_TEST_BROWSER";
const TIMEOUT: Duration = Duration::from_secs(300);
const SPECS: [&str; 2] = ["review.spec.mjs", "console.spec.mjs"];

#[test]
fn review_app_in_a_real_browser() {
    let browser = match std::env::var(BROWSER_VAR) {
        Ok(path) if !path.trim().is_empty() => path,
        _ => {
            println!("e2e: {BROWSER_VAR} not set, skipped");
            return;
        }
    };
    assert!(
        Path::new(&browser).is_file(),
        "{BROWSER_VAR}={browser} is not a file: install Chromium (apt-get install chromium)"
    );
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci` in {}",
        e2e.display()
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "Node.js (`node`) is needed to run the browser test"
    );

    let data = tempfile::tempdir().unwrap();
    // Private webhooks: the console spec's use case hooks a receiver on 127.0.0.1.
    let server = Server::start(
        data.path(),
        &["--demo", "--sim-speed", "50", "--allow-private-webhooks"],
    );
    let key = server
        .stdout
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("sy_"))
        .unwrap_or_else(|| panic!("no demo key in:\n{}", server.stdout))
        .to_owned();
    let url = server.base.trim_end_matches("/api/v1").to_owned();
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-artifacts");

    for spec in SPECS {
        let started = Instant::now();
        let mut child = Command::new("node")
            .arg(spec)
            .current_dir(&e2e)
            .env("SWITCHYARD_URL", &url)
            .env("SWITCHYARD_KEY", &key)
            .env("SWITCHYARD_ARTIFACTS", &artifacts)
            .env(BROWSER_VAR, &browser)
            .spawn()
            .expect("start node");
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                panic!("{spec} took longer than {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        println!(
            "e2e: {spec} {} in {:.1} s; screenshots in {}",
            if status.success() { "passed" } else { "FAILED" },
            started.elapsed().as_secs_f64(),
            artifacts.display()
        );
        assert!(status.success(), "{spec} failed: see its output above");
    }
    drop(server);
}
