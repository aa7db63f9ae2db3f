//! The endpoint against the real SIPp (`/usr/bin/sipp`, Debian package sip-tester):
//! SIPp plays the trunk for our INVITEs and the caller for inbound calls.
//! Scenarios are in `tests/scenarios/`.

mod inbound;
mod outbound;
mod support;
