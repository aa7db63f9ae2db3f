//! HTTP integration tests: each spawns the real server on a random port over a fresh
//! database and talks to it with a real HTTP client. Every test runs on SQLite and, when
//! `SWITCHYARD_TEST_POSTGRES_URL` is set, on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod agents;
mod auth;
mod bad_input;
mod calls;
mod dial;
mod notes;
mod numbers;
mod org;
mod review;
mod tenancy;
mod use_cases;
