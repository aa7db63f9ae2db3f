//! The OpenAPI document: it matches the committed snapshot (`docs/openapi.json`), it is
//! served with its docs page, it describes exactly the routes the server has, and real
//! answers of the server (a finished call, pages, transcripts, logs, use cases, agents,
//! numbers, the organization, usage, an export, and an error of each kind) validate against
//! it.
//!
//! `UPDATE_OPENAPI=1 cargo test -p switchyard --test api openapi` rewrites the snapshot.

use crate::common::TestDatabase;
use crate::harness::{Client, Fixture, TestApp, assert_error_body, id_of};
use crate::receiver::Receiver;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use switchyard::api::openapi::document;
use switchyard::config::HttpConfig;
use switchyard_core::enums::Role;

crate::backend_tests!(
    the_document_and_its_docs_page_are_served,
    every_documented_operation_exists,
    real_answers_match_the_document,
    a_rate_limited_answer_matches_the_document,
);

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn document_json() -> Value {
    serde_json::to_value(document()).expect("the document serializes")
}

#[test]
fn the_document_matches_the_committed_snapshot() {
    // In the code's order (struct fields, handlers), not sorted: easier to read and review.
    let generated = format!("{}\n", document().to_pretty_json().unwrap());
    let path = snapshot_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        panic!(
            "docs/openapi.json is not the document the code generates.\n\
             If the change is intended, rewrite the snapshot and commit it:\n\
             \n    UPDATE_OPENAPI=1 cargo test -p switchyard --test api openapi\n\n{}",
            first_difference(&committed, &generated)
        );
    }
}

/// The lines around the first difference, committed (`-`) against generated (`+`).
fn first_difference(committed: &str, generated: &str) -> String {
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = generated.lines().collect();
    let start = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let common_tail = old[start..]
        .iter()
        .rev()
        .zip(new[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut text = format!("First difference at line {}:\n", start + 1);
    for line in &old[start..old.len() - common_tail] {
        text.push_str(&format!("-{line}\n"));
    }
    for line in &new[start..new.len() - common_tail] {
        text.push_str(&format!("+{line}\n"));
    }
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > 61 {
        format!(
            "{}\n... ({} more changed lines)",
            lines[..61].join("\n"),
            lines.len() - 61
        )
    } else {
        text
    }
}

async fn the_document_and_its_docs_page_are_served(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let served: Value = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, document_json());
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": served["components"]["securitySchemes"]["bearer"]["description"]})
    );

    let page = app
        .http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every asset comes from the binary: nothing is loaded from another host.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let response = app
            .http
            .get(format!("{}/docs/{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let text = response.text().await.unwrap();
        assert!(!text.is_empty(), "{asset}");
        if asset == "swagger-initializer.js" {
            assert!(text.contains("/api/v1/openapi.json"), "{text}");
        }
    }
}

/// Each documented method and path answers (without a key: `401`, or what a public
/// endpoint says), never the server's "no such endpoint" `404` or a `405`. On a sandbox
/// server, where the sandbox's routes exist.
async fn every_documented_operation_exists(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let doc = document_json();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{file}", "65920080a1b2c3d4e5f60718.wav")
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "65920080a1b2c3d4e5f60718"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let response = app
                .http
                .request(method.clone(), format!("{}{concrete}", app.base))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert!(
                status != 405 && !(status == 404 && body.contains("no such endpoint")),
                "{method} {path} is documented but answers {status} {body}"
            );
        }
    }
}

/// Validates answers against the schema the document gives for their operation and status.
/// Stricter than the document in one way: an object with declared `properties` may carry no
/// other key, so every key an answer has is documented.
struct Conformance {
    doc: Value,
    checked: usize,
    failures: Vec<String>,
}

impl Conformance {
    fn new() -> Conformance {
        let mut doc = document_json();
        close_objects(&mut doc["components"]["schemas"]);
        Conformance {
            doc,
            checked: 0,
            failures: Vec::new(),
        }
    }

    /// The JSON schema of the answer to `method path` with `status`, its `$ref`s to
    /// `#/components/...` resolvable because the components travel with it.
    fn schema(&self, method: &str, path: &str, status: u16) -> Result<Value, String> {
        let operation = &self.doc["paths"][path][method];
        if operation.is_null() {
            return Err(format!("{method} {path} is not documented"));
        }
        let mut response = &operation["responses"][status.to_string()];
        if response.is_null() {
            return Err(format!("{method} {path} does not document a {status}"));
        }
        if let Some(reference) = response["$ref"].as_str() {
            let name = reference.trim_start_matches("#/components/responses/");
            response = &self.doc["components"]["responses"][name];
        }
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            return Err(format!("{method} {path} {status} has no JSON schema"));
        }
        let mut root = schema.clone();
        root["components"] = self.doc["components"].clone();
        Ok(root)
    }

    fn check(&mut self, method: &Method, path: &str, status: u16, body: &Value) {
        self.checked += 1;
        let method = method.as_str().to_lowercase();
        let schema = match self.schema(&method, path, status) {
            Ok(schema) => schema,
            Err(why) => {
                self.failures.push(why);
                return;
            }
        };
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("the schema of {method} {path} {status} is invalid: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("  at `{}`: {e}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            self.failures.push(format!(
                "{method} {path} {status} does not match the document:\n{}\n  body: {body}",
                errors.join("\n")
            ));
        }
    }

    /// Sends the request, expects `status`, and checks the body against `template`'s schema.
    async fn call(
        &mut self,
        client: &Client<'_>,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let response = client
            .send(
                method.clone(),
                path,
                body.map(|b| ("application/json", b.to_string().into_bytes())),
                &[],
            )
            .await;
        assert_eq!(
            response.status, status,
            "{method} {path} answered {} with {}",
            response.status, response.body
        );
        self.check(
            &method,
            &format!("/api/v1{template}"),
            status,
            &response.body,
        );
        response.body
    }

    /// Checks that the document lists the answer's media type (without its parameters,
    /// such as `charset`) for `method path` with `status`.
    fn check_media_type(&mut self, method: &Method, path: &str, status: u16, content_type: &str) {
        self.checked += 1;
        let method = method.as_str().to_lowercase();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        let content =
            &self.doc["paths"][path][method.as_str()]["responses"][status.to_string()]["content"];
        if content.get(essence).is_none() {
            self.failures.push(format!(
                "{method} {path} {status} answers `{content_type}`, which the document does not list: {content}"
            ));
        }
    }

    fn finish(self, at_least: usize) {
        assert!(
            self.failures.is_empty(),
            "{} of {} answers do not match the OpenAPI document:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
        assert!(
            self.checked >= at_least,
            "only {} answers checked",
            self.checked
        );
    }
}

/// `additionalProperties: false` on every object schema that lists its properties and says
/// nothing about others.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// A use case with every setting, so that its answer has values where a bare one has `null`.
fn full_use_case(hook: &str) -> Value {
    json!({
        "name": "Carrier sales",
        "transfer_number": "+14155550999",
        "extract_with_ai": [
            {"name": "load_id", "type": "string", "description": "the load", "example": "LD-0", "required": true},
            {"name": "rate", "type": "number", "description": "agreed rate", "example": 1500}
        ],
        "classification_tags": [
            {"name": "booked", "description": "The carrier booked the load"},
            {"name": "declined"}
        ],
        "language": "en-US",
        "work_start": "00:00",
        "work_end": "23:59",
        "timezone": "UTC",
        "generic_after_hours_message": "We are closed",
        "keywords": ["load"],
        "hooks": [{"url": hook, "headers": [{"key": "x-team", "value": "ops"}]}],
        "params": {"greeting": "Hi"},
        "amd": true,
        "amd_behavior": "Message",
        "amd_messages": {"en-US": "Call us back"},
        "sample_labels": [{"name": "good", "color": "green"}],
        "evaluation_models": ["gpt-4o-mini"],
        "max_duration_mins": 30,
        "recorded_message_inbound": "This call is recorded",
        "recorded_message_outbound": "This call is recorded",
        "disable_end_call_after_n_reminders": 3,
        "model": "gpt-4o"
    })
}

async fn dial_to_the_end(app: &TestApp, fixture: &Fixture, phone: &str, extra: Value) -> String {
    let id = id_of(&app.dial(fixture, phone, extra).await);
    app.run_engine().await;
    for _ in 0..60 {
        let now = app.owner().get(&format!("/calls/{id}"), 200).await;
        if now["end_reason"].is_string() {
            return id;
        }
        app.advance(60).await;
    }
    panic!("call {id} did not end within an hour");
}

async fn real_answers_match_the_document(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let mut c = Conformance::new();
    let owner = app.owner();
    let (get, post, patch, delete) = (Method::GET, Method::POST, Method::PATCH, Method::DELETE);

    // Use cases: one with every setting, one bare (its optional settings `null`).
    let fixture = app.number_for(&app.org, full_use_case(&receiver.url)).await;
    let uc = fixture.use_case_id.to_string();
    let bare = c
        .call(
            &owner,
            post.clone(),
            "/use-cases",
            "/use-cases",
            Some(json!({"name": "Bare"})),
            200,
        )
        .await;
    assert!(bare["timezone"].is_null() && bare["params"].is_null());
    c.call(&owner, get.clone(), "/use-cases", "/use-cases", None, 200)
        .await;
    c.call(
        &owner,
        get.clone(),
        "/use-cases/{id}",
        &format!("/use-cases/{uc}"),
        None,
        200,
    )
    .await;
    let bare_id = id_of(&bare);
    c.call(
        &owner,
        patch.clone(),
        "/use-cases/{id}",
        &format!("/use-cases/{bare_id}"),
        Some(json!({"detailed_work_hours": {"monday": [{"start": "08:00", "end": "17:00"}]}, "enable_detailed_work_hours": true})),
        200,
    )
    .await;

    // A call through the whole lifecycle: transcript, analysis, costs, recording, webhooks.
    let call_id = dial_to_the_end(
        &app,
        &fixture,
        "+14155550123",
        json!({"params": {"load_id": "LD-42"}, "metadata": {"crm": "7"}, "tags": ["vip"], "max_duration_mins": 20}),
    )
    .await;
    let call_path = format!("/calls/{call_id}");
    let done = c
        .call(&owner, get.clone(), "/calls/{id}", &call_path, None, 200)
        .await;
    for key in [
        "extraction",
        "classification",
        "costs",
        "duration",
        "end_reason",
        "answered_by",
    ] {
        assert!(!done[key].is_null(), "a finished call has `{key}`: {done}");
    }
    assert!(done["metadata"]["recording_sid"].is_string(), "{done}");
    let transcript = c
        .call(
            &owner,
            get.clone(),
            "/calls/{id}/transcript",
            &format!("{call_path}/transcript"),
            None,
            200,
        )
        .await;
    assert!(!transcript["messages"].as_array().unwrap().is_empty());
    let logs = c
        .call(
            &owner,
            get.clone(),
            "/calls/{id}/logs",
            &format!("{call_path}/logs"),
            None,
            200,
        )
        .await;
    let events: BTreeSet<&str> = logs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["event"].as_str())
        .collect();
    assert!(
        events.contains("status") && events.contains("webhook"),
        "{events:?}"
    );
    c.call(
        &owner,
        get.clone(),
        "/calls/{id}/recording",
        &format!("{call_path}/recording?expires_in_secs=60"),
        None,
        200,
    )
    .await;

    // What reviewers add to it.
    let noted = c
        .call(
            &owner,
            post.clone(),
            "/calls/{id}/notes",
            &format!("{call_path}/notes"),
            Some(json!({"content": "Call back at 3pm", "flagged": true})),
            200,
        )
        .await;
    let note_id = id_of(&noted["notes"][0]);
    c.call(
        &owner,
        patch.clone(),
        "/calls/{id}/notes/{note_id}",
        &format!("{call_path}/notes/{note_id}"),
        Some(json!({"content": "Call back at 4pm"})),
        200,
    )
    .await;
    c.call(
        &owner,
        patch.clone(),
        "/calls/{id}/ratings",
        &format!("{call_path}/ratings"),
        Some(json!({"emoji": "✅", "operation": "add"})),
        200,
    )
    .await;
    let viewed = c
        .call(
            &owner,
            patch.clone(),
            "/calls/{id}/viewed",
            &format!("{call_path}/viewed"),
            None,
            200,
        )
        .await;
    assert!(viewed["notes"][0]["updated_at"].is_string() && !viewed["ratings"][0].is_null());

    // Lists of calls.
    let page = c
        .call(
            &owner,
            get.clone(),
            "/calls",
            "/calls?limit=5&sort=asc&statuses=Completed,Queued",
            None,
            200,
        )
        .await;
    assert!(page["count"].as_u64().unwrap() >= 1);
    c.call(
        &owner,
        get.clone(),
        "/calls/current-page",
        &format!("/calls/current-page?callId={call_id}&limit=1"),
        None,
        200,
    )
    .await;
    c.call(&owner, get.clone(), "/calls/tags", "/calls/tags", None, 200)
        .await;

    // An export of them: queued, pending (no CSV yet), then done (the worker stepped here).
    let accepted = c
        .call(
            &owner,
            post.clone(),
            "/calls/export",
            "/calls/export",
            Some(json!({"tags": ["vip"], "from": "2024-01-01", "sort": "asc", "email": "Ops@Acme.test"})),
            202,
        )
        .await;
    let export_path = format!("/exports/{}", accepted["export_id"].as_str().unwrap());
    let pending = c
        .call(
            &owner,
            get.clone(),
            "/exports/{id}",
            &export_path,
            None,
            200,
        )
        .await;
    assert_eq!(
        (&pending["status"], &pending["email"]),
        (&json!("pending"), &json!("ops@acme.test"))
    );
    let csv = [("accept", "text/csv")];
    let not_ready = owner.send(get.clone(), &export_path, None, &csv).await;
    assert_eq!(not_ready.status, 409, "{}", not_ready.body);
    c.check(&get, "/api/v1/exports/{id}", 409, &not_ready.body);
    assert_eq!(app.exports.run_due().await.unwrap().done, 1);
    let finished = c
        .call(
            &owner,
            get.clone(),
            "/exports/{id}",
            &export_path,
            None,
            200,
        )
        .await;
    assert_eq!(
        (&finished["status"], &finished["rows"]),
        (&json!("done"), &json!(1))
    );
    for key in ["mail", "finished_at", "expires_at"] {
        assert!(
            !finished[key].is_null(),
            "a done export has `{key}`: {finished}"
        );
    }
    let file = owner.send(get.clone(), &export_path, None, &csv).await;
    assert_eq!(file.status, 200);
    let content_type = file.headers["content-type"].to_str().unwrap();
    c.check_media_type(&get, "/api/v1/exports/{id}", 200, content_type);

    // Dialing: later, in a batch, a campaign; cancel one.
    let later = c
        .call(
            &owner,
            post.clone(),
            "/dial/outbound",
            "/dial/outbound",
            Some(json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550124", "scheduled_for": "2030-01-01T00:00:00Z"})),
            200,
        )
        .await;
    assert_eq!(later["status"], "Scheduled");
    c.call(
        &owner,
        post.clone(),
        "/calls/{id}/cancel",
        &format!("/calls/{}/cancel", id_of(&later)),
        None,
        200,
    )
    .await;
    let item = json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550125"});
    c.call(
        &owner,
        post.clone(),
        "/dial/outbound-batched",
        "/dial/outbound-batched",
        Some(json!([item, item])),
        200,
    )
    .await;
    c.call(
        &owner,
        post.clone(),
        "/dial/scheduled",
        "/dial/scheduled",
        Some(json!({
            "number_id": fixture.number_id.to_string(),
            "campaign_name": "Spring",
            "calls": [{"phone_number": "+14155550126", "scheduled_date": "2030-03-01", "scheduled_time": "09:00:00", "carrier": "Acme"}],
            "retry_logic": [{"query": "Busy,No answer", "retry_period": 30}],
        })),
        200,
    )
    .await;
    let number = app
        .store
        .get_number(app.org.id, fixture.number_id)
        .await
        .unwrap();
    c.call(
        &owner,
        post.clone(),
        "/sim/inbound",
        "/sim/inbound",
        Some(json!({"to": number.number, "from": "+14155550777"})),
        200,
    )
    .await;

    // Agents, numbers, the organization, usage.
    let agent = c
        .call(
            &owner,
            post.clone(),
            "/agents",
            "/agents",
            Some(json!({"name": "Ava", "languages": ["english", "spanish"]})),
            200,
        )
        .await;
    assert!(agent["voice_id"].is_null());
    let agent_path = format!("/agents/{}", id_of(&agent));
    c.call(
        &owner,
        patch.clone(),
        "/agents/{id}",
        &agent_path,
        Some(json!({"voice_id": "ava-en"})),
        200,
    )
    .await;
    c.call(&owner, get.clone(), "/agents/{id}", &agent_path, None, 200)
        .await;
    c.call(&owner, get.clone(), "/agents", "/agents", None, 200)
        .await;

    // Prompts: one with every field, one bare (its nullable fields `null`).
    let prompt = c
        .call(
            &owner,
            post.clone(),
            "/prompts",
            "/prompts",
            Some(json!({
                "id": "65a0000000000000000000aa", "name": "Carrier pitch", "text": "You book {{load_id}}.",
                "first_message": "Hi, this is dispatch.", "use_case_id": uc, "model_id": "gpt-4o-mini",
                "tools": [{"name": "lookup_load", "description": "Finds a load",
                           "parameters": {"type": "object", "properties": {"load_id": {"type": "string"}}, "required": ["load_id"]},
                           "url": "http://127.0.0.1:9/loads", "method": "GET",
                           "headers": [{"key": "authorization", "value": "Bearer t"}], "timeout_ms": 2000}],
            })),
            200,
        )
        .await;
    let bare = c
        .call(
            &owner,
            post.clone(),
            "/prompts",
            "/prompts",
            Some(json!({"name": "Bare", "text": "Be brief."})),
            200,
        )
        .await;
    assert!(bare["first_message"].is_null() && bare["model_id"].is_null());
    let prompt_path = format!("/prompts/{}", id_of(&prompt));
    c.call(
        &owner,
        patch.clone(),
        "/prompts/{id}",
        &prompt_path,
        Some(json!({"first_message": null, "model_id": null})),
        200,
    )
    .await;
    let reader = app.as_key(&app.key(&app.org, "reader@acme.test", Role::Viewer).await);
    let masked = c
        .call(
            &reader,
            get.clone(),
            "/prompts/{id}",
            &prompt_path,
            None,
            200,
        )
        .await;
    assert_eq!(masked["tools"][0]["headers"][0]["value"], "********");
    c.call(&owner, get.clone(), "/prompts", "/prompts", None, 200)
        .await;
    c.call(
        &owner,
        patch.clone(),
        "/use-cases/{id}",
        &format!("/use-cases/{uc}"),
        Some(json!({"default_prompt_id": id_of(&prompt)})),
        200,
    )
    .await;
    c.call(
        &owner,
        delete.clone(),
        "/prompts/{id}",
        &prompt_path,
        None,
        409,
    )
    .await;
    c.call(
        &owner,
        delete.clone(),
        "/prompts/{id}",
        &format!("/prompts/{}", id_of(&bare)),
        None,
        200,
    )
    .await;
    let routed = [
        id_of(
            &owner
                .post("/prompts", json!({"name": "A", "text": "A."}), 200)
                .await,
        ),
        id_of(
            &owner
                .post("/prompts", json!({"name": "B", "text": "B."}), 200)
                .await,
        ),
    ];
    let bought = c
        .call(
            &owner,
            post.clone(),
            "/numbers",
            "/numbers",
            Some(json!({"area_code": 212})),
            200,
        )
        .await;
    assert!(bought["use_case_config"]["id"].is_null());
    let number_path = format!("/numbers/{}", id_of(&bought));
    c.call(
        &owner,
        patch.clone(),
        "/numbers/{id}",
        &number_path,
        Some(json!({
            "use_case_id": uc,
            "agent_routes": [{"probability": 100, "id": id_of(&agent)}],
            "prompt_routes": [{"probability": 50, "prompt_id": routed[0]}, {"probability": 50, "prompt_id": routed[1], "model_id": "gpt-4o-mini"}],
        })),
        200,
    )
    .await;
    c.call(
        &owner,
        patch.clone(),
        "/numbers/{id}/title",
        &format!("{number_path}/title"),
        Some(json!({"title": "NYC"})),
        200,
    )
    .await;
    c.call(&owner, get.clone(), "/numbers", "/numbers", None, 200)
        .await;
    c.call(&owner, get.clone(), "/org", "/org", None, 200).await;
    c.call(
        &owner,
        patch.clone(),
        "/org",
        "/org",
        Some(json!({"timezone": "America/Chicago"})),
        200,
    )
    .await;
    c.call(
        &owner,
        patch.clone(),
        "/member",
        "/member",
        Some(json!({"email": "rep@acme.test", "role": "Representative"})),
        200,
    )
    .await;
    c.call(
        &owner,
        get.clone(),
        "/org/webhook-secret",
        "/org/webhook-secret",
        None,
        200,
    )
    .await;
    for query in ["", "?timeframe=daily", "?timeframe=weekly"] {
        c.call(
            &owner,
            get.clone(),
            "/usage",
            &format!("/usage{query}"),
            None,
            200,
        )
        .await;
    }
    let by_use_case = c
        .call(
            &owner,
            get.clone(),
            "/usage",
            "/usage?start=2023-12-01&end=2024-02-01",
            None,
            200,
        )
        .await;
    assert!(!by_use_case.as_array().unwrap().is_empty(), "{by_use_case}");

    // An error of each kind.
    let viewer = app.as_key(&app.key(&app.org, "viewer@acme.test", Role::Viewer).await);
    c.call(
        &owner,
        get.clone(),
        "/calls/{id}",
        "/calls/not-an-id",
        None,
        400,
    )
    .await;
    c.call(&app.anonymous(), get.clone(), "/calls", "/calls", None, 401)
        .await;
    c.call(
        &viewer,
        delete.clone(),
        "/calls/{id}",
        &call_path,
        None,
        403,
    )
    .await;
    c.call(
        &owner,
        get.clone(),
        "/calls/{id}",
        "/calls/65920080a1b2c3d4e5f60718",
        None,
        404,
    )
    .await;
    c.call(
        &owner,
        post.clone(),
        "/calls/{id}/stop",
        &format!("{call_path}/stop"),
        None,
        409,
    )
    .await;
    let invalid = c
        .call(
            &owner,
            post.clone(),
            "/calls/{id}/notes",
            &format!("{call_path}/notes"),
            Some(json!({"content": " "})),
            422,
        )
        .await;
    assert_eq!(invalid["errors"][0]["field"], "content");
    c.call(&owner, get.clone(), "/calls", "/calls?limit=0", None, 422)
        .await;
    let raw = |content_type: &'static str, bytes: Vec<u8>| Some((content_type, bytes));
    let not_json = owner
        .send(
            post.clone(),
            &format!("{call_path}/notes"),
            raw("text/plain", b"hi".to_vec()),
            &[],
        )
        .await;
    assert_eq!(not_json.status, 415);
    c.check(&post, "/api/v1/calls/{id}/notes", 415, &not_json.body);
    let too_large = owner
        .send(
            post.clone(),
            &format!("{call_path}/notes"),
            raw("application/json", vec![b' '; 2 * 1024 * 1024]),
            &[],
        )
        .await;
    assert_eq!(too_large.status, 413);
    c.check(&post, "/api/v1/calls/{id}/notes", 413, &too_large.body);
    let syntax = owner
        .send(
            post.clone(),
            "/dial/outbound",
            raw("application/json", b"{".to_vec()),
            &[],
        )
        .await;
    assert_eq!(syntax.status, 400);
    c.check(&post, "/api/v1/dial/outbound", 400, &syntax.body);

    // The webhook ledger: the call's deliveries a page at a time, a replay, its refusals.
    let deliveries = "/webhooks/deliveries";
    let ledger = c
        .call(
            &owner,
            get.clone(),
            deliveries,
            &format!("{deliveries}?call_id={call_id}&limit=1"),
            None,
            200,
        )
        .await;
    assert!(ledger["next_cursor"].is_string(), "{ledger}");
    let last = c
        .call(
            &owner,
            get.clone(),
            deliveries,
            &format!(
                "{deliveries}?call_id={call_id}&cursor={}",
                ledger["next_cursor"].as_str().unwrap()
            ),
            None,
            200,
        )
        .await;
    assert!(last["next_cursor"].is_null(), "{last}");
    c.call(
        &owner,
        get.clone(),
        deliveries,
        &format!("{deliveries}?state=sent"),
        None,
        422,
    )
    .await;
    let replay = "/webhooks/deliveries/{id}/replay";
    let replay_path = format!("{deliveries}/{}/replay", id_of(&ledger["data"][0]));
    let ledger_viewer = app.as_key(&app.key(&app.org, "ledger@acme.test", Role::Viewer).await);
    c.call(
        &ledger_viewer,
        post.clone(),
        replay,
        &replay_path,
        None,
        403,
    )
    .await;
    c.call(&owner, post.clone(), replay, &replay_path, None, 202)
        .await;
    c.call(&owner, post.clone(), replay, &replay_path, None, 409)
        .await;
    let unknown = format!("{deliveries}/65920080a1b2c3d4e5f60718/replay");
    c.call(&owner, post.clone(), replay, &unknown, None, 404)
        .await;

    c.call(&owner, delete.clone(), "/calls/{id}", &call_path, None, 200)
        .await;
    c.finish(50);
}

/// The limits in front of every route (`switchyard::limits`) can refuse any operation:
/// each documents `503`, and those of `/api/v1` (which take an API key) `429`, with
/// `Retry-After`. The health check keeps its own `503`, which says both.
#[test]
fn every_operation_documents_the_limits() {
    let doc = document_json();
    for name in ["TooManyRequests", "Unavailable"] {
        let response = &doc["components"]["responses"][name];
        assert_eq!(
            response["headers"]["Retry-After"]["required"], true,
            "{name}: {response}"
        );
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
    }
    let reference = |name: &str| json!(format!("#/components/responses/{name}"));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            let keyed = path.starts_with("/api/v1/");
            assert_eq!(
                responses["429"]["$ref"],
                if keyed {
                    reference("TooManyRequests")
                } else {
                    Value::Null
                },
                "{method} {path} 429"
            );
            if path == "/healthz" {
                let content = &responses["503"]["content"];
                assert!(
                    content["text/plain"].is_object() && content["application/json"].is_object(),
                    "{content}"
                );
                assert!(responses["503"]["headers"]["Retry-After"].is_object());
            } else {
                assert_eq!(
                    responses["503"]["$ref"],
                    reference("Unavailable"),
                    "{method} {path} 503"
                );
            }
        }
    }
    let mut c = Conformance::new();
    let refusal = json!({"message": "rate limit reached for this API key: retry in 1 s"});
    c.check(&Method::POST, "/api/v1/dial/outbound", 429, &refusal);
    c.check(&Method::GET, "/api/v1/exports/{id}", 503, &refusal);
    c.check(&Method::GET, "/recordings/{org}/{file}", 503, &refusal);
    c.check(&Method::GET, "/healthz", 503, &refusal);
    c.finish(4);
}

/// A real `429` of the rate limit: the error body, and the `Retry-After` the document says.
async fn a_rate_limited_answer_matches_the_document(db: TestDatabase) {
    let http = HttpConfig {
        rate_limit_per_second: 1,
        rate_limit_burst: 1,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(db, http).await;
    let mut c = Conformance::new();
    let owner = app.owner();
    c.call(
        &owner,
        Method::GET,
        "/exports/{id}",
        "/exports/65920080a1b2c3d4e5f60718",
        None,
        404,
    )
    .await;
    let limited = c
        .call(
            &owner,
            Method::GET,
            "/exports/{id}",
            "/exports/65920080a1b2c3d4e5f60718",
            None,
            429,
        )
        .await;
    assert_error_body(&limited);
    let response = owner.send(Method::POST, "/calls/export", None, &[]).await;
    assert_eq!(response.status, 429, "{}", response.body);
    c.check(&Method::POST, "/api/v1/calls/export", 429, &response.body);
    let retry_after: u64 = response.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    c.finish(3);
}

#[test]
fn every_reference_resolves() {
    fn walk(value: &Value, doc: &Value, dangling: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    let pointer = reference.trim_start_matches('#');
                    if doc.pointer(pointer).is_none() {
                        dangling.insert(reference.to_owned());
                    }
                }
                map.values().for_each(|v| walk(v, doc, dangling));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc, dangling)),
            _ => {}
        }
    }
    let doc = document_json();
    let mut dangling = BTreeSet::new();
    walk(&doc, &doc, &mut dangling);
    assert!(dangling.is_empty(), "unresolvable references: {dangling:?}");
}

#[test]
fn operation_ids_are_unique() {
    let doc = document_json();
    let mut seen = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                seen.insert(id.to_owned()),
                "{method} {path}: operationId `{id}` is taken"
            );
        }
    }
}

/// The check above would notice a wrong answer: a missing key, a key the document does not
/// list, a wrong enum string.
#[test]
fn the_conformance_check_notices_wrong_answers() {
    let mut c = Conformance::new();
    let get = Method::GET;
    c.check(
        &get,
        "/api/v1/org/webhook-secret",
        200,
        &json!({"secret": "whsec_x"}),
    );
    assert!(c.failures.is_empty(), "{:?}", c.failures);
    c.check(&get, "/api/v1/org/webhook-secret", 200, &json!({}));
    c.check(
        &get,
        "/api/v1/org/webhook-secret",
        200,
        &json!({"secret": "s", "extra": 1}),
    );
    c.check(
        &get,
        "/api/v1/calls/{id}",
        404,
        &json!({"message": "x", "errors": null}),
    );
    c.check(
        &get,
        "/api/v1/calls/{id}/logs",
        200,
        &json!([{"seq": 1, "timestamp": "2024-01-01T00:00:00Z", "level": "debug", "event": "status", "message": "m", "data": {}}]),
    );
    c.check(&get, "/api/v1/calls/{id}", 418, &json!({}));
    assert_eq!(c.failures.len(), 5, "{:#?}", c.failures);
}
