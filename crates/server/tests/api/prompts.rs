//! Prompts over HTTP (an extension): round trips, client-chosen ids, every rule, masked
//! tool credentials, roles and tenancy, delete conflicts; then which prompt and which model
//! a call gets, from a dial, a batch, a campaign and the simulated network.

use crate::common::TestDatabase;
use crate::harness::{Fixture, START, TestApp, assert_error_body, closed_openai_endpoint, id_of};
use serde_json::{Value, json};
use switchyard::config::HttpConfig;
use switchyard_core::enums::Role;
use switchyard_engine::config::EngineConfig;

crate::backend_tests!(
    prompts_round_trip_with_defaults,
    clients_may_choose_ids,
    each_rule_names_its_field,
    tool_urls_pass_the_destination_guard,
    tool_credentials_are_masked_for_non_owners,
    patch_changes_only_the_given_keys,
    prompts_in_use_cannot_be_deleted,
    roles_and_tenancy_are_enforced,
    use_cases_take_a_default_prompt,
    dial_names_only_the_organizations_prompts,
    which_prompt_a_call_runs,
    which_model_a_call_runs,
    models_other_than_scripted_need_an_endpoint,
    any_model_may_be_asked_for_with_an_endpoint,
    inbound_calls_take_the_routed_or_default_prompt,
);

fn fields(error: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {error}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    fields
}

/// A tool with every field given.
fn full_tool() -> Value {
    json!({
        "name": "lookup_load", "description": "Finds a load by its id",
        "parameters": {"type": "object", "properties": {"load_id": {"type": "string"}}, "required": ["load_id"]},
        "url": "http://127.0.0.1:9/loads?api_key=k-123", "method": "GET",
        "headers": [{"key": "Authorization", "value": "Bearer tool-secret"}], "timeout_ms": 2500,
    })
}

/// A tool with only what is required.
fn bare_tool(name: &str) -> Value {
    json!({"name": name, "parameters": {"type": "object"}, "url": "http://127.0.0.1:9/book"})
}

async fn prompt_count(app: &TestApp) -> usize {
    let prompts = app.owner().get("/prompts", 200).await;
    prompts.as_array().expect("a list of prompts").len()
}

async fn create(app: &TestApp, body: Value) -> Value {
    app.owner().post("/prompts", body, 200).await
}

async fn prompts_round_trip_with_defaults(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_eq!(app.owner().get("/prompts", 200).await, json!([]));
    app.clock.advance_seconds(10);
    let plain = create(
        &app,
        json!({"name": " Carrier pitch ", "text": "You book loads.", "tools": [bare_tool("book")]}),
    )
    .await;
    let id = id_of(&plain);
    assert_eq!(
        plain,
        json!({
            "id": id, "organization_id": app.org.id.to_string(), "name": "Carrier pitch",
            "text": "You book loads.", "first_message": null, "use_case_id": null, "model_id": null,
            "tools": [{"name": "book", "description": "", "parameters": {"type": "object", "properties": {}},
                       "url": "http://127.0.0.1:9/book", "method": "POST", "headers": [], "timeout_ms": 5000}],
            "created_at": "2024-01-01T12:00:10Z", "updated_at": "2024-01-01T12:00:10Z",
        })
    );
    let use_case = app
        .number_with_use_case(&app.org, "Sales")
        .await
        .use_case_id;
    app.clock.advance_seconds(10);
    let full = create(
        &app,
        json!({"name": "Full", "text": "  Hello {{name}}.\n", "first_message": "Hi {{name}}!",
               "use_case_id": use_case.to_string(), "model_id": "gpt-4o-mini",
               "tools": [full_tool(), bare_tool("book")], "extra": 1}),
    )
    .await;
    let mut tool = full_tool();
    tool["description"] = json!("Finds a load by its id");
    assert_eq!(
        full,
        json!({
            "id": id_of(&full), "organization_id": app.org.id.to_string(), "name": "Full",
            "text": "  Hello {{name}}.\n", "first_message": "Hi {{name}}!",
            "use_case_id": use_case.to_string(), "model_id": "gpt-4o-mini",
            "tools": [tool, {"name": "book", "description": "", "parameters": {"type": "object", "properties": {}},
                             "url": "http://127.0.0.1:9/book", "method": "POST", "headers": [], "timeout_ms": 5000}],
            "created_at": "2024-01-01T12:00:20Z", "updated_at": "2024-01-01T12:00:20Z",
        })
    );
    let blank = create(
        &app,
        json!({"name": "Blank opener", "text": "x", "first_message": " ", "tools": null}),
    )
    .await;
    assert_eq!(
        (&blank["first_message"], &blank["tools"]),
        (&json!(null), &json!([]))
    );

    assert_eq!(app.owner().get(&format!("/prompts/{id}"), 200).await, plain);
    let names: Vec<Value> = app
        .owner()
        .get("/prompts", 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Carrier pitch"), json!("Full"), json!("Blank opener")]
    );

    assert_eq!(
        app.owner().delete(&format!("/prompts/{id}"), 200).await,
        plain
    );
    let gone = app.owner().get(&format!("/prompts/{id}"), 404).await;
    assert_error_body(&gone);
    assert!(
        gone["message"]
            .as_str()
            .unwrap()
            .contains("prompt not found"),
        "{gone}"
    );
    app.owner().delete(&format!("/prompts/{id}"), 404).await;
    assert_eq!(prompt_count(&app).await, 2);
}

async fn clients_may_choose_ids(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let chosen = "65a1b2c3d4e5f60718293a4b";
    let prompt = create(&app, json!({"id": chosen, "name": "Mine", "text": "x"})).await;
    assert_eq!(prompt["id"], chosen);
    assert_eq!(
        app.owner().get(&format!("/prompts/{chosen}"), 200).await,
        prompt
    );
    let taken = app
        .owner()
        .post(
            "/prompts",
            json!({"id": chosen, "name": "Again", "text": "y"}),
            409,
        )
        .await;
    assert_error_body(&taken);
    assert!(
        taken["message"].as_str().unwrap().contains(chosen),
        "{taken}"
    );

    // Another organization may choose the same id; each sees its own.
    let other = app.new_org("Other Co", "boss@other.test").await;
    let theirs = app
        .as_key(&other.owner_key)
        .post(
            "/prompts",
            json!({"id": chosen, "name": "Theirs", "text": "z"}),
            200,
        )
        .await;
    assert_eq!(theirs["organization_id"], other.id.to_string());
    assert_eq!(
        app.owner().get(&format!("/prompts/{chosen}"), 200).await,
        prompt
    );
    assert_eq!(
        app.as_key(&other.owner_key)
            .get(&format!("/prompts/{chosen}"), 200)
            .await,
        theirs
    );
    app.as_key(&other.owner_key)
        .delete(&format!("/prompts/{chosen}"), 200)
        .await;
    assert_eq!(
        app.owner().get(&format!("/prompts/{chosen}"), 200).await,
        prompt
    );

    for bad in [
        json!("65A1B2C3D4E5F60718293A4B"),
        json!("65a1b2c3d4e5f60718293a4"),
        json!("65a1b2c3d4e5f60718293a4b0"),
        json!("65a1b2c3d4e5f60718293a4g"),
        json!(""),
        json!(42),
    ] {
        let error = app
            .owner()
            .post(
                "/prompts",
                json!({"id": bad, "name": "Bad", "text": "x"}),
                422,
            )
            .await;
        assert_eq!(fields(&error), vec!["id"], "{bad}: {error}");
    }
    assert_eq!(prompt_count(&app).await, 1);
}

async fn each_rule_names_its_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let unknown = "0123456789abcdef01234567";
    let theirs = app.new_org("Other Co", "boss@other.test").await.owner_key;
    let their_use_case = id_of(
        &app.as_key(&theirs)
            .post("/use-cases", json!({"name": "Theirs"}), 200)
            .await,
    );
    let ok = |extra: Value| {
        let mut body = json!({"name": "Pitch", "text": "Sell."});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let tool = |extra: Value| {
        let mut t = bare_tool("t");
        t.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        ok(json!({"tools": [t]}))
    };
    let headers = |n: usize| {
        (0..n)
            .map(|i| json!({"key": format!("x-h{i}"), "value": "v"}))
            .collect::<Vec<_>>()
    };
    let cases = [
        (json!({}), vec!["name", "text"]),
        (json!({"name": "Pitch"}), vec!["text"]),
        (json!({"text": "Sell."}), vec!["name"]),
        (ok(json!({"name": ""})), vec!["name"]),
        (ok(json!({"name": "   "})), vec!["name"]),
        (ok(json!({"name": "x".repeat(201)})), vec!["name"]),
        (ok(json!({"text": ""})), vec!["text"]),
        (ok(json!({"text": " \n "})), vec!["text"]),
        (ok(json!({"text": "x".repeat(100_001)})), vec!["text"]),
        (ok(json!({"text": 7})), vec!["text"]),
        (
            ok(json!({"first_message": "x".repeat(10_001)})),
            vec!["first_message"],
        ),
        (ok(json!({"use_case_id": "nope"})), vec!["use_case_id"]),
        (ok(json!({"use_case_id": unknown})), vec!["use_case_id"]),
        (
            ok(json!({"use_case_id": their_use_case})),
            vec!["use_case_id"],
        ),
        (ok(json!({"model_id": ""})), vec!["model_id"]),
        (ok(json!({"model_id": "m".repeat(201)})), vec!["model_id"]),
        (
            ok(json!({"tools": (0..33).map(|i| bare_tool(&format!("t{i}"))).collect::<Vec<_>>()})),
            vec!["tools"],
        ),
        (ok(json!({"tools": {"name": "t"}})), vec!["tools"]),
        (tool(json!({"name": ""})), vec!["tools[0].name"]),
        (tool(json!({"name": "has space"})), vec!["tools[0].name"]),
        (tool(json!({"name": "dot.ted"})), vec!["tools[0].name"]),
        (tool(json!({"name": "n".repeat(65)})), vec!["tools[0].name"]),
        (
            ok(json!({"tools": [bare_tool("same"), bare_tool("other"), bare_tool("same")]})),
            vec!["tools[2].name"],
        ),
        (
            ok(
                json!({"tools": [{"parameters": {"type": "object"}, "url": "http://127.0.0.1:9/x"}]}),
            ),
            vec!["tools[0].name"],
        ),
        (
            tool(json!({"description": "d".repeat(2001)})),
            vec!["tools[0].description"],
        ),
        (
            tool(json!({"parameters": null})),
            vec!["tools[0].parameters"],
        ),
        (tool(json!({"parameters": []})), vec!["tools[0].parameters"]),
        (
            tool(json!({"parameters": {"properties": {}}})),
            vec!["tools[0].parameters"],
        ),
        (
            tool(json!({"parameters": {"type": "string"}})),
            vec!["tools[0].parameters"],
        ),
        (
            tool(json!({"parameters": {"type": "object", "properties": []}})),
            vec!["tools[0].parameters"],
        ),
        (
            tool(json!({"parameters": {"type": "object", "properties": {"a": "string"}}})),
            vec!["tools[0].parameters"],
        ),
        (
            tool(
                json!({"parameters": {"type": "object", "properties": {"a": {}}, "required": ["b"]}}),
            ),
            vec!["tools[0].parameters"],
        ),
        (
            tool(
                json!({"parameters": {"type": "object", "properties": {"a": {}}, "required": "a"}}),
            ),
            vec!["tools[0].parameters"],
        ),
        (
            tool(
                json!({"parameters": {"type": "object", "properties": {"a": {}}, "required": [1]}}),
            ),
            vec!["tools[0].parameters"],
        ),
        (tool(json!({"url": null})), vec!["tools[0].url"]),
        (tool(json!({"url": "/relative"})), vec!["tools[0].url"]),
        (
            tool(json!({"url": "ftp://127.0.0.1/x"})),
            vec!["tools[0].url"],
        ),
        (tool(json!({"url": "not a url"})), vec!["tools[0].url"]),
        (
            tool(json!({"url": format!("http://127.0.0.1/{}", "a".repeat(2048))})),
            vec!["tools[0].url"],
        ),
        (tool(json!({"method": "PUT"})), vec!["tools[0].method"]),
        (tool(json!({"method": "get"})), vec!["tools[0].method"]),
        (
            tool(json!({"headers": headers(21)})),
            vec!["tools[0].headers"],
        ),
        (
            tool(json!({"headers": [{"key": "bad header", "value": "v"}]})),
            vec!["tools[0].headers[0].key"],
        ),
        (
            tool(json!({"headers": [{"key": "x-ok", "value": "line\nbreak"}]})),
            vec!["tools[0].headers[0].value"],
        ),
        (
            tool(
                json!({"headers": [{"key": "k".repeat(257), "value": "v"}, {"key": "x", "value": "v".repeat(4097)}]}),
            ),
            vec!["tools[0].headers[0].key", "tools[0].headers[1].value"],
        ),
        (tool(json!({"timeout_ms": 0})), vec!["tools[0].timeout_ms"]),
        (
            tool(json!({"timeout_ms": 30_001})),
            vec!["tools[0].timeout_ms"],
        ),
        (tool(json!({"timeout_ms": -5})), vec!["tools[0].timeout_ms"]),
        (
            ok(json!({"name": "", "model_id": "", "tools": [bare_tool("a b"), {"name": "ok"}]})),
            vec![
                "model_id",
                "name",
                "tools[0].name",
                "tools[1].parameters",
                "tools[1].url",
            ],
        ),
    ];
    for (body, expected) in cases {
        let error = app.owner().post("/prompts", body.clone(), 422).await;
        assert_eq!(fields(&error), expected, "{body}: {error}");
        assert_error_body(&error);
    }
    // The edges of every bound are accepted.
    let edges = ok(json!({
        "name": "n".repeat(200), "text": "t".repeat(100_000), "first_message": "f".repeat(10_000),
        "model_id": "m".repeat(200),
        "tools": (0..32).map(|i| {
            let mut t = bare_tool(&format!("{i}-{}", "n".repeat(60)));
            t["description"] = json!("d".repeat(2000));
            t["headers"] = json!(headers(20));
            t["timeout_ms"] = json!(if i == 0 { 1 } else { 30_000 });
            t
        }).collect::<Vec<_>>(),
    }));
    create(&app, edges).await;
    assert_eq!(prompt_count(&app).await, 1, "nothing refused was stored");

    let prompt = create(&app, ok(json!({}))).await;
    let path = format!("/prompts/{}", id_of(&prompt));
    for (patch, expected) in [
        (json!({"name": ""}), vec!["name"]),
        (json!({"text": " "}), vec!["text"]),
        (json!({"model_id": ""}), vec!["model_id"]),
        (json!({"use_case_id": unknown}), vec!["use_case_id"]),
        (
            json!({"first_message": "x".repeat(10_001)}),
            vec!["first_message"],
        ),
        (
            json!({"tools": [bare_tool("t"), bare_tool("t")]}),
            vec!["tools[1].name"],
        ),
        (
            json!({"name": " ", "tools": [{"name": "x", "parameters": {"type": "object"}, "url": "mailto:a@b.c"}]}),
            vec!["name", "tools[0].url"],
        ),
    ] {
        let error = app.owner().patch(&path, patch.clone(), 422).await;
        assert_eq!(fields(&error), expected, "{patch}: {error}");
    }
    assert_eq!(app.owner().get(&path, 200).await, prompt);
}

async fn tool_urls_pass_the_destination_guard(db: TestDatabase) {
    // The server as shipped: webhooks, and so tools, may reach only public addresses.
    let app = TestApp::spawn_configured(db, HttpConfig::default(), EngineConfig::default()).await;
    let refused = app
        .owner()
        .post(
            "/prompts",
            json!({"name": "Pitch", "text": "Sell.", "tools": [
                bare_tool("a"),
                {"name": "b", "parameters": {"type": "object"}, "url": "http://169.254.169.254/latest/meta-data"},
                {"name": "c", "parameters": {"type": "object"}, "url": "https://10.1.2.3/x"},
            ]}),
            422,
        )
        .await;
    assert_eq!(
        fields(&refused),
        vec!["tools[0].url", "tools[1].url", "tools[2].url"]
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("public http(s) address"),
        "{refused}"
    );
    let prompt = create(&app, json!({"name": "Pitch", "text": "Sell."})).await;
    let error = app
        .owner()
        .patch(
            &format!("/prompts/{}", id_of(&prompt)),
            json!({"tools": [{"name": "b", "parameters": {"type": "object"}, "url": "http://[::1]:8080/"}]}),
            422,
        )
        .await;
    assert_eq!(fields(&error), vec!["tools[0].url"]);
    assert_eq!(app.owner().get("/prompts", 200).await, json!([prompt]));
}

async fn tool_credentials_are_masked_for_non_owners(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let prompt = create(
        &app,
        json!({"name": "Pitch", "text": "Sell.", "tools": [full_tool(), bare_tool("book")]}),
    )
    .await;
    let path = format!("/prompts/{}", id_of(&prompt));
    assert_eq!(app.owner().get(&path, 200).await, prompt);
    assert_eq!(app.owner().get("/prompts", 200).await, json!([prompt]));
    let mut masked = prompt.clone();
    masked["tools"][0]["url"] = json!("http://127.0.0.1:9/loads?api_key=********");
    masked["tools"][0]["headers"][0]["value"] = json!("********");
    for role in [Role::Viewer, Role::Representative] {
        let key = app
            .key(&app.org, &format!("{role}@acme.test").to_lowercase(), role)
            .await;
        let client = app.as_key(&key);
        let seen = client.get(&path, 200).await;
        assert_eq!(seen, masked, "{role}");
        assert_eq!(client.get("/prompts", 200).await, json!([masked]));
        assert!(!seen.to_string().contains("tool-secret"));
        assert!(!seen.to_string().contains("k-123"));
    }
}

async fn patch_changes_only_the_given_keys(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let use_case = app
        .number_with_use_case(&app.org, "Sales")
        .await
        .use_case_id;
    let prompt = create(
        &app,
        json!({"name": "Pitch", "text": "Sell.", "first_message": "Hi!",
               "use_case_id": use_case.to_string(), "model_id": "gpt-4o", "tools": [full_tool()]}),
    )
    .await;
    let path = format!("/prompts/{}", id_of(&prompt));
    let mut expected = prompt.clone();

    app.clock.advance_seconds(60);
    expected["name"] = json!("Pitch two");
    expected["updated_at"] = json!("2024-01-01T12:01:00Z");
    assert_eq!(
        app.owner()
            .patch(&path, json!({"name": "Pitch two"}), 200)
            .await,
        expected
    );
    app.clock.advance_seconds(60);
    assert_eq!(
        app.owner().patch(&path, json!({}), 200).await,
        expected,
        "an empty patch changes nothing, not even updated_at"
    );
    assert_eq!(
        app.owner()
            .patch(&path, json!({"name": "Pitch two", "id": "0123456789abcdef01234567", "created_at": "2030-01-01T00:00:00Z"}), 200)
            .await,
        expected,
        "the same values, an id and dates are no change"
    );
    expected["text"] = json!("Sell more.");
    expected["first_message"] = json!(null);
    expected["use_case_id"] = json!(null);
    expected["model_id"] = json!(null);
    expected["updated_at"] = json!("2024-01-01T12:02:00Z");
    assert_eq!(
        app.owner()
            .patch(
                &path,
                json!({"text": "Sell more.", "first_message": null, "use_case_id": null, "model_id": null}),
                200
            )
            .await,
        expected,
        "null clears the nullable keys"
    );
    app.clock.advance_seconds(60);
    expected["name"] = json!("Pitch two");
    expected["first_message"] = json!("Hello {{name}}");
    expected["use_case_id"] = json!(use_case.to_string());
    expected["model_id"] = json!("scripted");
    expected["updated_at"] = json!("2024-01-01T12:03:00Z");
    assert_eq!(
        app.owner()
            .patch(
                &path,
                json!({"name": null, "text": null, "first_message": "Hello {{name}}",
                       "use_case_id": use_case.to_string(), "model_id": "scripted"}),
                200
            )
            .await,
        expected,
        "a null name or text is no change"
    );
    app.clock.advance_seconds(60);
    expected["tools"] = json!([]);
    expected["updated_at"] = json!("2024-01-01T12:04:00Z");
    assert_eq!(
        app.owner().patch(&path, json!({"tools": null}), 200).await,
        expected
    );
    expected["tools"] = json!([{"name": "book", "description": "", "parameters": {"type": "object", "properties": {}},
                                "url": "http://127.0.0.1:9/book", "method": "POST", "headers": [], "timeout_ms": 5000}]);
    assert_eq!(
        app.owner()
            .patch(&path, json!({"tools": [bare_tool("book")]}), 200)
            .await,
        expected
    );
    assert_eq!(app.owner().get(&path, 200).await, expected);
    assert_eq!(expected["created_at"], START);
}

async fn prompts_in_use_cannot_be_deleted(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Sales").await;
    let prompt = create(&app, json!({"name": "Pitch", "text": "Sell."})).await;
    let id = id_of(&prompt);
    let path = format!("/prompts/{id}");

    // A scheduled call runs it.
    let call = app
        .dial(
            &fixture,
            "+14155550400",
            json!({"prompt_id": id, "scheduled_for": "2024-02-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(call["prompt_id"], id);
    let refused = app.owner().delete(&path, 409).await;
    assert_error_body(&refused);
    assert!(
        refused["message"].as_str().unwrap().contains("calls"),
        "{refused}"
    );
    app.owner()
        .post(&format!("/calls/{}/cancel", id_of(&call)), json!({}), 200)
        .await;

    // A number routes to it.
    let number_path = format!("/numbers/{}", fixture.number_id);
    app.owner()
        .patch(
            &number_path,
            json!({"prompt_routes": [{"probability": 100, "prompt_id": id}]}),
            200,
        )
        .await;
    let refused = app.owner().delete(&path, 409).await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains(&fixture.number),
        "{refused}"
    );
    app.owner()
        .patch(&number_path, json!({"prompt_routes": []}), 200)
        .await;

    // A use case has it as its default.
    let use_case_path = format!("/use-cases/{}", fixture.use_case_id);
    app.owner()
        .patch(&use_case_path, json!({"default_prompt_id": id}), 200)
        .await;
    let refused = app.owner().delete(&path, 409).await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("default_prompt_id"),
        "{refused}"
    );
    assert_eq!(app.owner().get(&path, 200).await, prompt);
    app.owner()
        .patch(&use_case_path, json!({"default_prompt_id": null}), 200)
        .await;

    assert_eq!(app.owner().delete(&path, 200).await, prompt);
}

async fn roles_and_tenancy_are_enforced(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let prompt = create(&app, json!({"name": "Ours", "text": "x"})).await;
    let path = format!("/prompts/{}", id_of(&prompt));

    for bad in ["123", "0123456789abcdef0123456z"] {
        assert_error_body(&app.owner().get(&format!("/prompts/{bad}"), 400).await);
        app.owner()
            .patch(&format!("/prompts/{bad}"), json!({"name": "x"}), 400)
            .await;
        app.owner().delete(&format!("/prompts/{bad}"), 400).await;
    }
    let unknown = "/prompts/0123456789abcdef01234567";
    let missing = app.owner().get(unknown, 404).await;
    assert_error_body(&missing);
    app.owner().patch(unknown, json!({"name": "x"}), 404).await;
    app.owner().delete(unknown, 404).await;

    let other = app.new_org("Other Co", "boss@other.test").await;
    let intruder = app.as_key(&other.owner_key);
    assert_eq!(intruder.get(&path, 404).await, missing);
    assert_eq!(
        intruder.patch(&path, json!({"name": "Mine"}), 404).await,
        missing
    );
    assert_eq!(intruder.delete(&path, 404).await, missing);
    assert_eq!(intruder.get("/prompts", 200).await, json!([]));

    for role in [Role::Viewer, Role::Representative] {
        let key = app
            .key(&app.org, &format!("{role}@acme.test").to_lowercase(), role)
            .await;
        let client = app.as_key(&key);
        assert_eq!(client.get(&path, 200).await, prompt);
        assert_eq!(client.get("/prompts", 200).await, json!([prompt]));
        assert_error_body(
            &client
                .post("/prompts", json!({"name": "No", "text": "x"}), 403)
                .await,
        );
        client.patch(&path, json!({"name": "No"}), 403).await;
        client.delete(&path, 403).await;
    }
    assert_error_body(&app.anonymous().get("/prompts", 401).await);
    app.anonymous().delete(&path, 401).await;
    assert_eq!(app.owner().get(&path, 200).await, prompt);
}

async fn use_cases_take_a_default_prompt(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let prompt = id_of(&create(&app, json!({"name": "Pitch", "text": "x"})).await);
    let bare = app
        .owner()
        .post("/use-cases", json!({"name": "Plain"}), 200)
        .await;
    assert!(
        bare.get("default_prompt_id").is_none(),
        "an extension key is left out when unset: {bare}"
    );
    let with = app
        .owner()
        .post(
            "/use-cases",
            json!({"name": "Sales", "default_prompt_id": prompt}),
            200,
        )
        .await;
    assert_eq!(with["default_prompt_id"], prompt);
    let path = format!("/use-cases/{}", id_of(&with));
    assert_eq!(app.owner().get(&path, 200).await, with);
    let renamed = app
        .owner()
        .patch(&path, json!({"name": "Sales 2"}), 200)
        .await;
    assert_eq!(renamed["default_prompt_id"], prompt, "PATCH keeps it");
    let cleared = app
        .owner()
        .patch(&path, json!({"default_prompt_id": null}), 200)
        .await;
    assert!(cleared.get("default_prompt_id").is_none(), "{cleared}");

    let theirs = app.new_org("Other Co", "boss@other.test").await;
    let their_prompt = id_of(
        &app.as_key(&theirs.owner_key)
            .post("/prompts", json!({"name": "Theirs", "text": "x"}), 200)
            .await,
    );
    for bad in [
        json!("nope"),
        json!("0123456789abcdef01234567"),
        json!(their_prompt),
        json!(5),
    ] {
        let error = app
            .owner()
            .post(
                "/use-cases",
                json!({"name": "Bad", "default_prompt_id": bad}),
                422,
            )
            .await;
        assert_eq!(fields(&error), vec!["default_prompt_id"], "{bad}: {error}");
        let error = app
            .owner()
            .patch(&path, json!({"default_prompt_id": bad}), 422)
            .await;
        assert_eq!(fields(&error), vec!["default_prompt_id"], "{bad}: {error}");
    }
    assert_eq!(app.owner().get(&path, 200).await, cleared);
}

async fn dial_names_only_the_organizations_prompts(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Sales").await;
    let ours = id_of(&create(&app, json!({"name": "Ours", "text": "x"})).await);
    let other = app.new_org("Other Co", "boss@other.test").await;
    let theirs = id_of(
        &app.as_key(&other.owner_key)
            .post("/prompts", json!({"name": "Theirs", "text": "x"}), 200)
            .await,
    );
    let number = fixture.number_id.to_string();
    for bad in [
        json!("p-1"),
        json!("0123456789abcdef01234567"),
        json!(theirs),
    ] {
        let error = app
            .owner()
            .post(
                "/dial/outbound",
                json!({"number_id": number, "phone_number": "+14155550500", "prompt_id": bad}),
                422,
            )
            .await;
        assert_eq!(fields(&error), vec!["prompt_id"], "{bad}: {error}");

        let error = app
            .owner()
            .post(
                "/dial/outbound-batched",
                json!([
                    {"number_id": number, "phone_number": "+14155550501", "prompt_id": ours},
                    {"number_id": number, "phone_number": "+14155550502", "prompt_id": bad},
                    {"number_id": number, "phone_number": "+14155550503"},
                    {"number_id": number, "phone_number": "+14155550504", "prompt_id": bad},
                ]),
                422,
            )
            .await;
        assert_eq!(
            fields(&error),
            vec!["[1].prompt_id", "[3].prompt_id"],
            "{bad}: {error}"
        );

        let error = app
            .owner()
            .post(
                "/dial/scheduled",
                json!({"number_id": number, "prompt_id": bad,
                       "calls": [{"phone_number": "+14155550505"}, {"phone_number": "+14155550506"}]}),
                422,
            )
            .await;
        assert_eq!(fields(&error), vec!["prompt_id"], "{bad}: {error}");
    }
    let calls = app.owner().get("/calls", 200).await;
    assert_eq!(calls["count"], 0, "nothing refused was stored");

    let batch: Vec<Value> = (0..50)
        .map(|i| json!({"number_id": number, "phone_number": format!("+141555506{i:02}"), "prompt_id": ours}))
        .collect();
    let created = app
        .owner()
        .post("/dial/outbound-batched", json!(batch), 200)
        .await;
    assert!(
        created
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["prompt_id"] == ours)
    );
    let campaign = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({"number_id": number, "prompt_id": ours, "calls": [{"phone_number": "+14155550700"}]}),
            200,
        )
        .await;
    assert_eq!(campaign["createdCalls"][0]["prompt_id"], ours);
}

/// Dials from the fixture's number and answers the call's prompt id (`null` for none) and
/// model.
async fn dialed(app: &TestApp, fixture: &Fixture, extra: Value) -> (Value, Value) {
    let call = app.dial(fixture, "+14155550800", extra).await;
    let prompt = call.get("prompt_id").cloned().unwrap_or(Value::Null);
    (prompt, call["use_case"]["model"].clone())
}

async fn which_prompt_a_call_runs(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Sales").await;
    let given = id_of(&create(&app, json!({"name": "Given", "text": "x"})).await);
    let routed = id_of(&create(&app, json!({"name": "Routed", "text": "x"})).await);
    let default = id_of(&create(&app, json!({"name": "Default", "text": "x"})).await);
    let number_path = format!("/numbers/{}", fixture.number_id);
    let use_case_path = format!("/use-cases/{}", fixture.use_case_id);

    assert_eq!(
        dialed(&app, &fixture, json!({})).await.0,
        json!(null),
        "none: the engine's built-in prompt"
    );
    app.owner()
        .patch(&use_case_path, json!({"default_prompt_id": default}), 200)
        .await;
    assert_eq!(dialed(&app, &fixture, json!({})).await.0, json!(default));
    app.owner()
        .patch(
            &number_path,
            json!({"prompt_routes": [{"probability": 100, "prompt_id": routed}]}),
            200,
        )
        .await;
    assert_eq!(dialed(&app, &fixture, json!({})).await.0, json!(routed));
    assert_eq!(
        dialed(&app, &fixture, json!({"prompt_id": given})).await.0,
        json!(given)
    );

    // Routes draw by probability: over many calls both prompts come up.
    app.owner()
        .patch(
            &number_path,
            json!({"prompt_routes": [{"probability": 50, "prompt_id": routed}, {"probability": 50, "prompt_id": given}]}),
            200,
        )
        .await;
    let batch: Vec<Value> = (0..60)
        .map(|i| json!({"number_id": fixture.number_id.to_string(), "phone_number": format!("+141555509{i:02}")}))
        .collect();
    let calls = app
        .owner()
        .post("/dial/outbound-batched", json!(batch), 200)
        .await;
    let drawn: std::collections::BTreeSet<&str> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["prompt_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        drawn,
        [given.as_str(), routed.as_str()].into_iter().collect()
    );

    // A campaign follows the same order.
    let campaign = |extra: Value| {
        let mut body = json!({"number_id": fixture.number_id.to_string(), "calls": [{"phone_number": "+14155550990"}]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let app = &app;
        async move {
            let answer = app.owner().post("/dial/scheduled", body, 200).await;
            answer["createdCalls"][0]
                .get("prompt_id")
                .cloned()
                .unwrap_or(Value::Null)
        }
    };
    assert_eq!(
        campaign(json!({"prompt_id": default})).await,
        json!(default)
    );
    app.owner()
        .patch(&number_path, json!({"prompt_routes": []}), 200)
        .await;
    assert_eq!(campaign(json!({})).await, json!(default));
    app.owner()
        .patch(&use_case_path, json!({"default_prompt_id": null}), 200)
        .await;
    assert_eq!(campaign(json!({})).await, json!(null));
}

async fn which_model_a_call_runs(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Sales").await;
    let modelled = id_of(
        &create(
            &app,
            json!({"name": "M", "text": "x", "model_id": "prompt-model"}),
        )
        .await,
    );
    let plain = id_of(&create(&app, json!({"name": "P", "text": "x"})).await);
    let number_path = format!("/numbers/{}", fixture.number_id);
    let use_case_path = format!("/use-cases/{}", fixture.use_case_id);
    let model = |extra: Value| {
        let (app, fixture) = (&app, &fixture);
        async move { dialed(app, fixture, extra).await.1 }
    };

    assert_eq!(model(json!({})).await, "gpt-4o", "the use case's");
    assert_eq!(model(json!({"model_id": "scripted"})).await, "scripted");
    assert_eq!(model(json!({"prompt_id": modelled})).await, "prompt-model");
    assert_eq!(
        model(json!({"prompt_id": modelled, "model_id": "scripted"})).await,
        "scripted"
    );
    assert_eq!(model(json!({"prompt_id": plain})).await, "gpt-4o");

    // A route's model wins over its prompt's; without one, the prompt's.
    app.owner()
        .patch(
            &number_path,
            json!({"prompt_routes": [{"probability": 100, "prompt_id": modelled, "model_id": "route-model"}]}),
            200,
        )
        .await;
    assert_eq!(model(json!({})).await, "route-model");
    assert_eq!(model(json!({"model_id": "scripted"})).await, "scripted");
    assert_eq!(
        model(json!({"prompt_id": plain})).await,
        "gpt-4o",
        "a route's model goes with its prompt only"
    );
    app.owner()
        .patch(
            &number_path,
            json!({"prompt_routes": [{"probability": 100, "prompt_id": modelled}]}),
            200,
        )
        .await;
    assert_eq!(model(json!({})).await, "prompt-model");

    // The use case's default prompt's model, then the use case's own.
    app.owner()
        .patch(&number_path, json!({"prompt_routes": []}), 200)
        .await;
    app.owner()
        .patch(
            &use_case_path,
            json!({"default_prompt_id": modelled, "model": "use-case-model"}),
            200,
        )
        .await;
    assert_eq!(model(json!({})).await, "prompt-model");
    app.owner()
        .patch(&use_case_path, json!({"default_prompt_id": plain}), 200)
        .await;
    assert_eq!(model(json!({})).await, "use-case-model");
}

async fn models_other_than_scripted_need_an_endpoint(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Sales").await;
    let number = fixture.number_id.to_string();
    let error = app
        .owner()
        .post(
            "/dial/outbound",
            json!({"number_id": number, "phone_number": "+14155551000", "model_id": "gpt-4.1"}),
            422,
        )
        .await;
    assert_eq!(fields(&error), vec!["model_id"]);
    let message = error["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("gpt-4.1")
            && message.contains("--openai-base-url")
            && message.contains("scripted"),
        "{message}"
    );
    let error = app
        .owner()
        .post(
            "/dial/outbound-batched",
            json!([
                {"number_id": number, "phone_number": "+14155551001", "model_id": "scripted"},
                {"number_id": number, "phone_number": "+14155551002", "model_id": "gpt-4o"},
            ]),
            422,
        )
        .await;
    assert_eq!(fields(&error), vec!["[1].model_id"]);
    let error = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({"number_id": number, "model_id": "gpt-4o", "calls": [{"phone_number": "+14155551003"}]}),
            422,
        )
        .await;
    assert_eq!(fields(&error), vec!["model_id"]);

    // Models named by a prompt, a route or the use case are not the dial's: they are
    // accepted (and played by the scripted agent).
    let prompt = id_of(
        &create(
            &app,
            json!({"name": "M", "text": "x", "model_id": "gpt-4o"}),
        )
        .await,
    );
    let (_, model) = dialed(&app, &fixture, json!({"prompt_id": prompt})).await;
    assert_eq!(model, "gpt-4o");
}

async fn any_model_may_be_asked_for_with_an_endpoint(db: TestDatabase) {
    // Nothing listens at the endpoint: the call is scheduled, and never runs.
    let app = TestApp::spawn_with_model(db, closed_openai_endpoint(), None).await;
    let fixture = app.number_with_use_case(&app.org, "Sales").await;
    let call = app
        .dial(
            &fixture,
            "+14155551004",
            json!({"model_id": "gpt-4.1", "scheduled_for": "2024-06-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(call["use_case"]["model"], "gpt-4.1");
}

async fn inbound_calls_take_the_routed_or_default_prompt(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Front desk").await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let routed = id_of(
        &create(
            &app,
            json!({"name": "Routed", "text": "x", "model_id": "m-1"}),
        )
        .await,
    );
    let default = id_of(&create(&app, json!({"name": "Default", "text": "x"})).await);
    let ring = || {
        let (app, rep, to) = (&app, &rep, fixture.number.clone());
        async move {
            app.as_key(rep)
                .post(
                    "/sim/inbound",
                    json!({"to": to, "from": "+14155551100"}),
                    200,
                )
                .await
        }
    };
    assert!(ring().await.get("prompt_id").is_none());
    app.owner()
        .patch(
            &format!("/use-cases/{}", fixture.use_case_id),
            json!({"default_prompt_id": default}),
            200,
        )
        .await;
    assert_eq!(ring().await["prompt_id"], default);
    app.owner()
        .patch(
            &format!("/numbers/{}", fixture.number_id),
            json!({"prompt_routes": [{"probability": 100, "prompt_id": routed}]}),
            200,
        )
        .await;
    let call = ring().await;
    assert_eq!(
        (
            &call["type"],
            &call["prompt_id"],
            &call["use_case"]["model"]
        ),
        (&json!("Inbound"), &json!(routed), &json!("m-1"))
    );
}
