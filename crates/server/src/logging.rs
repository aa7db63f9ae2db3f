//! Where log lines go and how they are stamped (docs/LOGGING.md).

use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::IsTerminal;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// Log lines waiting for the writer thread (about 1 MB).
const LOG_BUFFER_LINES: usize = 4_096;

/// Log lines go to stderr from a thread of their own, in batches: a `write` per line, made by
/// the request that logged it, cost about 5% of the `GET /calls/{id}` rate
/// (bench/README.md). None is dropped: a full buffer makes the logger wait, and the buffer is
/// small (`LOG_BUFFER_LINES`, not the crate's 128,000) so that a writer falling behind
/// under load holds back requests rather than growing the server's memory. The lines still
/// buffered when the process is killed are lost; those at exit are written when the
/// returned guard is dropped.
/// Without `SWITCHYARD_LOG`: `info`, except the SIP stack, which logs every SIP message
/// (with its digest answers) at `info`; `SWITCHYARD_LOG=info,rsipstack=info` shows them.
const DEFAULT_FILTER: &str = "info,rsipstack=warn";

pub fn init() -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .thread_name("log-writer")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHYARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only for a terminal: a log file or a collector gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_timer(Rfc3339Micros)
        .with_writer(writer);
    if std::env::var("SWITCHYARD_LOG_FORMAT").as_deref() == Ok("json") {
        // The request's span alone, not also the list of spans it is in: each is its fields
        // parsed back from JSON for every line (bench/README.md).
        builder.json().with_span_list(false).init();
    } else {
        builder.init();
    }
    for name in crate::config::unknown_env_vars() {
        tracing::warn!(variable = %name, "unknown SWITCHYARD_ variable ignored (misspelt?)");
    }
    guard
}

/// A line's time in UTC with microseconds, `2026-11-26T15:04:05.123456Z`, as
/// tracing-subscriber's default timer writes it, but with the date and time of day formatted
/// once a second per thread instead of for every line: the default's calendar arithmetic
/// and padded fields were 5% of the instructions of a request that does little else
/// (bench/README.md).
struct Rfc3339Micros;

thread_local! {
    /// The second last formatted on this thread (Unix seconds), and its text.
    static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

impl FormatTime for Rfc3339Micros {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        write_stamp(chrono::Utc::now(), w)
    }
}

fn write_stamp(now: DateTime<Utc>, w: &mut impl std::fmt::Write) -> std::fmt::Result {
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != now.timestamp() {
            *second = now.timestamp();
            text.clear();
            write!(text, "{}", now.format("%Y-%m-%dT%H:%M:%S"))?;
        }
        write!(w, "{text}.{:06}Z", now.timestamp_subsec_micros())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(rfc3339: &str) -> String {
        let at = DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc();
        let mut text = String::new();
        write_stamp(at, &mut text).unwrap();
        text
    }

    #[test]
    fn stamps_are_rfc3339_utc_with_microseconds_across_seconds() {
        assert_eq!(
            stamp("2026-11-26T15:04:05.000001Z"),
            "2026-11-26T15:04:05.000001Z"
        );
        assert_eq!(
            stamp("2026-11-26T15:04:05.999999Z"),
            "2026-11-26T15:04:05.999999Z"
        );
        assert_eq!(
            stamp("2026-11-26T15:04:06.5Z"),
            "2026-11-26T15:04:06.500000Z"
        );
        // An earlier second after a later one (another thread's clock, a clock set back).
        assert_eq!(
            stamp("2026-11-26T16:04:05+01:00"),
            "2026-11-26T15:04:05.000000Z"
        );
        assert_eq!(
            stamp("2027-01-01T00:00:00.25Z"),
            "2027-01-01T00:00:00.250000Z"
        );
    }
}
