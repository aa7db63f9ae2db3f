use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, assert_full_call, id_of};
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    deleting_a_note_returns_the_full_call_without_it,
    notes_record_their_author_and_ignore_client_ids,
    notes_can_be_edited_and_flagged,
    note_content_is_checked,
    viewers_cannot_write_notes,
);

async fn deleting_a_note_returns_the_full_call_without_it(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550199", json!({})).await;
    let path = format!("/calls/{}/notes", id_of(&call));
    let mut note_ids = Vec::new();
    for content in ["first", "second", "third"] {
        let after = app
            .owner()
            .post(&path, json!({"content": content}), 200)
            .await;
        note_ids.push(id_of(after["notes"].as_array().unwrap().last().unwrap()));
    }

    let after = app
        .owner()
        .delete(&format!("{path}/{}", note_ids[1]), 200)
        .await;

    assert_full_call(&after);
    assert_eq!(after["id"], call["id"]);
    let contents: Vec<&str> = after["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["first", "third"]);
    let again = app
        .owner()
        .delete(&format!("{path}/{}", note_ids[1]), 404)
        .await;
    assert_error_body(&again);
    let short_id = &note_ids[0][..23];
    assert_error_body(&app.owner().delete(&format!("{path}/{short_id}"), 400).await);
    let short_call = &id_of(&call)[..23];
    app.owner()
        .delete(&format!("/calls/{short_call}/notes/{}", note_ids[0]), 400)
        .await;
    let unknown_call = "0123456789abcdef01234567";
    app.owner()
        .delete(&format!("/calls/{unknown_call}/notes/{}", note_ids[0]), 404)
        .await;
    let stored = app
        .owner()
        .get(&format!("/calls/{}", id_of(&call)), 200)
        .await;
    assert_eq!(stored["notes"], after["notes"]);
}

async fn notes_record_their_author_and_ignore_client_ids(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let call = app.dial(&fixture, "+14155550198", json!({})).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let body = json!({"content": "driver is late", "flagged": true, "id": "ffffffffffffffffffffffff",
        "user_id": "mallory@evil.test", "created_at": "1999-01-01T00:00:00Z"});
    let after = app
        .as_key(&rep)
        .post(&format!("/calls/{}/notes", id_of(&call)), body, 200)
        .await;
    let note = &after["notes"][0];
    assert_eq!(note["user_id"], "rep@acme.test");
    assert_eq!(note["content"], "driver is late");
    assert_eq!(note["flagged"], true);
    assert_eq!(note["created_at"], "2024-01-01T12:00:00Z");
    assert_ne!(note["id"], "ffffffffffffffffffffffff");
    assert!(note.get("updated_at").is_none());
}

async fn notes_can_be_edited_and_flagged(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let call = app.dial(&fixture, "+14155550197", json!({})).await;
    let after = app
        .owner()
        .post(
            &format!("/calls/{}/notes", id_of(&call)),
            json!({"content": "draft"}),
            200,
        )
        .await;
    let note_path = format!(
        "/calls/{}/notes/{}",
        id_of(&call),
        id_of(&after["notes"][0])
    );
    app.clock.advance_seconds(60);

    let edited = app
        .owner()
        .patch(&note_path, json!({"content": "final"}), 200)
        .await;
    assert_eq!(edited["notes"][0]["content"], "final");
    assert_eq!(edited["notes"][0]["flagged"], false);
    assert_eq!(edited["notes"][0]["updated_at"], "2024-01-01T12:01:00Z");
    let flagged = app
        .owner()
        .patch(&note_path, json!({"flagged": true}), 200)
        .await;
    assert_eq!(flagged["notes"][0]["content"], "final");
    assert_eq!(flagged["notes"][0]["flagged"], true);
    let unknown = format!("/calls/{}/notes/0123456789abcdef01234567", id_of(&call));
    app.owner()
        .patch(&unknown, json!({"content": "x"}), 404)
        .await;
}

async fn note_content_is_checked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let call = app.dial(&fixture, "+14155550196", json!({})).await;
    let path = format!("/calls/{}/notes", id_of(&call));
    for bad in [
        json!({"content": ""}),
        json!({"content": "   "}),
        json!({"content": "x".repeat(10_001)}),
        json!({"content": 5}),
        json!({}),
    ] {
        let error = app.owner().post(&path, bad, 422).await;
        assert_eq!(error["errors"][0]["field"], "content", "{error}");
    }
    let longest = app
        .owner()
        .post(&path, json!({"content": "é".repeat(10_000)}), 200)
        .await;
    assert_eq!(
        longest["notes"][0]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        10_000
    );
}

async fn viewers_cannot_write_notes(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let call = app.dial(&fixture, "+14155550195", json!({})).await;
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let error = app
        .as_key(&viewer)
        .post(
            &format!("/calls/{}/notes", id_of(&call)),
            json!({"content": "hi"}),
            403,
        )
        .await;
    assert_error_body(&error);
    let stored = app
        .owner()
        .get(&format!("/calls/{}", id_of(&call)), 200)
        .await;
    assert_eq!(stored["notes"], json!([]));
}
