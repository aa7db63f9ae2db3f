//! `/sandbox/...` (extension): what integrators' CI controls, on a server started with
//! `--sandbox` (the service answers `404` for each of these routes otherwise). One module
//! per resource, like the rest of the API.

mod clock;
mod faults;
mod orgs;
mod reset;
mod scenarios;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(clock::router())
        .merge(faults::router())
        .merge(orgs::router())
        .merge(reset::router())
        .merge(scenarios::router())
}
