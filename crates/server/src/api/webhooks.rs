//! The webhook delivery ledger: `GET /webhooks/deliveries` lists every delivery with its
//! attempts, `POST /webhooks/deliveries/{id}/replay` sends one again (the rules are the
//! service's, `webhooks`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, Unprocessable};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use switchyard_core::DeliveryId;
use switchyard_core::id::kind;
use switchyard_service::webhooks::query::DeliveryParams;
use switchyard_service::webhooks::{self, DeliveryOut, DeliveryPage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries))
        .routes(routes!(replay_delivery))
}

/// The organization's webhook deliveries, newest first.
///
/// Every event sent to every hook of the organization's calls, with each attempt: when,
/// the receiver's status, how long it took, the start of its answer, or why none came.
/// Kept as long as the call. Paged by cursor: send each answer's `next_cursor` for the
/// next page. Any member; URLs' credentials are masked for all but Owners.
#[utoipa::path(
    get,
    path = "/webhooks/deliveries",
    operation_id = "list_webhook_deliveries",
    tag = "Webhooks",
    params(DeliveryParams),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiQuery(params): ApiQuery<DeliveryParams>,
) -> ApiResult<Json<DeliveryPage>> {
    Ok(Json(
        webhooks::list(&state.services, &caller, &params).await?,
    ))
}

/// Sends a delivery again.
///
/// The same event (same body, same `webhook-id`), signed afresh, as one more attempt that
/// the engine makes at once; it shows in the ledger like any attempt, and is not retried if
/// it fails. The answer is the delivery, `pending` until then. Representatives and Owners.
#[utoipa::path(
    post,
    path = "/webhooks/deliveries/{id}/replay",
    operation_id = "replay_webhook_delivery",
    tag = "Webhooks",
    params(("id" = DeliveryId, Path, description = "The delivery's id")),
    responses(
        (status = 202, description = "The replay is queued: the delivery, now `pending`", body = DeliveryOut),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such delivery in your organization", body = ErrorBody),
        (status = 409, description = "The delivery is still `pending` (an attempt, a retry or a replay is to come)", body = ErrorBody),
    )
)]
pub async fn replay_delivery(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Delivery>,
) -> ApiResult<(StatusCode, Json<DeliveryOut>)> {
    let delivery = webhooks::replay(&state.services, &caller, id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
