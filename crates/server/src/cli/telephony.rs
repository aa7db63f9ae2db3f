//! The telephone network of `serve`: the simulated one, or a SIP trunk whose inbound calls
//! are queued like any other (service layer) before the engine answers them.

use crate::config::{Telephony, TelephonyArgs};
use anyhow::Context;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::Clocks;
use switchyard_core::call::Call;
use switchyard_core::store::Store;
use switchyard_engine::provider::TelephonyProvider;
use switchyard_engine::sim::SimNetwork;
use switchyard_engine::sip::{InboundCalls, SipProvider, SipProviderConfig, SipSettings};
use switchyard_service::sim::create_inbound_call;
use tokio_util::sync::CancellationToken;

pub async fn provider(
    args: &TelephonyArgs,
    sim_speed: f64,
    store: Arc<dyn Store>,
    clock: Arc<Clocks>,
    shutdown: CancellationToken,
) -> anyhow::Result<Arc<dyn TelephonyProvider>> {
    if args.telephony == Telephony::Sim {
        return Ok(Arc::new(SimNetwork));
    }
    // The bound IP goes into SDP and Contact, where the far end sends audio and requests.
    anyhow::ensure!(
        !args.sip_bind.ip().is_unspecified(),
        "--sip-bind {}: bind to the IP address the trunk reaches (it goes into SDP and Contact), not to every interface",
        args.sip_bind
    );
    // A real line runs in real time: a faster clock would cut calls short and misprice them.
    anyhow::ensure!(
        sim_speed == 1.0,
        "--sim-speed {sim_speed} only applies to the simulated network (--telephony sim); a SIP line runs in real time"
    );
    let config = SipProviderConfig {
        sip: SipSettings {
            bind: args.sip_bind,
            trunk: args.sip_trunk.clone(),
            username: args.sip_username.clone(),
            password: args.sip_password.clone(),
            from_domain: args.sip_from_domain.clone(),
            ring_timeout: Duration::from_secs(args.sip_ring_timeout_secs.max(1)),
        },
        rtp_ports: args
            .rtp_ports
            .parse()
            .map_err(|e| anyhow::anyhow!("--rtp-ports {}: {e}", args.rtp_ports))?,
    };
    let inbound = Arc::new(Inbound { store, clock });
    let provider = SipProvider::start(config, inbound, shutdown)
        .await
        .map_err(anyhow::Error::msg)
        .context("--telephony sip")?;
    tracing::info!(sip = %provider.local_addr(), trunk = ?args.sip_trunk, "SIP telephony on");
    Ok(provider)
}

/// Queues an inbound SIP call to one of an organization's numbers.
struct Inbound {
    store: Arc<dyn Store>,
    clock: Arc<Clocks>,
}

#[async_trait]
impl InboundCalls for Inbound {
    async fn ring(&self, to: &str, from: &str) -> Result<Call, String> {
        let now = self.clock.now();
        create_inbound_call(self.store.as_ref(), to, from, now)
            .await
            .map_err(|e| e.to_string())
    }
}
