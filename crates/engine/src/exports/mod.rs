//! CSV exports of calls (`POST /calls/export`), built in the background.
//!
//! The `exports` table is the queue. [`ExportWorker::run_due`] claims the oldest due
//! export under a lease, writes the matching calls page by page (keyset pagination) into
//! a temporary file, moves the file into the blob store (`exports/<org>/<id>.csv`), then
//! mails it, and records the outcome. A worker that dies mid-export stops renewing its
//! lease, and the export is claimed again once the lease runs out. Finished exports and
//! their files are deleted after the retention. `serve` runs the loop next to the engine;
//! tests call `run_due` after moving a manual clock.

pub mod csv;
pub mod mail;
mod worker;

pub use worker::{ExportParts, ExportPass, ExportWorker};

use std::path::PathBuf;
use std::time::Duration;

/// The worker's settings. Not `Debug`: the SMTP URL may hold a password.
#[derive(Clone)]
pub struct ExportConfig {
    /// `None`: exports complete and are downloadable, but are not mailed.
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// Per SMTP command, so an unreachable server fails an export's mail in bounded time.
    pub smtp_timeout: Duration,
    /// How long a finished export (its row and its file) is kept.
    pub retention: Duration,
    /// Larger CSVs are not attached: the mail says where to download them.
    pub max_attachment_bytes: u64,
    /// A claim on an export; renewed while it runs, taken over by another worker after.
    pub lease: Duration,
    pub poll_interval: Duration,
    /// Calls read per query, and so held in memory at once.
    pub page_size: u32,
    /// Where CSVs are written before they move into the blob store: on the same file
    /// system as the blob store, so that the move is a rename.
    pub scratch_dir: PathBuf,
    /// The server's public address, for the download link in the mail.
    pub public_url: Option<String>,
}

impl Default for ExportConfig {
    fn default() -> ExportConfig {
        ExportConfig {
            smtp_url: None,
            smtp_from: DEFAULT_FROM.to_owned(),
            smtp_timeout: Duration::from_secs(30),
            retention: Duration::from_secs(168 * 3600),
            max_attachment_bytes: 10 * 1024 * 1024,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(5),
            page_size: 500,
            scratch_dir: std::env::temp_dir(),
            public_url: None,
        }
    }
}

pub const DEFAULT_FROM: &str = "switchyard <switchyard@localhost>";
