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
    /// Boxed: the stack's error carries a whole dialog id, and every `Result` here would pay for it.
    #[error("SIP stack: {0}")]
    Stack(Box<rsipstack::Error>),
}

impl From<rsipstack::Error> for SipError {
    fn from(error: rsipstack::Error) -> Self {
        SipError::Stack(Box::new(error))
    }
}
