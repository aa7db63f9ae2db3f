//! `PATCH /numbers/{id}`: use case and routes, key by key, with every rule checked.

use super::fields;
use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use serde_json::json;

crate::backend_tests!(
    routing_is_patched_key_by_key,
    routing_rules_name_their_fields,
);

async fn routing_is_patched_key_by_key(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let number = app
        .owner()
        .post("/numbers", json!({"area_code": 312}), 200)
        .await;
    let path = format!("/numbers/{}", id_of(&number));
    let use_case = id_of(
        &app.owner()
            .post("/use-cases", json!({"name": "Sales"}), 200)
            .await,
    );
    let agent = id_of(
        &app.owner()
            .post("/agents", json!({"name": "Ava"}), 200)
            .await,
    );
    let default = app
        .store
        .get_organization(app.org.id)
        .await
        .unwrap()
        .default_agent_id
        .to_string();
    let prompt = |name: &'static str| {
        let app = &app;
        async move {
            id_of(
                &app.owner()
                    .post("/prompts", json!({"name": name, "text": "Hello."}), 200)
                    .await,
            )
        }
    };
    let (p1, a, b) = (prompt("One").await, prompt("A").await, prompt("B").await);

    let body = json!({
        "use_case_id": use_case,
        "agent_routes": [{"probability": 70, "id": agent}, {"probability": 30, "id": default}],
        "prompt_routes": [{"probability": 100, "prompt_id": p1, "model_id": "gpt-4.1"}],
        "title": "ignored here",
    });
    let routed = app.owner().patch(&path, body, 200).await;
    let mut expected = number.clone();
    expected["use_case_config"] = json!({
        "id": use_case,
        "agent_routes": [{"probability": 70, "id": agent}, {"probability": 30, "id": default}],
        "prompt_routes": [{"probability": 100, "prompt_id": p1, "model_id": "gpt-4.1"}],
    });
    assert_eq!(routed, expected);
    assert_eq!(app.owner().get(&path, 200).await, expected);

    let prompts = json!([{"probability": 50, "prompt_id": a}, {"probability": 50, "prompt_id": b, "model_id": null}]);
    let patched = app
        .owner()
        .patch(&path, json!({"prompt_routes": prompts}), 200)
        .await;
    expected["use_case_config"]["prompt_routes"] = json!([{"probability": 50, "prompt_id": a, "model_id": null}, {"probability": 50, "prompt_id": b, "model_id": null}]);
    assert_eq!(patched, expected, "keys not sent keep their values");

    let cleared = app
        .owner()
        .patch(&path, json!({"use_case_id": null, "agent_routes": []}), 200)
        .await;
    expected["use_case_config"]["id"] = json!(null);
    expected["use_case_config"]["agent_routes"] = json!([]);
    assert_eq!(cleared, expected);
    let cleared = app
        .owner()
        .patch(&path, json!({"prompt_routes": null}), 200)
        .await;
    expected["use_case_config"]["prompt_routes"] = json!([]);
    assert_eq!(cleared, expected);
    assert_eq!(app.owner().patch(&path, json!({}), 200).await, expected);
}

async fn routing_rules_name_their_fields(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let number = app.owner().post("/numbers", json!({}), 200).await;
    let path = format!("/numbers/{}", id_of(&number));
    let agent = id_of(
        &app.owner()
            .post("/agents", json!({"name": "Ava"}), 200)
            .await,
    );
    let other = app.new_org("Other Co", "boss@other.test").await;
    let their_use_case = id_of(
        &app.as_key(&other.owner_key)
            .post("/use-cases", json!({"name": "Theirs"}), 200)
            .await,
    );
    let their_agent = id_of(&app.as_key(&other.owner_key).get("/agents", 200).await[0]);
    let their_prompt = id_of(
        &app.as_key(&other.owner_key)
            .post("/prompts", json!({"name": "Theirs", "text": "Hi."}), 200)
            .await,
    );
    let prompt = id_of(
        &app.owner()
            .post("/prompts", json!({"name": "Ours", "text": "Hi."}), 200)
            .await,
    );
    let unknown = "0123456789abcdef01234567";

    for (body, expected) in [
        (
            json!({"agent_routes": [{"probability": 60, "id": agent}]}),
            vec!["agent_routes"],
        ),
        (
            json!({"agent_routes": [{"probability": 60, "id": agent}, {"probability": 60, "id": agent}]}),
            vec!["agent_routes"],
        ),
        (
            json!({"prompt_routes": [{"probability": 99, "prompt_id": prompt}]}),
            vec!["prompt_routes"],
        ),
        (
            json!({"prompt_routes": [{"probability": 99, "prompt_id": "p"}]}),
            vec!["prompt_routes", "prompt_routes[0].prompt_id"],
        ),
        (
            json!({"prompt_routes": [{"probability": 50, "prompt_id": prompt}, {"probability": 50, "prompt_id": unknown}]}),
            vec!["prompt_routes[1].prompt_id"],
        ),
        (
            json!({"prompt_routes": [{"probability": 100, "prompt_id": their_prompt}]}),
            vec!["prompt_routes[0].prompt_id"],
        ),
        (
            json!({"prompt_routes": [{"probability": 100, "prompt_id": "0123456789ABCDEF01234567"}]}),
            vec!["prompt_routes[0].prompt_id"],
        ),
        (
            json!({"agent_routes": [{"probability": 101, "id": agent}]}),
            vec!["agent_routes", "agent_routes[0].probability"],
        ),
        (
            json!({"agent_routes": [{"probability": -1, "id": agent}, {"probability": 101, "id": agent}]}),
            vec!["agent_routes[0].probability", "agent_routes[1].probability"],
        ),
        (
            json!({"agent_routes": [{"probability": 100, "id": "nope"}]}),
            vec!["agent_routes[0].id"],
        ),
        (
            json!({"agent_routes": [{"probability": 100, "id": unknown}]}),
            vec!["agent_routes[0].id"],
        ),
        (
            json!({"agent_routes": [{"probability": 100, "id": their_agent}]}),
            vec!["agent_routes[0].id"],
        ),
        (
            json!({"agent_routes": [{"probability": 50.5, "id": agent}]}),
            vec!["agent_routes[0].probability"],
        ),
        (
            json!({"prompt_routes": [{"probability": 100, "prompt_id": " "}]}),
            vec!["prompt_routes[0].prompt_id"],
        ),
        (
            json!({"prompt_routes": [{"probability": 100}]}),
            vec!["prompt_routes[0].prompt_id"],
        ),
        (json!({"use_case_id": "nope"}), vec!["use_case_id"]),
        (json!({"use_case_id": unknown}), vec!["use_case_id"]),
        (json!({"use_case_id": their_use_case}), vec!["use_case_id"]),
        (
            json!({"use_case_id": their_use_case, "agent_routes": [{"probability": 10, "id": agent}], "prompt_routes": [{"probability": 100, "prompt_id": ""}]}),
            vec!["agent_routes", "prompt_routes[0].prompt_id", "use_case_id"],
        ),
    ] {
        let error = app.owner().patch(&path, body.clone(), 422).await;
        assert_eq!(fields(&error), expected, "{body}: {error}");
        assert_error_body(&error);
    }
    assert_eq!(
        app.owner().get(&path, 200).await,
        number,
        "nothing refused was stored"
    );
}
