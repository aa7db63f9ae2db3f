//! The review app: server-rendered pages for the people who review calls (askama templates,
//! htmx, vendored static files; see docs/WEB.md). Handlers are thin, like the API's: they
//! read the session's member, call the service layer (`switchyard_service`: the same role
//! checks, validation and organization scoping as the API), and render HTML instead of
//! JSON. Nothing here imports the HTTP API's modules.

mod agents;
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
mod events;
mod field_errors;
mod filters;
mod form;
mod list;
mod number_card;
mod number_routes;
mod queue;
mod session;
mod settings_form;
mod settings_keys;
mod settings_members;
mod settings_numbers;
mod settings_secret;
mod signin;
mod use_case_form;
mod use_case_view;
mod use_cases;
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
        .route("/settings/use-cases", get(use_cases::list))
        .route(
            "/settings/use-cases/new",
            get(use_cases::new_form).post(use_cases::create),
        )
        .route(
            "/settings/use-cases/{id}",
            get(use_cases::edit).post(use_cases::update),
        )
        .route("/settings/use-cases/{id}/delete", post(use_cases::delete))
        .route("/settings/agents", get(agents::list))
        .route(
            "/settings/agents/new",
            get(agents::new_form).post(agents::create),
        )
        .route(
            "/settings/agents/{id}",
            get(agents::edit).post(agents::update),
        )
        .route("/settings/agents/{id}/delete", post(agents::delete))
        .route(
            "/settings/numbers",
            get(settings_numbers::page).post(settings_numbers::buy),
        )
        .route(
            "/settings/numbers/{id}/title",
            post(settings_numbers::retitle),
        )
        .route(
            "/settings/numbers/{id}/routes",
            post(settings_numbers::route),
        )
        .route(
            "/settings/numbers/{id}/release",
            post(settings_numbers::release),
        )
        .route(
            "/settings/members",
            get(settings_members::page).post(settings_members::upsert),
        )
        .route("/settings/members/remove", post(settings_members::remove))
        .route(
            "/settings/keys",
            get(settings_keys::page).post(settings_keys::create),
        )
        .route(
            "/settings/keys/{prefix}/revoke",
            post(settings_keys::revoke),
        )
        .route("/settings/webhook-secret", get(settings_secret::page))
        .route(
            "/settings/webhook-secret/reveal",
            post(settings_secret::reveal),
        )
        .route(
            "/settings/webhook-secret/rotate",
            post(settings_secret::rotate),
        )
        .route("/events", get(events::stream))
        .route("/queue/next", get(queue::next))
        .route("/signin", get(signin::form).post(signin::sign_in))
        .route("/signout", post(signin::sign_out))
        .route("/static/{file}", get(assets::serve))
}
