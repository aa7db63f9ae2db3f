use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_full_call, id_of};
use base64::Engine;
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    outbound_creates_a_queued_call_shaped_by_the_contract,
    outbound_in_the_future_is_scheduled,
    outbound_reports_every_bad_field,
    outbound_needs_a_use_case_from_the_request_or_the_number,
    batched_is_all_or_nothing_and_names_each_bad_index,
    batched_takes_ten_thousand_calls,
    scheduled_campaign_from_calls_with_dates_timezones_and_stagger,
    scheduled_campaign_from_csv,
    scheduled_campaign_rules_are_checked,
    idempotency_key_replays_the_first_response,
);

async fn outbound_creates_a_queued_call_shaped_by_the_contract(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let prompt = app
        .owner()
        .post("/prompts", json!({"name": "Sales", "text": "Sell."}), 200)
        .await;
    let body = json!({
        "number_id": fixture.number_id.to_string(), "phone_number": "+14155550100",
        "params": {"load_id": "L-1"}, "metadata": {"crm_id": 42}, "tags": ["vip"],
        "language": "es-MX", "max_duration_mins": 15, "voice_id": "ignored", "model": "ignored",
        "prompt_id": id_of(&prompt), "model_id": "scripted", "wait_until_awake": true,
    });
    let call = app.as_key(&rep).post("/dial/outbound", body, 200).await;

    assert_full_call(&call);
    assert_eq!(call["type"], "Outbound");
    assert_eq!(call["status"], "Queued");
    assert_eq!(call["provider"], "Twilio");
    assert_eq!(call["organization_id"], app.org.id.to_string());
    assert_eq!(
        call["metadata"],
        json!({"from": fixture.number, "to": "+14155550100", "tags": ["vip"], "custom": {"crm_id": 42}})
    );
    assert_eq!(call["use_case"]["id"], fixture.use_case_id.to_string());
    assert_eq!(call["use_case"]["name"], "Carrier sales");
    assert_eq!(call["use_case"]["model"], "scripted");
    assert_eq!(
        call["agent"],
        json!({"id": fixture.agent_id.to_string(), "name": "Default agent"})
    );
    assert_eq!(call["language"], "es-MX");
    assert_eq!(call["created"], "2024-01-01T12:00:00Z");
    assert_eq!(call["viewed_by"], json!([]));
    assert_eq!(call["params"], json!({"load_id": "L-1"}));
    assert_eq!(call["prompt_id"], id_of(&prompt));
    assert_eq!(call["max_duration_mins"], 15);
    assert_eq!(call["wait_until_awake"], true);
    for absent in [
        "scheduled_for",
        "duration",
        "extraction",
        "classification",
        "costs",
        "end_reason",
        "campaign_id",
        "voice_id",
        "model",
    ] {
        assert!(
            call.get(absent).is_none(),
            "`{absent}` should be omitted: {call}"
        );
    }
    let stored = app
        .owner()
        .get(&format!("/calls/{}", id_of(&call)), 200)
        .await;
    assert_eq!(stored, call);

    let plain = app.dial(&fixture, "+14155550101", json!({})).await;
    assert_eq!(plain["language"], "en-US");
    assert_eq!(plain["use_case"]["model"], "gpt-4o");
    assert!(plain["metadata"].get("custom").is_none());
}

async fn outbound_in_the_future_is_scheduled(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let later = app
        .dial(
            &fixture,
            "+14155550110",
            json!({"scheduled_for": "2024-01-02T08:30:00.500Z"}),
        )
        .await;
    assert_eq!(
        (later["status"].clone(), later["scheduled_for"].clone()),
        (json!("Scheduled"), json!("2024-01-02T08:30:00Z"))
    );
    let past = app
        .dial(
            &fixture,
            "+14155550111",
            json!({"scheduled_for": "2023-12-31T00:00:00+02:00"}),
        )
        .await;
    assert_eq!(past["status"], "Queued");
    assert!(past.get("scheduled_for").is_none());
}

async fn outbound_reports_every_bad_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": "555-0100", "language": "xx-XX",
        "max_duration_mins": 241, "params": [1], "agent_id": "0123456789abcdef01234567", "campaign_id": "nope"});
    let error = app.owner().post("/dial/outbound", body, 422).await;
    let mut fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "agent_id",
            "campaign_id",
            "language",
            "max_duration_mins",
            "params",
            "phone_number"
        ]
    );

    let missing = app.owner().post("/dial/outbound", json!({}), 422).await;
    let fields: Vec<&str> = missing["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["number_id", "phone_number"]);
    let wrong_type = app
        .owner()
        .post("/dial/outbound", json!({"number_id": 5}), 422)
        .await;
    assert_eq!(wrong_type["errors"][0]["field"], "number_id");
    let unknown = app
        .owner()
        .post(
            "/dial/outbound",
            json!({"number_id": "0123456789abcdef01234567", "phone_number": "+14155550100"}),
            422,
        )
        .await;
    assert_eq!(unknown["errors"][0]["field"], "number_id");
    assert_eq!(app.owner().get("/calls", 200).await["count"], 0);
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550100"});
    app.as_key(&viewer).post("/dial/outbound", body, 403).await;
}

async fn outbound_needs_a_use_case_from_the_request_or_the_number(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let other_use_case = app
        .owner()
        .post(
            "/use-cases",
            json!({"name": "Other", "language": "fr-FR"}),
            200,
        )
        .await;
    let mut number = app
        .store
        .get_number(app.org.id, fixture.number_id)
        .await
        .unwrap();
    number.use_case_config.id = None;
    app.store.update_number(&number).await.unwrap();

    let base = json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550120"});
    let error = app.owner().post("/dial/outbound", base.clone(), 422).await;
    assert_eq!(error["errors"][0]["field"], "use_case_id");
    let mut with_alias = base.clone();
    with_alias["assistant_id"] = other_use_case["id"].clone();
    let call = app.owner().post("/dial/outbound", with_alias, 200).await;
    assert_eq!(call["use_case"]["id"], other_use_case["id"]);
    assert_eq!(call["language"], "fr-FR");
}

async fn batched_is_all_or_nothing_and_names_each_bad_index(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let good =
        |phone: &str| json!({"number_id": fixture.number_id.to_string(), "phone_number": phone});
    let body = json!([good("+14155550130"), good("bad"), {"number_id": fixture.number_id.to_string()}, good("+14155550133")]);
    let error = app.owner().post("/dial/outbound-batched", body, 422).await;
    let fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["[1].phone_number", "[2].phone_number"]);
    assert_eq!(app.owner().get("/calls", 200).await["count"], 0);

    let typed = app
        .owner()
        .post(
            "/dial/outbound-batched",
            json!([good("+14155550130"), {"max_duration_mins": "x"}]),
            422,
        )
        .await;
    assert_eq!(typed["errors"][0]["field"], "[1].max_duration_mins");
    app.owner()
        .post("/dial/outbound-batched", json!([]), 422)
        .await;
    app.owner()
        .post("/dial/outbound-batched", good("+14155550130"), 422)
        .await;

    let created = app
        .owner()
        .post(
            "/dial/outbound-batched",
            json!([good("+14155550134"), good("+14155550135")]),
            200,
        )
        .await;
    let to: Vec<&str> = created
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["metadata"]["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["+14155550134", "+14155550135"]);
    assert_eq!(app.owner().get("/calls", 200).await["count"], 2);
}

async fn batched_takes_ten_thousand_calls(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let item = |i: usize| json!({"number_id": fixture.number_id.to_string(), "phone_number": format!("+1415{:07}", i), "params": {"row": i}});
    let items: Vec<Value> = (0..10_000).map(item).collect();
    let created = app
        .owner()
        .post("/dial/outbound-batched", Value::Array(items.clone()), 200)
        .await;
    assert_eq!(created.as_array().unwrap().len(), 10_000);
    assert_eq!(created[9_999]["params"]["row"], 9_999);
    assert_eq!(
        app.owner().get("/calls?limit=1", 200).await["count"],
        10_000
    );
    let mut too_many = items;
    too_many.push(item(10_000));
    let error = app
        .owner()
        .post("/dial/outbound-batched", Value::Array(too_many), 422)
        .await;
    assert!(
        error["message"].as_str().unwrap().contains("10000"),
        "{error}"
    );
}

async fn scheduled_campaign_from_calls_with_dates_timezones_and_stagger(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let body = json!({
        "number_id": fixture.number_id.to_string(), "campaign_name": "January reefer loads",
        "staggered_interval_minutes": 10, "max_duration_mins": 20,
        "retry_logic": [{"query": "Busy,No answer", "retry_period": 30, "max_retry_per_day": 2}], "max_retries": 3,
        "calls": [
            {"phone_number": "+14155550140", "load_id": "A"},
            {"phone_number": "+14155550141", "scheduled_date": "2024-01-05", "scheduled_time": "09:00:00", "timezone": "America/Chicago"},
            {"phone_number": "+14155550142", "load_id": "C", "max_duration_mins": 5},
            {"phone_number": "+14155550143", "scheduled_time": "08:00:00"},
        ],
    });
    let response = app.owner().post("/dial/scheduled", body, 200).await;
    let calls = response["createdCalls"].as_array().unwrap();
    let campaign_id = response["campaign_id"].as_str().unwrap();
    assert_eq!(campaign_id.len(), 24);
    assert!(calls.iter().all(|c| c["campaign_id"] == campaign_id));
    assert_eq!(calls[0]["status"], "Queued");
    assert_eq!(calls[0]["params"], json!({"load_id": "A"}));
    assert_eq!(calls[0]["max_duration_mins"], 20);
    assert_eq!(
        (
            calls[1]["status"].clone(),
            calls[1]["scheduled_for"].clone()
        ),
        (json!("Scheduled"), json!("2024-01-05T15:00:00Z"))
    );
    assert!(calls[1].get("params").is_none());
    assert_eq!(calls[2]["scheduled_for"], "2024-01-01T12:10:00Z");
    assert_eq!(calls[2]["max_duration_mins"], 5);
    assert_eq!(calls[3]["scheduled_for"], "2024-01-02T08:00:00Z");
    let listed = app
        .owner()
        .get(&format!("/calls?campaigns={campaign_id}"), 200)
        .await;
    assert_eq!(listed["count"], 4);
    let campaign = app
        .store
        .get_campaign(app.org.id, campaign_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(campaign.name.as_deref(), Some("January reefer loads"));
    assert_eq!(
        (
            campaign.max_retries,
            campaign.retry_logic[0].retry_period,
            campaign.retry_logic[0].max_retry_per_day
        ),
        (3, 30, 2)
    );
}

async fn scheduled_campaign_from_csv(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let csv = "phone_number,carrier,scheduled_date\n+14155550150,Swift,\n+14155550151,Knight,2024-03-01\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(csv);
    let body = json!({"number_id": fixture.number_id.to_string(), "csv_file": encoded});
    let response = app.owner().post("/dial/scheduled", body, 200).await;
    let calls = response["createdCalls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["params"], json!({"carrier": "Swift"}));
    assert_eq!(calls[1]["scheduled_for"], "2024-03-01T00:00:00Z");

    let no_phone = base64::engine::general_purpose::STANDARD.encode("number,carrier\n1,2\n");
    let error = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({"number_id": fixture.number_id.to_string(), "csv_file": no_phone}),
            422,
        )
        .await;
    assert_eq!(error["errors"][0]["field"], "csv_file");
    let error = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({"number_id": fixture.number_id.to_string(), "csv_file": "%%%"}),
            422,
        )
        .await;
    assert_eq!(error["errors"][0]["field"], "csv_file");
}

async fn scheduled_campaign_rules_are_checked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let body = json!({
        "number_id": fixture.number_id.to_string(), "agent_id": "0123456789abcdef01234567",
        "retry_logic": [{"query": "Busy,Sideways", "retry_period": 0}],
        "calls": [
            {"phone_number": "+14155550160"},
            {"phone_number": "nope", "scheduled_date": "2024-02-30"},
            {"phone_number": "+14155550162", "timezone": "Mars/Olympus", "scheduled_time": "25:00"},
        ],
    });
    let error = app.owner().post("/dial/scheduled", body, 422).await;
    let mut fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "agent_id",
            "calls[1].phone_number",
            "calls[1].scheduled_date",
            "calls[2].scheduled_time",
            "calls[2].timezone",
            "retry_logic[0].query",
            "retry_logic[0].retry_period"
        ]
    );
    assert_eq!(app.owner().get("/calls", 200).await["count"], 0);
    let empty = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({"number_id": fixture.number_id.to_string()}),
            422,
        )
        .await;
    assert_eq!(empty["errors"][0]["field"], "calls");
}

async fn idempotency_key_replays_the_first_response(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550170"})
        .to_string();
    let send = |body: String, key: &'static str| {
        let app = &app;
        async move {
            app.owner()
                .send(
                    reqwest::Method::POST,
                    "/dial/outbound",
                    Some(("application/json", body.into_bytes())),
                    &[("Idempotency-Key", key)],
                )
                .await
        }
    };
    let first = send(body.clone(), "k-1").await;
    app.clock.advance_seconds(3600);
    let again = send(body.clone(), "k-1").await;
    assert_eq!((first.status, again.status), (200, 200));
    assert_eq!(first.body, again.body);
    assert_eq!(app.owner().get("/calls", 200).await["count"], 1);

    let other_body =
        json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550171"})
            .to_string();
    let conflict = send(other_body.clone(), "k-1").await;
    assert_eq!(conflict.status, 422, "{}", conflict.body);
    let fresh = send(other_body, "k-2").await;
    assert_eq!(fresh.status, 200);
    assert_ne!(fresh.body["id"], first.body["id"]);

    app.clock.advance_seconds(24 * 3600);
    let expired = send(body, "k-1").await;
    assert_eq!(expired.status, 200);
    assert_ne!(expired.body["id"], first.body["id"]);
    assert_eq!(app.owner().get("/calls", 200).await["count"], 3);
}
