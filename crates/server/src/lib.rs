//! The switchyard server: the HTTP API of the contract over a [`Store`], and the CLI.
//!
//! [`Store`]: switchyard_core::store::Store

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod orgs;
pub mod storage;
