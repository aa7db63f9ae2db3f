//! Every error answer is the contract's JSON body, including the ones our handlers never
//! see: the router's `405`, a missing file under `/docs`, an extractor's plain-text
//! rejection ([`as_json`]), and the bare answer the HTTP library itself writes to a request
//! head it cannot read, too large or malformed ([`RewriteBareErrors`]).

use crate::error::ErrorBody;
use axum::body::Body;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::AsyncWrite;

/// The longest plain-text error body kept as the message (axum's rejections are a line).
const MAX_TEXT_BYTES: usize = 4096;

/// Marks an error answer that is plain text on purpose (`/healthz` and `/metrics`, read by
/// monitoring tools that expect text): [`as_json`] leaves it.
#[derive(Clone, Copy, Debug)]
pub struct PlainText;

/// An error answer without a body, or with a plain-text one, becomes `{"message": ...}`
/// with its status and other headers kept (`allow` on a `405`). HTML pages of the review
/// app, JSON answers, answers marked [`PlainText`] and every success pass unchanged.
pub async fn as_json<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(Body::new);
    let status = response.status();
    let error = status.is_client_error() || status.is_server_error();
    if !error || response.extensions().get::<PlainText>().is_some() {
        return response;
    }
    let content_type = response.headers().get(CONTENT_TYPE);
    let plain = content_type.is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_TEXT_BYTES)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    let message = text.unwrap_or_else(|| message_for(status).to_owned());
    parts.headers.remove(CONTENT_LENGTH);
    let json = axum::Json(ErrorBody::new(message)).into_response();
    let (json_parts, body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, body)
}

/// What an error status without a message of its own means to a client of this API.
fn message_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "the request is not valid HTTP",
        StatusCode::NOT_FOUND => "no such endpoint or file: the API lives under /api/v1",
        StatusCode::METHOD_NOT_ALLOWED => {
            "method not allowed on this path: the `allow` header lists the methods it answers"
        }
        StatusCode::URI_TOO_LONG => "the request's URL is too long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            "the request line and headers are too large: at most 32 KiB together"
        }
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large",
        _ => status.canonical_reason().unwrap_or("the request failed"),
    }
}

/// The complete answer to a request the HTTP library could not parse, in the contract's
/// shape, with a request id like every other answer; the connection closes after it.
fn bare_error_replacement(status: StatusCode) -> Vec<u8> {
    let body =
        serde_json::to_vec(&ErrorBody::new(message_for(status).to_owned())).unwrap_or_default();
    let request_id = hex::encode(rand::random::<[u8; 16]>());
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: {request_id}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// The status of `head` if it is the bare answer hyper writes on its own to a request head
/// it cannot parse (`400`, `414`, `431`): a 4xx head with `content-length: 0` and no
/// `x-request-id`, which every answer of the router carries.
fn bare_error_status(head: &[u8]) -> Option<StatusCode> {
    let status = head.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    if status[0] != b'4' || !head.ends_with(b"\r\n\r\n") {
        return None;
    }
    let lower = head.to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if !has(b"\r\ncontent-length: 0\r\n") || has(b"\r\nx-request-id:") {
        return None;
    }
    StatusCode::from_bytes(status).ok()
}

/// Wraps a connection's writer: hyper answers a request head it cannot parse (too large,
/// malformed) itself, with an empty body, before any of our code runs, and has no setting
/// to change that answer. This writer recognises it ([`bare_error_status`]) and writes the
/// contract's JSON answer in its place. Everything else passes through untouched.
pub struct RewriteBareErrors<W> {
    inner: W,
    /// The replacement being written, how much of it is out, and how many bytes of hyper's
    /// own answer to report written once it is all out.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<W> RewriteBareErrors<W> {
    pub fn new(inner: W) -> Self {
        RewriteBareErrors {
            inner,
            pending: None,
        }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: AsyncWrite + Unpin> RewriteBareErrors<W> {
    /// Writes the replacement until it is out; then reports `replaced` bytes written.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some((answer, written, replaced)) = self.pending.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while *written < answer.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        let replaced = *replaced;
        self.pending = None;
        Poll::Ready(Ok(replaced))
    }

    fn start_replacing(&mut self, buf: &[u8]) -> bool {
        match bare_error_status(buf) {
            Some(status) => {
                self.pending = Some((bare_error_replacement(status), 0, buf.len()));
                true
            }
            None => false,
        }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for RewriteBareErrors<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.is_some() || this.start_replacing(buf) {
            return this.poll_pending(cx);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let first = bufs.iter().find(|b| !b.is_empty());
        if this.pending.is_some() || first.is_some_and(|head| this.start_replacing(head)) {
            return this.poll_pending(cx);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_hypers_bare_answers() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 12:00:00 GMT\r\n\r\n";
        assert_eq!(
            bare_error_status(bare),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let ours = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nx-request-id: abc\r\n\r\n";
        assert_eq!(bare_error_status(ours), None);
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_error_status(ok), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(bare_error_status(with_body), None);
    }

    #[test]
    fn the_replacement_is_the_contracts_body() {
        let answer = bare_error_replacement(StatusCode::BAD_REQUEST);
        let text = String::from_utf8(answer).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["message"], "the request is not valid HTTP");
    }
}
