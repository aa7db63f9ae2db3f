//! Every use case rule answers 422 naming the field, all at once, on POST and PATCH alike.

use super::fields;
use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use serde_json::json;

crate::backend_tests!(
    patch_checks_the_result_like_a_create,
    each_rule_names_its_field,
    all_bad_fields_are_reported_at_once,
);

async fn patch_checks_the_result_like_a_create(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let created = app
        .owner()
        .post("/use-cases", json!({"name": "Plain"}), 200)
        .await;
    let path = format!("/use-cases/{}", id_of(&created));
    for (patch, field) in [
        (json!({"amd": true}), "amd_behavior"),
        (json!({"work_start": "09:00"}), "work_end"),
        (json!({"name": ""}), "name"),
        (json!({"name": null}), "name"),
        (json!({"max_duration_mins": 241}), "max_duration_mins"),
        (json!({"hooks": [{"url": "not a url"}]}), "hooks[0].url"),
        (json!({"language": "xx-XX"}), "language"),
    ] {
        let error = app.owner().patch(&path, patch.clone(), 422).await;
        assert_eq!(fields(&error), vec![field], "{patch}: {error}");
        assert_error_body(&error);
    }
    assert_eq!(
        app.owner().get(&path, 200).await,
        created,
        "a refused patch changes nothing"
    );
    let with_hours = app
        .owner()
        .patch(
            &path,
            json!({"work_start": "09:00", "work_end": "18:00", "timezone": "Europe/Madrid"}),
            200,
        )
        .await;
    let error = app
        .owner()
        .patch(&path, json!({"work_end": "08:00"}), 422)
        .await;
    assert_eq!(fields(&error), vec!["work_end"]);
    let amd = app
        .owner()
        .patch(&path, json!({"amd": true, "amd_behavior": "Hangup"}), 200)
        .await;
    assert_eq!(
        (
            amd["amd"].clone(),
            amd["amd_behavior"].clone(),
            amd["work_end"].clone()
        ),
        (json!(true), json!("Hangup"), with_hours["work_end"].clone())
    );
    let array = app.owner().patch(&path, json!([1]), 422).await;
    assert_eq!(fields(&array), vec!["body"]);
}

async fn each_rule_names_its_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let window = json!([{"start": "09:00", "end": "17:00"}]);
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": 5}), "name"),
        (json!({"name": "a", "language": "en-XX"}), "language"),
        (json!({"name": "a", "work_start": "08:00"}), "work_end"),
        (json!({"name": "a", "work_end": "08:00"}), "work_start"),
        (
            json!({"name": "a", "work_start": "18:00", "work_end": "08:00"}),
            "work_end",
        ),
        (
            json!({"name": "a", "work_start": "08:00", "work_end": "08:00"}),
            "work_end",
        ),
        (
            json!({"name": "a", "work_start": "8am", "work_end": "17:00"}),
            "work_start",
        ),
        (json!({"name": "a", "timezone": "Mars/Olympus"}), "timezone"),
        (
            json!({"name": "a", "detailed_work_hours": {"Monday": window}}),
            "detailed_work_hours.Monday",
        ),
        (
            json!({"name": "a", "detailed_work_hours": {"funday": window}}),
            "detailed_work_hours.funday",
        ),
        (
            json!({"name": "a", "detailed_work_hours": {"friday": [{"start": "17:00", "end": "09:00"}]}}),
            "detailed_work_hours.friday[0].end",
        ),
        (
            json!({"name": "a", "detailed_work_hours": {"friday": [{"start": "9", "end": "17:00"}]}}),
            "detailed_work_hours.friday[0].start",
        ),
        (json!({"name": "a", "amd": true}), "amd_behavior"),
        (
            json!({"name": "a", "amd": true, "amd_behavior": "Hang up"}),
            "amd_behavior",
        ),
        (
            json!({"name": "a", "amd_messages": {"klingon": "x"}}),
            "amd_messages.klingon",
        ),
        (
            json!({"name": "a", "hooks": [{"url": "ftp://files.example.com/x"}]}),
            "hooks[0].url",
        ),
        (
            json!({"name": "a", "hooks": [{"url": "https://ok.example.com"}, {"url": "/relative"}]}),
            "hooks[1].url",
        ),
        (
            json!({"name": "a", "hooks": [{"url": "https://ok.example.com", "headers": [{"key": "bad header", "value": "v"}]}]}),
            "hooks[0].headers[0].key",
        ),
        (
            json!({"name": "a", "max_duration_mins": 0}),
            "max_duration_mins",
        ),
        (
            json!({"name": "a", "max_duration_mins": 241}),
            "max_duration_mins",
        ),
        (
            json!({"name": "a", "max_duration_mins": -5}),
            "max_duration_mins",
        ),
        (
            json!({"name": "a", "transfer_number": "555-0100"}),
            "transfer_number",
        ),
        (
            json!({"name": "a", "transfer_number": "+1234"}),
            "transfer_number",
        ),
        (
            json!({"name": "a", "extract_with_ai": [{"name": "", "type": "string"}]}),
            "extract_with_ai[0].name",
        ),
        (
            json!({"name": "a", "extract_with_ai": [{"name": "rate", "type": "number"}, {"name": " rate ", "type": "string"}]}),
            "extract_with_ai[1].name",
        ),
        (
            json!({"name": "a", "extract_with_ai": [{"name": "rate", "type": "money"}]}),
            "extract_with_ai[0].type",
        ),
        (
            json!({"name": "a", "classification_tags": [{"name": "ok"}, {"name": " "}]}),
            "classification_tags[1].name",
        ),
        (json!({"name": "a", "params": [1, 2]}), "params"),
        (json!({"name": "a", "model": ""}), "model"),
    ] {
        let error = app.owner().post("/use-cases", body.clone(), 422).await;
        assert_eq!(fields(&error), vec![field], "{body}: {error}");
        assert_error_body(&error);
    }
    assert_eq!(
        app.owner().get("/use-cases", 200).await,
        json!([]),
        "nothing refused was stored"
    );
}

async fn all_bad_fields_are_reported_at_once(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let body = json!({
        "language": "xx", "max_duration_mins": 0, "hooks": [{"url": "nope"}], "amd": true,
        "work_start": "10:00", "work_end": "09:00", "extract_with_ai": [{"name": "a"}, {"name": "a"}],
    });
    let error = app.owner().post("/use-cases", body, 422).await;
    assert_eq!(
        fields(&error),
        vec![
            "amd_behavior",
            "extract_with_ai[1].name",
            "hooks[0].url",
            "language",
            "max_duration_mins",
            "name",
            "work_end"
        ]
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("7 invalid fields"),
        "{error}"
    );
}
