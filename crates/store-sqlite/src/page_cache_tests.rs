//! Each SQLite connection keeps a page cache of its own (.cargo/config.toml builds the
//! bundled SQLite without `SQLITE_ENABLE_MEMORY_MANAGEMENT`, which would make them share one
//! process-wide LRU). Shared, a connection that scans takes the others' pages, and once the
//! shared budget is spent every page another connection reads is dropped as soon as it is
//! released: the server's GETs read every page from the file again, at half their rate
//! (bench/README.md, session of 2026-11-27).
//!
//! Observed through the bytes this process reads from files (`/proc/self/io`), the only
//! test in this binary, so nothing else reads meanwhile.

use rusqlite::Connection;

const ROWS: i64 = 4_000;

/// Bytes this process has read with `read`-like system calls so far.
fn bytes_read() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").expect("/proc/self/io");
    io.lines()
        .find_map(|line| line.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("rchar in /proc/self/io")
}

fn scan(conn: &Connection) {
    let total: i64 = conn
        .query_row("SELECT sum(length(body)) FROM t", [], |row| row.get(0))
        .unwrap();
    assert_eq!(total, ROWS * 4_000);
}

fn read_first_row(conn: &Connection) {
    let body: Vec<u8> = conn
        .query_row("SELECT body FROM t WHERE id = 1", [], |row| row.get(0))
        .unwrap();
    assert_eq!(body.len(), 4_000);
}

#[test]
fn a_scan_on_one_connection_leaves_the_others_page_caches_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let setup = Connection::open(&path).unwrap();
    setup
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);",
        )
        .unwrap();
    setup
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO t SELECT i, zeroblob(4000) FROM n",
            [ROWS],
        )
        .unwrap();
    // 16 MB of rows, several times the two caches (2 MB each, SQLite's default).
    let reader = Connection::open(&path).unwrap();
    let scanner = Connection::open(&path).unwrap();
    scan(&reader);
    scan(&scanner);
    read_first_row(&reader);

    let before = bytes_read();
    for _ in 0..20 {
        read_first_row(&reader);
    }
    let reread = bytes_read() - before;
    // Shared, each read would fetch the row's page from the file again: 20 × 4 KB or more.
    assert!(
        reread < 4_096,
        "20 reads of a cached row read {reread} bytes from the file"
    );
}
