//! Finding 4: only a note's author may edit it; its author or an Owner may delete it.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    only_the_author_edits_a_note,
    the_author_or_an_owner_deletes_a_note,
);

/// A queued call with one note by the Owner and one by `rep`; the call's path and the two
/// notes' ids.
async fn call_with_notes(app: &TestApp, rep: &str) -> (String, String, String) {
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550140", json!({})).await;
    let path = format!("/calls/{}", id_of(&call));
    let note_id = |call: &Value, author: &str| {
        call["notes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["user_id"] == author)
            .map(id_of)
            .unwrap()
    };
    let by_owner = app
        .owner()
        .post(&format!("{path}/notes"), json!({"content": "owner's"}), 200)
        .await;
    let by_rep = app
        .as_key(rep)
        .post(&format!("{path}/notes"), json!({"content": "rep's"}), 200)
        .await;
    (
        path,
        note_id(&by_owner, "owner@acme.test"),
        note_id(&by_rep, "rep@acme.test"),
    )
}

async fn only_the_author_edits_a_note(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let other_rep = app
        .key(&app.org, "rep2@acme.test", Role::Representative)
        .await;
    let (path, owners, reps) = call_with_notes(&app, &rep).await;
    let edit = json!({"content": "rewritten", "flagged": true});
    let flag = json!({"flagged": true});

    // Someone else's note: a Representative, another Representative, even an Owner.
    for (key, note) in [
        (&rep, &owners),
        (&other_rep, &reps),
        (&other_rep, &owners),
        (&app.org.owner_key, &reps),
    ] {
        for body in [&edit, &flag] {
            let refused = app
                .as_key(key)
                .patch(&format!("{path}/notes/{note}"), body.clone(), 403)
                .await;
            assert_error_body(&refused);
        }
    }
    let call = app.owner().get(&path, 200).await;
    for note in call["notes"].as_array().unwrap() {
        assert!(note["content"] == "owner's" || note["content"] == "rep's");
        assert_eq!(note["flagged"], false);
        assert!(note.get("updated_at").is_none());
    }

    // Their own.
    let after = app
        .as_key(&rep)
        .patch(&format!("{path}/notes/{reps}"), edit.clone(), 200)
        .await;
    let mine = after["notes"].as_array().unwrap();
    assert!(mine.iter().any(|n| n["content"] == "rewritten"));
    app.owner()
        .patch(&format!("{path}/notes/{owners}"), flag, 200)
        .await;
    // An unknown note is still a 404, not a 403.
    let unknown = "6592a94000000000000000aa";
    app.as_key(&rep)
        .patch(&format!("{path}/notes/{unknown}"), edit, 404)
        .await;
}

async fn the_author_or_an_owner_deletes_a_note(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let other_rep = app
        .key(&app.org, "rep2@acme.test", Role::Representative)
        .await;
    let (path, owners, reps) = call_with_notes(&app, &rep).await;

    app.as_key(&rep)
        .delete(&format!("{path}/notes/{owners}"), 403)
        .await;
    app.as_key(&other_rep)
        .delete(&format!("{path}/notes/{reps}"), 403)
        .await;
    let call = app.owner().get(&path, 200).await;
    assert_eq!(call["notes"].as_array().unwrap().len(), 2);

    // An Owner deletes a Representative's note; the Representative deletes their own.
    let after = app
        .owner()
        .delete(&format!("{path}/notes/{reps}"), 200)
        .await;
    assert_eq!(after["notes"].as_array().unwrap().len(), 1);
    app.as_key(&rep)
        .delete(&format!("{path}/notes/{reps}"), 404)
        .await;
    let (path, _, reps) = call_with_notes(&app, &rep).await;
    let after = app
        .as_key(&rep)
        .delete(&format!("{path}/notes/{reps}"), 200)
        .await;
    assert!(
        after["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["user_id"] != "rep@acme.test")
    );
}
