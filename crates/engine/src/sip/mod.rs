//! The SIP trunk provider (`serve --telephony sip`): calls go out as SIP INVITEs to the
//! trunk and come in as INVITEs to one of an organization's numbers; their audio is RTP
//! (G.711), spoken with espeak-ng and heard with pocketsphinx (`switchyard-voice`).
//!
//! Unlike the simulated network it knows nothing in advance: each call's session
//! ([`session`]) reports what happens through the [`EngineLink`] as it happens, holds the
//! conversation on the line, and hands the engine its words and its recording at the end.

mod outcome;
mod session;

use crate::provider::{EngineLink, Placement, ProviderError, TelephonyProvider};
use async_trait::async_trait;
use session::{Finished, Session, SessionParts, Start};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use switchyard_core::call::Call;
use switchyard_core::conversation::Conversation;
use switchyard_core::enums::CallType;
use switchyard_core::scenario::FarEnd;
use switchyard_core::{CallId, Timestamp};
pub use switchyard_sip::SipSettings;
use switchyard_sip::{IncomingCall, SipEndpoint, sdp};
use switchyard_voice::rtp::MediaSocket;
pub use switchyard_voice::rtp::RtpPorts;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How long the engine waits for a session to hand over its conversation after the line
/// was closed (the recognizer finishing its last words).
const HANDOVER_TIMEOUT: Duration = Duration::from_secs(15);

/// Someone called one of the organization's numbers: the call to create (queued, on the
/// number's use case and routes), or why nobody takes it.
#[async_trait]
pub trait InboundCalls: Send + Sync + 'static {
    async fn ring(&self, to: &str, from: &str) -> Result<Call, String>;
}

/// The SIP provider's settings.
pub struct SipProviderConfig {
    pub sip: SipSettings,
    pub rtp_ports: RtpPorts,
}

pub struct SipProvider {
    endpoint: SipEndpoint,
    rtp_ports: RtpPorts,
    media_ip: IpAddr,
    link: OnceLock<Arc<dyn EngineLink>>,
    live: Arc<Mutex<HashMap<String, LiveCall>>>,
    /// Inbound INVITEs waiting for the engine to take their call.
    ringing: Mutex<HashMap<CallId, IncomingCall>>,
}

/// A call on the line: how to end it, and where its session leaves what it did.
struct LiveCall {
    hang_up: CancellationToken,
    ended: watch::Receiver<bool>,
    finished: Arc<Mutex<Finished>>,
}

impl SipProvider {
    /// Starts the SIP endpoint and answers inbound calls through `inbound`. Fails when
    /// the speech programs are missing, naming the Debian packages.
    pub async fn start(
        config: SipProviderConfig,
        inbound: Arc<dyn InboundCalls>,
        shutdown: CancellationToken,
    ) -> Result<Arc<SipProvider>, String> {
        switchyard_voice::speech::check_installed().map_err(|e| e.to_string())?;
        let media_ip = config.sip.bind.ip();
        let (endpoint, mut incoming) = SipEndpoint::start(config.sip, shutdown.clone())
            .await
            .map_err(|e| format!("cannot start SIP: {e}"))?;
        let provider = Arc::new(SipProvider {
            endpoint,
            rtp_ports: config.rtp_ports,
            media_ip,
            link: OnceLock::new(),
            live: Arc::default(),
            ringing: Mutex::new(HashMap::new()),
        });
        let weak = Arc::downgrade(&provider);
        tokio::spawn(async move {
            while let Some(invite) = incoming.recv().await {
                let (Some(provider), inbound) = (weak.upgrade(), inbound.clone()) else {
                    return;
                };
                tokio::spawn(async move { provider.take_inbound(invite, inbound).await });
            }
        });
        Ok(provider)
    }

    /// Where SIP is received (the bound port when `--sip-bind` asked for port 0).
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.endpoint.local_addr()
    }

    async fn take_inbound(&self, invite: IncomingCall, inbound: Arc<dyn InboundCalls>) {
        let (to, from) = (invite.to.clone(), invite.from.clone());
        match inbound.ring(&to, &from).await {
            Ok(call) => {
                tracing::info!(call_id = %call.id, %to, "inbound SIP call queued");
                self.lock_ringing().insert(call.id, invite);
                if let Some(link) = self.link.get() {
                    link.wake();
                }
            }
            Err(why) => {
                tracing::info!(%to, %from, %why, "inbound SIP call refused");
                invite.reject(404, "Not Found").await;
            }
        }
    }

    fn lock_ringing(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, IncomingCall>> {
        self.ringing.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_live(&self) -> std::sync::MutexGuard<'_, HashMap<String, LiveCall>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts the call's session and keeps its handle under `sid`. A call that was never
    /// answered is forgotten when its session ends: the engine asks it for nothing.
    fn spawn_session(&self, sid: &str, parts: SessionParts) {
        let hang_up = CancellationToken::new();
        let (ended_tx, ended) = watch::channel(false);
        let finished = Arc::new(Mutex::new(Finished::default()));
        self.lock_live().insert(
            sid.to_owned(),
            LiveCall {
                hang_up: hang_up.clone(),
                ended,
                finished: finished.clone(),
            },
        );
        let (live, sid) = (self.live.clone(), sid.to_owned());
        tokio::spawn(async move {
            let outcome = Session::run(parts, hang_up).await;
            let answered = outcome.conversation.is_some();
            *finished.lock().unwrap_or_else(|p| p.into_inner()) = outcome;
            let _ = ended_tx.send(true);
            if !answered {
                live.lock().unwrap_or_else(|p| p.into_inner()).remove(&sid);
            }
        });
    }

    /// What the call's session did, once it ended.
    async fn finished(&self, sid: &str) -> Option<Arc<Mutex<Finished>>> {
        let (mut ended, finished) = {
            let live = self.lock_live();
            let call = live.get(sid)?;
            (call.ended.clone(), call.finished.clone())
        };
        match tokio::time::timeout(HANDOVER_TIMEOUT, ended.wait_for(|done| *done)).await {
            Ok(Ok(_)) => Some(finished),
            _ => {
                tracing::error!(call_sid = %sid, "the SIP session did not hand over its conversation");
                None
            }
        }
    }
}

#[async_trait]
impl TelephonyProvider for SipProvider {
    async fn place(
        &self,
        call: &Call,
        _now: Timestamp,
        _far_end: Option<&FarEnd>,
    ) -> Result<Placement, ProviderError> {
        let link = self.link.get().cloned().ok_or_else(|| {
            ProviderError::Unavailable("the SIP provider is not connected".into())
        })?;
        let socket = MediaSocket::bind(self.media_ip, &self.rtp_ports)
            .await
            .map_err(|e| ProviderError::Unavailable(format!("no RTP port free: {e}")))?;
        let start = if call.call_type == CallType::Inbound {
            let invite = self.lock_ringing().remove(&call.id).ok_or_else(|| {
                ProviderError::Refused("the caller hung up before the call was answered".into())
            })?;
            let remote = sdp::parse(&invite.sdp_offer)
                .map_err(|e| ProviderError::Refused(format!("unusable SDP offer: {e}")))?;
            let answer = sdp::answer(self.media_ip, socket.local_addr().port(), &remote);
            let (leg, signals) = invite
                .accept(answer)
                .await
                .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
            Start::Answered {
                leg,
                signals,
                remote,
            }
        } else {
            let offer = sdp::offer(self.media_ip, socket.local_addr().port());
            let (leg, signals) = self
                .endpoint
                .invite(&call.metadata.from, &call.metadata.to, offer)
                .await
                .map_err(|e| ProviderError::Refused(e.to_string()))?;
            Start::Dialing { leg, signals }
        };
        let sid = format!("CA{}", call.id);
        self.spawn_session(
            &sid,
            SessionParts {
                call: call.clone(),
                link,
                socket,
                start,
            },
        );
        Ok(Placement {
            sid,
            script: Vec::new(),
        })
    }

    async fn hang_up(&self, sid: &str) -> Result<(), ProviderError> {
        if let Some(live) = self.lock_live().get(sid) {
            live.hang_up.cancel();
        }
        Ok(())
    }

    fn connect(&self, link: Arc<dyn EngineLink>) {
        let _ = self.link.set(link);
    }

    async fn conversation(&self, sid: &str) -> Option<Conversation> {
        // A real line's words are never made up: a session that did not hand its
        // conversation over leaves the call without one (`finished` logged why).
        let Some(finished) = self.finished(sid).await else {
            return Some(Conversation::default());
        };
        let mut finished = finished.lock().unwrap_or_else(|p| p.into_inner());
        Some(finished.conversation.take().unwrap_or_default())
    }

    async fn recording(
        &self,
        sid: &str,
        _call: &Call,
        _duration_secs: f64,
        _far_end: Option<&FarEnd>,
    ) -> Result<Option<Vec<u8>>, ProviderError> {
        let finished = self.finished(sid).await;
        self.lock_live().remove(sid);
        let Some(finished) = finished else {
            return Ok(None);
        };
        let mut finished = finished.lock().unwrap_or_else(|p| p.into_inner());
        Ok(finished.recording.take())
    }
}
