use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rsipstack::EndpointBuilder;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::Uri;
use rsipstack::transaction::CallIdFormat;
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::call_leg::{CallLeg, SignalEvent};
use crate::inbound::{IncomingCall, serve_incoming};
use crate::outbound::OutboundCall;
use crate::{SipError, SipSettings};

/// A SIP user agent on one UDP socket: places calls through the trunk and
/// hands over the calls that arrive.
pub struct SipEndpoint {
    settings: SipSettings,
    local_addr: SocketAddr,
    dialog_layer: Arc<DialogLayer>,
    cancel: CancellationToken,
}

impl SipEndpoint {
    /// Binds the UDP socket and runs the stack until `cancel` fires.
    pub async fn start(
        settings: SipSettings,
        cancel: CancellationToken,
    ) -> Result<(SipEndpoint, mpsc::UnboundedReceiver<IncomingCall>), SipError> {
        let bind_error = |reason: rsipstack::Error| SipError::Bind {
            addr: settings.bind,
            reason: reason.to_string(),
        };
        let connection =
            UdpConnection::create_connection(settings.bind, None, Some(cancel.child_token()))
                .await
                .map_err(bind_error)?;
        let local_addr = connection.get_addr().get_socketaddr().map_err(bind_error)?;

        let transport_layer = TransportLayer::new(cancel.clone());
        transport_layer.add_transport(connection.into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport_layer)
            .with_option(EndpointOption {
                // The default appends the library vendor's domain to every Call-ID.
                callid_format: CallIdFormat::Uuid,
                ..EndpointOption::default()
            })
            .with_user_agent(concat!("switchyard/", env!("CARGO_PKG_VERSION")))
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let dialog_layer = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        tokio::spawn(async move { endpoint.serve().await });

        let (calls_tx, calls_rx) = mpsc::unbounded_channel();
        tokio::spawn(serve_incoming(
            dialog_layer.clone(),
            incoming,
            calls_tx,
            cancel.clone(),
        ));
        info!(%local_addr, trunk = ?settings.trunk, "SIP endpoint listening");
        let endpoint = SipEndpoint {
            settings,
            local_addr,
            dialog_layer,
            cancel,
        };
        Ok((endpoint, calls_rx))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Sends an INVITE for `to` through the trunk and returns at once; the
    /// answer (or its absence) arrives as [`SignalEvent`]s.
    pub async fn invite(
        &self,
        from: &str,
        to: &str,
        sdp_offer: String,
    ) -> Result<(CallLeg, mpsc::UnboundedReceiver<SignalEvent>), SipError> {
        let trunk = parse_uri(self.settings.trunk.as_deref().ok_or(SipError::NoTrunk)?)?;
        let from_host = match &self.settings.from_domain {
            Some(domain) => domain.clone(),
            None => self.local_addr.ip().to_string(),
        };
        let option = InviteOption {
            caller: parse_uri(&format!("sip:{from}@{from_host}"))?,
            callee: parse_uri(&format!("sip:{to}@{}", trunk.host_with_port))?,
            contact: parse_uri(&format!("sip:{from}@{}", self.local_addr))?,
            content_type: Some("application/sdp".to_owned()),
            offer: Some(sdp_offer.clone().into_bytes()),
            credential: self.credential(),
            ..Default::default()
        };
        let (states_tx, states_rx) = self.dialog_layer.new_dialog_state_channel();
        let (dialog, invite) = self.dialog_layer.do_invite_async(option, states_tx)?;
        info!(call_id = %dialog.id().call_id, %from, %to, "INVITE sent");

        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let ended = Arc::new(AtomicBool::new(false));
        let leg = CallLeg::outbound(dialog.clone(), ended.clone());
        let call = OutboundCall {
            dialog_layer: self.dialog_layer.clone(),
            dialog,
            states: states_rx,
            ended,
            ring_timeout: self.settings.ring_timeout,
            events: events_tx,
            cancel: self.cancel.clone(),
            sdp_offer,
        };
        tokio::spawn(call.follow(invite));
        Ok((leg, events_rx))
    }

    fn credential(&self) -> Option<Credential> {
        let (username, password) = (
            self.settings.username.clone()?,
            self.settings.password.clone()?,
        );
        Some(Credential {
            username,
            password,
            ..Default::default()
        })
    }
}

fn parse_uri(uri: &str) -> Result<Uri, SipError> {
    Uri::try_from(uri).map_err(|e| SipError::InvalidUri {
        uri: uri.to_owned(),
        reason: e.to_string(),
    })
}
