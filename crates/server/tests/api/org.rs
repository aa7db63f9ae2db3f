//! The organization and its members: the masked key, adding, re-roling and removing
//! members, and the rule that an organization always keeps an Owner.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    the_organization_shows_a_masked_key_and_its_members,
    owners_add_members_and_change_roles,
    members_are_removed_and_lose_access,
    the_last_owner_cannot_be_removed_or_demoted,
    member_requests_are_checked,
    only_owners_manage_members_of_their_own_organization,
);

fn masked(key: &str) -> String {
    format!("{}…{}", &key[..13], &key[key.len() - 4..])
}

fn members(org: &Value) -> Value {
    org["members"].clone()
}

async fn the_organization_shows_a_masked_key_and_its_members(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let org = app.owner().get("/org", 200).await;
    assert_eq!(
        org,
        json!({
            "id": app.org.id.to_string(), "name": "Acme Freight", "description": null,
            "api_key": masked(&app.org.owner_key), "image_url": null,
            "members": [{"email": "owner@acme.test", "role": "Owner"}], "attributes": {},
            "timezone": "UTC",
        })
    );
    let secret = &app.org.owner_key[13..app.org.owner_key.len() - 4];
    assert!(
        !org.to_string().contains(secret),
        "the secret never comes back"
    );

    // Every role reads it, and each caller sees its own key masked.
    for (email, role) in [
        ("viewer@acme.test", Role::Viewer),
        ("rep@acme.test", Role::Representative),
    ] {
        let key = app.key(&app.org, email, role).await;
        let seen = app.as_key(&key).get("/org", 200).await;
        assert_eq!(seen["api_key"], masked(&key));
        assert_eq!(seen["id"], org["id"]);
    }
    let other = app.new_org("Other Co", "boss@other.test").await;
    let theirs = app.as_key(&other.owner_key).get("/org", 200).await;
    assert_eq!(
        (theirs["id"].clone(), theirs["name"].clone()),
        (json!(other.id.to_string()), json!("Other Co"))
    );
    assert_eq!(
        members(&theirs),
        json!([{"email": "boss@other.test", "role": "Owner"}])
    );
    app.anonymous().get("/org", 401).await;
}

async fn owners_add_members_and_change_roles(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let org = app
        .owner()
        .patch(
            "/member",
            json!({"email": " Dispatch@Acme.TEST ", "role": "Representative"}),
            200,
        )
        .await;
    assert_eq!(
        members(&org),
        json!([{"email": "owner@acme.test", "role": "Owner"}, {"email": "dispatch@acme.test", "role": "Representative"}])
    );
    assert_eq!(org["api_key"], masked(&app.org.owner_key));
    assert_eq!(org["name"], "Acme Freight");

    let org = app
        .owner()
        .patch(
            "/member",
            json!({"email": "audit@acme.test", "role": "Viewer", "extra": 1}),
            200,
        )
        .await;
    let org2 = app
        .owner()
        .patch(
            "/member",
            json!({"email": "dispatch@acme.test", "role": "Owner"}),
            200,
        )
        .await;
    assert_eq!(
        members(&org2),
        json!([
            {"email": "owner@acme.test", "role": "Owner"},
            {"email": "dispatch@acme.test", "role": "Owner"},
            {"email": "audit@acme.test", "role": "Viewer"},
        ])
    );
    assert_eq!(members(&org).as_array().unwrap().len(), 3);
    // Idempotent: the same role again changes nothing.
    assert_eq!(
        app.owner()
            .patch(
                "/member",
                json!({"email": "audit@acme.test", "role": "Viewer"}),
                200
            )
            .await,
        org2
    );
    assert_eq!(app.owner().get("/org", 200).await, org2);
}

async fn members_are_removed_and_lose_access(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.as_key(&rep).get("/org", 200).await;
    let org = app
        .owner()
        .delete_json("/member", json!({"email": "REP@acme.test"}), 200)
        .await;
    assert_eq!(
        members(&org),
        json!([{"email": "owner@acme.test", "role": "Owner"}])
    );
    app.as_key(&rep).get("/org", 401).await;

    let error = app
        .owner()
        .delete_json("/member", json!({"email": "rep@acme.test"}), 404)
        .await;
    assert_error_body(&error);
    app.owner()
        .delete_json("/member", json!({"email": "nobody@acme.test"}), 404)
        .await;
    let other = app.new_org("Other Co", "boss@other.test").await;
    app.owner()
        .delete_json("/member", json!({"email": "boss@other.test"}), 404)
        .await;
    assert_eq!(
        app.as_key(&other.owner_key).get("/org", 200).await["members"][0]["email"],
        "boss@other.test"
    );
}

async fn the_last_owner_cannot_be_removed_or_demoted(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_error_body(
        &app.owner()
            .delete_json("/member", json!({"email": "owner@acme.test"}), 409)
            .await,
    );
    assert_error_body(
        &app.owner()
            .patch(
                "/member",
                json!({"email": "owner@acme.test", "role": "Viewer"}),
                409,
            )
            .await,
    );
    let only_owner = json!([{"email": "owner@acme.test", "role": "Owner"}]);
    assert_eq!(members(&app.owner().get("/org", 200).await), only_owner);

    // With a second Owner the first may step down, and the second may then remove it.
    let second = app.key(&app.org, "second@acme.test", Role::Owner).await;
    let org = app
        .owner()
        .patch(
            "/member",
            json!({"email": "owner@acme.test", "role": "Viewer"}),
            200,
        )
        .await;
    assert_eq!(
        members(&org),
        json!([{"email": "owner@acme.test", "role": "Viewer"}, {"email": "second@acme.test", "role": "Owner"}])
    );
    app.owner()
        .patch(
            "/member",
            json!({"email": "owner@acme.test", "role": "Owner"}),
            403,
        )
        .await;
    let org = app
        .as_key(&second)
        .delete_json("/member", json!({"email": "owner@acme.test"}), 200)
        .await;
    assert_eq!(
        members(&org),
        json!([{"email": "second@acme.test", "role": "Owner"}])
    );
    app.as_key(&second)
        .delete_json("/member", json!({"email": "second@acme.test"}), 409)
        .await;
}

async fn member_requests_are_checked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (body, expected) in [
        (json!({}), vec!["email", "role"]),
        (
            json!({"email": "not-an-email", "role": "Boss"}),
            vec!["email", "role"],
        ),
        (json!({"email": "a@b.co", "role": "owner"}), vec!["role"]),
        (json!({"email": "a@b", "role": "Viewer"}), vec!["email"]),
        (json!({"email": "a@b.co"}), vec!["role"]),
    ] {
        let error = app.owner().patch("/member", body.clone(), 422).await;
        let mut fields: Vec<&str> = error["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, expected, "{body}: {error}");
        assert_error_body(&error);
    }
    for body in [json!({}), json!({"email": "nope"})] {
        let error = app.owner().delete_json("/member", body.clone(), 422).await;
        assert_eq!(error["errors"][0]["field"], "email", "{body}");
    }
    let no_body = app.owner().delete("/member", 415).await;
    assert_error_body(&no_body);
    assert_eq!(
        members(&app.owner().get("/org", 200).await)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn only_owners_manage_members_of_their_own_organization(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (email, role) in [
        ("viewer@acme.test", Role::Viewer),
        ("rep@acme.test", Role::Representative),
    ] {
        let key = app.key(&app.org, email, role).await;
        let client = app.as_key(&key);
        assert_error_body(
            &client
                .patch("/member", json!({"email": email, "role": "Owner"}), 403)
                .await,
        );
        client
            .patch(
                "/member",
                json!({"email": "new@acme.test", "role": "Viewer"}),
                403,
            )
            .await;
        client
            .delete_json("/member", json!({"email": "owner@acme.test"}), 403)
            .await;
    }
    app.anonymous()
        .patch(
            "/member",
            json!({"email": "x@acme.test", "role": "Owner"}),
            401,
        )
        .await;
    app.anonymous()
        .delete_json("/member", json!({"email": "owner@acme.test"}), 401)
        .await;

    // An Owner of another organization adds members to its own organization only.
    let other = app.new_org("Other Co", "boss@other.test").await;
    let theirs = app
        .as_key(&other.owner_key)
        .patch(
            "/member",
            json!({"email": "owner@acme.test", "role": "Viewer"}),
            200,
        )
        .await;
    assert_eq!(theirs["id"], other.id.to_string());
    let ours = app.owner().get("/org", 200).await;
    assert_eq!(
        members(&ours),
        json!([{"email": "owner@acme.test", "role": "Owner"}, {"email": "viewer@acme.test", "role": "Viewer"}, {"email": "rep@acme.test", "role": "Representative"}])
    );
}
