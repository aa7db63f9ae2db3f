//! Mailing a finished export over SMTP (lettre). The server URL forms are those of
//! lettre's `from_url`, plus `smtp+starttls://`:
//!
//! * `smtp://host[:port]`: plain SMTP, no TLS (port 25; a local relay, a test sink);
//! * `smtp+starttls://host[:port]`, or `smtp://host[:port]?tls=required`: STARTTLS
//!   required (port 587); `?tls=opportunistic` upgrades only when offered;
//! * `smtps://host[:port]`: TLS from the first byte (port 465).
//!
//! `user:password@` before the host logs in (percent-encode special characters).

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use switchyard_core::Timestamp;
use switchyard_core::export::{Export, MailOutcome};

pub const NOT_CONFIGURED: &str = "no SMTP server configured";

/// The SMTP settings are wrong: found at start-up, not at the first export.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("--smtp-url: {0}")]
    Url(String),
    #[error("--smtp-from: `{0}` is not a mailbox like `Switchyard <exports@example.com>`")]
    From(String),
}

pub struct Mailer {
    /// `None`: no SMTP server configured; exports are only downloadable.
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

/// What the mail says and carries.
pub struct ExportMail<'a> {
    pub export: &'a Export,
    /// The CSV, when it is small enough to attach.
    pub attachment: Option<Vec<u8>>,
    pub size_bytes: u64,
    /// Where to download it (a full URL when the server knows its public address).
    pub download: String,
    pub expires_at: Timestamp,
}

impl Mailer {
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        timeout: Duration,
    ) -> Result<Mailer, MailConfigError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailConfigError::From(from.to_owned()))?;
        let transport = smtp_url.map(|url| transport(url, timeout)).transpose()?;
        Ok(Mailer { transport, from })
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends the mail; every failure (no server, unreachable, refused) is reported in the
    /// outcome rather than failing the export, whose CSV stays downloadable.
    pub async fn send(&self, mail: &ExportMail<'_>) -> MailOutcome {
        let Some(transport) = &self.transport else {
            return failed(NOT_CONFIGURED.to_owned());
        };
        let message = match self.message(mail) {
            Ok(message) => message,
            Err(error) => return failed(format!("cannot write the mail: {error}")),
        };
        match transport.send(message).await {
            Ok(_) => MailOutcome {
                sent: true,
                attached: mail.attachment.is_some(),
                error: None,
            },
            Err(error) => failed(format!("SMTP: {}", error_chain(&error))),
        }
    }

    fn message(&self, mail: &ExportMail<'_>) -> Result<Message, lettre::error::Error> {
        let export = mail.export;
        let rows = export.rows.unwrap_or(0);
        let to: Mailbox = export
            .email
            .parse()
            .map_err(|_| lettre::error::Error::MissingTo)?;
        let file_name = format!("calls-{}.csv", export.id);
        let mut text = format!(
            "Hello,\r\n\r\nthe export of calls asked for by {} at {} is ready: {rows} call{}.\r\n\r\n",
            export.requested_by,
            export.created_at,
            if rows == 1 { "" } else { "s" },
        );
        if mail.attachment.is_some() {
            text.push_str(&format!("The CSV is attached ({file_name}).\r\n"));
        } else {
            text.push_str(&format!(
                "The CSV ({} bytes) is too large to attach.\r\n",
                mail.size_bytes
            ));
        }
        text.push_str(&format!(
            "It can be downloaded until {} from {} with an API key of the organization and \
             the header `Accept: text/csv`.\r\n\r\n-- switchyard\r\n",
            mail.expires_at, mail.download
        ));
        let body = SinglePart::plain(text);
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Your call export is ready ({rows} calls)"));
        match &mail.attachment {
            Some(csv) => builder.multipart(
                MultiPart::mixed().singlepart(body).singlepart(
                    // Bytes (not a String) are always sent base64, whatever their content.
                    Attachment::new(file_name).body(
                        csv.clone(),
                        ContentType::parse("text/csv; charset=utf-8")
                            .unwrap_or(ContentType::TEXT_PLAIN),
                    ),
                ),
            ),
            None => builder.singlepart(body),
        }
    }
}

fn failed(error: String) -> MailOutcome {
    MailOutcome {
        sent: false,
        attached: false,
        error: Some(error),
    }
}

fn transport(
    url: &str,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailConfigError> {
    let url = match url.strip_prefix("smtp+starttls://") {
        Some(rest) => with_query(&format!("smtp://{rest}"), "tls=required"),
        None => url.to_owned(),
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        .map_err(|e| MailConfigError::Url(e.to_string()))?;
    Ok(builder.timeout(Some(timeout)).build())
}

fn with_query(url: &str, pair: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{pair}")
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    // The connection pool starts a task: a runtime is needed, as in `serve`.
    #[tokio::test]
    async fn every_documented_url_form_is_accepted() {
        let timeout = Duration::from_secs(1);
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example.com",
            "smtp://user:secret@mail.example.com:587?tls=required",
            "smtp+starttls://mail.example.com",
            "smtp+starttls://mail.example.com:2587",
            "smtps://user:secret@mail.example.com",
        ] {
            assert!(
                Mailer::new(Some(url), "exports@example.com", timeout).is_ok(),
                "{url}"
            );
        }
        for url in ["http://mail.example.com", "mail.example.com", "smtp://"] {
            assert!(
                Mailer::new(Some(url), "exports@example.com", timeout).is_err(),
                "{url}"
            );
        }
        assert!(Mailer::new(None, "not a mailbox", timeout).is_err());
        assert!(
            Mailer::new(None, "Switchyard <exports@example.com>", timeout)
                .is_ok_and(|m| !m.is_configured())
        );
    }
}
