//! Use cases over HTTP: defaults, round trips, partial PATCH, delete conflicts, tenancy.

use crate::common::TestDatabase;
use crate::harness::{START, TestApp, assert_error_body, id_of};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

mod rules;

crate::backend_tests!(
    a_minimal_use_case_gets_the_documented_defaults,
    every_field_round_trips,
    list_is_oldest_first_and_per_organization,
    patch_changes_only_the_given_keys,
    delete_is_refused_while_numbers_or_pending_calls_use_it,
    ids_roles_and_tenancy_are_enforced,
);

const KEYS: &[&str] = &[
    "amd",
    "amd_behavior",
    "amd_messages",
    "classification_tags",
    "created_at",
    "detailed_work_hours",
    "disable_end_call_after_n_reminders",
    "enable_detailed_work_hours",
    "evaluation_models",
    "extract_with_ai",
    "generic_after_hours_message",
    "hidden",
    "hooks",
    "id",
    "keywords",
    "language",
    "max_duration_mins",
    "model",
    "name",
    "organization_id",
    "params",
    "recorded_message_inbound",
    "recorded_message_outbound",
    "sample_labels",
    "show_original_caller_id",
    "timezone",
    "transfer_number",
    "work_end",
    "work_start",
];

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn fields(error: &Value) -> Vec<String> {
    let mut fields: Vec<String> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

async fn a_minimal_use_case_gets_the_documented_defaults(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let created = app
        .owner()
        .post("/use-cases", json!({"name": "  Carrier sales "}), 200)
        .await;
    assert_eq!(keys(&created), KEYS);
    let id = id_of(&created);
    assert_eq!(id.len(), 24);
    let expected = json!({
        "id": id, "organization_id": app.org.id.to_string(), "name": "Carrier sales",
        "transfer_number": null, "extract_with_ai": [], "classification_tags": [], "language": "en-US",
        "detailed_work_hours": null, "work_start": null, "work_end": null, "timezone": null,
        "generic_after_hours_message": null, "enable_detailed_work_hours": false, "keywords": [], "hooks": [],
        "params": null, "amd": false, "amd_behavior": null, "amd_messages": {}, "sample_labels": [],
        "hidden": false, "evaluation_models": [], "max_duration_mins": null, "recorded_message_inbound": null,
        "recorded_message_outbound": null, "show_original_caller_id": false,
        "disable_end_call_after_n_reminders": null, "model": "gpt-4o", "created_at": START,
    });
    assert_eq!(created, expected);
    assert_eq!(
        app.owner().get(&format!("/use-cases/{id}"), 200).await,
        expected
    );
}

fn full_body() -> Value {
    json!({
        "name": "Carrier sales", "transfer_number": "+13125550100",
        "extract_with_ai": [
            {"name": "load_number", "description": "The load", "type": "string", "example": "LD-1", "required": true},
            {"name": "rate", "type": "number"},
            {"name": "pickup", "type": "date", "example": null},
        ],
        "classification_tags": [{"name": "booked", "description": "Booked a load"}, {"name": "declined"}],
        "language": "es-MX",
        "detailed_work_hours": {"monday": [{"start": "8:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}], "saturday": []},
        "work_start": "08:00", "work_end": "17:00", "timezone": "America/Chicago",
        "generic_after_hours_message": "We are closed", "enable_detailed_work_hours": true, "keywords": ["reefer"],
        "hooks": [{"url": "https://hooks.example.com/calls?x=1", "headers": [{"key": "x-token", "value": "abc"}]}, {"url": "http://10.0.0.1:8080/h"}],
        "params": {"greeting": "hola"}, "amd": true, "amd_behavior": "Message", "amd_messages": {"es-MX": "Llámenos"},
        "sample_labels": [{"name": "good", "color": "#00ff00"}], "hidden": true, "evaluation_models": ["judge-1"],
        "max_duration_mins": 240, "recorded_message_inbound": "in", "recorded_message_outbound": "out",
        "show_original_caller_id": true, "disable_end_call_after_n_reminders": 3, "model": "gpt-4.1",
        "id": "0123456789abcdef01234567", "created_at": "2030-01-01T00:00:00Z", "unknown_field": {"a": 1},
    })
}

async fn every_field_round_trips(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let created = app.owner().post("/use-cases", full_body(), 200).await;
    assert_eq!(keys(&created), KEYS, "unknown fields are not echoed");
    assert_ne!(
        created["id"], "0123456789abcdef01234567",
        "the client does not choose the id"
    );
    assert_eq!(created["created_at"], START);
    let mut expected = full_body();
    let object = expected.as_object_mut().unwrap();
    object.remove("unknown_field");
    object.insert("id".into(), created["id"].clone());
    object.insert("organization_id".into(), json!(app.org.id.to_string()));
    object.insert("created_at".into(), json!(START));
    expected["detailed_work_hours"]["monday"][0]["start"] = json!("08:00");
    expected["extract_with_ai"][1] = json!({"name": "rate", "description": "", "type": "number", "example": null, "required": false});
    expected["extract_with_ai"][2] = json!({"name": "pickup", "description": "", "type": "date", "example": null, "required": false});
    expected["classification_tags"][1] = json!({"name": "declined", "description": ""});
    expected["hooks"][1] = json!({"url": "http://10.0.0.1:8080/h", "headers": []});
    assert_eq!(created, expected);
    assert_eq!(
        app.owner()
            .get(&format!("/use-cases/{}", id_of(&created)), 200)
            .await,
        expected
    );

    // Legacy clients send null for "nothing" and "" for an unset optional setting.
    let nulls = json!({"name": "Nulls", "keywords": null, "hooks": null, "amd": null, "transfer_number": "", "timezone": "", "language": null});
    let created = app.owner().post("/use-cases", nulls, 200).await;
    assert_eq!(
        (
            created["keywords"].clone(),
            created["hooks"].clone(),
            created["amd"].clone()
        ),
        (json!([]), json!([]), json!(false))
    );
    assert_eq!(
        (
            created["transfer_number"].clone(),
            created["timezone"].clone(),
            created["language"].clone()
        ),
        (json!(null), json!(null), json!("en-US"))
    );
}

async fn list_is_oldest_first_and_per_organization(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_eq!(app.owner().get("/use-cases", 200).await, json!([]));
    let mut made = Vec::new();
    for name in ["First", "Second", "Third"] {
        app.clock.advance_seconds(1);
        made.push(
            app.owner()
                .post("/use-cases", json!({"name": name}), 200)
                .await,
        );
    }
    let other = app.new_org("Other Co", "boss@other.test").await;
    app.as_key(&other.owner_key)
        .post("/use-cases", json!({"name": "Theirs"}), 200)
        .await;
    assert_eq!(app.owner().get("/use-cases", 200).await, json!(made));
    let theirs = app.as_key(&other.owner_key).get("/use-cases", 200).await;
    assert_eq!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].clone())
            .collect::<Vec<_>>(),
        vec![json!("Theirs")]
    );
}

async fn patch_changes_only_the_given_keys(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let created = app.owner().post("/use-cases", full_body(), 200).await;
    let path = format!("/use-cases/{}", id_of(&created));

    app.clock.advance_seconds(60);
    let renamed = app
        .owner()
        .patch(&path, json!({"name": "Renamed", "surprise": true}), 200)
        .await;
    let mut expected = created.clone();
    expected["name"] = json!("Renamed");
    assert_eq!(renamed, expected);

    let patch = json!({"transfer_number": null, "keywords": ["a", "b"], "amd": false, "amd_behavior": null, "work_start": "07:30", "language": "fr-FR"});
    let patched = app.owner().patch(&path, patch, 200).await;
    for (key, value) in [
        ("transfer_number", json!(null)),
        ("keywords", json!(["a", "b"])),
        ("amd", json!(false)),
        ("amd_behavior", json!(null)),
        ("work_start", json!("07:30")),
        ("language", json!("fr-FR")),
    ] {
        expected[key] = value;
    }
    assert_eq!(patched, expected);

    // Identity fields are not the client's to change.
    let unchanged = app.owner().patch(&path, json!({"id": "0123456789abcdef01234567", "organization_id": "0123456789abcdef01234567", "created_at": "2030-01-01T00:00:00Z"}), 200).await;
    assert_eq!(unchanged, expected);
    assert_eq!(app.owner().patch(&path, json!({}), 200).await, expected);
    assert_eq!(app.owner().get(&path, 200).await, expected);
}

async fn delete_is_refused_while_numbers_or_pending_calls_use_it(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let free = app
        .owner()
        .post("/use-cases", json!({"name": "Unused"}), 200)
        .await;
    let path = format!("/use-cases/{}", id_of(&free));
    let number = app.owner().post("/numbers", json!({}), 200).await;
    let number_path = format!("/numbers/{}", id_of(&number));
    app.owner()
        .patch(&number_path, json!({"use_case_id": id_of(&free)}), 200)
        .await;
    assert_error_body(&app.owner().delete(&path, 409).await);
    app.owner()
        .patch(&number_path, json!({"use_case_id": null}), 200)
        .await;
    assert_eq!(app.owner().delete(&path, 200).await, free);
    app.owner().get(&path, 404).await;
    app.owner().delete(&path, 404).await;

    // A queued call keeps its use case alive even once no number routes to it.
    let fixture = app.number_with_use_case(&app.org, "Busy").await;
    let call = app.dial(&fixture, "+14155550123", json!({})).await;
    let busy = format!("/use-cases/{}", fixture.use_case_id);
    app.owner()
        .patch(
            &format!("/numbers/{}", fixture.number_id),
            json!({"use_case_id": null}),
            200,
        )
        .await;
    let conflict = app.owner().delete(&busy, 409).await;
    assert_error_body(&conflict);
    app.owner()
        .post_empty(&format!("/calls/{}/cancel", id_of(&call)), 200)
        .await;
    assert_eq!(app.owner().delete(&busy, 200).await["name"], "Busy");
}

async fn ids_roles_and_tenancy_are_enforced(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let created = app
        .owner()
        .post("/use-cases", json!({"name": "Ours"}), 200)
        .await;
    let path = format!("/use-cases/{}", id_of(&created));

    for bad in [
        "123",
        "0123456789abcdef0123456z",
        "0123456789abcdef012345678",
    ] {
        assert_error_body(&app.owner().get(&format!("/use-cases/{bad}"), 400).await);
        app.owner()
            .patch(&format!("/use-cases/{bad}"), json!({"name": "x"}), 400)
            .await;
        app.owner().delete(&format!("/use-cases/{bad}"), 400).await;
    }
    let unknown = "/use-cases/0123456789abcdef01234567";
    let missing = app.owner().get(unknown, 404).await;
    assert_error_body(&missing);
    app.owner().patch(unknown, json!({"name": "x"}), 404).await;
    app.owner().delete(unknown, 404).await;

    let other = app.new_org("Other Co", "boss@other.test").await;
    let intruder = app.as_key(&other.owner_key);
    assert_eq!(
        intruder.get(&path, 404).await,
        missing,
        "a foreign id looks like an unknown one"
    );
    intruder.patch(&path, json!({"name": "Mine"}), 404).await;
    intruder.delete(&path, 404).await;

    for role in [Role::Viewer, Role::Representative] {
        let key = app
            .key(&app.org, &format!("{role}@acme.test").to_lowercase(), role)
            .await;
        let client = app.as_key(&key);
        assert_eq!(client.get(&path, 200).await, created);
        assert_eq!(client.get("/use-cases", 200).await, json!([created]));
        assert_error_body(&client.post("/use-cases", json!({"name": "No"}), 403).await);
        client.patch(&path, json!({"name": "No"}), 403).await;
        client.delete(&path, 403).await;
    }
    assert_error_body(&app.anonymous().get("/use-cases", 401).await);
    app.anonymous()
        .post("/use-cases", json!({"name": "No"}), 401)
        .await;
    assert_eq!(
        app.owner().get(&path, 200).await,
        created,
        "nothing above changed it"
    );
}
