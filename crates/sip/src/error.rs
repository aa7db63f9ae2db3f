use thiserror::Error;

#[derive(Debug, Error)]
pub enum SipError {
    #[error("no SIP trunk configured: outbound calls need `trunk`")]
    NoTrunk,
    #[error("invalid SIP URI {uri}: {reason}")]
    InvalidUri { uri: String, reason: String },
    #[error("cannot bind the SIP socket on {addr}: {reason}")]
    Bind {
        addr: std::net::SocketAddr,
        reason: String,
    },
    #[error("invalid SDP: {0}")]
    Sdp(String),
    #[error("the call already ended")]
    CallEnded,
    #[error("malformed SIP message: {0}")]
    Message(#[from] rsipstack::sip::Error),
    #[error("SIP stack: {0}")]
    Stack(#[from] rsipstack::Error),
}
