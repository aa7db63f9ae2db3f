//! The findings of an outside probe of the release binary, each as a class (docs/SECURITY.md):
//! several members of each are tried, and each test failed before its fix. Findings tested
//! elsewhere: private webhook destinations (`webhooks.rs`), the CSV header (`exports.rs`),
//! the review app's `next` and form sizes (`web/hardening.rs`), metrics memory under
//! invented methods (`tests/overload.rs`).

mod dates;
mod errors;
mod hooks;
mod links;
mod metrics;
mod notes;
mod reviews;
mod ssrf;
