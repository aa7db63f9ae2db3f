//! The switchyard server: adapters over the service layer (`switchyard_service`).
//!
//! * [`api`]: the HTTP API under `/api/v1` (and `/healthz`, the recording links), with its
//!   OpenAPI document.
//! * [`web`]: the review app's pages.
//! * [`cli`]: the commands, `serve` among them, which builds the services and runs
//!   [`app`] with the engine.
//! * [`app`]: the router over the API, the review app, the docs and the metrics, with the
//!   middleware ([`connections`], [`limits`], [`observability`], [`json_errors`]).
//! * [`state`], [`config`], [`error`], [`extract`], [`logging`]: what those share.
//!
//! `api`, `web` and `cli` do not import each other.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod connections;
pub mod error;
pub mod extract;
pub mod json_errors;
pub mod limits;
pub mod logging;
pub mod observability;
pub mod state;
pub mod web;
