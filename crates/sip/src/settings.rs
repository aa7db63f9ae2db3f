use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

#[derive(Clone)]
pub struct SipSettings {
    /// Port 0 picks a free port ([`crate::SipEndpoint::local_addr`] tells which).
    pub bind: SocketAddr,
    /// `sip:HOST:PORT` of the carrier or outbound proxy; without it outbound calls are refused.
    pub trunk: Option<String>,
    /// Digest credentials, used only when the trunk challenges an INVITE.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Host of our From and Contact URIs; the bind IP when unset.
    pub from_domain: Option<String>,
    /// How long an outbound call may ring before we CANCEL it.
    pub ring_timeout: Duration,
}

impl Default for SipSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 5060)),
            trunk: None,
            username: None,
            password: None,
            from_domain: None,
            ring_timeout: Duration::from_secs(30),
        }
    }
}

// Hand-written so the password never reaches a log line through `{:?}`.
impl std::fmt::Debug for SipSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipSettings")
            .field("bind", &self.bind)
            .field("trunk", &self.trunk)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from_domain", &self.from_domain)
            .field("ring_timeout", &self.ring_timeout)
            .finish()
    }
}
