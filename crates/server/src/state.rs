//! What every request handler shares: the service layer, the HTTP settings and the metrics.
//! At the bottom of the server crate: the API, the review app and the middleware read it,
//! and it imports none of them.

use crate::config::HttpConfig;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use switchyard_service::Services;

/// Behind one `Arc`: axum clones the state for every request, and a struct of ten `Arc`s
/// cost ten atomic increments and decrements each time (about 1% of a `GET /calls/{id}`).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    pub fn new(parts: AppParts) -> AppState {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

pub struct AppParts {
    pub services: Services,
    pub http: Arc<HttpConfig>,
    pub metrics: PrometheusHandle,
}
