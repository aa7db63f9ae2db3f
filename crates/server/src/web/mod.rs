//! The review app: server-rendered pages for the people who review calls (askama templates,
//! htmx, vendored static files; see docs/WEB.md). Handlers are thin, like the API's: they
//! read the session's member, call the service layer (`switchyard_service`: the same role
//! checks, validation and organization scoping as the API), and render HTML instead of
//! JSON. Nothing here imports the HTTP API's modules.

mod assets;
mod call;
mod call_view;
mod campaign;
mod chart;
mod dashboard;
mod dashboard_csv;
mod dashboard_figures;
mod dial;
mod error;
mod form;
mod list;
mod session;
mod signin;
mod view;
mod webhooks;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use session::{SESSION_COOKIE, SESSION_SECS};

/// The pages and their form actions. None clashes with `/api/v1`, `/docs`, `/metrics`,
/// `/healthz` or `/recordings`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list::page))
        .route("/calls/rows", get(list::rows))
        .route("/calls/{id}", get(call::page))
        .route("/calls/{id}/panel", get(call::panel))
        .route("/calls/{id}/notes", post(call::add_note))
        .route("/calls/{id}/notes/{note_id}", post(call::change_note))
        .route("/calls/{id}/ratings", post(call::rate))
        .route("/calls/{id}/stop", post(call::stop))
        .route("/calls/{id}/cancel", post(call::cancel))
        .route("/dial", get(dial::page).post(dial::dial_one))
        .route("/dial/campaign", post(campaign::campaign))
        .route("/campaigns/{id}", get(campaign::progress_page))
        .route("/campaigns/{id}/rows", get(campaign::progress_rows))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard.csv", get(dashboard::csv))
        .route("/webhooks", get(webhooks::page))
        .route("/webhooks/{id}/replay", post(webhooks::replay))
        .route("/signin", get(signin::form).post(signin::sign_in))
        .route("/signout", post(signin::sign_out))
        .route("/static/{file}", get(assets::serve))
}
