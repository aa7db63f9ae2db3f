use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, assert_full_call, id_of, page_ids};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    list_pages_and_counts_in_both_orders,
    list_filters_combine,
    list_parameters_are_checked,
    current_page_locates_a_call_under_filters,
    tags_are_distinct_and_sorted,
    cancel_and_stop_follow_the_state_machine,
    delete_removes_the_call_but_not_while_live,
);

async fn list_pages_and_counts_in_both_orders(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let mut dialed = Vec::new();
    for i in 0..5 {
        // Two calls share each second, so the order of equal `created` comes from the id.
        if i % 2 == 0 {
            app.clock.advance_seconds(1);
        }
        dialed.push(id_of(
            &app.dial(&fixture, &format!("+1415555020{i}"), json!({}))
                .await,
        ));
    }

    let all = app.owner().get("/calls", 200).await;
    assert_eq!(
        (
            all["count"].clone(),
            all["limit"].clone(),
            all["offset"].clone()
        ),
        (json!(5), json!(2000), json!(0))
    );
    let mut newest_first = dialed.clone();
    newest_first.reverse();
    assert_eq!(page_ids(&all), newest_first);
    assert_full_call(&all["calls"][0]);

    let asc = app.owner().get("/calls?sort=asc&limit=2&skip=1", 200).await;
    assert_eq!(page_ids(&asc), dialed[1..3]);
    assert_eq!(
        (
            asc["count"].clone(),
            asc["limit"].clone(),
            asc["offset"].clone()
        ),
        (json!(5), json!(2), json!(1))
    );
    let past_end = app.owner().get("/calls?skip=10", 200).await;
    assert_eq!(
        (past_end["calls"].clone(), past_end["count"].clone()),
        (json!([]), json!(5))
    );
}

async fn list_filters_combine(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let sales = app.number_with_use_case(&app.org, "Carrier sales").await;
    let checks = app.number_with_use_case(&app.org, "Check calls").await;
    let a = app
        .dial(
            &sales,
            "+14155550301",
            json!({"tags": ["vip", "reefer"], "model_id": "scripted"}),
        )
        .await;
    app.clock.advance_seconds(86_400);
    let b = app
        .dial(&checks, "+13125550302", json!({"tags": ["reefer"]}))
        .await;
    app.clock.advance_seconds(86_400);
    let c = app
        .dial(
            &sales,
            "+17135550303",
            json!({"campaign_id": "65a000000000000000000001"}),
        )
        .await;
    let done = app
        .seed_call(&b, "Completed", |call| {
            call["extraction"] = json!({"load_number": "LD-4411", "rate": 1250});
            call["transfer_contact_email"] = json!("Dispatch@Acme.test");
            call["metadata"]["tags"] = json!(["done"]);
        })
        .await;

    let query = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let page = app.owner().get(&format!("/calls?{q}"), 200).await;
            (page["count"].as_u64().unwrap(), page_ids(&page))
        }
    };
    assert_eq!(query("statuses=Queued").await.0, 3);
    assert_eq!(
        query("statuses=Completed,Canceled").await.1,
        vec![id_of(&done)]
    );
    assert_eq!(query("statuses=In%20progress").await.0, 0);
    assert_eq!(query("tags=reefer").await.1, vec![id_of(&b), id_of(&a)]);
    assert_eq!(query("tags=vip,done").await.0, 2);
    assert_eq!(
        query(&format!("use_cases={}", sales.use_case_id)).await.1,
        vec![id_of(&c), id_of(&a)]
    );
    assert_eq!(
        query(&format!("use_cases={}&tags=reefer", sales.use_case_id))
            .await
            .1,
        vec![id_of(&a)]
    );
    assert_eq!(
        query("campaigns=65a000000000000000000001").await.1,
        vec![id_of(&c)]
    );
    assert_eq!(query("models=scripted").await.1, vec![id_of(&a)]);
    assert_eq!(query("type=Outbound").await.0, 4);
    assert_eq!(query("type=Inbound").await.0, 0);
    assert_eq!(query("from=2024-01-02&to=2024-01-02").await.0, 2);
    assert_eq!(query("to=2024-01-01T12:00:00Z").await.1, vec![id_of(&a)]);
    assert_eq!(query("from=2024-01-03T12:00:00Z").await.1, vec![id_of(&c)]);
    assert_eq!(query("search=LD-44").await.1, vec![id_of(&done)]);
    assert_eq!(query("search=ld-4411").await.1, vec![id_of(&done)]);
    assert_eq!(query("search=312555").await.0, 2);
    assert_eq!(query("search=%25").await.0, 0);
    assert_eq!(
        query("transfer_contact_email=dispatch@acme.test").await.1,
        vec![id_of(&done)]
    );
}

async fn list_parameters_are_checked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=2001", "limit"),
        ("limit=ten", "limit"),
        ("skip=-1", "skip"),
        ("statuses=Done", "statuses"),
        ("type=Sideways", "type"),
        ("sort=up", "sort"),
        ("use_cases=123", "use_cases"),
        ("from=yesterday", "from"),
        ("to=2024-13-01", "to"),
    ] {
        let error = app.owner().get(&format!("/calls?{query}"), 422).await;
        assert_eq!(error["errors"][0]["field"], field, "{query}: {error}");
        assert_error_body(&error);
    }
    let many = app.owner().get("/calls?limit=0&sort=up", 422).await;
    assert_eq!(many["errors"].as_array().unwrap().len(), 2);
    app.owner()
        .get("/calls?limit=2000&skip=0&sort=asc", 200)
        .await;
}

async fn current_page_locates_a_call_under_filters(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let mut dialed = Vec::new();
    for i in 0..7 {
        app.clock.advance_seconds(1);
        let tags = if i % 2 == 0 {
            json!(["even"])
        } else {
            json!([])
        };
        dialed.push(id_of(
            &app.dial(&fixture, &format!("+1415555040{i}"), json!({"tags": tags}))
                .await,
        ));
    }
    let page_of = |query: String| {
        let app = &app;
        async move {
            app.owner()
                .get(&format!("/calls/current-page?{query}"), 200)
                .await["currentPage"]
                .clone()
        }
    };
    // Newest first: dialed[6] is position 0, dialed[0] is position 6.
    assert_eq!(page_of(format!("callId={}&limit=3", dialed[0])).await, 3);
    assert_eq!(page_of(format!("callId={}&limit=3", dialed[6])).await, 1);
    assert_eq!(
        page_of(format!("call_id={}&limit=3&sort=asc", dialed[0])).await,
        1
    );
    assert_eq!(
        page_of(format!("callId={}&limit=2&tags=even", dialed[0])).await,
        2
    );
    assert_eq!(page_of(format!("callId={}", dialed[0])).await, 1);
    app.owner()
        .get(
            &format!("/calls/current-page?callId={}&tags=even", dialed[1]),
            404,
        )
        .await;
    app.owner()
        .get("/calls/current-page?callId=0123456789abcdef01234567", 404)
        .await;
    let missing = app.owner().get("/calls/current-page?limit=3", 422).await;
    assert_eq!(missing["errors"][0]["field"], "callId");
    app.owner().get("/calls/current-page?callId=xyz", 422).await;
}

async fn tags_are_distinct_and_sorted(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    assert_eq!(app.owner().get("/calls/tags", 200).await, json!([]));
    app.dial(&fixture, "+14155550501", json!({"tags": ["reefer", "vip"]}))
        .await;
    app.dial(
        &fixture,
        "+14155550502",
        json!({"tags": ["flatbed", "vip", " reefer "]}),
    )
    .await;
    let other = app.new_org("Other Co", "boss@other.test").await;
    let theirs = app.number_with_use_case(&other, "Theirs").await;
    let body = json!({"number_id": theirs.number_id.to_string(), "phone_number": "+14155550503", "tags": ["secret"]});
    app.as_key(&other.owner_key)
        .post("/dial/outbound", body, 200)
        .await;
    assert_eq!(
        app.owner().get("/calls/tags", 200).await,
        json!(["flatbed", "reefer", "vip"])
    );
}

async fn cancel_and_stop_follow_the_state_machine(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let queued = app.dial(&fixture, "+14155550601", json!({})).await;
    let scheduled = app
        .dial(
            &fixture,
            "+14155550602",
            json!({"scheduled_for": "2024-02-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(scheduled["status"], "Scheduled");

    let path = |call: &Value, action: &str| format!("/calls/{}/{action}", id_of(call));
    app.as_key(&viewer)
        .post_empty(&path(&queued, "cancel"), 403)
        .await;
    assert_error_body(
        &app.as_key(&rep)
            .post_empty(&path(&queued, "stop"), 409)
            .await,
    );
    let canceled = app
        .as_key(&rep)
        .post_empty(&path(&queued, "cancel"), 200)
        .await;
    assert_eq!(
        (canceled["status"].clone(), canceled["end_reason"].clone()),
        (json!("Canceled"), json!("canceled"))
    );
    assert_full_call(&canceled);
    let twice = app
        .as_key(&rep)
        .post_empty(&path(&queued, "cancel"), 409)
        .await;
    assert!(
        twice["message"].as_str().unwrap().contains("Canceled"),
        "{twice}"
    );
    app.as_key(&rep)
        .post_empty(&path(&scheduled, "cancel"), 200)
        .await;

    for (live, after) in [
        ("In progress", "Completed"),
        ("Ringing", "Canceled"),
        ("Initiated", "Canceled"),
    ] {
        let call = app.seed_call(&queued, live, |_| {}).await;
        app.as_key(&rep)
            .post_empty(&path(&call, "cancel"), 409)
            .await;
        let stopped = app.as_key(&rep).post_empty(&path(&call, "stop"), 200).await;
        assert_eq!(
            (stopped["status"].clone(), stopped["end_reason"].clone()),
            (json!(after), json!("stopped"))
        );
        app.as_key(&rep).post_empty(&path(&call, "stop"), 409).await;
    }
    for finished in [
        "Completed",
        "Busy",
        "No answer",
        "Failed",
        "AMD Terminated",
        "Transferred",
    ] {
        let call = app.seed_call(&queued, finished, |_| {}).await;
        app.as_key(&rep).post_empty(&path(&call, "stop"), 409).await;
        app.as_key(&rep)
            .post_empty(&path(&call, "cancel"), 409)
            .await;
        let unchanged = app
            .owner()
            .get(&format!("/calls/{}", id_of(&call)), 200)
            .await;
        assert_eq!(unchanged["status"], finished);
    }
}

async fn delete_removes_the_call_but_not_while_live(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app
        .dial(&fixture, "+14155550701", json!({"tags": ["gone"]}))
        .await;
    let path = format!("/calls/{}", id_of(&call));
    app.owner()
        .post(&format!("{path}/notes"), json!({"content": "n"}), 200)
        .await;
    app.owner()
        .patch(
            &format!("{path}/ratings"),
            json!({"emoji": "✅", "operation": "add"}),
            200,
        )
        .await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.as_key(&rep).delete(&path, 403).await;

    let deleted = app.owner().delete(&path, 200).await;
    assert_eq!(deleted["id"], call["id"]);
    assert_eq!(deleted["notes"][0]["content"], "n");
    app.owner().get(&path, 404).await;
    app.owner().delete(&path, 404).await;
    assert_eq!(app.owner().get("/calls", 200).await["count"], 0);
    assert_eq!(app.owner().get("/calls/tags", 200).await, json!([]));

    let live = app.seed_call(&call, "In progress", |_| {}).await;
    assert_error_body(
        &app.owner()
            .delete(&format!("/calls/{}", id_of(&live)), 409)
            .await,
    );
    app.owner()
        .get(&format!("/calls/{}", id_of(&live)), 200)
        .await;
}
