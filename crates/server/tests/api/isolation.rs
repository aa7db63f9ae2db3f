//! The isolation matrix (issue #5): organization B, with its Owner's and its Viewer's key,
//! against every object of organization A. Contract §1: another organization's object is a
//! `404` that never reveals it exists.
//!
//! [`MATRIX`] has one row per case: the route as the router spells it (`"METHOD /pattern"`),
//! the concrete path and JSON body with `<token>` placeholders for the fixture's values
//! (`<a.call.done>` is A's completed call, `<b.number_id>` B's number; see
//! [`build_world`]), optionally one header, and what B's Owner must get. For every row and
//! both of B's keys the runner checks that
//!
//! * B's Owner gets exactly the expected status: `404` for A's ids in a path, `422` naming
//!   the field for A's ids in a body (docs/API-DESIGN.md, "Dial"; `/sim/inbound`), an empty
//!   result for A's values as list filters, `403` for a recording link re-pointed at A,
//!   with the contract's JSON error body (`{message[, errors]}`, nothing else);
//! * the answer is the same, status and body, when each of A's values is replaced by an
//!   unknown value of the same kind (an unknown id, phone number, email...), so nothing tells
//!   "exists elsewhere" from "does not exist";
//! * the response contains nothing of A (ids, names, numbers, emails, notes, tags, hook
//!   headers, secrets, links: see [`secrets_of`]) other than the values B put in the request;
//! * A is unchanged: everything A's key can read (org, members, webhook secret, use cases,
//!   agents, prompts, numbers, every call with its transcript, logs and recording link, tags, usage,
//!   the webhook ledger, A's export as JSON and CSV) is exactly what it was before the row; and a refused write
//!   left B unchanged too.
//!
//! After the matrix, B's exports (filtered on A's values) are built and must hold no call.
//!
//! **Adding an endpoint is one row in [`MATRIX`]** (plus a token in [`build_world`] if it
//! needs a new kind of object of A). The API's routes are declared once, with their OpenAPI
//! operation (`routes!` in `src/api/`), so [`every_route_has_a_row`] takes them from the
//! document (`switchyard::api::openapi::document()`); the few routes outside it (`/metrics`,
//! `.route("/pattern", get(..))` in `src/app.rs`) are found by reading the sources, and
//! the ones added some other way (the document and its viewer) are listed in
//! [`UNSCANNED_ROUTES`]. It fails, naming the route, when one has no row, or when a row names
//! a route that is gone. A route that takes an id
//! needs at least one row that puts one of A's values into it.

use crate::common::TestDatabase;
use crate::harness::{TestApp, TestOrg, id_of};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use switchyard_core::enums::Role;

crate::backend_tests!(organization_b_never_reaches_organization_a);

/// What organization B must get.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `404` with the contract's error body.
    NotFound,
    /// `422` whose `errors` name this field.
    Invalid(&'static str),
    /// `403`: signed recording links say no more than that.
    Forbidden,
    /// `200`, with B's own data only.
    Own,
    /// `200` with nothing in it: `{calls: [], count: 0, ..}`, or `{data: [], next_cursor:
    /// null}`.
    Empty,
    /// `202 {message, export_id}`: an export of B's calls, which the runner builds after the
    /// matrix and checks to hold none of A's calls.
    Accepted,
}
use Expect::{Accepted, Empty, Forbidden, Invalid, NotFound, Own};

struct Row {
    /// `"METHOD /pattern"` exactly as in the route table (under `/api/v1` unless the
    /// pattern starts with one of [`ROOT_PATHS`]).
    route: &'static str,
    /// The request path, with `<token>`s.
    path: &'static str,
    /// The JSON body, with `<token>`s.
    body: Option<&'static str>,
    /// One more request header, if any.
    header: Option<(&'static str, &'static str)>,
    expect: Expect,
}

impl Row {
    /// The same request asking for `Accept: text/csv`.
    const fn csv(self) -> Row {
        Row {
            header: Some(("accept", "text/csv")),
            ..self
        }
    }

    /// The same request with this `Idempotency-Key`.
    const fn idempotency(self, key: &'static str) -> Row {
        Row {
            header: Some(("idempotency-key", key)),
            ..self
        }
    }
}

const fn row(
    route: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    expect: Expect,
) -> Row {
    Row {
        route,
        path,
        body,
        header: None,
        expect,
    }
}

/// What A dials with [`A_IDEMPOTENCY_KEY`] while the fixture is built.
const A_IDEMPOTENT_BODY: &str = r#"{"number_id": "<a.number_id>", "phone_number": "+14155557005"}"#;
const A_IDEMPOTENCY_KEY: &str = "acme-idempotency-1";

/// Paths served outside `/api/v1`.
const ROOT_PATHS: &[&str] = &["/recordings/", "/healthz", "/metrics", "/docs"];

/// Routes that are not in a `.route(..)` table, so [`every_route_has_a_row`] cannot find
/// them: the Swagger UI router of `api/openapi.rs` (the document under `/api/v1`, the page
/// at the root).
const UNSCANNED_ROUTES: &[&str] = &["GET /openapi.json", "GET /docs"];

/// Every route of the server, each with at least one row. Rows run in order: the member
/// rows at the end depend on each other.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    // Calls: A's completed call (transcript, recording, logs, a note, a rating, a view), A's
    // live call and A's scheduled call. Where A's Owner would get a 409 (stop a finished
    // call, delete a live one, ...) B must still get the 404.
    row("GET /calls/{id}", "/calls/<a.call.done>", None, NotFound),
    row("GET /calls/{id}", "/calls/<a.call.live>", None, NotFound),
    row("DELETE /calls/{id}", "/calls/<a.call.done>", None, NotFound),
    row("DELETE /calls/{id}", "/calls/<a.call.live>", None, NotFound),
    row("GET /calls/{id}/transcript", "/calls/<a.call.done>/transcript", None, NotFound),
    row("GET /calls/{id}/transcript", "/calls/<a.call.pending>/transcript", None, NotFound),
    row("GET /calls/{id}/recording", "/calls/<a.call.done>/recording", None, NotFound),
    row("GET /calls/{id}/recording", "/calls/<a.call.done>/recording?expires_in_secs=60", None, NotFound),
    row("GET /calls/{id}/recording", "/calls/<a.call.live>/recording", None, NotFound),
    row("GET /calls/{id}/logs", "/calls/<a.call.done>/logs", None, NotFound),
    row("GET /calls/{id}/logs", "/calls/<a.call.pending>/logs", None, NotFound),
    row("POST /calls/{id}/stop", "/calls/<a.call.live>/stop", None, NotFound),
    row("POST /calls/{id}/stop", "/calls/<a.call.done>/stop", None, NotFound),
    row("POST /calls/{id}/cancel", "/calls/<a.call.pending>/cancel", None, NotFound),
    row("POST /calls/{id}/cancel", "/calls/<a.call.done>/cancel", None, NotFound),
    row("POST /calls/{id}/notes", "/calls/<a.call.done>/notes", Some(r#"{"content": "B was here"}"#), NotFound),
    row("PATCH /calls/{id}/notes/{note_id}", "/calls/<a.call.done>/notes/<a.note>", Some(r#"{"content": "B was here", "flagged": true}"#), NotFound),
    row("PATCH /calls/{id}/notes/{note_id}", "/calls/<b.call.done>/notes/<a.note>", Some(r#"{"content": "B was here", "flagged": true}"#), NotFound),
    row("DELETE /calls/{id}/notes/{note_id}", "/calls/<a.call.done>/notes/<a.note>", None, NotFound),
    row("DELETE /calls/{id}/notes/{note_id}", "/calls/<b.call.done>/notes/<a.note>", None, NotFound),
    row("PATCH /calls/{id}/viewed", "/calls/<a.call.done>/viewed", Some("{}"), NotFound),
    row("PATCH /calls/{id}/viewed", "/calls/<a.call.pending>/viewed", Some(r#"{"email": "<a.email>"}"#), NotFound),
    row("PATCH /calls/{id}/ratings", "/calls/<a.call.done>/ratings", Some(r#"{"emoji": "👎", "email": "boss@bolt.test", "operation": "add"}"#), NotFound),
    row("PATCH /calls/{id}/ratings", "/calls/<a.call.done>/ratings", Some(r#"{"emoji": "🚨", "email": "<a.email>", "operation": "remove"}"#), NotFound),
    row("GET /calls/current-page", "/calls/current-page?callId=<a.call.done>", None, NotFound),
    row("GET /calls/current-page", "/calls/current-page?call_id=<a.call.done>&use_cases=<a.use_case>&limit=1", None, NotFound),
    // Lists: A's values as filters find nothing; without filters B sees only B.
    row("GET /calls", "/calls", None, Own),
    row("GET /calls", "/calls?use_cases=<a.use_case>", None, Empty),
    row("GET /calls", "/calls?campaigns=<a.campaign>", None, Empty),
    row("GET /calls", "/calls?tags=<a.tag>", None, Empty),
    row("GET /calls", "/calls?search=<a.phone>", None, Empty),
    row("GET /calls/tags", "/calls/tags", None, Own),
    // Exports: A's export is 404 (as JSON and as CSV); B's exports filtered on A's values
    // are built after the matrix and must be empty.
    row("GET /exports/{id}", "/exports/<a.export>", None, NotFound),
    row("GET /exports/{id}", "/exports/<a.export>", None, NotFound).csv(),
    row("POST /calls/export", "/calls/export", Some(r#"{"use_cases": "<a.use_case>"}"#), Accepted),
    row("POST /calls/export", "/calls/export", Some(r#"{"tags": "<a.tag>", "search": "<a.phone>", "email": "<a.email>"}"#), Accepted),
    // The webhook ledger: A's call as a filter finds nothing; A's delivery (still retried:
    // A's hook refuses connections) cannot be replayed.
    row("GET /webhooks/deliveries", "/webhooks/deliveries", None, Own),
    row("GET /webhooks/deliveries", "/webhooks/deliveries?call_id=<a.call.done>", None, Empty),
    row("GET /webhooks/deliveries", "/webhooks/deliveries?call_id=<a.call.done>&state=pending&limit=1", None, Empty),
    row("POST /webhooks/deliveries/{id}/replay", "/webhooks/deliveries/<a.delivery>/replay", None, NotFound),
    row("GET /usage", "/usage", None, Own),
    row("GET /usage", "/usage?start=2024-01-01T00:00:00Z&end=2025-01-01T00:00:00Z", None, Own),
    // Use cases: the one A's number routes to (A's Owner: 409 on delete) and a spare one.
    row("GET /use-cases", "/use-cases", None, Own),
    row("POST /use-cases", "/use-cases", Some(r#"{"name": "Bolt Flatbed"}"#), Own),
    row("GET /use-cases/{id}", "/use-cases/<a.use_case>", None, NotFound),
    row("PATCH /use-cases/{id}", "/use-cases/<a.use_case>", Some(r#"{"name": "Taken by B"}"#), NotFound),
    row("PATCH /use-cases/{id}", "/use-cases/<a.use_case.spare>", Some(r#"{"hooks": [{"url": "https://bolt.test/hook"}]}"#), NotFound),
    row("DELETE /use-cases/{id}", "/use-cases/<a.use_case>", None, NotFound),
    row("DELETE /use-cases/{id}", "/use-cases/<a.use_case.spare>", None, NotFound),
    // Agents: routed (A's Owner: 409 on delete), default (409), spare.
    row("GET /agents", "/agents", None, Own),
    row("POST /agents", "/agents", Some(r#"{"name": "Bolt Bob", "languages": ["english"]}"#), Own),
    row("GET /agents/{id}", "/agents/<a.agent>", None, NotFound),
    row("GET /agents/{id}", "/agents/<a.agent.default>", None, NotFound),
    row("PATCH /agents/{id}", "/agents/<a.agent>", Some(r#"{"name": "Taken by B"}"#), NotFound),
    row("DELETE /agents/{id}", "/agents/<a.agent>", None, NotFound),
    row("DELETE /agents/{id}", "/agents/<a.agent.default>", None, NotFound),
    row("DELETE /agents/{id}", "/agents/<a.agent.spare>", None, NotFound),
    // Prompts: the one A's number routes to (A's Owner: 409 on delete), with a tool whose
    // header carries a credential. B may use A's id for a prompt of its own (rows below).
    row("GET /prompts", "/prompts", None, Own),
    row("POST /prompts", "/prompts", Some(r#"{"name": "Bolt Pitch", "text": "You sell for Bolt."}"#), Own),
    row("POST /prompts", "/prompts", Some(r#"{"name": "Bolt Pitch", "text": "You sell for Bolt.", "use_case_id": "<a.use_case>"}"#), Invalid("use_case_id")),
    row("GET /prompts/{id}", "/prompts/<a.prompt>", None, NotFound),
    row("PATCH /prompts/{id}", "/prompts/<a.prompt>", Some(r#"{"name": "Taken by B", "first_message": null}"#), NotFound),
    row("DELETE /prompts/{id}", "/prompts/<a.prompt>", None, NotFound),
    row("POST /use-cases", "/use-cases", Some(r#"{"name": "Bolt Reefer", "default_prompt_id": "<a.prompt>"}"#), Invalid("default_prompt_id")),
    row("PATCH /use-cases/{id}", "/use-cases/<b.use_case>", Some(r#"{"default_prompt_id": "<a.prompt>"}"#), Invalid("default_prompt_id")),
    // Numbers.
    row("GET /numbers", "/numbers", None, Own),
    row("POST /numbers", "/numbers", Some(r#"{"area_code": "415"}"#), Own),
    row("GET /numbers/{id}", "/numbers/<a.number_id>", None, NotFound),
    row("PATCH /numbers/{id}", "/numbers/<a.number_id>", Some(r#"{"use_case_id": null, "agent_routes": []}"#), NotFound),
    row("PATCH /numbers/{id}", "/numbers/<a.number_id>", Some(r#"{"use_case_id": "<b.use_case>"}"#), NotFound),
    row("PATCH /numbers/{id}", "/numbers/<b.number_id>", Some(r#"{"use_case_id": "<a.use_case>"}"#), Invalid("use_case_id")),
    row("PATCH /numbers/{id}", "/numbers/<b.number_id>", Some(r#"{"agent_routes": [{"probability": 100, "id": "<a.agent>"}]}"#), Invalid("agent_routes[0].id")),
    row("PATCH /numbers/{id}", "/numbers/<b.number_id>", Some(r#"{"prompt_routes": [{"probability": 100, "prompt_id": "<a.prompt>"}]}"#), Invalid("prompt_routes[0].prompt_id")),
    row("PATCH /numbers/{id}/title", "/numbers/<a.number_id>/title", Some(r#"{"title": "Taken by B"}"#), NotFound),
    row("DELETE /numbers/{id}", "/numbers/<a.number_id>", None, NotFound),
    // Dial: A's ids in the body are 422 on their field, like ids that do not exist.
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<a.number_id>", "phone_number": "+14155558801"}"#), Invalid("number_id")),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558801", "use_case_id": "<a.use_case>"}"#), Invalid("use_case_id")),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558801", "assistant_id": "<a.use_case>"}"#), Invalid("use_case_id")),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558801", "agent_id": "<a.agent>"}"#), Invalid("agent_id")),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558801", "agent_id": "<a.agent.default>"}"#), Invalid("agent_id")),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558801", "campaign_id": "<a.campaign>"}"#), Own),
    // A dialed A_IDEMPOTENT_BODY with this key: the same key and bytes from B replay nothing,
    // and B may use the key for its own dial (keys are per organization).
    row("POST /dial/outbound", "/dial/outbound", Some(A_IDEMPOTENT_BODY), Invalid("number_id")).idempotency(A_IDEMPOTENCY_KEY),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558806"}"#), Own).idempotency(A_IDEMPOTENCY_KEY),
    row("POST /dial/outbound-batched", "/dial/outbound-batched", Some(r#"[{"number_id": "<a.number_id>", "phone_number": "+14155558802"}]"#), Invalid("[0].number_id")),
    row("POST /dial/outbound-batched", "/dial/outbound-batched", Some(r#"[{"number_id": "<b.number_id>", "phone_number": "+14155558802", "campaign_id": "<a.campaign>"}]"#), Own),
    row("POST /dial/outbound-batched", "/dial/outbound-batched", Some(r#"[{"number_id": "<b.number_id>", "phone_number": "+14155558802"}, {"number_id": "<b.number_id>", "phone_number": "+14155558803", "agent_id": "<a.agent>", "use_case_id": "<a.use_case>"}]"#), Invalid("[1].agent_id")),
    row("POST /dial/scheduled", "/dial/scheduled", Some(r#"{"number_id": "<a.number_id>", "calls": [{"phone_number": "+14155558804"}]}"#), Invalid("number_id")),
    row("POST /dial/scheduled", "/dial/scheduled", Some(r#"{"number_id": "<b.number_id>", "use_case_id": "<a.use_case>", "calls": [{"phone_number": "+14155558804"}]}"#), Invalid("use_case_id")),
    row("POST /dial/scheduled", "/dial/scheduled", Some(r#"{"number_id": "<b.number_id>", "agent_id": "<a.agent>", "calls": [{"phone_number": "+14155558804"}]}"#), Invalid("agent_id")),
    row("POST /dial/outbound", "/dial/outbound", Some(r#"{"number_id": "<b.number_id>", "phone_number": "+14155558801", "prompt_id": "<a.prompt>"}"#), Invalid("prompt_id")),
    row("POST /dial/outbound-batched", "/dial/outbound-batched", Some(r#"[{"number_id": "<b.number_id>", "phone_number": "+14155558802", "prompt_id": "<a.prompt>"}]"#), Invalid("[0].prompt_id")),
    row("POST /dial/scheduled", "/dial/scheduled", Some(r#"{"number_id": "<b.number_id>", "prompt_id": "<a.prompt>", "calls": [{"phone_number": "+14155558804"}]}"#), Invalid("prompt_id")),
    // The simulated network: A's number is as unknown as a number nobody has.
    row("POST /sim/inbound", "/sim/inbound", Some(r#"{"to": "<a.number>", "from": "+14155558805"}"#), Invalid("to")),
    // Prompt ids are per organization: B may take A's for its own prompt, which changes
    // nothing of A's (after every row that must find A's prompt unknown).
    row("POST /prompts", "/prompts", Some(r#"{"id": "<a.prompt>", "name": "Bolt Mirror", "text": "Mirrored."}"#), Own),
    // The sandbox: this server runs without `--sandbox`, so every sandbox route is a 404
    // and changes nothing. How the sandbox keeps organizations apart when it is on (a reset
    // or a clock touches its caller's organization only; organizations on demand see only
    // their own calls) is tested in tests/api/sandbox/.
    row("GET /sandbox/clock", "/sandbox/clock", None, NotFound),
    row("POST /sandbox/clock", "/sandbox/clock", Some(r#"{"now": "2030-01-01T00:00:00Z"}"#), NotFound),
    row("POST /sandbox/clock/advance", "/sandbox/clock/advance", Some(r#"{"seconds": 60}"#), NotFound),
    row("DELETE /sandbox/clock", "/sandbox/clock", None, NotFound),
    row("POST /sandbox/reset", "/sandbox/reset", Some(r#"{"config": true}"#), NotFound),
    row("POST /sandbox/orgs", "/sandbox/orgs", Some(r#"{"name": "Bolt Twin", "owner": "<a.email>"}"#), NotFound),
    row("GET /sandbox/scenarios", "/sandbox/scenarios", None, NotFound),
    row("POST /sandbox/scenarios", "/sandbox/scenarios", Some(r#"{"match": "<a.number>", "outcome": "busy"}"#), NotFound),
    row("GET /sandbox/scenarios/{id}", "/sandbox/scenarios/<a.call.done>", None, NotFound),
    row("DELETE /sandbox/scenarios/{id}", "/sandbox/scenarios/<a.call.done>", None, NotFound),
    row("GET /sandbox/faults", "/sandbox/faults", None, NotFound),
    row("POST /sandbox/faults", "/sandbox/faults", Some(r#"{"webhooks": {"duplicate": 1}}"#), NotFound),
    row("DELETE /sandbox/faults", "/sandbox/faults", None, NotFound),
    // Signed recording links: B's valid signature re-pointed at A's organization or call.
    row("GET /recordings/{org}/{file}", "/recordings/<a.org>/<b.call.done>.wav?<b.recording.query>", None, Forbidden),
    row("GET /recordings/{org}/{file}", "/recordings/<a.org>/<a.call.done>.wav?<b.recording.query>", None, Forbidden),
    row("GET /recordings/{org}/{file}", "/recordings/<b.org>/<a.call.done>.wav?<b.recording.query>", None, Forbidden),
    // The organization: B names A's owner as a member of B; A's owner stays A's Owner and
    // A's key keeps working (the A snapshot after each row is taken with it).
    row("GET /healthz", "/healthz", None, Own),
    // Counts across all organizations, for the operator: no organization's data.
    row("GET /metrics", "/metrics", None, Own),
    row("GET /openapi.json", "/openapi.json", None, Own),
    row("GET /docs", "/docs", None, Own),
    row("GET /org", "/org", None, Own),
    row("PATCH /org", "/org", Some(r#"{"timezone": "Europe/Berlin"}"#), Own),
    row("GET /org/webhook-secret", "/org/webhook-secret", None, Own),
    row("DELETE /member", "/member", Some(r#"{"email": "<a.email>"}"#), NotFound),
    row("PATCH /member", "/member", Some(r#"{"email": "<a.email>", "role": "Viewer"}"#), Own),
    row("DELETE /member", "/member", Some(r#"{"email": "<a.email>"}"#), Own),
];

/// The two organizations and the values the rows' tokens stand for.
struct World {
    a: TestOrg,
    b: TestOrg,
    b_viewer: String,
    /// Token name (without `<>`) -> value.
    tokens: BTreeMap<&'static str, String>,
}

impl World {
    /// The value of each `a.*` token replaced by an unknown value of the same kind.
    fn unknown_tokens(&self) -> BTreeMap<&'static str, String> {
        let mut tokens = self.tokens.clone();
        for (i, (name, value)) in tokens.iter_mut().enumerate() {
            if !name.starts_with("a.") {
                continue;
            }
            *value = if is_id(value) {
                format!("0000dead{i:016x}")
            } else if value.starts_with('+') {
                format!("+1888555{i:04}")
            } else if value.contains('@') {
                format!("nobody{i}@unknown.test")
            } else {
                format!("unknown-value-{i}")
            };
        }
        tokens
    }
}

fn is_id(value: &str) -> bool {
    value.len() == 24
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Replaces every `<token>` of `template`; `in_path` percent-encodes `+`.
fn fill(template: &str, tokens: &BTreeMap<&'static str, String>, in_path: bool) -> String {
    let mut out = template.to_owned();
    for (name, value) in tokens {
        let value = if in_path {
            value.replace('+', "%2B")
        } else {
            value.clone()
        };
        out = out.replace(&format!("<{name}>"), &value);
    }
    assert!(
        !out.contains("<a.") && !out.contains("<b."),
        "a token of the matrix has no value: {out}"
    );
    out
}

/// The tokens a row uses.
fn used(row: &Row) -> Vec<&'static str> {
    let mut names = Vec::new();
    for text in [row.path, row.body.unwrap_or_default()] {
        for piece in text.split('<').skip(1) {
            if let Some((name, _)) = piece.split_once('>')
                && (name.starts_with("a.") || name.starts_with("b."))
            {
                names.push(name);
            }
        }
    }
    names
}

struct Answer {
    status: u16,
    text: String,
}

impl Answer {
    /// The body as JSON, or as one string when it is not JSON (a CSV, a page).
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| Value::String(self.text.clone()))
    }
}

async fn send(
    app: &TestApp,
    key: &str,
    method: &Method,
    path: &str,
    body: Option<&str>,
    header: Option<(&str, &str)>,
) -> Answer {
    let root = ROOT_PATHS.iter().any(|root| path.starts_with(root));
    let url = if root {
        format!("{}{path}", app.base)
    } else {
        format!("{}/api/v1{path}", app.base)
    };
    let mut request = app
        .http
        .request(method.clone(), url)
        .header("authorization", format!("Bearer {key}"));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the server answers");
    Answer {
        status: response.status().as_u16(),
        text: response.text().await.unwrap(),
    }
}

async fn read(
    app: &TestApp,
    key: &str,
    path: String,
    accept: Option<&str>,
    all: &mut serde_json::Map<String, Value>,
) -> Value {
    let answer = send(
        app,
        key,
        &Method::GET,
        &path,
        None,
        accept.map(|a| ("accept", a)),
    )
    .await;
    let body = answer.json();
    let name = match accept {
        Some(accept) => format!("{path} (accept {accept})"),
        None => path,
    };
    all.insert(name, json!({"status": answer.status, "body": body}));
    body
}

/// Everything `key`'s organization can read, as `{path: {status, body}}`: its settings,
/// every call with its outputs, and the `exports` named (there is no list of exports).
async fn snapshot(app: &TestApp, key: &str, exports: &[&str]) -> Value {
    let mut all = serde_json::Map::new();
    for id in exports {
        read(app, key, format!("/exports/{id}"), None, &mut all).await;
        read(
            app,
            key,
            format!("/exports/{id}"),
            Some("text/csv"),
            &mut all,
        )
        .await;
    }
    for path in [
        "/org",
        "/org/webhook-secret",
        "/use-cases",
        "/agents",
        "/prompts",
        "/numbers",
        "/calls/tags",
        "/usage",
        "/usage?start=2024-01-01T00:00:00Z&end=2025-01-01T00:00:00Z",
        "/webhooks/deliveries",
    ] {
        read(app, key, path.to_owned(), None, &mut all).await;
    }
    let calls = read(app, key, "/calls?sort=asc".to_owned(), None, &mut all).await;
    for call in calls["calls"].as_array().expect("a list of calls") {
        let id = id_of(call);
        read(app, key, format!("/calls/{id}"), None, &mut all).await;
        for output in ["transcript", "logs", "recording"] {
            read(app, key, format!("/calls/{id}/{output}"), None, &mut all).await;
        }
    }
    Value::Object(all)
}

/// Where two snapshots first differ, if they do.
fn difference(before: &Value, after: &Value, at: &str) -> Option<String> {
    match (before, after) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (left, right) = (x.get(key), y.get(key));
                match (left, right) {
                    (Some(l), Some(r)) => {
                        if let Some(found) = difference(l, r, &format!("{at}/{key}")) {
                            return Some(found);
                        }
                    }
                    _ => return Some(format!("{at}/{key}: {left:?} -> {right:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| difference(l, r, &format!("{at}[{i}]"))),
        _ if before == after => None,
        _ => Some(format!("{at}: {before} -> {after}")),
    }
}

/// Every string in `value`, and every object key that holds the fixture's marker `acme`
/// (A's own keys: `metadata.custom`, params, extraction fields).
fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (key, v) in map {
                if key.to_lowercase().contains("acme") {
                    out.insert(key.clone());
                }
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// What of A could leak, lowercased: every string of A's data that B's data does not have
/// too and that identifies something: an id, a phone number, an email, anything with the
/// marker `acme` that the fixture puts in every name and text of A, or a long token without
/// spaces (call sids, signatures, secrets, links), with the long pieces of those.
fn secrets_of(a: &Value, b: &Value) -> BTreeSet<String> {
    let (mut ours, mut theirs) = (BTreeSet::new(), BTreeSet::new());
    strings(a, &mut ours);
    strings(b, &mut theirs);
    let mut secrets = BTreeSet::new();
    for s in ours.difference(&theirs) {
        let lower = s.to_lowercase();
        let phone = s.len() > 8 && s.starts_with('+') && s[1..].bytes().all(|c| c.is_ascii_digit());
        let time =
            s.len() >= 10 && s.as_bytes()[4] == b'-' && s[..4].bytes().all(|c| c.is_ascii_digit());
        let token = s.len() >= 16 && !s.contains(char::is_whitespace) && !time;
        if !(lower.contains("acme") || is_id(s) || phone || s.contains('@') || token) {
            continue;
        }
        for piece in s.split(['/', '?', '&', '=']) {
            if piece.len() >= 16 && piece != s && !theirs.contains(piece) {
                secrets.insert(piece.to_lowercase());
            }
        }
        secrets.insert(lower);
    }
    secrets
}

/// The secrets of A found in `text`, other than those B sent itself.
fn leaks(text: &str, secrets: &BTreeSet<String>, sent: &BTreeSet<String>) -> Vec<String> {
    let text = text.to_lowercase();
    secrets
        .iter()
        .filter(|s| !sent.contains(*s) && text.contains(s.as_str()))
        .cloned()
        .collect()
}

/// The answer with each token's value written back as `<token>`.
fn normalized(text: &str, tokens: &BTreeMap<&'static str, String>) -> String {
    let mut by_length: Vec<_> = tokens.iter().collect();
    by_length.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    let mut out = text.to_owned();
    for (name, value) in by_length {
        out = out.replace(value.as_str(), &format!("<{name}>"));
        let encoded = value.replace('+', "%2B");
        out = out.replace(&encoded, &format!("<{name}>"));
    }
    out
}

fn check_expectation(expect: Expect, answer: &Answer) -> Result<(), String> {
    let body = answer.json();
    let wanted = match expect {
        NotFound => 404,
        Invalid(_) => 422,
        Forbidden => 403,
        Own | Empty => 200,
        Accepted => 202,
    };
    if answer.status != wanted {
        return Err(format!("expected {wanted}, got {}", answer.status));
    }
    if let Invalid(field) = expect {
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        if !fields.contains(&field) {
            return Err(format!("expected an error on `{field}`, got {fields:?}"));
        }
    }
    if let Empty = expect {
        let no_calls = body["calls"] == json!([]) && body["count"] == json!(0);
        let no_data = body == json!({"data": [], "next_cursor": null});
        if !(no_calls || no_data) {
            return Err("expected nothing".to_owned());
        }
    }
    Ok(())
}

/// The contract's error body: `{"message": "..."}` (plus `errors` on a 422), nothing else.
fn check_error_body(answer: &Answer) -> Result<(), String> {
    let body = answer.json();
    let Some(map) = body.as_object() else {
        return Err("the error body is not a JSON object".to_owned());
    };
    let message_ok = map
        .get("message")
        .and_then(Value::as_str)
        .is_some_and(|m| !m.is_empty());
    let keys_ok = map.keys().all(|k| k == "message" || k == "errors");
    if !message_ok || !keys_ok {
        return Err("the error body is not {message[, errors]}".to_owned());
    }
    Ok(())
}

async fn build_world(app: &TestApp) -> World {
    let a = app.org.clone();
    let owner_a = app.owner();
    owner_a
        .patch(
            "/member",
            json!({"email": "auditor@acme.test", "role": "Viewer"}),
            200,
        )
        .await;
    let fixture_a = app
        .number_for(
            &a,
            json!({
                "name": "Acme Reefer Lanes",
                "transfer_number": "+14155557099",
                "hooks": [{"url": "http://127.0.0.1:9/acme-hook",
                           "headers": [{"key": "x-acme-token", "value": "acme-hook-token-5521"}]}],
                "extract_with_ai": [{"name": "acme_load", "type": "string",
                                     "description": "the Acme load", "example": "ACME-LD-1"}],
                "classification_tags": [{"name": "acme-booked", "description": "Acme booked it"}]
            }),
        )
        .await;
    let agent_a = owner_a
        .post(
            "/agents",
            json!({"name": "Zelda of Acme", "languages": ["english"], "voice_id": "acme-voice-7"}),
            200,
        )
        .await;
    let spare_agent_a = owner_a
        .post(
            "/agents",
            json!({"name": "Acme Spare Voice", "languages": ["english"]}),
            200,
        )
        .await;
    let spare_use_case_a = owner_a
        .post("/use-cases", json!({"name": "Acme Spare Desk"}), 200)
        .await;
    let prompt_a = owner_a
        .post(
            "/prompts",
            json!({"name": "Acme Reefer Pitch", "text": "You book Acme reefer loads.",
                   "first_message": "Hi, Acme dispatch here.",
                   "tools": [{"name": "acme_rate", "description": "Acme rates",
                              "parameters": {"type": "object", "properties": {"lane": {"type": "string"}}},
                              "url": "http://127.0.0.1:9/acme-rates?key=acme-tool-key-7731",
                              "headers": [{"key": "x-acme-token", "value": "acme-tool-token-8812"}]}]}),
            200,
        )
        .await;
    let number_a = fixture_a.number_id.to_string();
    owner_a
        .patch(
            &format!("/numbers/{number_a}"),
            json!({"agent_routes": [{"probability": 100, "id": id_of(&agent_a)}],
                   "prompt_routes": [{"probability": 100, "prompt_id": id_of(&prompt_a)}]}),
            200,
        )
        .await;
    owner_a
        .patch(
            &format!("/numbers/{number_a}/title"),
            json!({"title": "Acme Night Desk"}),
            200,
        )
        .await;

    let b = app.new_org("Bolt Logistics", "boss@bolt.test").await;
    let b_viewer = app.key(&b, "viewer@bolt.test", Role::Viewer).await;
    let owner_b = app.as_key(&b.owner_key);
    let fixture_b = app.number_with_use_case(&b, "Bolt Dry Van").await;
    let number_b = fixture_b.number_id.to_string();

    // Both completed calls first: the engine runs only while the fixture is built.
    let done_a = app
        .dial(
            &fixture_a,
            "+14155557001",
            json!({"tags": ["acme-hazmat"], "metadata": {"acme_ref": "PO-ACME-5521"},
                   "params": {"acme_load": "ACME-LD-7781"}}),
        )
        .await;
    let done_b = owner_b
        .post(
            "/dial/outbound",
            json!({"number_id": number_b, "phone_number": "+14155558001", "tags": ["bolt"]}),
            200,
        )
        .await;
    let (done_a, done_b) = (id_of(&done_a), id_of(&done_b));
    app.run_engine().await;
    for _ in 0..60 {
        let a_call = owner_a.get(&format!("/calls/{done_a}"), 200).await;
        let b_call = owner_b.get(&format!("/calls/{done_b}"), 200).await;
        if a_call["end_reason"].is_string() && b_call["end_reason"].is_string() {
            assert_eq!(
                (&a_call["status"], &b_call["status"]),
                (&json!("Completed"), &json!("Completed"))
            );
            break;
        }
        app.advance(60).await;
    }
    let noted = owner_a
        .post(
            &format!("/calls/{done_a}/notes"),
            json!({"content": "Acme note: carrier quoted 2950 for ACME-LD-7781"}),
            200,
        )
        .await;
    let note_a = id_of(&noted["notes"][0]);
    owner_a
        .patch(&format!("/calls/{done_a}/viewed"), json!({}), 200)
        .await;
    owner_a
        .patch(
            &format!("/calls/{done_a}/ratings"),
            json!({"emoji": "🚨", "email": "owner@acme.test", "operation": "add"}),
            200,
        )
        .await;
    owner_b
        .post(
            &format!("/calls/{done_b}/notes"),
            json!({"content": "Bolt note"}),
            200,
        )
        .await;
    let link_b = owner_b
        .get(&format!("/calls/{done_b}/recording"), 200)
        .await;
    let recording_query = link_b["url"]
        .as_str()
        .and_then(|url| url.split_once('?'))
        .expect("a signed link")
        .1
        .to_owned();

    // A live call: answered, and the clock stops there.
    let live_a = id_of(&app.dial(&fixture_a, "+14155557002", json!({})).await);
    app.run_engine().await;
    app.advance(2).await;
    app.advance(13).await;
    assert_eq!(
        owner_a.get(&format!("/calls/{live_a}"), 200).await["status"],
        "In progress"
    );
    let pending_a = id_of(
        &app.dial(
            &fixture_a,
            "+14155557003",
            json!({"scheduled_for": "2024-03-01T09:00:00Z"}),
        )
        .await,
    );
    let campaign_a = owner_a
        .post(
            "/dial/scheduled",
            json!({"number_id": number_a, "campaign_name": "Acme Spring Push",
                   "retry_logic": [{"query": "Busy", "retry_period": 30}],
                   "calls": [{"phone_number": "+14155557004", "scheduled_date": "2024-03-02",
                              "scheduled_time": "09:00:00", "acme_lane": "ACME-LANE-9"}]}),
            200,
        )
        .await;
    let export_a = owner_a
        .post("/calls/export", json!({"email": "exports@acme.test"}), 202)
        .await;
    let deliveries_a = owner_a
        .get(&format!("/webhooks/deliveries?call_id={done_a}"), 200)
        .await;
    let delivery_a = id_of(&deliveries_a["data"][0]);
    assert_eq!(app.exports.run_due().await.unwrap().done, 1);

    let tokens = BTreeMap::from([
        ("a.org", a.id.to_string()),
        ("a.email", "owner@acme.test".to_owned()),
        ("a.call.done", done_a),
        ("a.delivery", delivery_a),
        ("a.call.live", live_a),
        ("a.call.pending", pending_a),
        ("a.note", note_a),
        ("a.use_case", fixture_a.use_case_id.to_string()),
        ("a.use_case.spare", id_of(&spare_use_case_a)),
        ("a.agent", id_of(&agent_a)),
        ("a.prompt", id_of(&prompt_a)),
        ("a.agent.spare", id_of(&spare_agent_a)),
        ("a.agent.default", fixture_a.agent_id.to_string()),
        ("a.number_id", number_a),
        ("a.number", fixture_a.number.clone()),
        (
            "a.campaign",
            campaign_a["campaign_id"].as_str().unwrap().to_owned(),
        ),
        (
            "a.export",
            export_a["export_id"].as_str().unwrap().to_owned(),
        ),
        ("a.tag", "acme-hazmat".to_owned()),
        ("a.phone", "+14155557001".to_owned()),
        ("b.org", b.id.to_string()),
        ("b.call.done", done_b),
        ("b.number_id", number_b),
        ("b.use_case", fixture_b.use_case_id.to_string()),
        ("b.recording.query", recording_query),
    ]);
    let dialed = send(
        app,
        &a.owner_key,
        &Method::POST,
        "/dial/outbound",
        Some(&fill(A_IDEMPOTENT_BODY, &tokens, false)),
        Some(("idempotency-key", A_IDEMPOTENCY_KEY)),
    )
    .await;
    assert_eq!(dialed.status, 200, "{}", dialed.text);
    World {
        a,
        b,
        b_viewer,
        tokens,
    }
}

async fn organization_b_never_reaches_organization_a(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let world = build_world(&app).await;
    let unknown = world.unknown_tokens();
    let a_key = world.a.owner_key.clone();
    let a_exports = [world.tokens["a.export"].as_str()];
    let a_before = snapshot(&app, &a_key, &a_exports).await;
    let b_before = snapshot(&app, &world.b.owner_key, &[]).await;
    let secrets = secrets_of(&a_before, &b_before);
    for must in [
        "acme freight",
        "owner@acme.test",
        "auditor@acme.test",
        "exports@acme.test",
        "acme reefer lanes",
        "zelda of acme",
        "acme night desk",
        "acme-hook-token-5521",
        "acme-tool-token-8812",
        "acme reefer pitch",
        "acme note: carrier quoted 2950 for acme-ld-7781",
        "acme-hazmat",
        "po-acme-5521",
        "+14155557001",
        world.tokens["a.call.done"].as_str(),
        world.tokens["a.export"].as_str(),
    ] {
        assert!(
            secrets.contains(must),
            "the fixture should make `{must}` one of A's secrets"
        );
    }

    let mut failures = Vec::new();
    let mut table = Vec::new();
    // A as the last row left it: a change is reported once, on the row that made it.
    let mut a_state = a_before.clone();
    // B's exports (the `Accepted` rows), each with the values of A it was filtered on.
    let mut b_exports: Vec<(String, BTreeSet<String>)> = Vec::new();
    // The Viewer first: it can write nothing, so its pass sees B exactly as built.
    let keys = [
        ("viewer", world.b_viewer.clone()),
        ("owner", world.b.owner_key.clone()),
    ];
    for (who, key) in &keys {
        for (i, row) in MATRIX.iter().enumerate() {
            let method: Method = row.route.split(' ').next().unwrap().parse().unwrap();
            let names = used(row);
            let foreign_names: Vec<_> = names.iter().filter(|n| n.starts_with("a.")).collect();
            let sent: BTreeSet<String> = foreign_names
                .iter()
                .map(|n| world.tokens[**n].to_lowercase())
                .collect();
            let path = fill(row.path, &world.tokens, true);
            let body = row.body.map(|b| fill(b, &world.tokens, false));
            let writes = method != Method::GET;
            let b_state = if writes {
                Some(snapshot(&app, &world.b.owner_key, &[]).await)
            } else {
                None
            };

            let foreign = send(&app, key, &method, &path, body.as_deref(), row.header).await;
            let mut problems = Vec::new();
            if *who == "owner"
                && let Err(problem) = check_expectation(row.expect, &foreign)
            {
                problems.push(problem);
            }
            if foreign.status == 202
                && let Some(id) = foreign.json()["export_id"].as_str()
            {
                b_exports.push((id.to_owned(), sent.clone()));
            }
            if foreign.status >= 400
                && let Err(problem) = check_error_body(&foreign)
            {
                problems.push(problem);
            }
            let leaked = leaks(&foreign.text, &secrets, &sent);
            if !leaked.is_empty() {
                problems.push(format!("leaks A's {leaked:?}"));
            }
            if !foreign_names.is_empty() {
                let unknown_path = fill(row.path, &unknown, true);
                let unknown_body = row.body.map(|b| fill(b, &unknown, false));
                let other = send(
                    &app,
                    key,
                    &method,
                    &unknown_path,
                    unknown_body.as_deref(),
                    row.header,
                )
                .await;
                let compare_bodies = !(writes && other.status < 300);
                if other.status != foreign.status {
                    problems.push(format!(
                        "an unknown value answers {} instead: {}",
                        other.status, other.text
                    ));
                } else if compare_bodies
                    && normalized(&other.text, &unknown) != normalized(&foreign.text, &world.tokens)
                {
                    problems.push(format!(
                        "an unknown value answers otherwise: {}",
                        other.text
                    ));
                }
            }
            let a_after = snapshot(&app, &a_key, &a_exports).await;
            if let Some(change) = difference(&a_state, &a_after, "") {
                problems.push(format!("changed A: {change}"));
            }
            a_state = a_after;
            if let Some(b_state) = b_state
                && foreign.status >= 400
            {
                let b_after = snapshot(&app, &world.b.owner_key, &[]).await;
                if let Some(change) = difference(&b_state, &b_after, "") {
                    problems.push(format!("a refused request changed B: {change}"));
                }
            }
            let verdict = if problems.is_empty() { "ok" } else { "FAIL" };
            table.push(format!(
                "{who:6} #{i:02} {:4} {verdict:4} {} {}{} {}",
                foreign.status,
                row.route,
                path,
                row.header
                    .map(|(name, value)| format!(" ({name}: {value})"))
                    .unwrap_or_default(),
                body.as_deref().unwrap_or_default()
            ));
            if !problems.is_empty() {
                failures.push(format!(
                    "[{who}] row {i} `{}` {method} {path} {}\n    answered {} {}\n    - {}",
                    row.route,
                    body.as_deref().unwrap_or_default(),
                    foreign.status,
                    foreign.text,
                    problems.join("\n    - ")
                ));
            }
        }
    }

    // B's exports, filtered on A's values, are built: they must hold no call at all.
    app.exports.run_due().await.unwrap();
    for (id, sent) in &b_exports {
        let status = send(
            &app,
            &world.b.owner_key,
            &Method::GET,
            &format!("/exports/{id}"),
            None,
            None,
        )
        .await;
        let csv = send(
            &app,
            &world.b.owner_key,
            &Method::GET,
            &format!("/exports/{id}"),
            None,
            Some(("accept", "text/csv")),
        )
        .await;
        let mut problems = Vec::new();
        let state = status.json();
        if (state["status"].as_str(), state["rows"].as_u64()) != (Some("done"), Some(0)) {
            problems.push(format!(
                "expected a done export with 0 rows: {}",
                status.text
            ));
        }
        if csv.status != 200 || csv.text.trim_end().lines().count() != 1 {
            problems.push(format!(
                "expected a CSV with a header only: {} {}",
                csv.status, csv.text
            ));
        }
        for answer in [&status, &csv] {
            let leaked = leaks(&answer.text, &secrets, sent);
            if !leaked.is_empty() {
                problems.push(format!("leaks A's {leaked:?}"));
            }
        }
        table.push(format!(
            "owner  export {id} {}",
            if problems.is_empty() { "ok" } else { "FAIL" }
        ));
        if !problems.is_empty() {
            failures.push(format!(
                "B's export {id}:\n    - {}",
                problems.join("\n    - ")
            ));
        }
    }
    if b_exports.is_empty() {
        failures.push("no `Accepted` row made an export of B".to_owned());
    }
    let a_after = snapshot(&app, &a_key, &a_exports).await;
    if let Some(change) = difference(&a_state, &a_after, "") {
        failures.push(format!("building B's exports changed A: {change}"));
    }

    println!("{}", table.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of {} isolation cases failed:\n{}",
        failures.len(),
        MATRIX.len() * keys.len() + b_exports.len(),
        failures.join("\n")
    );
}

/// `"METHOD /pattern"` of every `.route(..)` in the server's sources: the routes that are
/// not API operations.
fn scan_routes(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The review app's pages (`src/web/`) authenticate with a session cookie, not a
        // key: tests/api/web/access.rs holds their organization matrix (and checks it covers
        // every page route that takes an id).
        if path.is_dir() && path.file_name().is_some_and(|n| n == "web") {
            continue;
        }
        if path.is_dir() {
            scan_routes(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for call in source.split(".route(").skip(1) {
            let call = call.trim_start();
            let Some(rest) = call.strip_prefix('"') else {
                panic!("{}: a route whose path is not a literal", path.display());
            };
            let (pattern, rest) = rest.split_once('"').unwrap();
            // The handler expression: up to the `)` that closes `.route(`.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let handler = &rest[..end];
            let mut methods = 0;
            for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
                let needle = format!("{method}(");
                for (at, _) in handler.match_indices(&needle) {
                    let before = handler[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    out.insert(format!("{} {pattern}", method.to_uppercase()));
                    methods += 1;
                }
            }
            assert!(
                methods > 0,
                "{}: route {pattern} has no method this scan knows; add its rows by hand and teach the scan",
                path.display()
            );
        }
    }
}

/// Each row's path has the shape of its route's pattern.
fn fits(route: &str, path: &str) -> bool {
    let pattern = route.split_once(' ').unwrap().1;
    let path = path.split('?').next().unwrap();
    let (p, q): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(p, q)| p == q || (p.starts_with('{') && q.contains('<')))
}

#[test]
fn every_route_has_a_row() {
    let mut routes = BTreeSet::new();
    scan_routes(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut routes,
    );
    assert!(
        routes.contains("GET /metrics"),
        "the route scan found too little ({routes:?}): fix scan_routes"
    );
    routes.extend(UNSCANNED_ROUTES.iter().map(|r| (*r).to_owned()));
    // The API's routes are its documented operations (under `/api/v1` but for the recording
    // links and the health check).
    let document = serde_json::to_value(switchyard::api::openapi::document()).unwrap();
    let documented: BTreeSet<String> = document["paths"]
        .as_object()
        .expect("the OpenAPI document has paths")
        .iter()
        .flat_map(|(path, item)| {
            let path = path.strip_prefix("/api/v1").unwrap_or(path).to_owned();
            item.as_object()
                .into_iter()
                .flat_map(|item| item.keys())
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    assert!(
        documented.len() >= 40 && documented.contains("GET /calls/{id}"),
        "the OpenAPI document lists too little: {documented:?}"
    );
    routes.extend(documented);
    let covered: BTreeSet<&str> = MATRIX.iter().map(|r| r.route).collect();
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| !covered.contains(r.as_str()))
        .collect();
    let stale: Vec<&&str> = covered.iter().filter(|r| !routes.contains(**r)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "tests/api/isolation.rs: add a row to MATRIX for each of these routes (found in the \
         route tables or the OpenAPI document): {missing:?}; these rows name routes that no \
         longer exist: {stale:?}"
    );
    for route in &routes {
        let takes_id = route.contains('{');
        let probed = MATRIX
            .iter()
            .any(|r| r.route == route && used(r).iter().any(|n| n.starts_with("a.")));
        assert!(
            !takes_id || probed,
            "{route} takes an id: give it a row with one of A's ids"
        );
    }
    for row in MATRIX {
        assert!(
            fits(row.route, row.path),
            "row path {} does not fit {}",
            row.path,
            row.route
        );
    }
}
