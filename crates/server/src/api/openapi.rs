//! The API's own OpenAPI 3.1 document, generated from the code. Each route is declared
//! once: `routes!(handler)` in its resource module registers the handler and the operation
//! its `#[utoipa::path]` describes, so the router and the document cannot drift apart. Here:
//! the document's frame (description, shared schemas and responses, tags) and the error
//! answers every operation of a kind shares. Served at `GET /api/v1/openapi.json`, with an
//! interactive page at `/docs` (Swagger UI, its assets compiled into the binary).
//! `docs/openapi.json` is a snapshot that a test keeps equal to it.

use crate::config::HttpConfig;
use crate::error::ErrorBody;
use crate::state::AppState;
use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
pub const DOCS_PAGE_PATH: &str = "/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "switchyard",
        description = "A self-hosted call-operations server speaking the HappyRobot API v1.\n\n\
            Authenticate with `Authorization: Bearer <api key>`. Errors are always JSON \
            `{\"message\": ...}`; a `422` adds `errors: [{field, message}]` naming every bad \
            field. Ids are 24 lowercase hexadecimal characters; an id in a path that is not is \
            a `400`, one that is unknown or belongs to another organization a `404`. Times are \
            RFC 3339, UTC on output. Text may not contain NUL (U+0000) characters. Roles: Viewers read, mark calls viewed and rate; \
            Representatives also dial, stop, cancel and write notes; Owners also delete calls \
            and manage use cases, agents, numbers and members."
    ),
    components(
        schemas(
            ErrorBody,
            switchyard_core::enums::SortOrder,
            switchyard_core::enums::Emoji,
            switchyard_core::lifecycle::CallStatus,
            switchyard_service::usage::Timeframe,
        ),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            SandboxOff,
            TooManyRequests,
            Unavailable,
            SandboxOff,
            AdminOff,
            BadAdminToken
        )
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "Calls", description = "Calls, their notes, ratings and views, and what the engine made of them"),
        (name = "Exports", description = "CSV exports of calls, mailed and downloadable"),
        (name = "Dial", description = "Placing calls: one, a batch, or a scheduled campaign"),
        (name = "Use cases", description = "What calls are for, when they may be placed, and where webhooks go"),
        (name = "Agents", description = "The voices calls are placed with"),
        (name = "Prompts", description = "(extension) What the agent is told, how it opens, and the tools it may call"),
        (name = "Numbers", description = "The organization's phone numbers and how calls through them are routed"),
        (name = "Organization", description = "The caller's organization and its members"),
        (name = "Usage", description = "Calls and minutes per period or per use case"),
        (name = "Webhooks", description = "(extension) The ledger of webhook deliveries and their attempts, and replays"),
        (name = "Simulation", description = "(extension) The simulated telephone network"),
        (name = "Sandbox", description = "(extension, sandbox) What integrators' CI controls: test clocks, scenarios, reset, organizations on demand, injected webhook faults. Only on a server started with `--sandbox`; otherwise every route here is `404`"),
        (name = "Recordings", description = "Signed recording links (no API key)"),
        (name = "Health", description = "Liveness of the server and its database"),
    )
)]
struct ApiDoc;

/// The document's frame: its description, shared components and tags; the routes add
/// their operations to it (`api::router`).
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The routes' document with the error answers every operation of a kind shares
/// (`CommonResponses`).
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    CommonResponses.modify(&mut document);
    document
}

/// The whole document, as the server serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    let limit = HttpConfig::default().batch_body_limit_bytes;
    finish(super::router(limit).split_for_parts().1)
}

/// `GET /api/v1/openapi.json` (`document`) and the `/docs` page, whose files may load only
/// each other and the document (Swagger UI sets inline styles and draws icons from
/// `data:` URLs).
pub fn routes(document: utoipa::openapi::OpenApi) -> Router<AppState> {
    let docs: Router<AppState> = SwaggerUi::new(DOCS_PAGE_PATH)
        .url(DOCUMENT_PATH, document)
        .into();
    docs.layer(axum::middleware::map_response(with_docs_policy))
}

const DOCS_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

async fn with_docs_policy(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_POLICY),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API key (`sy_` and ten hex characters, `_`, 43 more characters); `switchyard org create` or `key create` print one",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The error answers that follow from an operation's shape, added here to the joined
/// document rather than written into every `#[utoipa::path]`. An operation that documents one
/// of these statuses itself keeps its own description.
///
/// * Under `/api/v1` (an API key): `401`, and `429` (`crate::limits`' per-key rate limit).
/// * There, with an id in the path or a JSON body: `400` (an id that is not one, a body
///   that is not JSON).
/// * With a JSON body: `413` and `415`.
/// * Everywhere: `503` (`crate::limits`: at capacity, or over the time limit).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let keyed = path.starts_with("/api/v1/");
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
                &mut item.query,
            ];
            for operation in operations.into_iter().flatten() {
                let has_body = operation.request_body.is_some();
                let has_path_id = operation.parameters.iter().flatten().any(|parameter| {
                    matches!(parameter, RefOr::T(p) if p.parameter_in == ParameterIn::Path)
                });
                let mut common = Vec::new();
                if keyed {
                    common.extend([("401", "Unauthorized"), ("429", "TooManyRequests")]);
                    if has_path_id || has_body {
                        common.push(("400", "BadRequest"));
                    }
                }
                if has_body {
                    common.extend([("413", "PayloadTooLarge"), ("415", "UnsupportedMediaType")]);
                }
                common.push(("503", "Unavailable"));
                let responses = &mut operation.responses.responses;
                for (status, name) in common {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                }
            }
        }
    }
}

/// `Retry-After` on `429` and `503`.
fn retry_after() -> utoipa::openapi::header::Header {
    let mut header = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        ))
        .description(Some("Seconds to wait before trying again"))
        .build();
    // Always sent with these answers. utoipa's `Header` has no `required`: it goes in
    // through the map that is flattened into the header object.
    header.extensions = Some([("required", true)].into_iter().collect());
    header
}

/// Error answers every endpoint of a kind shares, as `components/responses`; endpoints
/// describe their own `403`, `404`, `409` and `422` where they say more.
macro_rules! error_response {
    ($name:ident, $description:literal $(, $header:literal = $make:expr)?) => {
        pub struct $name;

        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<utoipa::openapi::Response>) {
                let json = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build();
                let response = ResponseBuilder::new()
                    .description($description)
                    .content("application/json", json)
                    $(.header($header, $make))?
                    .build();
                (stringify!($name), response.into())
            }
        }
    };
}

error_response!(
    BadRequest,
    "Malformed: an id in the path that is not 24 hexadecimal characters, a body that is not valid JSON, or a bad `Idempotency-Key`"
);
error_response!(
    Unauthorized,
    "No API key, or one that is malformed, unknown or revoked"
);
error_response!(Forbidden, "The key's member has too low a role for this");
error_response!(
    SandboxOff,
    "The server was not started with `--sandbox`: the route does not exist"
);
error_response!(
    AdminOff,
    "The server was not started with `--sandbox` and `--admin-token`: the route does not exist"
);
error_response!(
    BadAdminToken,
    "No admin token, or not the server's (an API key is not one)"
);
error_response!(
    PayloadTooLarge,
    "The body is larger than the endpoint accepts (1 MiB; 10 MiB for batched and scheduled dial)"
);
error_response!(
    UnsupportedMediaType,
    "The body is not sent as `content-type: application/json`"
);
error_response!(
    Unprocessable,
    "Well-formed, but breaks a rule: `errors` names every bad field"
);
error_response!(
    TooManyRequests,
    "The API key's rate limit is reached (only when the server runs with a per-key rate limit; none by default): wait `Retry-After` seconds",
    "Retry-After" = retry_after()
);
error_response!(
    Unavailable,
    "The server is at capacity, or the request took longer than its time limit: try again after `Retry-After` seconds",
    "Retry-After" = retry_after()
);
