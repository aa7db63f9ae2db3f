//! Agents over HTTP: the default agent, round trips, partial PATCH, delete conflicts, tenancy.

use crate::common::TestDatabase;
use crate::harness::{START, TestApp, assert_error_body, id_of};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    every_organization_starts_with_its_default_agent,
    agents_round_trip_with_defaults,
    patch_changes_only_the_given_keys,
    each_rule_names_its_field,
    the_default_agent_and_routed_agents_cannot_be_deleted,
    ids_roles_and_tenancy_are_enforced,
);

fn fields(error: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    fields
}

async fn every_organization_starts_with_its_default_agent(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let agents = app.owner().get("/agents", 200).await;
    let default = app
        .store
        .get_organization(app.org.id)
        .await
        .unwrap()
        .default_agent_id;
    assert_eq!(
        agents,
        json!([{"id": default.to_string(), "organization_id": app.org.id.to_string(), "name": "Default agent", "languages": ["english"], "voice_id": null, "created_at": START}])
    );
}

async fn agents_round_trip_with_defaults(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock.advance_seconds(10);
    let plain = app
        .owner()
        .post("/agents", json!({"name": " Ava "}), 200)
        .await;
    let id = id_of(&plain);
    assert_eq!(
        plain,
        json!({"id": id, "organization_id": app.org.id.to_string(), "name": "Ava", "languages": ["english"], "voice_id": null, "created_at": "2024-01-01T12:00:10Z"})
    );
    app.clock.advance_seconds(10);
    let body = json!({"name": "Bruno", "languages": ["spanish", "portuguese", "spanish"], "voice_id": "bruno-es", "id": "0123456789abcdef01234567", "extra": 1});
    let full = app.owner().post("/agents", body, 200).await;
    assert_ne!(full["id"], "0123456789abcdef01234567");
    assert_eq!(
        full,
        json!({"id": id_of(&full), "organization_id": app.org.id.to_string(), "name": "Bruno", "languages": ["spanish", "portuguese"], "voice_id": "bruno-es", "created_at": "2024-01-01T12:00:20Z"})
    );
    assert_eq!(app.owner().get(&format!("/agents/{id}"), 200).await, plain);
    let names: Vec<Value> = app
        .owner()
        .get("/agents", 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Default agent"), json!("Ava"), json!("Bruno")]
    );

    assert_eq!(
        app.owner().delete(&format!("/agents/{id}"), 200).await,
        plain
    );
    app.owner().get(&format!("/agents/{id}"), 404).await;
    app.owner().delete(&format!("/agents/{id}"), 404).await;
    assert_eq!(
        app.owner()
            .get("/agents", 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn patch_changes_only_the_given_keys(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let agent = app
        .owner()
        .post(
            "/agents",
            json!({"name": "Ava", "languages": ["english", "french"], "voice_id": "v1"}),
            200,
        )
        .await;
    let path = format!("/agents/{}", id_of(&agent));
    let mut expected = agent.clone();

    expected["name"] = json!("Ava Two");
    assert_eq!(
        app.owner()
            .patch(&path, json!({"name": "Ava Two"}), 200)
            .await,
        expected
    );
    expected["languages"] = json!(["german"]);
    assert_eq!(
        app.owner()
            .patch(&path, json!({"languages": ["german"]}), 200)
            .await,
        expected
    );
    assert_eq!(
        app.owner().patch(&path, json!({}), 200).await,
        expected,
        "an empty patch changes nothing"
    );
    expected["voice_id"] = json!(null);
    assert_eq!(
        app.owner()
            .patch(&path, json!({"voice_id": null}), 200)
            .await,
        expected,
        "null clears the voice"
    );
    expected["voice_id"] = json!("v2");
    assert_eq!(
        app.owner()
            .patch(
                &path,
                json!({"voice_id": "v2", "created_at": "2030-01-01T00:00:00Z"}),
                200
            )
            .await,
        expected
    );
    assert_eq!(app.owner().get(&path, 200).await, expected);
}

async fn each_rule_names_its_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (body, expected) in [
        (json!({}), vec!["name"]),
        (json!({"name": ""}), vec!["name"]),
        (json!({"name": "x".repeat(101)}), vec!["name"]),
        (json!({"name": "Ava", "languages": []}), vec!["languages"]),
        (
            json!({"name": "Ava", "languages": ["klingon", "english", "English"]}),
            vec!["languages[0]", "languages[2]"],
        ),
        (
            json!({"languages": ["elvish"]}),
            vec!["languages[0]", "name"],
        ),
        (
            json!({"name": "Ava", "languages": "english"}),
            vec!["languages"],
        ),
    ] {
        let error = app.owner().post("/agents", body.clone(), 422).await;
        assert_eq!(fields(&error), expected, "{body}: {error}");
        assert_error_body(&error);
    }
    assert_eq!(
        app.owner()
            .get("/agents", 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing refused was stored"
    );

    let agent = app
        .owner()
        .post("/agents", json!({"name": "Ava"}), 200)
        .await;
    let path = format!("/agents/{}", id_of(&agent));
    for (patch, expected) in [
        (json!({"name": ""}), vec!["name"]),
        (json!({"languages": []}), vec!["languages"]),
        (
            json!({"name": " ", "languages": ["martian"]}),
            vec!["languages[0]", "name"],
        ),
    ] {
        let error = app.owner().patch(&path, patch.clone(), 422).await;
        assert_eq!(fields(&error), expected, "{patch}: {error}");
    }
    assert_eq!(app.owner().get(&path, 200).await, agent);
}

async fn the_default_agent_and_routed_agents_cannot_be_deleted(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let default = app
        .store
        .get_organization(app.org.id)
        .await
        .unwrap()
        .default_agent_id;
    assert_error_body(&app.owner().delete(&format!("/agents/{default}"), 409).await);
    assert_eq!(
        app.owner().get(&format!("/agents/{default}"), 200).await["name"],
        "Default agent"
    );

    let agent = app
        .owner()
        .post("/agents", json!({"name": "Routed"}), 200)
        .await;
    let number = app.owner().post("/numbers", json!({}), 200).await;
    let number_path = format!("/numbers/{}", id_of(&number));
    let routes = json!({"agent_routes": [{"probability": 40, "id": default.to_string()}, {"probability": 60, "id": id_of(&agent)}]});
    app.owner().patch(&number_path, routes, 200).await;
    let path = format!("/agents/{}", id_of(&agent));
    assert_error_body(&app.owner().delete(&path, 409).await);
    app.owner()
        .patch(
            &number_path,
            json!({"agent_routes": [{"probability": 100, "id": default.to_string()}]}),
            200,
        )
        .await;
    assert_eq!(app.owner().delete(&path, 200).await, agent);
}

async fn ids_roles_and_tenancy_are_enforced(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let agent = app
        .owner()
        .post("/agents", json!({"name": "Ours"}), 200)
        .await;
    let path = format!("/agents/{}", id_of(&agent));

    for bad in ["123", "0123456789abcdef0123456z"] {
        assert_error_body(&app.owner().get(&format!("/agents/{bad}"), 400).await);
        app.owner()
            .patch(&format!("/agents/{bad}"), json!({"name": "x"}), 400)
            .await;
        app.owner().delete(&format!("/agents/{bad}"), 400).await;
    }
    let unknown = "/agents/0123456789abcdef01234567";
    let missing = app.owner().get(unknown, 404).await;
    assert_error_body(&missing);
    app.owner().patch(unknown, json!({"name": "x"}), 404).await;
    app.owner().delete(unknown, 404).await;

    let other = app.new_org("Other Co", "boss@other.test").await;
    let intruder = app.as_key(&other.owner_key);
    assert_eq!(intruder.get(&path, 404).await, missing);
    intruder.patch(&path, json!({"name": "Mine"}), 404).await;
    intruder.delete(&path, 404).await;
    let theirs = intruder.get("/agents", 200).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["organization_id"], other.id.to_string());

    for role in [Role::Viewer, Role::Representative] {
        let key = app
            .key(&app.org, &format!("{role}@acme.test").to_lowercase(), role)
            .await;
        let client = app.as_key(&key);
        assert_eq!(client.get(&path, 200).await, agent);
        assert_eq!(
            client.get("/agents", 200).await.as_array().unwrap().len(),
            2
        );
        assert_error_body(&client.post("/agents", json!({"name": "No"}), 403).await);
        client.patch(&path, json!({"name": "No"}), 403).await;
        client.delete(&path, 403).await;
    }
    assert_error_body(&app.anonymous().get("/agents", 401).await);
    app.anonymous().delete(&path, 401).await;
    assert_eq!(app.owner().get(&path, 200).await, agent);
}
