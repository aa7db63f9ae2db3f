//! The accept loop, bounded so that overload costs a known amount of memory.
//!
//! At most `--max-connections` connections are served at once. One beyond that waits in a
//! queue of as many places again for up to `QUEUE_WAIT`, which covers a place that is just
//! being freed and short bursts; if none frees in time it is answered `503` with
//! `Retry-After` (the contract's JSON body, with a request id) and closed. With the queue
//! full, a new connection is answered that `503` at once, as many at a time as there are
//! places again (a flood of new connections is refused as fast as it comes, instead of
//! timing out in the kernel's listen backlog); with those full too, accepting pauses.
//! A connection that sends no request head for `--idle-timeout-ms` (idle between requests,
//! or a head that trickles in) is closed, so idle keep-alive clients cannot hold places
//! forever. With the in-flight cap of `limits.rs` this bounds connections, their buffers
//! and the requests being worked on, whatever the load.
//!
//! Why not `axum::serve`: it accepts without limit and sets no timer on hyper, so idle
//! connections never time out. Its graceful shutdown is kept: stop accepting, close idle
//! connections, let requests in flight finish, return once every connection has ended.

use crate::json_errors::RewriteBareErrors;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// Largest buffer of one connection each way, in bytes (hyper's default is ~400 KiB): a
/// body is read and an answer written out in pieces of about this much.
const MAX_BUFFER_BYTES: usize = 64 * 1024;
/// Largest request head (request line and headers); a longer one gets `431`.
const MAX_HEAD_BYTES: usize = 32 * 1024;
/// How long a connection over the cap waits for a place before it is refused.
const QUEUE_WAIT: Duration = Duration::from_millis(100);
/// A refused connection must send its request head within this time.
const REFUSAL_HEAD_TIMEOUT: Duration = Duration::from_secs(1);
/// And is closed after this time whatever it does.
const REFUSAL_DEADLINE: Duration = Duration::from_secs(3);
/// Upper bound of `--max-connections` (a semaphore counts at most this many at once).
const MAX_PLACES: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub idle_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight
/// finish; connections over the limit get `refusal`'s answer.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    refusal: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let places = limits.max_connections.clamp(1, MAX_PLACES);
    let connections = Connections {
        app,
        refusal,
        idle_timeout: limits.idle_timeout,
        served: Arc::new(Semaphore::new(places)),
        stop: CancellationToken::new(),
    };
    let queue = Arc::new(Semaphore::new(places));
    let refusing = Arc::new(Semaphore::new(places));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        // A semaphore hands freed permits to its waiters first: the queue stays in order.
        if let Ok(place) = connections.served.clone().try_acquire_owned() {
            tokio::spawn(connections.clone().serve(stream, place));
            continue;
        }
        if queue.available_permits() == 0
            && let Ok(refusal) = refusing.clone().try_acquire_owned()
        {
            tokio::spawn(refuse_connection(
                stream,
                refusal,
                connections.refusal.clone(),
            ));
            continue;
        }
        let queued = tokio::select! {
            () = &mut shutdown => break,
            queued = queue.clone().acquire_owned() => queued.expect("never closed"),
        };
        tokio::spawn(connections.clone().wait_or_refuse(stream, queued));
    }
    drop(listener);
    connections.stop.cancel();
    // Every connection holds its place until it ends.
    let all = u32::try_from(places).unwrap_or(u32::MAX);
    let _ = connections.served.acquire_many(all).await;
    let _ = queue.acquire_many(all).await;
    let _ = refusing.acquire_many(all).await;
    Ok(())
}

#[derive(Clone)]
struct Connections {
    app: Router,
    refusal: Router,
    idle_timeout: Duration,
    served: Arc<Semaphore>,
    stop: CancellationToken,
}

impl Connections {
    async fn wait_or_refuse(self, stream: TcpStream, queued: OwnedSemaphorePermit) {
        let waited = tokio::time::timeout(QUEUE_WAIT, self.served.clone().acquire_owned()).await;
        match waited {
            Ok(Ok(place)) => {
                drop(queued);
                self.serve(stream, place).await;
            }
            _ => refuse_connection(stream, queued, self.refusal).await,
        }
    }

    async fn serve(self, stream: TcpStream, place: OwnedSemaphorePermit) {
        metrics::gauge!("switchyard_connections_open").increment(1.0);
        let io = TokioIo::new(Placed::new(stream, place));
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.idle_timeout)
            .max_header_size(MAX_HEAD_BYTES)
            .max_buf_size(MAX_BUFFER_BYTES);
        let connection = builder.serve_connection(io, TowerToHyperService::new(self.app));
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = self.stop.cancelled() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = result {
            tracing::debug!(%error, "connection ended with an error");
        }
        metrics::gauge!("switchyard_connections_open").decrement(1.0);
    }
}

async fn refuse_connection(stream: TcpStream, place: OwnedSemaphorePermit, refusal: Router) {
    metrics::counter!("switchyard_connections_refused_total").increment(1);
    let io = TokioIo::new(Placed::new(stream, place));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_HEAD_TIMEOUT)
        .keep_alive(false)
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(MAX_BUFFER_BYTES);
    let connection = builder.serve_connection(io, TowerToHyperService::new(refusal));
    let _ = tokio::time::timeout(REFUSAL_DEADLINE, connection).await;
}

/// As `axum::serve` does: a client that gave up before being accepted is no matter; other
/// errors (out of file descriptors) are logged and accepting pauses for a second.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// A connection with its place. The place frees as soon as the server closes its side, so
/// that a client which has seen the close finds it free when it connects again. Its
/// writer turns hyper's own bare answers to unreadable requests into JSON.
struct Placed {
    stream: RewriteBareErrors<TcpStream>,
    place: Option<OwnedSemaphorePermit>,
}

impl Placed {
    fn new(stream: TcpStream, place: OwnedSemaphorePermit) -> Placed {
        Placed {
            stream: RewriteBareErrors::new(stream),
            place: Some(place),
        }
    }
}

impl AsyncRead for Placed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().stream.get_mut()).poll_read(cx, buf)
    }
}

impl AsyncWrite for Placed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.get_ref().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.place = None;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}
