//! The sandbox for integrators' CI (`serve --sandbox`, docs/TESTING.md): per-organization
//! test clocks, scenarios for the simulated far end, reset, organizations on demand and
//! injected webhook faults. Every operation here answers `NotFound` when the sandbox is
//! off, so that production servers have none of it.

pub mod clock;
pub mod faults;
pub mod orgs;
pub mod reset;
pub mod scenarios;

use crate::{ServiceError, ServiceResult, Services};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether the sandbox is on, and the admin token that may create organizations.
pub struct SandboxSettings {
    enabled: bool,
    /// The token's SHA-256, compared in constant time: the token itself is not kept.
    admin_token_digest: Option<[u8; 32]>,
}

impl SandboxSettings {
    pub fn off() -> SandboxSettings {
        SandboxSettings {
            enabled: false,
            admin_token_digest: None,
        }
    }

    /// The sandbox on; organizations on demand too when an admin token is given.
    pub fn on(admin_token: Option<&str>) -> SandboxSettings {
        SandboxSettings {
            enabled: true,
            admin_token_digest: admin_token.map(|token| Sha256::digest(token).into()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether organizations may be created over HTTP at all.
    pub fn has_admin_token(&self) -> bool {
        self.enabled && self.admin_token_digest.is_some()
    }

    /// Whether `presented` is the admin token.
    pub fn is_admin_token(&self, presented: &str) -> bool {
        let Some(expected) = self.admin_token_digest.filter(|_| self.enabled) else {
            return false;
        };
        let presented: [u8; 32] = Sha256::digest(presented).into();
        presented.ct_eq(&expected).into()
    }
}

/// `NotFound` unless the server runs with `--sandbox`: the route does not exist otherwise.
pub fn require_sandbox(services: &Services) -> ServiceResult<()> {
    if services.sandbox.enabled() {
        Ok(())
    } else {
        Err(off())
    }
}

pub(crate) fn off() -> ServiceError {
    ServiceError::NotFound(
        "no such endpoint: the sandbox routes exist only on a server started with --sandbox"
            .to_owned(),
    )
}
