//! `POST /sandbox/orgs`: organizations on demand with the admin token, one per CI job,
//! each seeing only its own calls.

use crate::common::TestDatabase;
use crate::harness::{ADMIN_TOKEN, START, TestApp, TestOrg, assert_error_body, id_of};
use reqwest::Method;
use serde_json::{Value, json};

crate::backend_tests!(
    the_admin_token_creates_an_organization_with_an_owner_key,
    only_the_admin_token_creates_organizations,
    names_and_owners_are_checked_and_names_may_repeat,
    organizations_created_side_by_side_see_only_their_own_calls,
);

async fn create(app: &TestApp, body: Value, expect: u16) -> Value {
    app.as_key(ADMIN_TOKEN)
        .post("/sandbox/orgs", body, expect)
        .await
}

async fn the_admin_token_creates_an_organization_with_an_owner_key(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let answer = app
        .as_key(ADMIN_TOKEN)
        .send(
            Method::POST,
            "/sandbox/orgs",
            Some((
                "application/json",
                br#"{"name": "CI job 1", "owner": "ci@example.test"}"#.to_vec(),
            )),
            &[],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let created = answer.body;
    assert_eq!(created.as_object().unwrap().len(), 2, "{created}");
    let key = created["api_key"].as_str().unwrap();
    assert!(key.starts_with("sy_"), "{created}");

    let org = app.as_key(key).get("/org", 200).await;
    assert_eq!(org["id"], created["organization_id"]);
    assert_eq!(org["name"], "CI job 1");
    assert_eq!(
        org["members"],
        json!([{"email": "ci@example.test", "role": "Owner"}]),
        "{org}"
    );
    // An Owner: it may use the sandbox's Owner-only routes.
    app.as_key(key)
        .post("/sandbox/clock", json!({"now": START}), 200)
        .await;
    let agents = app.as_key(key).get("/agents", 200).await;
    assert_eq!(agents[0]["name"], "Default agent", "{agents}");
}

async fn only_the_admin_token_creates_organizations(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let body = json!({"name": "Intruder", "owner": "x@example.test"});
    // An Owner's API key is not the admin token, nor is a near miss.
    let owner_key = app.org.owner_key.clone();
    let near_miss = format!("{ADMIN_TOKEN}x");
    for key in [owner_key.as_str(), &near_miss, &ADMIN_TOKEN[1..]] {
        let refused = app
            .as_key(key)
            .post("/sandbox/orgs", body.clone(), 401)
            .await;
        assert_eq!(refused, json!({"message": "invalid admin token"}));
    }
    let missing = app
        .anonymous()
        .post("/sandbox/orgs", body.clone(), 401)
        .await;
    assert_error_body(&missing);
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("authorization: Bearer"),
        "{missing}"
    );
    for header in [format!("Basic {ADMIN_TOKEN}"), ADMIN_TOKEN.to_owned()] {
        let answer = app
            .anonymous()
            .send(
                Method::POST,
                "/sandbox/orgs",
                Some(("application/json", body.to_string().into_bytes())),
                &[("authorization", &header)],
            )
            .await;
        assert_eq!(answer.status, 401, "{header}: {}", answer.body);
    }
    // The token is checked before the body is read.
    let unread = app
        .anonymous()
        .send(
            Method::POST,
            "/sandbox/orgs",
            Some(("application/json", b"{not json".to_vec())),
            &[],
        )
        .await;
    assert_eq!(unread.status, 401, "{}", unread.body);
}

async fn names_and_owners_are_checked_and_names_may_repeat(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let fields = |answer: &Value| -> Vec<String> {
        answer["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let bad = create(&app, json!({"name": "", "owner": "not an email"}), 422).await;
    assert_error_body(&bad);
    assert_eq!(fields(&bad), ["name", "owner"], "{bad}");
    let long = create(
        &app,
        json!({"name": "n".repeat(31), "owner": "ci@example.test"}),
        422,
    )
    .await;
    assert_eq!(fields(&long), ["name"], "{long}");
    create(&app, json!({"name": "CI"}), 422).await;
    create(
        &app,
        json!({"name": "CI", "owner": "ci@example.test", "plan": "free"}),
        422,
    )
    .await;

    let body = json!({"name": "Same name", "owner": "ci@example.test"});
    let first = create(&app, body.clone(), 200).await;
    let second = create(&app, body, 200).await;
    assert_ne!(first["organization_id"], second["organization_id"]);
    assert_ne!(first["api_key"], second["api_key"]);
}

async fn organizations_created_side_by_side_see_only_their_own_calls(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    // Six CI jobs at once, each on a connection of its own.
    let mut jobs = tokio::task::JoinSet::new();
    for job in 0..6 {
        let (http, url) = (
            app.http.clone(),
            format!("{}/api/v1/sandbox/orgs", app.base),
        );
        jobs.spawn(async move {
            let body =
                json!({"name": format!("CI job {job}"), "owner": format!("job{job}@ci.test")});
            let response = http
                .post(url)
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        });
    }
    let mut created = Vec::new();
    while let Some(org) = jobs.join_next().await {
        created.push(org.unwrap());
    }
    let mut calls = Vec::new();
    for (job, org) in created.iter().enumerate() {
        let key = org["api_key"].as_str().unwrap();
        let organization = TestOrg {
            id: org["organization_id"].as_str().unwrap().parse().unwrap(),
            owner_key: key.to_owned(),
        };
        let fixture = app.number_with_use_case(&organization, "CI").await;
        let body = json!({
            "number_id": fixture.number_id.to_string(),
            "phone_number": format!("+1415555016{job}"),
        });
        let call = app.as_key(key).post("/dial/outbound", body, 200).await;
        calls.push(id_of(&call));
    }
    for (job, org) in created.iter().enumerate() {
        let client = app.as_key(org["api_key"].as_str().unwrap());
        let page = client.get("/calls", 200).await;
        assert_eq!(page["count"], 1, "job {job}: {page}");
        assert_eq!(page["calls"][0]["id"], calls[job].as_str());
        for id in calls.iter().filter(|id| **id != calls[job]) {
            let refused = client.get(&format!("/calls/{id}"), 404).await;
            assert_error_body(&refused);
        }
    }
}
