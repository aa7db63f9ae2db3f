//! A real SMTP server standing in for a mail relay: it speaks enough SMTP for lettre
//! (greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) on a random port of
//! 127.0.0.1 and records every message it accepts. A message is recorded before its `250`
//! is sent, so once the sender's `send` has returned, the message is here.

use base64::Engine;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body), dot-stuffing undone.
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpSink {
    /// `smtp://127.0.0.1:<port>`: plain SMTP, as `--smtp-url` takes it.
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let mails = Arc::new(Mutex::new(Vec::new()));
        let recorded = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, recorded.clone()));
            }
        });
        SmtpSink { url, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn session(stream: TcpStream, mails: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250 8BITMIME\r\n",
            "HELO" | "NOOP" => b"250 ok\r\n",
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                b"250 ok\r\n"
            }
            "MAIL" => {
                from = address(&command);
                b"250 ok\r\n"
            }
            "RCPT" => {
                to.push(address(&command));
                b"250 ok\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                mails.lock().unwrap().push(Mail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// `MAIL FROM:<a@b.c> SIZE=12` -> `a@b.c`.
fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}

impl Mail {
    /// A header's value (unfolded), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The parts of a multipart message: (headers, body) each.
    fn parts(&self) -> Vec<(String, String)> {
        let content_type = self.header("Content-Type").unwrap_or_default();
        let Some(boundary) = content_type.split("boundary=").nth(1).map(|b| {
            b.trim_matches('"')
                .split('"')
                .next()
                .unwrap_or_default()
                .to_owned()
        }) else {
            return Vec::new();
        };
        self.data
            .split(&format!("--{boundary}"))
            .skip(1)
            .filter(|part| !part.starts_with("--"))
            .filter_map(|part| {
                let (head, body) = part.trim_start_matches("\r\n").split_once("\r\n\r\n")?;
                Some((
                    head.replace("\r\n ", " ").replace("\r\n\t", " "),
                    body.to_owned(),
                ))
            })
            .collect()
    }

    /// The attachment's file name and decoded bytes (it must be base64).
    pub fn attachment(&self) -> Option<(String, Vec<u8>)> {
        self.parts().into_iter().find_map(|(head, body)| {
            let lower = head.to_ascii_lowercase();
            if !lower.contains("content-disposition: attachment") {
                return None;
            }
            assert!(
                lower.contains("content-transfer-encoding: base64"),
                "the attachment is base64: {head}"
            );
            // `filename="x"`, or RFC 2231 pieces `filename*0="x"; filename*1="y"`.
            let name: String = head
                .split("filename")
                .skip(1)
                .filter_map(|piece| {
                    let value = piece.split_once('=')?.1.trim_start();
                    let value = value.strip_prefix('"').unwrap_or(value);
                    value.split(['"', ';']).next()
                })
                .collect();
            let encoded: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .expect("valid base64");
            Some((name, bytes))
        })
    }

    /// The text of the first `text/plain` part (or of the whole message if it has one
    /// part), its transfer encoding undone.
    pub fn text(&self) -> String {
        let parts = self.parts();
        let (head, body) = match parts
            .iter()
            .find(|(head, _)| head.to_ascii_lowercase().contains("text/plain"))
        {
            Some(part) => part.clone(),
            None => self
                .data
                .split_once("\r\n\r\n")
                .map(|(h, b)| (h.to_owned(), b.to_owned()))
                .unwrap_or_default(),
        };
        let head = head.to_ascii_lowercase();
        if head.contains("base64") {
            let encoded: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        } else if head.contains("quoted-printable") {
            quoted_printable(&body)
        } else {
            body
        }
    }
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
