//! The review app: server-rendered pages for the people who review calls (askama templates,
//! htmx, vendored static files; see docs/WEB.md). Handlers are thin, like the API's: they
//! read the session's member, call the service layer (`switchyard_service`: the same role
//! checks, validation and organization scoping as the API), and render HTML instead of
//! JSON. Nothing here imports the HTTP API's modules.

mod assets;
mod call;
mod call_view;
mod campaign;
mod dashboard;
mod dial;
mod error;
mod events;
mod filters;
mod form;
mod list;
mod queue;
mod session;
mod settings;
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
        .route("/settings/use-cases", get(settings::use_cases::list))
        .route(
            "/settings/use-cases/new",
            get(settings::use_cases::new_form).post(settings::use_cases::create),
        )
        .route(
            "/settings/use-cases/{id}",
            get(settings::use_cases::edit).post(settings::use_cases::update),
        )
        .route(
            "/settings/use-cases/{id}/delete",
            post(settings::use_cases::delete),
        )
        .route("/settings/agents", get(settings::agents::list))
        .route(
            "/settings/agents/new",
            get(settings::agents::new_form).post(settings::agents::create),
        )
        .route(
            "/settings/agents/{id}",
            get(settings::agents::edit).post(settings::agents::update),
        )
        .route(
            "/settings/agents/{id}/delete",
            post(settings::agents::delete),
        )
        .route(
            "/settings/numbers",
            get(settings::numbers::page).post(settings::numbers::buy),
        )
        .route(
            "/settings/numbers/{id}/title",
            post(settings::numbers::retitle),
        )
        .route(
            "/settings/numbers/{id}/routes",
            post(settings::numbers::route),
        )
        .route(
            "/settings/numbers/{id}/release",
            post(settings::numbers::release),
        )
        .route(
            "/settings/members",
            get(settings::members::page).post(settings::members::upsert),
        )
        .route("/settings/members/remove", post(settings::members::remove))
        .route(
            "/settings/keys",
            get(settings::keys::page).post(settings::keys::create),
        )
        .route(
            "/settings/keys/{prefix}/revoke",
            post(settings::keys::revoke),
        )
        .route("/settings/webhook-secret", get(settings::secret::page))
        .route(
            "/settings/webhook-secret/reveal",
            post(settings::secret::reveal),
        )
        .route(
            "/settings/webhook-secret/rotate",
            post(settings::secret::rotate),
        )
        .route("/events", get(events::stream))
        .route("/queue/next", get(queue::next))
        .route("/signin", get(signin::form).post(signin::sign_in))
        .route("/signout", post(signin::sign_out))
        .route("/static/{file}", get(assets::serve))
}
