//! Another organization's call is a 404 on every calls endpoint, indistinguishable from an
//! unknown id, and it never shows up in lists, pages, tags or dial lookups.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use reqwest::Method;
use serde_json::{Value, json};

crate::backend_tests!(
    another_organizations_call_is_404_on_every_endpoint,
    lists_and_dial_only_see_the_callers_organization,
);

async fn another_organizations_call_is_404_on_every_endpoint(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app
        .dial(&fixture, "+14155550900", json!({"tags": ["ours"]}))
        .await;
    let with_note = app
        .owner()
        .post(
            &format!("/calls/{}/notes", id_of(&call)),
            json!({"content": "ours"}),
            200,
        )
        .await;
    let note = id_of(&with_note["notes"][0]);
    let live = app.seed_call(&call, "In progress", |_| {}).await;
    let intruder = app.new_org("Intruder Inc", "eve@intruder.test").await;
    let unknown = "0123456789abcdef01234567";

    let id = id_of(&call);
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/calls/{id}"), None),
        (Method::DELETE, format!("/calls/{id}"), None),
        (Method::POST, format!("/calls/{id}/cancel"), None),
        (Method::POST, format!("/calls/{}/stop", id_of(&live)), None),
        (
            Method::POST,
            format!("/calls/{id}/notes"),
            Some(json!({"content": "mine now"})),
        ),
        (
            Method::PATCH,
            format!("/calls/{id}/notes/{note}"),
            Some(json!({"content": "edited"})),
        ),
        (Method::DELETE, format!("/calls/{id}/notes/{note}"), None),
        (
            Method::PATCH,
            format!("/calls/{id}/viewed"),
            Some(json!({})),
        ),
        (
            Method::PATCH,
            format!("/calls/{id}/ratings"),
            Some(json!({"emoji": "👎", "email": "eve@intruder.test", "operation": "add"})),
        ),
        (
            Method::GET,
            format!("/calls/current-page?callId={id}"),
            None,
        ),
    ];
    for (method, path, body) in endpoints {
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        let theirs = app
            .as_key(&intruder.owner_key)
            .send(method.clone(), &path, body.clone(), &[])
            .await;
        assert_eq!(theirs.status, 404, "{method} {path}: {}", theirs.body);
        assert_error_body(&theirs.body);
        let unknown_path = path.replace(&id, unknown).replace(&id_of(&live), unknown);
        let missing = app
            .as_key(&intruder.owner_key)
            .send(method.clone(), &unknown_path, body, &[])
            .await;
        assert_eq!(
            missing.body, theirs.body,
            "an unknown id and a foreign id must look the same"
        );
    }

    let untouched = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(untouched["status"], "Queued");
    assert_eq!(untouched["notes"], with_note["notes"]);
    assert_eq!(
        (untouched["viewed_by"].clone(), untouched["ratings"].clone()),
        (json!([]), json!([]))
    );
    let still_live = app
        .owner()
        .get(&format!("/calls/{}", id_of(&live)), 200)
        .await;
    assert_eq!(still_live["status"], "In progress");
}

async fn lists_and_dial_only_see_the_callers_organization(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app
        .dial(&fixture, "+14155550901", json!({"tags": ["ours"]}))
        .await;
    let intruder = app.new_org("Intruder Inc", "eve@intruder.test").await;
    let theirs = app.as_key(&intruder.owner_key);

    let page = theirs.get("/calls", 200).await;
    assert_eq!(
        (page["count"].clone(), page["calls"].clone()),
        (json!(0), json!([]))
    );
    assert_eq!(theirs.get("/calls/tags", 200).await, json!([]));
    assert_eq!(
        theirs
            .get(&format!("/calls?use_cases={}", fixture.use_case_id), 200)
            .await["count"],
        0
    );
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550902"});
    let error = theirs.post("/dial/outbound", body.clone(), 422).await;
    assert_eq!(error["errors"][0]["field"], "number_id");
    theirs
        .post("/dial/outbound-batched", json!([body]), 422)
        .await;
    let campaign = json!({"number_id": fixture.number_id.to_string(), "calls": [{"phone_number": "+14155550903"}]});
    theirs.post("/dial/scheduled", campaign, 422).await;
    let own_number = app.number_with_use_case(&intruder, "Theirs").await;
    let cross_use_case = json!({"number_id": own_number.number_id.to_string(), "phone_number": "+14155550904", "use_case_id": fixture.use_case_id.to_string()});
    assert_eq!(
        theirs.post("/dial/outbound", cross_use_case, 422).await["errors"][0]["field"],
        "use_case_id"
    );
    assert_eq!(
        app.owner().get("/calls", 200).await["calls"][0]["id"],
        call["id"]
    );
}
