//! `GET /recordings/{org}/{call}.wav?expires=...&signature=...`: the recording behind a
//! link made by `GET /api/v1/calls/{id}/recording`. No API key: the signature is the
//! credential, so a tampered or expired link is `403` and says no more.

use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use serde::Deserialize;
use switchyard_core::{CallId, OrgId};
use switchyard_service::recordings::{bad_link, by_link};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(recording))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Signed {
    /// When the link expires, in Unix seconds. Read as text: a mangled link is a `403` like
    /// any other bad link, not a `400`.
    #[param(value_type = Option<i64>)]
    expires: Option<String>,
    /// The link's signature.
    signature: Option<String>,
}

/// A WAV file.
struct Wav;

impl utoipa::PartialSchema for Wav {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .content_media_type("audio/wav")
            .into()
    }
}

impl utoipa::ToSchema for Wav {}

/// A call's recording, through a link from `GET /api/v1/calls/{id}/recording`.
#[utoipa::path(
    get,
    path = "/recordings/{org}/{file}",
    operation_id = "get_recording",
    tag = "Recordings",
    security(()),
    params(
        ("org" = String, Path, description = "The organization's id"),
        ("file" = String, Path, description = "The call's id followed by `.wav`"),
        Signed,
    ),
    responses(
        (status = 200, description = "The recording", body = inline(Wav), content_type = "audio/wav"),
        (status = 403, description = "The link is invalid, tampered with or expired", body = ErrorBody),
        (status = 404, description = "The recording no longer exists (the call was deleted)", body = ErrorBody),
    )
)]
async fn recording(
    State(state): State<AppState>,
    Path((org, file)): Path<(String, String)>,
    signed: Result<Query<Signed>, QueryRejection>,
) -> ApiResult<impl IntoResponse> {
    // A query string that does not parse (a parameter given twice) is a bad link too.
    let Ok(Query(signed)) = signed else {
        return Err(bad_link().into());
    };
    let org: OrgId = org.parse().map_err(|_| bad_link())?;
    let call: CallId = file
        .strip_suffix(".wav")
        .and_then(|id| id.parse().ok())
        .ok_or_else(bad_link)?;
    let expires = signed.expires.and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(signature)) = (expires, signed.signature) else {
        return Err(bad_link().into());
    };
    let wav = by_link(&state.services, org, call, expires, &signature).await?;
    Ok((
        [
            (CONTENT_TYPE, "audio/wav"),
            (CACHE_CONTROL, "private, max-age=300"),
        ],
        wav,
    ))
}
