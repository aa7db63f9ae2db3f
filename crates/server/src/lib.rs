//! The switchyard server: the HTTP API of the contract over a [`Store`], the call engine
//! wired in, and the CLI.
//!
//! [`Store`]: switchyard_core::store::Store

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connections;
pub mod demo;
pub mod engine_setup;
pub mod error;
pub mod exports;
pub mod extract;
pub mod json_errors;
pub mod key_cache;
pub mod limits;
pub mod logging;
pub mod observability;
pub mod orgs;
pub mod recordings;
pub mod seed;
pub mod serve;
pub mod sim;
pub mod storage;
pub mod web;
