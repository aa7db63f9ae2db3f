//! HTTP integration tests: each spawns the real server on a random port over a fresh
//! database and talks to it with a real HTTP client. Every test runs on SQLite and, when
//! `SWITCHYARD_TEST_POSTGRES_URL` is set, on PostgreSQL.

mod chat_stub;
#[path = "../common/mod.rs"]
mod common;
mod hardening;
mod harness;
mod receiver;
mod smtp_sink;
mod tool_server;

mod agent;
mod agents;
mod auth;
mod bad_input;
mod calls;
mod cursor;
mod dial;
mod dispatch_instances;
mod engine_control;
mod engine_lifecycle;
mod exports;
mod inbound;
mod isolation;
mod notes;
mod numbers;
mod openapi;
mod operations;
mod org;
mod prompts;
mod recordings;
mod retries;
mod review;
mod sandbox;
mod seed;
mod tenancy;
mod usage;
mod use_cases;
mod web;
mod webhook_ledger;
mod webhooks;
